"""A returned workbook read once: every cell's formula (or typed value) and its cached value, from one XML pass.

``verify`` needs three views of the same cells: what openpyxl's full load gives (formula text, typed values),
what its ``data_only`` load gives (the values the last application saved) and what ``formulas``' reader gives
(the evaluator's input: raw date serials, its own shared-string decoding).  Loading the workbook once per view
with openpyxl builds styles, merged-range borders and a data-validation object per input cell each time: two
thirds of a verify.  This module parses the sheet XML once, with openpyxl's own building blocks (its manifest,
workbook, property, stylesheet and shared-formula readers) and keeps, per cell, the value and the cached value
as those loads would give them, plus the few cells whose evaluator view differs.

:func:`load_book` declines (None) whatever a full load would turn into cells differently — comments and
hyperlinks (openpyxl creates or fills cells for them), sheet titles openpyxl would reject, a part it cannot
parse — and the caller then does the full loads: a file is never read in a way the slow path would not.

:class:`Book` and :class:`Sheet` offer the part of openpyxl's read API the reader and the 说明 functions use
(``worksheets``, ``sheetnames``, ``wb[title]``, ``properties``, ``custom_doc_props``, ``ws.title``,
``ws.sheet_properties.codeName``, ``ws.cell(r, c).value``, ``ws["C9"].value``, ``ws.iter_rows(values_only=True)``,
``ws.max_row``); reading never creates cells.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, NamedTuple

from openpyxl.cell.text import Text
from openpyxl.formula.translate import Translator
from openpyxl.utils.cell import column_index_from_string, coordinate_to_tuple
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.worksheet._reader import _cast_number
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

__all__ = ["Book", "Sheet", "load_book"]

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _CELL, _VALUE, _FORMULA, _INLINE = (f"{_NS}row", f"{_NS}c", f"{_NS}v", f"{_NS}f", f"{_NS}is")
_MERGE, _HYPERLINK, _SHEET_PR, _SI = f"{_NS}mergeCell", f"{_NS}hyperlink", f"{_NS}sheetPr", f"{_NS}si"
_COORDINATE = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")
_HEX = re.compile(r"_x([0-9A-Fa-f]{4})_")


class _Value(NamedTuple):
    """What ``ws.cell(r, c)`` returns here: the value only (reading never creates a cell)."""

    value: Any


_EMPTY = _Value(None)


@dataclass
class Sheet:
    """One worksheet's cells (1-based row and column keys), as one of openpyxl's loads would give them."""

    title: str
    code_name: str | None
    values: dict[tuple[int, int], Any]
    max_row: int = 1
    max_column: int = 1

    @property
    def sheet_properties(self) -> Any:
        return SimpleNamespace(codeName=self.code_name)

    def cell(self, row: int, column: int) -> _Value:
        value = self.values.get((row, column))
        return _EMPTY if value is None else _Value(value)

    def __getitem__(self, address: str) -> _Value:
        return self.cell(*coordinate_to_tuple(address))

    def iter_rows(self, min_row: int | None = None, max_row: int | None = None, min_col: int | None = None,
                  max_col: int | None = None, values_only: bool = True) -> Iterator[tuple[Any, ...]]:
        if not values_only:
            raise NotImplementedError("juesuan_xlsx.book reads values only")
        first_row, first_col = min_row or 1, min_col or 1
        last_row, last_col = max_row or self.max_row, max_col or self.max_column
        get = self.values.get
        for r in range(first_row, last_row + 1):
            yield tuple(get((r, c)) for c in range(first_col, last_col + 1))


@dataclass
class _Sheets:
    """A workbook view: its worksheets in order, by title."""

    worksheets: list[Sheet]
    properties: Any = None
    custom_doc_props: Any = ()

    @property
    def sheetnames(self) -> list[str]:
        return [ws.title for ws in self.worksheets]

    def __getitem__(self, title: str) -> Sheet:
        for ws in self.worksheets:
            if ws.title == title:
                return ws
        raise KeyError(f"Worksheet {title} does not exist.")


@dataclass
class Book(_Sheets):
    """The workbook as openpyxl's full load gives it (formulas as "=…" text); :attr:`cached` is its
    ``data_only`` twin; :meth:`evaluator_cells` the cells as ``formulas``' reader gives them."""

    cached: _Sheets = field(default_factory=lambda: _Sheets([]))
    sheet_order: list[str] = field(default_factory=list)  # every sheet title, chart sheets included
    defined_names: Any = None  # the global defined names (openpyxl DefinedNameDict)
    external_links: list[Any] = field(default_factory=list)
    data_types: dict[str, dict[tuple[int, int], str]] = field(default_factory=dict)  # title → cell → openpyxl type
    # cells whose value in formulas' reader differs from openpyxl's (a date-formatted number, an _xHHHH_ string)
    evaluator_overrides: dict[str, dict[tuple[int, int], tuple[Any, str]]] = field(default_factory=dict)

    def evaluator_cells(self, title: str) -> Iterator[tuple[tuple[int, int], Any, str]]:
        """((row, col), value, data type) of every stored cell of a sheet, as ``formulas``' reader loads it."""
        values = self[title].values
        types = self.data_types[title]
        overrides = self.evaluator_overrides.get(title, {})
        for key, value in values.items():
            override = overrides.get(key)
            yield (key, value, types[key]) if override is None else (key, *override)


