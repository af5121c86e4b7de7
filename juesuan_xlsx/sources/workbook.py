"""Workbooks laid out as the nine tables by any program: ``.xlsx`` (openpyxl, values as last saved) and legacy
``.xls`` (xlrd).  Each sheet is one grid (or several, when a sheet stacks tables under their titles); merged
cells repeat their text over the positions they cover; provenance is ``Sheet!C12``.

Bounds: at most :data:`MAX_SHEETS` sheets, :data:`MAX_ROWS` rows and :data:`MAX_COLS` columns a sheet are read
(the nine tables need a few dozen of each); the zip was checked before opening (see :mod:`.sniff`).  Formulas
are never evaluated: a cell's value is what the last program saved, and macros are never run.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from openpyxl.utils import get_column_letter

from ..disclosure import Where
from .document import Document, Grid, TCell
from .numbers import UNCOMPUTED, float_amount
from .sniff import SourceError
from .titles import match_title

MAX_SHEETS = 60
MAX_ROWS = 1_000
MAX_COLS = 60
MAX_SHEET_XML = 40 * 1024 * 1024  # one sheet's XML, uncompressed


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return format(float_amount(value), "f")
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def _grids(sheet: str, code: str | None, cells: Sequence[Sequence[str]],
           merges: list[tuple[int, int, int, int]]) -> Iterator[Grid]:
    """One sheet's rows as grids (split where a later row is a table title alone), merged cells spread."""
    height = len(cells)
    width = max((len(r) for r in cells), default=0)
    covered: dict[tuple[int, int], tuple[int, int]] = {}
    for r0, c0, r1, c1 in merges:
        for r in range(r0, min(r1, height - 1) + 1):
            for c in range(c0, min(c1, width - 1) + 1):
                if (r, c) != (r0, c0):
                    covered[(r, c)] = (r0, c0)

    def text_at(r: int, c: int) -> str:
        row = cells[r]
        return row[c] if c < len(row) else ""

    rows: list[list[TCell]] = []
    for r in range(height):
        row: list[TCell] = []
        for c in range(width):
            origin = covered.get((r, c))
            where = Where(sheet=sheet, cell=f"{get_column_letter(c + 1)}{r + 1}")
            if origin is not None:
                row.append(TCell(text_at(*origin), where, covered=True))
            else:
                row.append(TCell(text_at(r, c), where))
        rows.append(row)
    start = 0
    seen_table = False
    for r, row in enumerate(rows):
        texts = {" ".join(c.text.split()) for c in row if c.text.strip()}
        if seen_table and len(texts) == 1 and match_title(next(iter(texts))) is not None:
            yield Grid(rows[start:r], Where(sheet=sheet, cell=f"A{start + 1}"), sheet=sheet, sheet_code=code)
            start, seen_table = r, False
        elif len(texts) >= 2:
            seen_table = True
    yield Grid(rows[start:], Where(sheet=sheet, cell=f"A{start + 1}"), sheet=sheet, sheet_code=code)


_SHEET = re.compile(r'<sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"')
_REL = re.compile(r'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"')
_REL2 = re.compile(r'<Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"')
_FORMULA_CELL = re.compile(r'<c\b[^>]*?\br="([A-Z]{1,3}\d{1,7})"[^>]*(?<!/)>((?:(?!</c>).)*)</c>', re.S)


def _cell_index(ref: str) -> tuple[int, int]:
    letters = "".join(ch for ch in ref if ch.isalpha())
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return int(ref[len(letters):]) - 1, col - 1


def _formulas_without_values(archive: zipfile.ZipFile) -> dict[str, list[str]]:
    """Sheet name → cells holding a formula with no saved result (a workbook written by a library and never
    opened in a spreadsheet program: our own template, xlsxwriter's default)."""
    import html

    try:
        book = archive.read("xl/workbook.xml").decode("utf-8", "replace")
        rels_text = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except KeyError:
        return {}
    rels = {rid: target for rid, target in _REL.findall(rels_text)}
    rels.update({rid: target for target, rid in _REL2.findall(rels_text)})
    out: dict[str, list[str]] = {}
    names = set(archive.namelist())
    for name, rid in _SHEET.findall(book):
        target = rels.get(rid, "")
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        if part not in names:
            continue
        xml = archive.read(part).decode("utf-8", "replace")
        if "<f" not in xml:
            continue
        refs = [ref for ref, inner in _FORMULA_CELL.findall(xml)
                if "<f" in inner and ("<v>" not in inner and "<v " not in inner or "<v></v>" in inner
                                      or "<v/>" in inner)]
        if refs:
            out[html.unescape(name)] = refs
    return out


def _trim(cells: list[list[str]]) -> list[list[str]]:
    while cells and not any(t.strip() for t in cells[-1]):
        cells.pop()
    width = 0
    for row in cells:
        for c in range(len(row) - 1, -1, -1):
            if row[c].strip():
                width = max(width, c + 1)
                break
    return [row[:width] for row in cells]


