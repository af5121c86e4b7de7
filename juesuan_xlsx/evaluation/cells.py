"""Reading a workbook once for the fast engine: its cells as ``formulas``' reader gives them, and what to compile.

:func:`read_book` reads the file with :mod:`juesuan_xlsx.book` (the cells only, not the styles, validations and
other parts a full load builds and evaluation never reads); :func:`from_book` takes the cells the verifier's reader
already read; :func:`read_full_book` is ``formulas``' own full load, for what :mod:`juesuan_xlsx.book` declines.
:func:`collect` sorts the cells into values and the cells ``formulas`` compiles.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from formulas.excel.xlreader import load_workbook

from ..book import load_book
from .scan import CellKey, quiet_openpyxl
from .shapes import Unsupported, geometry_of

__all__ = ["Collected", "FastBook", "FastCell", "FastSheet", "Spec", "collect", "from_book", "read_book",
           "read_full_book"]


def read_book(path: str | os.PathLike[str]) -> FastBook | None:
    """The workbook's cells through :func:`juesuan_xlsx.book.load_book` (one pass), or None when it declines."""
    book = load_book(Path(path).read_bytes())
    return from_book(book) if book is not None else None


def read_full_book(path: str | os.PathLike[str]) -> Any:
    """The workbook as the model reads it: formulas' reader (raw dates, its shared-string decoding), formulas kept."""
    with quiet_openpyxl():
        return load_workbook(os.fspath(path), data_only=False)


def from_book(book: Any) -> FastBook:
    """A :class:`juesuan_xlsx.book.Book`'s cells as ``formulas``' reader gives them (its full load, cell for cell:
    ``tests/test_book.py``)."""
    sheets = [
        FastSheet(
            ws.title,
            {(row, col): FastCell(row, col, value, kind) for (row, col), value, kind in book.evaluator_cells(ws.title)},
        )
        for ws in book.worksheets
    ]
    return FastBook(list(book.sheet_order), sheets, book.defined_names, list(book.external_links))


class FastCell:
    """What evaluation reads of an openpyxl cell."""

    __slots__ = ("column", "data_type", "row", "value")

    def __init__(self, row: int, column: int, value: Any, data_type: str) -> None:
        self.row, self.column, self.value, self.data_type = row, column, value, data_type

    @property
    def coordinate(self) -> str:
        from openpyxl.utils.cell import get_column_letter

        return f"{get_column_letter(self.column)}{self.row}"


@dataclass
class FastSheet:
    """What evaluation reads of an openpyxl worksheet (openpyxl's names: the scan reads either)."""

    title: str
    _cells: dict[tuple[int, int], FastCell]

    @property
    def max_row(self) -> int:  # as openpyxl's Worksheet: over every stored cell, merged ones included
        return max((r for r, _ in self._cells), default=1)

    @property
    def max_column(self) -> int:
        return max((c for _, c in self._cells), default=1)


@dataclass
class FastBook:
    """What evaluation reads of an openpyxl workbook (openpyxl's names: the scan reads either)."""

    sheetnames: list[str]
    worksheets: list[FastSheet]
    defined_names: Any
    _external_links: list[Any]

    def close(self) -> None:
        """Nothing to release (openpyxl's workbook has this method)."""


def _sheet_ids(book: Any) -> dict[str, tuple[str, str]]:
    """Worksheet title → (formulas' sheet id, upper-case title)."""
    out = {}
    for ws in book.worksheets:
        upper = ws.title.upper()
        out[ws.title] = (geometry_of(upper, "A1").sheet_id, upper)
    return out


@dataclass(frozen=True)
class Spec:
    """A cell ``formulas`` compiles: a formula cell (``reported``) or an error value typed as a cell."""

    key: CellKey  # (sheet title, "C9")
    row: int
    col: int
    raw: str  # the cell's text, as scan_workbook reports it
    text: str  # what formulas compiles (compile_cell drops a doubled leading "=")
    reported: bool


@dataclass
class Collected:
    """One pass over the workbook's cells."""

    sheet_ids: dict[str, tuple[str, str]]  # worksheet title → (formulas' sheet id, upper-case title)
    raw: dict[str, dict[tuple[int, int], Any]]  # sheet id → position → value, as compile_cell reads it
    specs: tuple[Spec, ...]  # in scan order: worksheet by worksheet, by row then column


def collect(book: Any) -> Collected:
    """One pass over the workbook's cells: the values, and the cells ``formulas`` compiles."""
    from formulas import Parser

    sheet_ids = _sheet_ids(book)
    if len({sid for sid, _ in sheet_ids.values()}) != len(sheet_ids):
        raise Unsupported("sheet names equal but for case")
    parser = Parser()
    raw: dict[str, dict[tuple[int, int], Any]] = {}
    specs: list[Spec] = []
    for ws in book.worksheets:
        sheet_id, _upper = sheet_ids[ws.title]
        values = raw.setdefault(sheet_id, {})
        for (row, col), cell in sorted(ws._cells.items()):
            value = cell.value
            if value is None:
                continue
            data_type = cell.data_type
            if data_type == "f":
                if not isinstance(value, str):
                    raise Unsupported("array formula")
                text = value[1:] if value[:2] == "==" else value
                specs.append(Spec((ws.title, cell.coordinate), row, col, value, text, True))
            elif data_type != "s" and isinstance(value, str) and parser.is_formula(value):
                specs.append(Spec((ws.title, cell.coordinate), row, col, value, value, False))
            else:
                if data_type == "n" and isinstance(value, float):
                    value = round(value, 15)
                values[(row, col)] = value
    return Collected(sheet_ids, raw, tuple(specs))
