"""Open-data formats: one csv per table (UTF-8 with BOM, so Excel opens it as UTF-8) and one json document.

Both follow the layout: a csv has the table's rows in the printed order (Shanghai's 合计 after the codes) and one
column per printed column with its header levels joined by "/" (Shanghai's 三公 table: 合计/预算数, 合计/决算数, …);
the json lists the tables in the spec's order, rows as printed, ``label`` null where the layout prints none.

CSV cells that are text and start with = + - @ tab or CR are prefixed with ' so that a spreadsheet never runs
them as formulas (GUIDE §3); amounts are written as plain numbers with two decimals and never touched.
"""

from __future__ import annotations

import csv
import json
from dataclasses import fields
from decimal import Decimal
from pathlib import Path
from typing import Any

from .. import __version__
from ..contract import CSV_DANGEROUS, EXPORT_SCHEMA_PREFIX
from ..narrative.inputs import NarrativeInputs
from ..narrative.values import WorkbookValues
from ..spec import SUM_ROW, Table
from .tables import STAMP, STAMP_NOTE, PubTable, flat_headers

SCHEMA = EXPORT_SCHEMA_PREFIX + "1.0"


def csv_text(value: str) -> str:
    """A text cell made safe for spreadsheets: a leading = + - @ tab or CR gets a ' in front."""
    return "'" + value if value.startswith(CSV_DANGEROUS) else value


def csv_rows(pt: PubTable, *, stamped: bool = False) -> list[list[str]]:
    rows: list[list[str]] = []
    if stamped:
        rows.append([csv_text(f"{STAMP}：{STAMP_NOTE}")])
    rows.append([csv_text(h) for h in flat_headers(pt.header)])
    for row in pt.rows:
        rows.append([f"{c.amount:.2f}" if c.amount is not None else csv_text(c.text) for c in row.cells])
    return rows


def write_csv(pt: PubTable, path: Path, *, stamped: bool = False) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerows(csv_rows(pt, stamped=stamped))


# ---------------------------------------------------------------------------------------------------------------


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def workbook_json(values: WorkbookValues, inputs: NarrativeInputs | None = None, *, stamped: bool = False) -> dict[
        str, Any]:
    """The whole workbook as plain data: codes, names, every amount as a string with two decimals."""
    tables = []
    for table in values.spec.tables:
        tv = values.tables[table.id]
        titles = _column_titles(table)
        rows = list(tv.rows)
        if table.kind == "codes" and table.sum_row == "last":  # as printed: the 合计 after the codes
            rows = [*tv.code_rows, tv.row(SUM_ROW)]
        tables.append({
            "id": table.id, "label": table.label if table.label_visible else None, "title": table.title,
            "kind": table.kind,
            "columns": [{"key": key, "title": titles[key]} for key in table.value_keys()],
            "rows": [{"key": r.key, "code": r.code, "name": r.name, "line": r.line,
                      "values": {k: _money(v) for k, v in r.amounts.items()}} for r in rows],
            "empty": tv.empty, "note": table.empty_note if tv.empty else "",
        })
    out: dict[str, Any] = {
        "schema": SCHEMA, "generator": f"juesuan-xlsx {__version__}",
        "year": values.year, "profile": values.profile, "dept": values.dept, "unit": "万元",
        "verified": not stamped, "stamp": STAMP if stamped else None, "stamp_note": STAMP_NOTE if stamped else None,
        "tables": tables,
    }
    if inputs is not None:
        out["shuoming"] = _inputs_json(inputs)
    return out


def write_json(values: WorkbookValues, path: Path, inputs: NarrativeInputs | None = None, *,
               stamped: bool = False) -> None:
    text = json.dumps(workbook_json(values, inputs, stamped=stamped), ensure_ascii=False, indent=2)
    Path(path).write_text(text + "\n", encoding="utf-8")


def _column_titles(table: Table) -> dict[str, str]:
    """Each value column's title: the last header level, with as many levels above it as make it unique within
    the table (the 三公 table has six 预算数 columns in Shanghai's layout, two 合计 columns in the central one)."""
    if table.kind == "codes":
        return {c.key: c.title for c in table.columns}
    flat = flat_headers(table.header)
    paths: dict[str, list[str]] = {}
    col = 0
    for panel in table.panels:
        for name in panel.fields:
            if name in panel.value_fields and name not in paths:
                paths[name] = flat[col].split("/")
            col += 1
    depth = dict.fromkeys(paths, 1)
    while True:
        titles = {key: "/".join(path[-depth[key]:]) for key, path in paths.items()}
        clashing = {key for key, title in titles.items()
                    if list(titles.values()).count(title) > 1 and depth[key] < len(paths[key])}
        if not clashing:
            return titles
        for key in clashing:
            depth[key] += 1


def _inputs_json(inputs: NarrativeInputs) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields(inputs):
        value = getattr(inputs, f.name)
        if f.name == "items":
            out["items"] = [{"code": i.code, "budget": None if i.budget is None else _money(i.budget),
                             "reason": i.reason} for i in value]
        elif isinstance(value, Decimal):
            out[f.name] = _money(value)
        else:
            out[f.name] = value
    return out
