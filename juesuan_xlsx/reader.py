"""Read a returned workbook back into the model: which sheet is which table, which row is which code or line.

Sheets are found by their stable code name (GK01 …), then by the 公开NN表 label, then by name; rows by their
labels and codes, so renamed and reordered sheets and inserted rows are tolerated.  Only the regions the spec
defines are scanned (plus a margin), never a sheet's declared dimension.
"""

from __future__ import annotations

import io
import re
from collections.abc import Container
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeAlias

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from .amounts import Amount, parse_amount
from .book import Book, Sheet, load_book
from .contract import (
    CHECK_CODENAME,
    CHECK_SHEET,
    CREATED,
    DEPT_LABEL,
    DICT_CODENAME,
    DICT_SHEET,
    GENERATOR,
    VIEW_CODENAME_SUFFIX,
    YUAN,
    view_sheet,
    workbook_marker,
)
from .errors import JuesuanError
from .layout import DEPT_ROW, TableLayout, layout_all
from .model import Cell, CodeRow, CodeTable, Instance
from .spec import SUM_ROW, Spec, SpecError, load_spec

AnySheet: TypeAlias = Worksheet | Sheet  # the one-pass reader's sheets, or openpyxl's for the files it declines
MARGIN = 30  # extra rows scanned below a table's expected end (inserted rows)
_SPACE = re.compile(r"\s+")


def norm(text: Any) -> str:
    return _SPACE.sub("", str(text)) if text is not None else ""


@dataclass
class RawCell:
    sheet: str
    row: int  # 0-based
    col: int
    formula: str | None  # formula text without "=", or None for a typed value
    value: Any  # typed value (None for formula cells)
    cached: Any  # value saved by the last application (data_only)

    @property
    def address(self) -> str:
        return f"{openpyxl.utils.get_column_letter(self.col + 1)}{self.row + 1}"


@dataclass
class CodeEntry:
    key: str
    code: Any  # as typed (str, int, float, None)
    name: Any
    row: int


@dataclass
class ReadResult:
    path: Path
    spec: Spec
    mode: str  # "free" | "fixed"
    dept: str
    inst: Instance
    sheets: dict[str, str]  # table id → sheet title
    cells: dict[Cell, RawCell]
    entries: dict[str, list[CodeEntry]]  # code tables: every scanned row with a code or an amount
    sum_rows: dict[str, int]
    layouts: dict[str, TableLayout] = field(default_factory=dict)  # where the cells actually are
    check_sheet: str | None = None  # title of the 校验 sheet
    views: dict[str, str] = field(default_factory=dict)  # a 元 workbook: table id → title of its 万元 view sheet
    fresh: bool = False  # written by juesuan-xlsx and saved by no application since (no cached values expected)
    dictionary_sheet: dict[str, str] = field(default_factory=dict)  # the workbook's own 字典 (code → name)
    dictionary_size: int = 0
    wb: Any = None  # the workbook (formulas, typed values) for cells outside the model: a Book or openpyxl's
    cached_wb: Any = None  # its twin holding the values the last application saved
    book: Book | None = None  # the one-pass read (None: openpyxl's full loads read this file)

    def raw_value(self, title: str | None, row: int, col: int) -> Any:
        """What a cell holds (formula text with "=", or the typed value); 0-based row and column."""
        if title is None or title not in self.wb.sheetnames:
            return None
        return self.wb[title].cell(row + 1, col + 1).value

    def cached_value(self, title: str, address: str) -> Any:
        if title not in self.cached_wb.sheetnames:
            return None
        return self.cached_wb[title][address].value
    blocks: dict[str, tuple[int, int]] = field(default_factory=dict)  # code tables: entry rows the totals cover
    # structural problems met while reading: (finding code, sheet, cell or None, message args)
    problems: list[tuple[str, str, str | None, dict[str, Any]]] = field(default_factory=list)
    dept_cell: tuple[str, str] | None = None  # where the 部门 name is typed (sheet, "B3"); None: no table found

    def where(self, cell: Cell) -> str:
        raw = self.cells[cell]
        return f"{raw.sheet}!{raw.address}"


class NotOurWorkbook(JuesuanError, ValueError):
    """The workbook is not a juesuan-xlsx template (no marker, no 公开NN表 labels)."""


def detect_spec(wb: Any) -> tuple[Spec, str, str]:
    marker = workbook_marker(wb)
    if not marker.ours:
        raise NotOurWorkbook("工作簿中没有 juesuan-xlsx 模板标记")
    if marker.year is None or marker.profile is None:
        raise NotOurWorkbook(f"工作簿标记为“{marker.raw}”：无法识别年度和表样")
    try:
        spec = load_spec(marker.year, marker.profile)
    except SpecError as exc:
        raise NotOurWorkbook(f"工作簿标记为“{marker.raw}”：{exc}") from None
    return spec, marker.mode, marker.dept


