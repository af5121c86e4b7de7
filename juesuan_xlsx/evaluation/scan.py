"""What a formula may touch, read from its text alone: the whitelist, the scanner, the workbook survey and budgets.

A workbook that uses anything outside :data:`ALLOWED_FUNCTIONS`, reaches outside itself (external links,
INDIRECT/OFFSET, WEBSERVICE, DDE, structured or 3-D references, undefined names) or exceeds the size budgets is
reported, never evaluated (:func:`scan_formula`, :func:`scan_workbook`, :func:`scan_book`).  Nothing here runs a
formula.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

import openpyxl
from openpyxl.utils.cell import column_index_from_string

__all__ = [
    "ALLOWED_FUNCTIONS",
    "DEFAULT_MAX_FORMULAS",
    "DEFAULT_MAX_RANGE_CELLS",
    "DEFAULT_MAX_SHEET_CELLS",
    "SPLIT_CELL",
    "CellKey",
    "FormulaScan",
    "Reference",
    "ScanIssue",
    "ScanProblem",
    "WorkbookScan",
    "quiet_openpyxl",
    "scan_book",
    "scan_formula",
    "scan_workbook",
]


CellKey = tuple[str, str]
"""(sheet name exactly as in the workbook, cell address such as ``"C9"``)."""

#: The functions the generator emits and the evaluator has checked against LibreOffice.  A workbook using any
#: other function is reported, not evaluated.  SUMIF/COUNTIF are here because ``juesuan-xlsx new`` emits them
#: (349 and 220 in the 2024 template) and their criteria are reimplemented (:mod:`.excel`); ROUNDUP/ROUNDDOWN share
#: ROUND's implementation; TRUE()/FALSE() are how LibreOffice saves typed booleans into xlsx.
ALLOWED_FUNCTIONS: Final[frozenset[str]] = frozenset(
    {
        "SUM",
        "SUMIF",
        "COUNTIF",
        "SUMPRODUCT",
        "LEN",
        "LEFT",
        "ROUND",
        "ROUNDUP",
        "ROUNDDOWN",
        "ABS",
        "IF",
        "IFERROR",
        "VLOOKUP",
        "MAX",
        "MIN",
        "AND",
        "OR",
        "N",
        "TRUE",
        "FALSE",
    }
)

# Budgets that keep evaluation bounded in time.  formulas compiles each formula in about 2-3 ms and every
# position of each sheet's used rectangle, blank or not, in about 30 µs: a stray entry at row 1,048,576 would
# cost a quarter of an hour.  The generated nine tables hold about a thousand formulas in ~15,000 positions.
DEFAULT_MAX_FORMULAS: Final = 10_000
DEFAULT_MAX_RANGE_CELLS: Final = 1_000_000
DEFAULT_MAX_SHEET_CELLS: Final = 200_000

_EXCEL_MAX_ROW: Final = 1_048_576
_EXCEL_MAX_COL: Final = 16_384


class ScanIssue(StrEnum):
    """Why a formula (or defined name) is not evaluated."""

    DISALLOWED_FUNCTION = "disallowed-function"  # outside ALLOWED_FUNCTIONS
    EXTERNAL_REFERENCE = "external-reference"  # [1]Sheet!A1, '[x.xlsx]S'!A1, 'C:\path\[x.xlsx]S'!A1
    DYNAMIC_REFERENCE = "dynamic-reference"  # INDIRECT, OFFSET: the cells read cannot be known in advance
    WEB_FUNCTION = "web-function"  # WEBSERVICE, FILTERXML, RTD, CALL, ... reach outside the file
    DDE = "dde"  # cmd|'/c calc'!A0
    STRUCTURED_REFERENCE = "structured-reference"  # Table1[Column]
    THREE_D_REFERENCE = "3d-reference"  # Sheet1:Sheet3!A1
    UNDEFINED_NAME = "undefined-name"  # a name the workbook does not define globally
    ARRAY_FORMULA = "array-formula"  # multi-cell array formulas and data tables
    SYNTAX = "syntax"  # unbalanced quotes or brackets
    TOO_LARGE = "too-large"  # over the formula or range-cell budget


_DYNAMIC_FUNCTIONS: Final = frozenset({"INDIRECT", "OFFSET", "_XLFN.INDIRECT"})
_WEB_FUNCTIONS: Final = frozenset(
    {"WEBSERVICE", "FILTERXML", "RTD", "CALL", "REGISTER.ID", "HYPERLINK", "INFO", "CELL", "EXEC"}
)


@dataclass(frozen=True)
class ScanProblem:
    code: ScanIssue
    detail: str


@dataclass(frozen=True)
class Reference:
    """One cell or area a formula reads; ``sheet`` is None for the formula's own sheet."""

    sheet: str | None
    text: str
    min_row: int
    min_col: int
    max_row: int
    max_col: int

    @property
    def size(self) -> int:
        return (self.max_row - self.min_row + 1) * (self.max_col - self.min_col + 1)


