"""Our own open-data exports read back: ``export --to json`` (one file) and ``export --to csv`` (one file a table,
named by the table's sheet name, in a folder ``…-csv``).

* **json** — the export's own structure (schema ``juesuan-xlsx/export/…``): year, layout, 部门 and every table by
  its keys, so nothing is recognised by text; read with the standard library, size and nesting bounded, every
  field type-checked.  Anything that is not our export (another program's JSON, a damaged file) is a
  :class:`~.sniff.SourceError` in Chinese.  Provenance: table title, row (code or label) and column as printed.
* **csv** — one of our nine files, or the folder of them read as one document: each file becomes one grid named
  by its file name (公开05表.csv, or the table's title in Shanghai's layout), its one header row ("本年支出/基本支出",
  the levels joined by "/") spread back into header rows, and the recogniser reads it like a sheet (columns by
  header text, rows by code and label).  A csv carries no year and no 部门: they come from the folder's name,
  which ``export --to csv`` takes from the workbook's ("某某局2024年度部门决算-csv").  Provenance:
  ``公开05表.csv!C3`` (file, row, column as in a spreadsheet) with the row label and column header as printed.

A folder is a csv export when it holds a ``.csv`` named as one of the nine tables (:func:`is_csv_export`).
Other programs' csv and json files are out of scope (a csv laid out as one of the nine tables under our file
name is read like ours).
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from ..contract import CSV_DANGEROUS, EXPORT_SCHEMA_PREFIX, STAMP
from ..disclosure import Disclosure, Kind, Paragraph, Printed, Where
from ..model import Cell, CodeRow, CodeTable, Instance
from ..resources import available_specs
from ..spec import SUM_ROW, Spec, SpecError, Table, load_spec
from .document import Document, Grid, Para, TCell
from .numbers import parse_amount
from .sniff import SourceError
from .text import decode
from .titles import match_label, match_title, norm

MAX_JSON_BYTES = 20 * 1024 * 1024
MAX_CSV_BYTES = 5 * 1024 * 1024  # one table
MAX_CSV_FILES = 30  # in a folder
MAX_FOLDER_ENTRIES = 500
MAX_ROWS = 2_000
MAX_COLS = 60
MAX_FIGURE_CHARS = 40


# ---------------------------------------------------------------------------------------------------------------
# telling them apart (by content, never by extension)


def looks_like_json(head: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def looks_like_csv(text: str) -> bool:
    """Comma-separated rows of a constant width (the stamp line of a forced export aside), no tabs."""
    lines = [line for line in text[:20_000].splitlines() if line.strip()][:8]
    if lines and lines[0].lstrip("'").startswith(STAMP):
        lines = lines[1:]
    if len(lines) < 2 or any("\t" in line for line in lines):
        return False
    try:
        widths = {len(row) for row in csv.reader(lines[:-1] if len(lines) == 8 else lines)}
    except csv.Error:
        return False
    return len(widths) == 1 and min(widths) >= 2


def table_of(name: str) -> str | None:
    """The table id a csv file's name names (公开05表, or a title of the nine), or None."""
    info = match_title(name)
    if info is not None and norm(name) == info.title:
        return info.table
    label = match_label(name)
    return label if label is not None and norm(name) == f"公开{label}表" else None


def csv_files(folder: Path) -> list[Path]:
    """The csv files of a folder that are tables of ours, in table order (bounded listing)."""
    found: list[tuple[str, Path]] = []
    try:
        for i, entry in enumerate(folder.iterdir()):
            if i >= MAX_FOLDER_ENTRIES:
                break
            if entry.suffix.lower() == ".csv" and entry.is_file():
                tid = table_of(entry.stem)
                if tid is not None:
                    found.append((tid, entry))
    except OSError:
        return []
    return [p for _, p in sorted(found)][:MAX_CSV_FILES]


def is_csv_export(path: Path) -> bool:
    """A folder that ``export --to csv`` wrote: it holds a ``.csv`` named as one of the nine tables."""
    return path.is_dir() and bool(csv_files(path))