def read_xlsx(path: Path) -> Document:
    """The sheets of an .xlsx (values as last saved; formulas are not evaluated)."""
    import openpyxl

    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.filename.startswith("xl/worksheets/") and info.file_size > MAX_SHEET_XML:
                    raise SourceError(f"工作表 {info.filename.rsplit('/', 1)[-1]} 解压后超过 "
                                      f"{MAX_SHEET_XML // (1024 * 1024)} MB，超出部门决算表格的合理大小，拒绝读取")
            if "xl/vbaProject.bin" in archive.namelist():
                macros = True
            else:
                macros = False
            uncomputed = _formulas_without_values(archive)
        wb = openpyxl.load_workbook(path, data_only=True, read_only=False, keep_links=False)
    except SourceError:
        raise
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on a damaged file
        raise SourceError(f"无法读取 Excel 工作簿（{type(exc).__name__}：{str(exc)[:80]}）。"
                          "请在 Excel 中打开并另存为 .xlsx 后重试") from exc
    doc = Document("xlsx", sheets=len(wb.worksheets), title=str(wb.properties.title or "")[:200])
    if macros:
        doc.note("S-宏已忽略")
    if uncomputed:
        doc.note("S-公式无缓存值", None, cells=sum(len(v) for v in uncomputed.values()))
    sheets = [ws for ws in wb.worksheets if getattr(ws, "sheet_state", "visible") == "visible"]
    if len(sheets) > MAX_SHEETS:
        doc.note("S-工作表过多", None, sheets=len(sheets), read=MAX_SHEETS)
    for ws in sheets[:MAX_SHEETS]:
        max_row = min(ws.max_row or 0, MAX_ROWS)
        max_col = min(ws.max_column or 0, MAX_COLS)
        cells = [[_text(v) for v in row] for row in
                 ws.iter_rows(min_row=1, max_row=max_row, max_col=max_col, values_only=True)] if max_row else []
        for ref in uncomputed.get(ws.title, ()):
            r, c = _cell_index(ref)
            if r < len(cells) and c < len(cells[r]) and not cells[r][c]:
                cells[r][c] = UNCOMPUTED
        cells = _trim(cells)
        merges = [(m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1) for m in ws.merged_cells.ranges
                  if m.min_row <= max_row and m.min_col <= max_col]
        code = ws.sheet_properties.codeName if ws.sheet_properties is not None else None
        for grid in _grids(ws.title, code, cells, merges):
            if grid.rows:
                doc.blocks.append(grid)
    wb.close()
    return doc


def read_xls(data: bytes, macros: bool = False) -> Document:
    """The sheets of a legacy .xls (values as last saved; macros are never run)."""
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True,
                                  logfile=io.StringIO())
    except Exception as exc:  # noqa: BLE001 - xlrd raises many kinds on a damaged or foreign file
        raise SourceError(f"无法读取 .xls 工作簿（{type(exc).__name__}：{str(exc)[:80]}）。"
                          "请在 Excel 或 WPS 中打开并另存为 .xlsx 后重试") from exc
    try:
        doc = Document("xls", sheets=book.nsheets)
        if macros:
            doc.note("S-宏已忽略")
        if book.nsheets > MAX_SHEETS:
            doc.note("S-工作表过多", None, sheets=book.nsheets, read=MAX_SHEETS)
        for index in range(min(book.nsheets, MAX_SHEETS)):
            sheet = book.sheet_by_index(index)
            if getattr(sheet, "visibility", 0):
                continue
            rows = min(sheet.nrows, MAX_ROWS)
            cols = min(sheet.ncols, MAX_COLS)
            cells = [[_xls_text(sheet.cell(r, c), book.datemode) for c in range(cols)] for r in range(rows)]
            cells = _trim(cells)
            merges = [(r0, c0, r1 - 1, c1 - 1) for r0, r1, c0, c1 in sheet.merged_cells if r0 < rows and c0 < cols]
            for grid in _grids(sheet.name, None, cells, merges):
                if grid.rows:
                    doc.blocks.append(grid)
            book.unload_sheet(index)
        return doc
    finally:
        book.release_resources()


def _xls_text(cell: object, datemode: int) -> str:
    import xlrd

    ctype = getattr(cell, "ctype", 0)
    value = getattr(cell, "value", "")
    if ctype == xlrd.XL_CELL_NUMBER:
        return _text(float(value))
    if ctype == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(value, "#ERROR")  # type: ignore[no-any-return]
    if ctype == xlrd.XL_CELL_BOOLEAN:
        return "TRUE" if value else "FALSE"
    if ctype == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate_as_datetime(value, datemode).isoformat()  # type: ignore[no-any-return]
        except Exception:  # noqa: BLE001
            return str(value)
    return str(value) if value is not None else ""