@dataclass(frozen=True)
class FormulaScan:
    """What a formula uses, found by reading its text only."""

    text: str
    functions: frozenset[str]
    references: tuple[Reference, ...]
    names: frozenset[str]
    problems: tuple[ScanProblem, ...]

    @property
    def allowed(self) -> bool:
        return not self.problems

    @property
    def disallowed_functions(self) -> frozenset[str]:
        return frozenset(f for f in self.functions if f not in ALLOWED_FUNCTIONS)

    def has(self, code: ScanIssue) -> bool:
        return any(p.code is code for p in self.problems)

    @property
    def external_reference(self) -> bool:
        return self.has(ScanIssue.EXTERNAL_REFERENCE)

    @property
    def dynamic_reference(self) -> bool:
        return self.has(ScanIssue.DYNAMIC_REFERENCE)

    @property
    def web(self) -> bool:
        return self.has(ScanIssue.WEB_FUNCTION)

    @property
    def dde(self) -> bool:
        return self.has(ScanIssue.DDE)


_CELL = r"\$?[A-Za-z]{1,3}\$?[0-9]{1,7}"
_AREA = re.compile(
    rf"(?:{_CELL}(?::{_CELL})?|\$?[A-Za-z]{{1,3}}:\$?[A-Za-z]{{1,3}}|\$?[0-9]{{1,7}}:\$?[0-9]{{1,7}})(?![\w.(])"
)
_ROW_RANGE = re.compile(r"\$?[0-9]{1,7}:\$?[0-9]{1,7}(?![\w.(])")
_STRING = re.compile(r'"(?:[^"]|"")*"')
_QUOTED_SHEET = re.compile(r"'((?:[^']|'')*)'")
_ERROR_LITERAL = re.compile(r"#(?:NULL!|DIV/0!|VALUE!|REF!|NAME\?|NUM!|N/A|GETTING_DATA)", re.IGNORECASE)
_NUMBER = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_IDENTIFIER = re.compile(r"[^\W\d]?[\w.$\\]*", re.UNICODE)
_EXTERNAL_BOOK = re.compile(r"\[[^\]]*\]")
_PATH_LIKE = re.compile(r"^(?:[A-Za-z]:[\\/]|\\\\|/|[a-z][a-z0-9+.-]*://)", re.IGNORECASE)
SPLIT_CELL = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")


def _area_bounds(text: str) -> tuple[int, int, int, int] | None:
    """(min_row, min_col, max_row, max_col) of A1, A1:B2, A:B or 1:2; None if out of the sheet."""
    parts = text.replace("$", "").upper().split(":")
    try:
        if len(parts) == 1:
            m = SPLIT_CELL.fullmatch(parts[0])
            if m is None:
                return None
            row, col = int(m[2]), column_index_from_string(m[1])
            bounds = (row, col, row, col)
        elif parts[0].isdigit():
            r1, r2 = int(parts[0]), int(parts[1])
            bounds = (min(r1, r2), 1, max(r1, r2), _EXCEL_MAX_COL)
        elif parts[0].isalpha():
            c1, c2 = column_index_from_string(parts[0]), column_index_from_string(parts[1])
            bounds = (1, min(c1, c2), _EXCEL_MAX_ROW, max(c1, c2))
        else:
            a, b = SPLIT_CELL.fullmatch(parts[0]), SPLIT_CELL.fullmatch(parts[1])
            if a is None or b is None:
                return None
            r1, r2 = int(a[2]), int(b[2])
            c1, c2 = column_index_from_string(a[1]), column_index_from_string(b[1])
            bounds = (min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))
    except ValueError:
        return None
    if bounds[0] < 1 or bounds[2] > _EXCEL_MAX_ROW or bounds[1] < 1 or bounds[3] > _EXCEL_MAX_COL:
        return None
    return bounds