def find_sheets(wb: Any, spec: Spec) -> dict[str, AnySheet]:
    """Table id → worksheet: code name first, then the 公开NN表 label in the top rows, then the sheet name."""
    found: dict[str, AnySheet] = {}
    by_codename = {ws.sheet_properties.codeName: ws for ws in wb.worksheets}
    for table in spec.tables:
        ws = by_codename.get(table.codename)
        if ws is None:
            for candidate in wb.worksheets:
                if any(norm(c) == table.label for row in candidate.iter_rows(min_row=1, max_row=4, max_col=16,
                                                                              values_only=True) for c in row):
                    ws = candidate
                    break
        if ws is None and table.sheet in wb.sheetnames:
            ws = wb[table.sheet]
        if ws is not None:
            found[table.id] = ws
    return found


def read_workbook(path: str | Path) -> ReadResult:
    path = Path(path)
    # from the bytes, not the name: openpyxl refuses a real xlsx whose name ends in .xls or .et
    data = path.read_bytes()
    book = load_book(data)
    if book is not None:
        wb, cached_wb = book, book.cached
    else:  # a file the one-pass reader declines: openpyxl's own loads, formulas then cached values
        wb = openpyxl.load_workbook(io.BytesIO(data), data_only=False)
        cached_wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    spec, mode, dept = detect_spec(wb)
    sheets = find_sheets(wb, spec)
    reference = layout_all(Instance.free(spec))  # expected positions (header, first data row)
    result = ReadResult(path, spec, mode, dept, Instance(spec), {t: ws.title for t, ws in sheets.items()}, {}, {}, {})
    result.wb, result.cached_wb, result.book = wb, cached_wb, book
    marker = workbook_marker(wb)
    result.inst.set_unit(marker.unit, marker.sources_count)
    props = wb.properties
    result.fresh = props.lastModifiedBy == GENERATOR and props.modified is not None and \
        props.modified.replace(tzinfo=None) == CREATED
    by_codename = {ws.sheet_properties.codeName: ws for ws in wb.worksheets}
    check = by_codename.get(CHECK_CODENAME) or (wb[CHECK_SHEET] if CHECK_SHEET in wb.sheetnames else None)
    result.check_sheet = check.title if check is not None else None
    if result.inst.unit == YUAN:
        for table in spec.tables:
            view = by_codename.get(table.codename + VIEW_CODENAME_SUFFIX)
            name = view.title if view is not None else view_sheet(table.sheet)
            if name in wb.sheetnames:
                result.views[table.id] = name
    _read_dept(result, sheets)
    words = by_codename.get(DICT_CODENAME) or (wb[DICT_SHEET] if DICT_SHEET in wb.sheetnames else None)
    if words is None:  # the 科目名称 lookups of every code table read it
        result.problems.append(("R-缺少字典表", "", None, {"name": DICT_SHEET}))
    else:
        for code, name, *_ in words.iter_rows(min_row=2, max_row=20001, max_col=2, values_only=True):
            if code is None:
                break
            result.dictionary_sheet[excel_text(code)] = str(name or "")
        result.dictionary_size = len(result.dictionary_sheet)
    for table in spec.tables:
        ws = sheets.get(table.id)
        if ws is None:
            result.problems.append(("R-缺少表", table.sheet, None, {"label": table.label}))
            if table.kind == "codes":
                result.inst.code_tables[table.id] = CodeTable([], parents_typed=mode == "free")
            continue
        cached = cached_wb[ws.title]
        if table.kind == "grid":
            _read_grid(result, ws, cached, reference[table.id])
        else:
            _read_codes(result, ws, cached, reference[table.id], mode == "free")
    return result


def _read_dept(result: ReadResult, sheets: dict[str, AnySheet]) -> None:
    """The 部门 name as typed on the tables' 部门 line, the first table's before the others'; the marker's (the
    name given to ``new --dept``) only when no table was found."""
    names = []
    for table in result.spec.tables:
        ws = sheets.get(table.id)
        if ws is not None:
            if result.dept_cell is None:
                result.dept_cell = (ws.title, f"B{DEPT_ROW + 1}")
            names.append(dept_on_line(ws.cell(DEPT_ROW + 1, 1).value, ws.cell(DEPT_ROW + 1, 2).value))
    if names:
        result.dept = next((n for n in names if n), "")