class _Decline(Exception):
    """The full openpyxl load must read this file."""


_MAX_PART = 64 << 20  # bytes of one part read whole; a larger one is streamed by openpyxl's full load


def _member(archive: Any, name: str) -> bytes:
    if archive.getinfo(name).file_size > _MAX_PART:
        raise _Decline("a very large part")
    with archive.open(name) as source:
        data: bytes = source.read(_MAX_PART + 1)
    if len(data) > _MAX_PART:
        raise _Decline("a very large part")
    return data


def _iterparse(data: bytes) -> Iterator[tuple[str, Any]]:
    """The standard library's C parser, for parts without any declaration (``<!DOCTYPE``, ``<!ENTITY``) and in
    UTF-8.  openpyxl goes through defusedxml's pure-Python parser, more than twice as slow; a part that could
    carry entities (or hide them in UTF-16) is left to it: the full load refuses it as it always did."""
    if b"<!" in data or b"\x00" in data:
        raise _Decline("a declaration or a UTF-16 part")
    return ElementTree.iterparse(io.BytesIO(data))


def load_book(data: bytes) -> Book | None:
    """The workbook in ``data`` read in one pass, or None: read it with openpyxl's full loads instead."""
    try:
        return _load(data)
    except Exception:  # _Decline, or a part only the full load can say what is wrong with
        return None


def _load(data: bytes) -> Book:
    from openpyxl.packaging.relationship import get_dependents, get_rels_path
    from openpyxl.reader.excel import COMMENTS_NS, ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet
    from openpyxl.workbook.child import INVALID_TITLE_REGEX
    from openpyxl.workbook.defined_name import DefinedNameDict

    reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=False)
    try:
        reader.read_manifest()
        strings, hexed = _shared_strings(reader)
        reader.read_workbook()
        reader.read_properties()
        reader.read_custom()
        apply_stylesheet(reader.archive, reader.wb)
        wb = reader.wb
        dates = frozenset(getattr(wb, "_date_formats", ()))
        durations = frozenset(getattr(wb, "_timedelta_formats", ()))
        book = Book([], properties=wb.properties, custom_doc_props=wb.custom_doc_props)
        book.cached.properties, book.cached.custom_doc_props = wb.properties, wb.custom_doc_props
        for sheet, rel in reader.parser.find_sheets():
            if rel.target not in reader.valid_files:
                continue
            title = sheet.name
            if not title or INVALID_TITLE_REGEX.search(title) or title.lower() in map(str.lower, book.sheet_order):
                raise _Decline("a sheet title openpyxl rejects or renames")
            book.sheet_order.append(title)
            if "chartsheet" in rel.Type:
                continue
            rels_path = get_rels_path(rel.target)
            if rels_path in reader.valid_files and list(get_dependents(reader.archive, rels_path).find(COMMENTS_NS)):
                raise _Decline("comments")
            parsed = _SheetParser(strings, hexed, dates, durations, wb.epoch).parse(_member(reader.archive, rel.target))
            book.worksheets.append(Sheet(title, parsed.code_name, parsed.values, max_row=parsed.max_row,
                                         max_column=parsed.max_column))
            book.cached.worksheets.append(Sheet(title, parsed.code_name, parsed.cached, max_row=parsed.max_row,
                                                max_column=parsed.max_column))
            book.data_types[title] = parsed.types
            if parsed.overrides:
                book.evaluator_overrides[title] = parsed.overrides
        book.defined_names = reader.parser.defined_names.by_sheet().get("global", DefinedNameDict())
        book.external_links = list(wb._external_links)
        return book
    finally:
        reader.archive.close()


def _shared_strings(reader: Any) -> tuple[list[str], dict[int, str]]:
    """openpyxl's shared strings, and the entries ``formulas``' reader decodes otherwise (``_xHHHH_``)."""
    from openpyxl.xml.constants import SHARED_STRINGS

    strings: list[str] = []
    hexed: dict[int, str] = {}
    part = reader.package.find(SHARED_STRINGS)
    if part is None:
        return strings, hexed
    for _, node in _iterparse(_member(reader.archive, part.PartName[1:])):
        if node.tag == _SI:
            content = Text.from_tree(node).content
            node.clear()
            strings.append(content.replace("x005F_", ""))
            if "_x" in content:  # formulas.excel.xlreader.read_string_table
                decoded = _HEX.sub(lambda m: chr(int(m.group(1), 16)), content).replace("x005F_", "")
                if decoded != strings[-1]:
                    hexed[len(strings) - 1] = decoded
    return strings, hexed


@dataclass
class _Parsed:
    code_name: str | None = None
    values: dict[tuple[int, int], Any] = field(default_factory=dict)
    cached: dict[tuple[int, int], Any] = field(default_factory=dict)
    types: dict[tuple[int, int], str] = field(default_factory=dict)
    overrides: dict[tuple[int, int], tuple[Any, str]] = field(default_factory=dict)
    merged: list[str] = field(default_factory=list)
    max_row: int = 1
    max_column: int = 1


