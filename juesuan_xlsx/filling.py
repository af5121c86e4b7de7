"""Figures to type into a template, from a TOML file (examples, tests) — the library's way to fill a workbook."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .contract import UNIT_NAMES, WAN
from .generate import FilledRow, Filling
from .model import Cell, Instance
from .narrative.shuoming import inputs_from_mapping
from .spec import Spec, load_spec


@dataclass(frozen=True)
class FillFile:
    year: int
    profile: str
    dept: str
    filling: Filling
    printed: dict[Cell, Decimal]
    shuoming: Any = None  # NarrativeInputs for the 说明 sheet, from a [shuoming] table
    unit: str = WAN  # what [cells] and [[rows]] are in: unit = "元" fills a ``new --unit 元`` workbook


def _amount(value: Any, where: str) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{where}: 金额“{value}”不是数字") from None


def _cell(text: str) -> Cell:
    parts = text.split(".")
    if len(parts) != 3:
        raise ValueError(f"单元格“{text}”应写作 表.行.列（如 06.30101.amt）")
    table, row, col = parts
    return Cell(table, row, col)


def load_fill_file(path: str | Path, spec: Spec | None = None) -> FillFile:
    """Read a fill file; every key must name an input of ``spec`` (by default the file's own year and layout):
    a key that is unknown, or names a cell or column the workbook computes, is an error naming it — a figure
    the template would not write is never dropped silently."""
    raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    try:
        cells = {_cell(k): _amount(v, k) for k, v in raw.get("cells", {}).items()}
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
    rows: dict[str, list[FilledRow]] = {}
    for table_id, items in raw.get("rows", {}).items():
        for item in items:
            if "code" not in item:
                raise ValueError(f"{path}: [[rows.\"{table_id}\"]] 的一行没有 code：{item}")
        rows[table_id] = [
            FilledRow(str(item["code"]), item.get("name"),
                      {k: _amount(v, f"{table_id} {item['code']} {k}") for k, v in item.items()
                       if k not in ("code", "name")})
            for item in items
        ]
    spec = spec if spec is not None else load_spec(int(raw["year"]), raw.get("profile", "central"))
    _check_inputs(path, spec, cells, rows)
    printed = {_cell(k): _amount(v, k) for k, v in raw.get("printed", {}).items()}
    shuoming = None
    if "shuoming" in raw:
        shuoming = inputs_from_mapping(raw["shuoming"])
    unit = str(raw.get("unit", WAN))
    if unit not in UNIT_NAMES:
        raise ValueError(f"{path}: unit = “{unit}”：金额单位只能是 万元 或 元")
    return FillFile(int(raw["year"]), raw.get("profile", "central"), raw.get("dept", ""),
                    Filling(cells, rows), printed, shuoming, UNIT_NAMES[unit])


def _check_inputs(path: str | Path, spec: Spec, cells: Mapping[Cell, Decimal],
                  rows: Mapping[str, list[FilledRow]]) -> None:
    """Every [cells] key an input cell of a fixed table, every [[rows]] key an input column of a code table."""
    computed = Instance.free(spec).formula_cells()
    grid = {c for t in spec.tables if t.kind == "grid"
            for c in (Cell(t.id, key, col) for key, r in t.grid_rows().items() for col in r.values)}
    problems = [f"“{c}”不在 {spec.key} 表样中" for c in cells if c not in grid]
    problems += [f"“{c}”是公式单元格（由工作簿计算，不能填写）" for c in cells if c in grid and c in computed]
    code_tables = {t.id: t for t in spec.tables if t.kind == "codes"}
    for table_id, items in rows.items():
        table = code_tables.get(table_id)
        if table is None:
            problems.append(f"[[rows.\"{table_id}\"]]：{spec.key} 中没有这张功能分类表")
            continue
        columns = [c.key for c in table.columns]
        probe = Instance.free(spec).code_tables[table_id].rows[0].key  # any free row: the formula columns
        typed = [c for c in columns if Cell(table_id, probe, c) not in computed]
        for item in items:
            for key in item.amounts:
                where = f"[[rows.\"{table_id}\"]] code = \"{item.code}\" 的“{key}”"
                if key not in columns:
                    problems.append(f"{where}不是该表的列（可填写：{'、'.join(typed)}）")
                elif Cell(table_id, probe, key) in computed:
                    problems.append(f"{where}是公式列（由工作簿计算，不能填写）")
    if problems:
        raise ValueError(f"{path}: " + "；".join(dict.fromkeys(problems)))