def dept_on_line(label: Any, typed: Any) -> str:
    """The 部门 name of one 部门 line: typed beside the 部门： label, or after it in the label's own cell (the layout
    of earlier versions, or a user who typed there)."""
    head = str(label).strip() if isinstance(label, str) else ""
    label_text = DEPT_LABEL.rstrip("：")
    if head.startswith(label_text):
        rest = head[len(label_text):].lstrip(":：").strip()
        if rest:
            return rest
    if typed is None or (isinstance(typed, str) and typed.startswith("=")):
        return ""
    text = excel_text(typed).strip()
    if text.startswith(label_text):
        text = text[len(label_text):].lstrip(":：").strip()
    return text


def _raw(ws: AnySheet, cached: AnySheet, row: int, col: int) -> RawCell:
    value = ws.cell(row + 1, col + 1).value
    formula = None
    if isinstance(value, str) and value.startswith("="):
        formula, value = value[1:], None
    elif value is not None and type(value).__name__ in ("ArrayFormula", "DataTableFormula"):
        formula, value = str(getattr(value, "text", "") or "").lstrip("="), None
    return RawCell(ws.title, row, col, formula, value, cached.cell(row + 1, col + 1).value)


def _read_grid(result: ReadResult, ws: AnySheet, cached: AnySheet, lay: TableLayout) -> None:
    """Find each row by its label or econ code near its expected place; a row without a label of its own keeps
    the offset of the row above it."""
    actual: dict[str, int] = {}
    offset = 0
    last = lay.end_row + MARGIN
    missing: list[tuple[str, int]] = []  # (label, offset then) of rows not found
    for key, (row, col, ident) in sorted(lay.grid_rows.items(), key=lambda kv: kv[1][0]):
        found = None
        text = ident or lay.labels.get((row, col), "")  # a row known by its printed label (01's 类 rows)
        if text:
            wanted = norm(text)
            # the match nearest the expected place: a label may repeat in its column (上海 04表 年初 一、二、三)
            matches = [r for r in range(max(lay.data_row, row + offset - MARGIN), last + offset)
                       if norm(ws.cell(r + 1, col + 1).value) == wanted]
            if matches:
                found = min(matches, key=lambda r: (abs(r - row - offset), r))
        if found is None:
            found = row + offset
            if text:
                missing.append((text, offset))
        elif text:
            # the rows below a missing one moved up: it was deleted (say so, not only "not found")
            for label, before in missing:
                gone = before - (found - row)
                result.problems.append(("R-行已删除", ws.title, None, {"label": label, "count": gone}) if gone > 0
                                       else ("R-找不到行", ws.title, None, {"label": label}))
            missing = []
        offset = found - row
        actual[key] = found
    result.problems.extend(("R-找不到行", ws.title, None, {"label": label}) for label, _ in missing)
    actual_layout = TableLayout(lay.table, lay.data_row, lay.end_row)
    for cell, (row, col) in lay.cells.items():
        r = actual.get(cell.row, row)
        result.cells[cell] = _raw(ws, cached, r, col)
        actual_layout.cells[cell] = (r, col)
    result.layouts[lay.table.id] = actual_layout