class _Scanner:
    """A small lexer for the parts of Excel's formula grammar that decide what a formula may touch.

    openpyxl's Tokenizer is not used: it rejects DDE formulas outright and reads ``A1:OFFSET(`` as one token.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.functions: set[str] = set()
        self.references: list[Reference] = []
        self.names: set[str] = set()
        self.problems: list[ScanProblem] = []

    def problem(self, code: ScanIssue, detail: str) -> None:
        item = ScanProblem(code, detail)
        if item not in self.problems:
            self.problems.append(item)

    def scan(self) -> FormulaScan:
        text = self.text
        pos = 1 if text.startswith("=") else 0
        while pos < len(text):
            pos = self.step(pos)
        for name in sorted(self.functions):
            if name in _DYNAMIC_FUNCTIONS:
                self.problem(ScanIssue.DYNAMIC_REFERENCE, name)
            elif name in _WEB_FUNCTIONS:
                self.problem(ScanIssue.WEB_FUNCTION, name)
            if name not in ALLOWED_FUNCTIONS:
                self.problem(ScanIssue.DISALLOWED_FUNCTION, name)
        return FormulaScan(
            text=text,
            functions=frozenset(self.functions),
            references=tuple(self.references),
            names=frozenset(self.names),
            problems=tuple(self.problems),
        )

    def step(self, pos: int) -> int:
        text = self.text
        char = text[pos]
        if char == '"':
            m = _STRING.match(text, pos)
            if m is None:
                self.problem(ScanIssue.SYNTAX, "unterminated string")
                return len(text)
            return m.end()
        if char == "'":
            m = _QUOTED_SHEET.match(text, pos)
            if m is None or not text.startswith("!", m.end()):
                self.problem(ScanIssue.SYNTAX, "unterminated sheet name")
                return len(text)
            return self.after_sheet(m[1].replace("''", "'"), m.end() + 1, text[pos : m.end()])
        if char == "[":
            return self.bracket(pos)
        if char == "|":
            self.problem(ScanIssue.DDE, text)
            return pos + 1
        if char == "#":
            m = _ERROR_LITERAL.match(text, pos)
            return m.end() if m else pos + 1
        if char.isdigit() or (char == "$" and text[pos + 1 : pos + 2].isdigit()) or char == ".":
            m = _ROW_RANGE.match(text, pos)
            if m is not None:
                self.add_reference(None, m[0])
                return m.end()
            m = _NUMBER.match(text, pos)
            return m.end() if m and m.end() > pos else pos + 1
        if char.isalpha() or char in "_\\$":
            return self.identifier(pos)
        return pos + 1

    def bracket(self, pos: int) -> int:
        text = self.text
        m = _EXTERNAL_BOOK.match(text, pos)
        if m is None:
            self.problem(ScanIssue.SYNTAX, "unbalanced [")
            return len(text)
        end = m.end()
        ident = _IDENTIFIER.match(text, end)
        after = ident.end() if ident else end
        if text.startswith("!", after):
            self.problem(ScanIssue.EXTERNAL_REFERENCE, text[pos:after])
            return self.after_sheet(None, after + 1, text[pos:after], external=True)
        self.problem(ScanIssue.STRUCTURED_REFERENCE, m[0])
        return end

    def identifier(self, pos: int) -> int:
        text = self.text
        m = _IDENTIFIER.match(text, pos)
        assert m is not None  # the pattern matches the empty string
        end = m.end()
        word = m[0]
        if not word:
            return pos + 1
        if text.startswith("(", end) and "$" not in word:
            self.functions.add(word.upper())
            return end + 1
        if text.startswith("!", end):
            return self.after_sheet(word, end + 1, word)
        if text.startswith("[", end):
            self.problem(ScanIssue.STRUCTURED_REFERENCE, word + "[")
            close = text.find("]", end)
            return len(text) if close < 0 else close + 1
        if text.startswith(":", end):
            # Sheet1:Sheet3!A1 is a 3-D reference; A:B and A1:B2 are areas.
            second = _IDENTIFIER.match(text, end + 1)
            if second is not None and second[0] and text.startswith("!", second.end()):
                if _AREA.fullmatch(f"{word}:{second[0]}") is None:
                    self.problem(ScanIssue.THREE_D_REFERENCE, text[pos : second.end()])
                    return self.after_sheet(None, second.end() + 1, text[pos : second.end()], external=True)
        area = _AREA.match(text, pos)
        if area is not None:
            self.add_reference(None, area[0])
            return area.end()
        if word.upper() in ("TRUE", "FALSE"):
            return end
        self.names.add(word.upper())
        return end

    def after_sheet(self, sheet: str | None, pos: int, prefix: str, external: bool = False) -> int:
        """Read what follows ``Sheet!``: an area, ``#REF!`` or a sheet-level name."""
        text = self.text
        if sheet is not None and not external:
            if "[" in sheet or _PATH_LIKE.match(sheet):
                self.problem(ScanIssue.EXTERNAL_REFERENCE, prefix)
                external = True
            elif ":" in sheet:
                self.problem(ScanIssue.THREE_D_REFERENCE, prefix)
                external = True
        m = _ERROR_LITERAL.match(text, pos)
        if m is not None:
            return m.end()
        area = _AREA.match(text, pos)
        if area is not None:
            if not external:
                self.add_reference(sheet, area[0])
            return area.end()
        ident = _IDENTIFIER.match(text, pos)
        end = ident.end() if ident and ident.end() > pos else pos
        if end > pos and not external:
            self.names.add(f"{sheet}!{text[pos:end]}".upper())
        return end

    def add_reference(self, sheet: str | None, area: str) -> None:
        bounds = _area_bounds(area)
        if bounds is None:
            self.problem(ScanIssue.SYNTAX, area)
            return
        self.references.append(Reference(sheet, area.replace("$", "").upper(), *bounds))