class _SheetParser:
    """openpyxl's ``WorkSheetParser.parse_cell`` twice over (``data_only`` off and on) in one pass, keeping
    only cells, merged ranges and the sheet's code name."""

    def __init__(self, strings: list[str], hexed: dict[int, str], dates: frozenset[int], durations: frozenset[int],
                 epoch: Any) -> None:
        self.strings, self.hexed, self.dates, self.durations, self.epoch = strings, hexed, dates, durations, epoch
        self.shared: dict[str, Any] = {}

    def parse(self, data: bytes) -> _Parsed:
        out = _Parsed()
        row_counter = 0
        for _, element in _iterparse(data):
            tag = element.tag
            if tag == _ROW:
                r = element.get("r")
                row_counter = _row_number(r) if r is not None else row_counter + 1
                col_counter = 0
                for c in element:
                    if c.tag != _CELL:
                        continue
                    coordinate = c.get("r")
                    if coordinate:
                        match = _COORDINATE.match(coordinate)
                        if match is None:
                            raise _Decline(f"cell reference {coordinate!r}")
                        row, column = int(match[2]), column_index_from_string(match[1])
                        col_counter = column
                    else:
                        col_counter += 1
                        row, column = row_counter, col_counter
                    self._cell(out, c, (row, column), coordinate)
                element.clear()
            elif tag == _MERGE:
                out.merged.append(element.get("ref"))
            elif tag == _HYPERLINK:
                raise _Decline("hyperlinks")
            elif tag == _SHEET_PR:
                out.code_name = element.get("codeName")
        for ref in out.merged:
            self._merge(out, ref)
        if out.values:
            out.max_row = max(r for r, _ in out.values)
            out.max_column = max(c for _, c in out.values)
        return out

    def _cell(self, out: _Parsed, c: Any, key: tuple[int, int], coordinate: str | None) -> None:
        data_type = c.get("t", "n")
        style = int(c.get("s") or 0)
        text = None if data_type == "inlineStr" else (c.findtext(_VALUE) or None)
        cached: Any = None
        raw: tuple[Any, str] | None = None  # the evaluator's (value, type) where it differs from openpyxl's
        if text is not None:
            cached, cached_type, raw = self._typed(data_type, text, style)
        elif data_type == "inlineStr":
            child = c.find(_INLINE)
            if child is not None:
                cached, cached_type = Text.from_tree(child).content, "s"
            else:
                cached_type = data_type
        else:
            cached_type = data_type
        formula = c.find(_FORMULA)
        if formula is not None:
            out.values[key] = self._formula(formula, coordinate)
            out.types[key] = "f"
            raw = None
        else:
            out.values[key] = cached
            out.types[key] = cached_type
        out.cached[key] = cached
        if raw is not None:
            out.overrides[key] = raw

    def _typed(self, data_type: str, text: str, style: int) -> tuple[Any, str, tuple[Any, str] | None]:
        """(openpyxl's value, its data type, formulas' (value, type) if different) of a ``<v>``."""
        if data_type == "n":
            number = _cast_number(text)
            if style in self.dates:
                try:
                    return from_excel(number, self.epoch, timedelta=style in self.durations), "d", (number, "n")
                except (OverflowError, ValueError):
                    return "#VALUE!", "e", (number, "n")
            return number, "n", None
        if data_type == "s":
            index = int(text)
            hexed = self.hexed.get(index)
            return self.strings[index], "s", (hexed, "s") if hexed is not None else None
        if data_type == "b":
            return bool(int(text)), "b", None
        if data_type == "str":
            return text, "s", None
        if data_type == "d":
            return from_ISO8601(text), "d", None
        return text, data_type, None

    def _formula(self, element: Any, coordinate: str | None) -> Any:
        """openpyxl's ``WorkSheetParser.parse_formula``."""
        kind = element.get("t")
        value = "=" + (element.text or "")
        if kind == "array":
            return ArrayFormula(ref=element.get("ref"), text=value)
        if kind == "shared":
            index = element.get("si")
            if index in self.shared:
                return self.shared[index].translate_formula(coordinate)
            if value != "=":
                self.shared[index] = Translator(value, coordinate)
            return value
        if kind == "dataTable":
            return DataTableFormula(**element.attrib)
        return value

    @staticmethod
    def _merge(out: _Parsed, ref: str) -> None:
        """What the full load does to a merged range: every cell but the first blank (and present)."""
        bounds = CellRange(ref)
        first = (bounds.min_row, bounds.min_col)
        for row in range(bounds.min_row, bounds.max_row + 1):
            for col in range(bounds.min_col, bounds.max_col + 1):
                key = (row, col)
                if key == first:
                    if key not in out.values:
                        out.values[key], out.cached[key], out.types[key] = None, None, "n"
                    continue
                out.values[key], out.cached[key], out.types[key] = None, None, "n"
                out.overrides.pop(key, None)


def _row_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        number = float(text)
        if number.is_integer():
            return int(number)
        raise