def excel_text(value: Any) -> str:
    """A cell as Excel's ``A1&""`` sees it: 201 and 201.0 → "201", blank → ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _read_codes(result: ReadResult, ws: AnySheet, cached: AnySheet, lay: TableLayout, free: bool) -> None:
    table = lay.table
    ncols = len(table.columns)
    sum_last = table.sum_row == "last"
    sum_row = None
    if sum_last:  # 合计 below the block: search down from the first data row, past the longest block there may be
        search = range(lay.data_row, min(ws.max_row, lay.data_row + table.free_rows + 10 * MARGIN + 5000))
    else:
        search = range(lay.data_row, lay.data_row + MARGIN)
    for r in search:
        if norm(ws.cell(r + 1, 1).value) == "合计":
            sum_row = r
            break
    if sum_row is None:
        result.problems.append(("R-缺少合计行", ws.title, None, {"label": table.label}))
        result.inst.code_tables[table.id] = CodeTable([], parents_typed=free)
        return
    result.sum_rows[table.id] = sum_row
    for j, column in enumerate(table.columns):
        result.cells[Cell(table.id, SUM_ROW, column.key)] = _raw(ws, cached, sum_row, 2 + j)
    if sum_last:
        # rows are keyed by their place in the block the totals cover, as in the template's plan
        first, last = _block(result, ws, table, sum_row, [], free, lay)
        anchor, scan = first - 1, range(min(first, lay.data_row), sum_row)
    else:
        # rows are keyed by their offset below the 合计 row, the same keys the template's plan uses
        anchor = sum_row
        scan = range(sum_row + 1, sum_row + 1 + max(table.free_rows, lay.entry_last - lay.entry_first + 1)
                     + 10 * MARGIN)
    rows: list[CodeRow] = []
    entries: list[CodeEntry] = []
    blank_run = 0
    for r in scan:
        code_value = ws.cell(r + 1, 1).value
        code_text = norm(code_value)
        if code_text.startswith(("注", "说明")):
            break
        amounts = [ws.cell(r + 1, 3 + j).value for j in range(ncols)]
        typed = [a for a in amounts if a is not None and not (isinstance(a, str) and a.startswith("="))]
        if not code_text and not typed:
            blank_run += 1
            if not sum_last and blank_run > MARGIN and r > lay.entry_last:
                break
            continue
        blank_run = 0
        key = f"#{r - anchor}"
        name_raw = _raw(ws, cached, r, 1)
        entries.append(CodeEntry(key, code_value, name_raw.value if name_raw.formula is None else name_raw.cached,
                                 r))
        # the code exactly as the workbook's own formulas see it ($A8&""): a stray space makes "2013201 " an
        # 8-character code there, neither a 项 nor anyone's child, and the spec's computation must agree
        # (the code rule reports the space at its cell)
        code = excel_text(code_value)
        rows.append(CodeRow(key, code or None, norm(entries[-1].name)))
        for j, column in enumerate(table.columns):
            result.cells[Cell(table.id, key, column.key)] = _raw(ws, cached, r, 2 + j)
    result.entries[table.id] = entries
    if not sum_last:
        first, last = _block(result, ws, table, sum_row, entries, free, lay)
    result.blocks[table.id] = (first, last)
    if sum_last:
        actual_layout = TableLayout(table, first, sum_row + 1, sum_last=True)
    else:
        actual_layout = TableLayout(table, sum_row, last + 1)
    for j, column in enumerate(table.columns):
        actual_layout.cells[Cell(table.id, SUM_ROW, column.key)] = (sum_row, 2 + j)
    for block_row in range(first, last + 1):
        block_key = f"#{block_row - anchor}"
        actual_layout.code_rows[block_key] = block_row
        for j, column in enumerate(table.columns):
            actual_layout.cells[Cell(table.id, block_key, column.key)] = (block_row, 2 + j)
    actual_layout.status_col, actual_layout.level_col, actual_layout.parent_col = (
        lay.status_col, lay.level_col, lay.parent_col) if free else (None, None, None)
    result.layouts[table.id] = actual_layout
    # rows without a code, or outside the totals, take part in no relation (as in the workbook's own
    # formulas); the verifier reports them
    inside = {e.key for e in entries if first <= e.row <= last}
    usable = [row for row in rows if row.key in inside and row.code is not None]
    result.inst.code_tables[table.id] = CodeTable(usable, parents_typed=free)


_RANGE = re.compile(r"\$?[A-Z]{1,3}\$?(\d+):\$?[A-Z]{1,3}\$?(\d+)")


def _block(result: ReadResult, ws: AnySheet, table: Any, sum_row: int, entries: list[CodeEntry], free: bool,
           lay: TableLayout) -> tuple[int, int]:
    """The entry rows the workbook's own totals cover (0-based, inclusive).

    A free-entry template sums its block with SUMIF over a fixed range, which grows when rows are inserted
    inside it; the range in the 合计 row's first formula is the block.  A --codes template covers its rows.
    """
    sum_last = table.sum_row == "last"
    if free:
        raw = result.cells.get(Cell(table.id, SUM_ROW, table.columns[0].key))
        match = _RANGE.search(raw.formula or "") if raw is not None else None
        if match:
            return int(match[1]) - 1, int(match[2]) - 1
        if sum_last:
            return max(lay.entry_first, sum_row - (lay.entry_last - lay.entry_first + 1)), sum_row - 1
        return sum_row + 1, sum_row + (lay.entry_last - lay.entry_first + 1)
    if sum_last:  # a --codes table: every row between the header and the 合计 row
        return lay.data_row, sum_row - 1
    last = max((e.row for e in entries), default=sum_row)
    return sum_row + 1, max(last, sum_row + 1)


def typed_figures(read: ReadResult, formulas: Container[Cell]) -> tuple[dict[Cell, Decimal], set[Cell],
                                                                      list[tuple[Cell, RawCell, Amount]]]:
    """The figures typed into amount cells: (values as SUM sees them, template formula cells typed over, every
    typed cell with its parsed amount).  Cells holding a formula are left to the caller."""
    inputs: dict[Cell, Decimal] = {}
    typed_over: set[Cell] = set()
    typed: list[tuple[Cell, RawCell, Amount]] = []
    for cell, raw in read.cells.items():
        if raw.formula is not None:
            continue
        amount = parse_amount(raw.value)
        if cell in formulas:
            typed_over.add(cell)
        if amount.kind != "blank":
            inputs[cell] = amount.value
        typed.append((cell, raw, amount))
    return inputs, typed_over, typed