# ---------------------------------------------------------------------------------------------------------------
# csv


def _unescape(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:2].startswith(CSV_DANGEROUS) and len(text) > 1 else text


def _header_rows(header: list[str], where: list[Where]) -> list[list[TCell]]:
    """"收入/项目", "收入/决算数" … back into header rows: a level shared by neighbours is one merged cell, a column
    with fewer levels is merged down."""
    levels = [[p for p in h.split("/") if p] or [""] for h in header]
    depth = max((len(lv) for lv in levels), default=1)
    rows: list[list[TCell]] = []
    for r in range(depth):
        row: list[TCell] = []
        for c, parts in enumerate(levels):
            if r < len(parts):
                covered = c > 0 and len(levels[c - 1]) > r and levels[c - 1][: r + 1] == parts[: r + 1]
                row.append(TCell(parts[r], where[c], covered=covered))
            else:
                row.append(TCell(parts[-1], where[c], covered=True))
        rows.append(row)
    return rows


def _check_csv_size(path: Path, size: int) -> None:
    if size > MAX_CSV_BYTES:
        raise SourceError(f"{path.name} 有 {size // (1024 * 1024)} MB，超出一张部门决算表的合理大小，拒绝读取")


def _csv_text(path: Path) -> str:
    try:
        _check_csv_size(path, path.stat().st_size)
        return decode(path.read_bytes())
    except OSError as exc:
        raise SourceError(f"无法打开文件 {path.name}：{exc.strerror or exc}") from exc


def _csv_grid(path: Path, text: str, doc: Document) -> None:
    try:
        raw = list(csv.reader(text.splitlines()[: MAX_ROWS + 2]))
    except csv.Error as exc:
        raise SourceError(f"{path.name} 不是有效的 CSV 文件（{exc}）") from exc
    name = path.name
    rows = [[_unescape(t) for t in row[:MAX_COLS]] for row in raw]
    first = 0
    while first < len(rows) and not any(t.strip() for t in rows[first]):
        first += 1
    if first < len(rows) and len([t for t in rows[first] if t.strip()]) == 1 and rows[first][0].startswith(STAMP):
        if not any(isinstance(b, Para) and b.text == rows[first][0] for b in doc.blocks):
            doc.blocks.append(Para(rows[first][0], Where(sheet=name, cell=f"A{first + 1}")))
        first += 1
    if first >= len(rows):
        return
    width = max(len(r) for r in rows[first:])

    def where(r: int, c: int) -> Where:
        return Where(sheet=name, cell=f"{get_column_letter(c + 1)}{r + 1}")

    header = rows[first] + [""] * (width - len(rows[first]))
    grid_rows = _header_rows(header, [where(first, c) for c in range(width)])
    for r in range(first + 1, len(rows)):
        cells = rows[r] + [""] * (width - len(rows[r]))
        grid_rows.append([TCell(t, where(r, c)) for c, t in enumerate(cells)])
    doc.blocks.append(Grid(grid_rows, Where(sheet=name, cell=f"A{first + 1}"), sheet=path.stem))


def read_csv(path: Path, read: tuple[str, int] | None = None) -> Document:
    """One csv file of ours (a table) as a document; ``read``: its text and size in bytes when the caller has
    already read and decoded it."""
    if read is None:
        text = _csv_text(path)
    else:
        text, size = read
        _check_csv_size(path, size)
    doc = Document("csv", files=1)
    _csv_grid(path, text, doc)
    return doc


def read_csv_folder(folder: Path) -> Document:
    """The folder ``export --to csv`` wrote, as one document: its tables in order, the folder's name as the
    document's title (the year and 部门 the files do not print)."""
    files = csv_files(folder)
    if not files:
        raise SourceError("这是一个文件夹，不是文件（只有 export --to csv 导出的 CSV 文件夹可以整体读取：其中有"
                          "“公开01表.csv”或“收入支出决算总表.csv”这样的文件）")
    doc = Document("csv", files=len(files), title=folder.name[:200])
    for path in files:
        _csv_grid(path, _csv_text(path), doc)
    return doc