def scan_formula(text: str) -> FormulaScan:
    """Report what a formula (with or without its leading ``=``) uses, from its text, without evaluating it.

    >>> scan_formula("=SUM('公开03表'!C8:C87)").allowed
    True
    >>> scan_formula("=[1]Sheet1!A1+INDIRECT(\\"A1\\")").external_reference
    True
    """
    return _scan_formula(text)


# Returned workbooks repeat the template's formulas: a scan (immutable) is kept per text.
@functools.lru_cache(maxsize=16_384)
def _scan_formula(text: str) -> FormulaScan:
    return _Scanner(text).scan()


@dataclass(frozen=True)
class WorkbookScan:
    """Every formula of a workbook, scanned, plus the workbook-level reasons not to evaluate it."""

    sheets: tuple[str, ...]
    formulas: Mapping[CellKey, str]
    scans: Mapping[CellKey, FormulaScan]
    names: Mapping[str, FormulaScan]  # global defined names (what formulas compiles), by upper-case name
    problems: Mapping[CellKey, tuple[ScanProblem, ...]]  # per formula cell, including workbook-level ones
    name_problems: Mapping[str, tuple[ScanProblem, ...]]
    dimensions: Mapping[str, tuple[int, int]] = field(default_factory=dict)  # sheet → (max_row, max_column)

    @property
    def allowed(self) -> bool:
        return not self.problems and not self.name_problems


@contextlib.contextmanager
def quiet_openpyxl() -> Iterator[None]:
    """Silence openpyxl's warnings about parts it does not read while loading a workbook."""
    # Workbooks saved by Excel/WPS carry extensions openpyxl does not read ("Data Validation extension is not
    # supported"); they do not affect values, and under -W error they would abort the evaluation.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module=r"openpyxl(\.|$)")
        yield


def _formula_text(value: object) -> tuple[str | None, ScanProblem | None]:
    from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

    if isinstance(value, ArrayFormula):
        ref = (value.ref or "").replace("$", "")
        if ":" in ref and len(set(ref.split(":"))) > 1:
            return value.text, ScanProblem(ScanIssue.ARRAY_FORMULA, ref)
        return value.text, None
    if isinstance(value, DataTableFormula):
        return None, ScanProblem(ScanIssue.ARRAY_FORMULA, "data table")
    if isinstance(value, str):
        return value, None
    return None, None


def scan_workbook(
    path: str | os.PathLike[str],
    *,
    max_formulas: int = DEFAULT_MAX_FORMULAS,
    max_range_cells: int = DEFAULT_MAX_RANGE_CELLS,
    max_sheet_cells: int = DEFAULT_MAX_SHEET_CELLS,
) -> WorkbookScan:
    """Scan every formula and global defined name of a workbook with openpyxl; nothing is evaluated."""
    with quiet_openpyxl():
        book = openpyxl.load_workbook(os.fspath(path), data_only=False, keep_links=False)
    try:
        return scan_book(
            book, max_formulas=max_formulas, max_range_cells=max_range_cells, max_sheet_cells=max_sheet_cells
        )
    finally:
        book.close()


