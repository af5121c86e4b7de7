"""The fast engine's first layer: formula *shapes*, and the geometry ``formulas`` gives each reference.

``=SUM(D9,E9)`` in row 9 and ``=SUM(D10,E10)`` in row 10 are one formula relative to their cell: a shape is the
formula with each reference replaced by its R1C1 form (relative or absolute as written, sheet name kept), plus
which references name the same cells (:func:`shape_of`, :func:`alias_pattern`).  A reference's geometry is the
range dict ``formulas`` builds for it, named as the model names its node (:func:`geometry_of`), kept in memory.
:class:`Unsupported` is how every layer of the fast engine hands a workbook back to the reference engine.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from formulas.ranges import Ranges
from openpyxl.utils.cell import column_index_from_string

from .result import BOOK_NAME

__all__ = [
    "Geometry",
    "Token",
    "Unsupported",
    "alias_pattern",
    "argument_geometry",
    "clear_geometry",
    "formula_context",
    "geometry_of",
    "shape_of",
    "token_ref",
]

_BOOK_CONTEXT: Final = {"directory": "", "filename": BOOK_NAME, "excel": BOOK_NAME.upper()}
_MAX_GEOMETRY: Final = 100_000  # a hostile batch of all-different formulas must not grow the cache for ever


class Unsupported(Exception):
    """This workbook (or formula) must go to the reference evaluator."""


# One token of a formula: a string literal, a reference (optional sheet, a cell or an area), a quoted sheet
# name followed by something else, a word (function or defined name, number, TRUE), or any other character.
# Words are consumed whole, so a reference can only start where a word could.
_TOKEN: Final = re.compile(
    r'"(?:[^"]|"")*+"'
    r"|(?:(?P<sheet>'(?:[^']|'')++'|[^\W\d][\w.]*+)!)?"
    r"(?P<c1>\$?[A-Za-z]{1,3})(?P<r1>\$?[0-9]{1,7})(?::(?P<c2>\$?[A-Za-z]{1,3})(?P<r2>\$?[0-9]{1,7}))?"
    r"(?![\w.(!:\[])"
    r"|'(?:[^']|'')*+'"
    r"|[\w.$\\]++"
    r"|[^\w.$\\\"']++"
    r"|.",
    re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    """A reference as written in a formula."""

    sheet: str | None  # as written, quotes included; None for the formula's own sheet
    area: str  # upper case, without $
    bounds: tuple[int, int, int, int]  # row1, col1, row2, col2


def _corner(col: str, row: str, own_row: int, own_col: int) -> tuple[str, tuple[int, int]]:
    c = column_index_from_string(col.lstrip("$").upper())
    r = int(row.lstrip("$"))
    text = (f"R{r}" if row.startswith("$") else f"R[{r - own_row}]") + (
        f"C{c}" if col.startswith("$") else f"C[{c - own_col}]"
    )
    return text, (r, c)


def shape_of(text: str, row: int, col: int) -> tuple[str, list[Token]]:
    """The formula with every reference in R1C1 form relative to (row, col), and its references in order."""
    parts: list[str] = []
    tokens: list[Token] = []
    for m in _TOKEN.finditer(text):
        if m["c1"] is None:
            parts.append(m[0])
            continue
        first, (r1, c1) = _corner(m["c1"], m["r1"], row, col)
        if m["c2"] is not None:
            second, (r2, c2) = _corner(m["c2"], m["r2"], row, col)
            area = m[0][m.start("c1") - m.start() :].replace("$", "").upper()
            descriptor = f"{first}:{second}"
        else:
            r2, c2 = r1, c1
            area = f"{m['c1']}{m['r1']}".replace("$", "").upper()
            descriptor = first
        sheet = m["sheet"]
        parts.append(f"\0{sheet or ''}!{descriptor}\0")
        tokens.append(Token(sheet, area, (r1, c1, r2, c2)))
    return "".join(parts), tokens


def _sheet_key(sheet: str | None, own: str) -> str:
    if sheet is None:
        return own.upper()
    if sheet.startswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    return sheet.upper()


def alias_pattern(tokens: Sequence[Token], own_sheet: str) -> tuple[int, ...]:
    """Which references name the same cells: the compiled function has one input for each distinct one."""
    seen: dict[tuple[str, tuple[int, int, int, int]], int] = {}
    return tuple(seen.setdefault((_sheet_key(t.sheet, own_sheet), t.bounds), len(seen)) for t in tokens)


def formula_context(sheet_upper: str) -> dict[str, Any]:
    """The context ``formulas`` compiles a cell of that sheet in (the evaluated book's name included)."""
    # ExcelModel.push: {"external_links": ...} updated with add_sheet's {"sheet": ...} and add_book's context.
    return {"external_links": {}, "sheet": sheet_upper, **_BOOK_CONTEXT}


@dataclass(frozen=True)
class Geometry:
    """A cell or area as formulas names it, and where it is."""

    rng: dict[str, Any]  # formulas' range dict (treated as immutable)
    name: str  # the model's node id, e.g. "'[book.xlsx]公开05表'!A53"
    sheet_id: str  # e.g. "'[book.xlsx]公开05表'"
    sheet: str  # upper case, e.g. "公开05表"
    row1: int
    col1: int
    row2: int
    col2: int
    is_cell: bool  # a single-cell node (not an area, even a one-cell one)


_GEOMETRY: dict[tuple[str, str], Geometry] = {}


def geometry_of(own_sheet_upper: str, ref: str) -> Geometry:
    """The geometry formulas gives ``ref`` (``A1``, ``A1:B2``, ``Sheet!A1``) written in a cell of that sheet."""
    key = (own_sheet_upper, ref)
    found = _GEOMETRY.get(key)
    if found is not None:
        return found
    rng = Ranges.get_range(ref, formula_context(own_sheet_upper))
    geometry = Geometry(
        rng,
        rng["name"],
        rng["sheet_id"],
        rng["sheet"].upper(),
        int(rng["r1"]),
        int(rng["n1"]),
        int(rng["r2"]),
        int(rng["n2"]),
        ":" not in rng["ref"],
    )
    if len(_GEOMETRY) >= _MAX_GEOMETRY:
        _GEOMETRY.clear()
    _GEOMETRY[key] = geometry
    return geometry


def token_ref(token: Token) -> str:
    return f"{token.sheet}!{token.area}" if token.sheet is not None else token.area


def argument_geometry(own_sheet_upper: str, token: Token) -> Geometry:
    """The geometry the compiled function's argument for ``token`` has.

    The compiler names each reference by its node id (``'[book.xlsx]S'!C12`` for ``'S'!C12:C12`` too) and
    builds the argument's range from that name: so does this.
    """
    return geometry_of(own_sheet_upper, geometry_of(own_sheet_upper, token_ref(token)).name)


def clear_geometry() -> None:
    """Forget every geometry computed in this process."""
    _GEOMETRY.clear()