# ---------------------------------------------------------------------------------------------------------------
# json


def _bad(what: str) -> SourceError:
    return SourceError(f"JSON 文件的结构不是 juesuan-xlsx 导出的部门决算（{what}）")


def _field(data: dict[str, Any], key: str, kind: type | tuple[type, ...], what: str) -> Any:
    value = data.get(key)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise _bad(f"{what}缺少或类型不对：{key}")
    return value


def _spec_of(year: object, profile: object) -> Spec:
    if not isinstance(year, int) or isinstance(year, bool) or not isinstance(profile, str):
        raise _bad("year / profile")
    if (year, profile) not in set(available_specs()):
        known = "、".join(f"{y} 年 {p}" for y, p in available_specs())
        raise SourceError(f"JSON 文件是 {year} 年度“{profile[:40]}”格式，本工具没有这一表样（现有：{known}）")
    try:
        return load_spec(year, profile)
    except SpecError as exc:  # pragma: no cover - a shipped spec loads
        raise SourceError(str(exc)) from exc


def read_json_file(path: Path) -> Disclosure:
    """:func:`read_json` of a file, its size checked before a byte is read."""
    try:
        size = path.stat().st_size
        if size > MAX_JSON_BYTES:
            raise SourceError(f"JSON 文件有 {size // (1024 * 1024)} MB，超出部门决算文件的合理大小，拒绝读取")
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"无法打开文件：{exc.strerror or exc}") from exc
    return read_json(data, str(path))


def read_json(data: bytes, source: str = "") -> Disclosure:
    """Our json export as a Disclosure (see the module docstring)."""
    if len(data) > MAX_JSON_BYTES:
        raise SourceError(f"JSON 文件有 {len(data) // (1024 * 1024)} MB，超出部门决算文件的合理大小，拒绝读取")
    try:
        doc = json.loads(decode(data), parse_float=str, parse_int=str, parse_constant=str)
    except RecursionError as exc:
        raise SourceError("JSON 文件嵌套过深，不是部门决算数据，拒绝读取") from exc
    except ValueError as exc:
        raise SourceError(f"不是有效的 JSON 文件（{str(exc)[:80]}）") from exc
    if not isinstance(doc, dict):
        raise _bad("顶层不是对象")
    schema = doc.get("schema")
    if not isinstance(schema, str) or not schema.startswith(EXPORT_SCHEMA_PREFIX):
        raise SourceError("这是 JSON 文件，但不是 juesuan-xlsx 导出的部门决算数据（没有 schema "
                          f"“{EXPORT_SCHEMA_PREFIX}…”）；其他程序的 JSON 不能读取，请提供原表（Excel、Word 或 PDF）")
    year = doc.get("year")
    year = int(year) if isinstance(year, str) and year.isdigit() and len(year) == 4 else year
    spec = _spec_of(year, doc.get("profile"))
    dept = doc.get("dept")
    inst = Instance(spec)
    out = Disclosure(spec=spec, inst=inst, source=source, source_kind="json", year=spec.year,
                     dept=dept.strip()[:200] if isinstance(dept, str) else "")
    if not out.dept:
        out.problems.append(("S-部门未识别", None, {}))
    unit = doc.get("unit", "万元")
    if unit != "万元":
        raise _bad(f"单位“{str(unit)[:20]}”")
    if doc.get("stamp"):
        note = doc.get("stamp_note")
        out.paragraphs.append(Paragraph(f"{STAMP}：{note}" if isinstance(note, str) else STAMP, Where()))
    tables = _field(doc, "tables", list, "")
    seen: set[str] = set()
    by_id = {t.id: t for t in spec.tables}
    for index, raw in enumerate(tables[:20]):
        if not isinstance(raw, dict):
            raise _bad(f"第 {index + 1} 张表不是对象")
        tid = _field(raw, "id", str, "表")
        table = by_id.get(tid)
        title = str(raw.get("title") or (table.title if table else tid))[:80]
        if table is None:
            out.unchecked_tables.append(title)
            continue
        if tid in seen:
            out.problems.append(("S-表重复", Where(table=title), {"table": title}))
            continue
        seen.add(tid)
        _json_table(out, table, title, raw)
    for table in spec.tables:
        if table.kind == "codes" and table.id not in inst.code_tables:
            inst.code_tables[table.id] = CodeTable([], parents_typed=True)
    out.missing_tables = [t.id for t in spec.tables if t.id not in seen]
    found = len(spec.tables) - len(out.missing_tables)
    out.how = f"JSON（本工具导出），识别 {found} 张表（{spec.layout_name}，{spec.year} 年度）"
    return out