def scan_book(
    book: Any,
    *,
    max_formulas: int = DEFAULT_MAX_FORMULAS,
    max_range_cells: int = DEFAULT_MAX_RANGE_CELLS,
    max_sheet_cells: int = DEFAULT_MAX_SHEET_CELLS,
) -> WorkbookScan:
    """:func:`scan_workbook` of a workbook already loaded by openpyxl (not read-only, formulas not data)."""
    sheets = tuple(book.sheetnames)
    names: dict[str, FormulaScan] = {}
    name_problems: dict[str, tuple[ScanProblem, ...]] = {}
    for defined in book.defined_names.values():
        if defined.hidden or defined.localSheetId is not None:
            continue  # formulas compiles only visible global names
        scan = scan_formula("=" + str(defined.value))
        names[defined.name.upper()] = scan
        if scan.problems:
            name_problems[defined.name] = scan.problems
    texts: dict[CellKey, str] = {}
    scans: dict[CellKey, FormulaScan] = {}
    problems: dict[CellKey, tuple[ScanProblem, ...]] = {}
    dimensions: dict[str, tuple[int, int]] = {}
    for ws in book.worksheets:
        dimensions[ws.title] = (ws.max_row, ws.max_column)
        # The stored cells only: iter_rows() would visit every position of the used rectangle.
        for (_row, _col), cell in sorted(ws._cells.items()):
            if cell.data_type != "f":
                continue
            text, special = _formula_text(cell.value)
            key = (ws.title, cell.coordinate)
            texts[key] = text or ""
            scan = scan_formula(text or "=")
            scans[key] = scan
            found = list(scan.problems) + ([special] if special else [])
            found += _name_problems(scan, names)
            if found:
                problems[key] = tuple(found)
    too_large = _budget_problem(scans, dimensions, max_formulas, max_range_cells, max_sheet_cells)
    if too_large is not None:
        for key in texts:
            problems[key] = (*problems.get(key, ()), too_large)
    return WorkbookScan(sheets, texts, scans, names, problems, name_problems, dimensions)


def _name_problems(scan: FormulaScan, names: Mapping[str, FormulaScan]) -> list[ScanProblem]:
    # formulas resolves only visible workbook-level names; anything else would silently evaluate wrongly.
    return [ScanProblem(ScanIssue.UNDEFINED_NAME, n) for n in sorted(scan.names) if n not in names]


def _budget_problem(
    scans: Mapping[CellKey, FormulaScan],
    dimensions: Mapping[str, tuple[int, int]],
    max_formulas: int,
    max_range_cells: int,
    max_sheet_cells: int,
) -> ScanProblem | None:
    """Refuse workbooks whose size would make evaluation slow (bounded time for files from many hands)."""
    if len(scans) > max_formulas:
        return ScanProblem(ScanIssue.TOO_LARGE, f"{len(scans)} formulas > {max_formulas}")
    positions = sum(rows * cols for rows, cols in dimensions.values())
    if positions > max_sheet_cells:
        return ScanProblem(ScanIssue.TOO_LARGE, f"sheets span {positions} cells > {max_sheet_cells}")
    upper_sheets = {sheet.upper(): sheet for sheet in dimensions}
    areas: set[tuple[str, int, int, int, int]] = set()
    for (sheet, _cell), scan in scans.items():
        for ref in scan.references:
            target = upper_sheets.get(ref.sheet.upper(), ref.sheet) if ref.sheet else sheet
            max_row, max_col = dimensions.get(target, (0, 0))
            # formulas clips whole rows/columns to the sheet's used area, so count what it will really load.
            areas.add(
                (
                    target,
                    ref.min_row,
                    ref.min_col,
                    min(ref.max_row, max(max_row, ref.min_row)),
                    min(ref.max_col, max(max_col, ref.min_col)),
                )
            )
    total = sum((r2 - r1 + 1) * (c2 - c1 + 1) for _sheet, r1, c1, r2, c2 in areas)
    if total > max_range_cells:
        return ScanProblem(ScanIssue.TOO_LARGE, f"{total} referenced cells > {max_range_cells}")
    return None