def _json_table(out: Disclosure, table: Table, title: str, raw: dict[str, Any]) -> None:
    columns: dict[str, str] = {}
    for col in raw.get("columns") or []:
        if isinstance(col, dict) and isinstance(col.get("key"), str):
            columns[col["key"]] = str(col.get("title") or col["key"])[:60]
    rows = _field(raw, "rows", list, f"{title}：")
    grid = table.grid_rows() if table.kind == "grid" else {}
    code_rows: list[CodeRow] = []
    value_keys = set(table.value_keys())
    for number, row in enumerate(rows[:5_000], 1):
        if not isinstance(row, dict):
            raise _bad(f"{title}第 {number} 行不是对象")
        values = row.get("values")
        if not isinstance(values, dict):
            raise _bad(f"{title}第 {number} 行缺少 values")
        key = row.get("key")
        code = row.get("code")
        code = code if isinstance(code, str) else None
        name = row.get("name")
        label = str(row.get("name") or row.get("label") or "")[:80]
        printed_row: str | None
        if table.kind == "codes":
            if key == SUM_ROW:
                row_key, printed_row, wanted = SUM_ROW, "合计", value_keys
            elif code is not None and re.fullmatch(r"\d{3}(?:\d{2}){0,2}", code):
                row_key = f"#{len(code_rows) + 1}"
                code_rows.append(CodeRow(row_key, code, name[:80] if isinstance(name, str) else ""))
                printed_row, wanted = code, value_keys
                out.code_where[(table.id, row_key)] = Where(table=title, row=code)
                if isinstance(name, str) and name:
                    out.code_names.setdefault(code, name[:80])
            else:
                out.problems.append(("S-科目编码无效", Where(table=title, row=str(code or key)[:40]),
                                     {"code": str(code or key)[:40], "table": title}))
                continue
        else:
            grid_row = grid.get(key) if isinstance(key, str) else None
            if grid_row is None:
                out.problems.append(("S-行无法识别", Where(table=title, row=str(key)[:40]),
                                     {"label": str(key)[:40], "table": title}))
                continue
            row_key, printed_row, wanted = str(key), label or grid_row.label or None, set(grid_row.values)
        for col, text in values.items():
            if col not in wanted:
                out.problems.append(("S-多余列", Where(table=title, row=printed_row),
                                     {"column": str(col)[:40], "table": title}))
                continue
            cell = Cell(table.id, row_key, col)
            if cell in out.figures:
                continue
            where = Where(table=title, row=printed_row, column=columns.get(col, col))
            shown = text if isinstance(text, str) else ""
            kind, value = parse_amount(shown) if len(shown) <= MAX_FIGURE_CHARS else (Kind.UNREADABLE, None)
            if not isinstance(text, str) or kind is Kind.UNREADABLE:
                out.problems.append(("S-数字无法识别", where, {"text": str(text)[:40], "table": title}))
                kind, value = Kind.UNREADABLE, None
            out.figures[cell] = Printed(value if kind is Kind.NUMBER else None, kind, shown[:MAX_FIGURE_CHARS], where)
    if table.kind == "codes":
        out.inst.code_tables[table.id] = CodeTable(code_rows, parents_typed=True)
    note = raw.get("note")
    if isinstance(note, str) and note.strip():
        out.notes.append(Paragraph(note.strip()[:500], Where(table=title)))


__all__ = ["is_csv_export", "looks_like_csv", "looks_like_json", "read_csv", "read_csv_folder", "read_json",
           "read_json_file",
           "table_of"]
