"""The nine tables as they are published: one neutral grid per table, rendered by the xlsx, docx and csv writers.

Grid tables (01 04 06 09) take their rows, labels and 行次 from the spec's panels (through
:func:`juesuan_xlsx.layout.layout_table`, the same placement the template uses); code tables (02 03 05 07 08)
are the 合计 row plus every row the department used (rows without any amount are dropped: empty free-entry
rows, unused --codes rows), the 合计 above or below them as the spec's ``sum_row`` says.  A table without any
amount keeps its 合计 row and gets the spec's 说明 line.  The 公开NN表 label is printed only where the layout
has one (``label_visible``); titles, headers and column order are the spec's, so each layout publishes its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from ..contract import STAMP
from ..layout import layout_table
from ..model import Cell, Instance
from ..narrative.values import WorkbookValues
from ..spec import SUM_ROW, Table, header_merges

__all__ = ["STAMP", "STAMP_NOTE", "PubCell", "PubRow", "PubTable", "flat_headers", "header_merges", "numbering_row",
           "publication_table", "publication_tables"]

STAMP_NOTE = "本文件由未通过校验的工作簿强制导出，数字可能有误，不得作为正式公开文本。"
# grid rows whose zero is printed (totals and balances); any other zero amount is left blank, as published
_ZERO_ROWS = frozenset({"inc_total", "inc_grand", "exp_total", "exp_grand", "inc_begin", "exp_end", "begin", "end",
                        "personnel", "public"})


@dataclass(frozen=True)
class PubCell:
    text: str = ""  # a label, code, name or 行次 ("" for amount cells and blanks)
    amount: Decimal | None = None  # an amount cell (万元, two decimals)
    cell: Cell | None = None
    show_zero: bool = False
    role: Literal["label", "line", "code", "name", "amount", ""] = ""  # what the column holds

    @property
    def centered(self) -> bool:
        """行次 and 栏次 numbers are centred, as in the published tables."""
        return self.role == "line"

    @property
    def is_amount(self) -> bool:
        return self.amount is not None

    @property
    def display(self) -> str:
        """What a printed table shows: labels as they are, amounts with two decimals, most zeros blank."""
        if self.amount is None:
            return self.text
        if self.amount == 0 and not self.show_zero:
            return ""
        return f"{self.amount:.2f}"


@dataclass(frozen=True)
class PubRow:
    cells: tuple[PubCell, ...]
    kind: Literal["total", "class", "item", "plain"] = "plain"
    merge_label: bool = False  # code tables' 合计 row: code and name columns merged


@dataclass(frozen=True)
class PubTable:
    table: Table
    dept: str
    unit: str
    rows: tuple[PubRow, ...]
    empty_note: str = ""  # the 说明 line of a table without data (07, 08)
    # a sentence left out of the notes: the rounding note, when every relation holds on the printed figures
    omit: str = ""

    @property
    def header(self) -> tuple[tuple[str, ...], ...]:
        return self.table.header

    @property
    def width(self) -> int:
        return self.table.width

    @property
    def notes(self) -> tuple[str, ...]:
        return without_note(self.table.notes, self.omit) if self.omit else self.table.notes

    @property
    def label(self) -> str:
        """The 公开NN表 label as printed: "" for a layout without labels (shanghai)."""
        return self.table.label if self.table.label_visible else ""

    @property
    def file_stem(self) -> str:
        """A file name for the table alone (csv): its sheet name, i.e. 公开05表 or 一般公共预算财政拨款支出决算表."""
        return self.table.sheet

    def title(self, stamped: bool = False) -> str:
        return f"{self.table.title}（{STAMP}）" if stamped else self.table.title


def publication_tables(values: WorkbookValues) -> list[PubTable]:
    return [publication_table(values, t) for t in values.spec.tables]


def publication_table(values: WorkbookValues, table: Table) -> PubTable:
    tv = values.tables[table.id]
    note = table.empty_note if tv.empty else ""
    rows = _grid_rows(values, table) if table.kind == "grid" else _code_rows(values, table)
    omit = "" if values.footnote else values.spec.rounding_note
    return PubTable(table, values.dept, values.spec.unit, tuple(rows), note, omit)


_NUMBERED = re.compile(r"^(\s*(?:注：)?)(\d+)[.．、]\s*")


def without_note(notes: tuple[str, ...], sentence: str) -> tuple[str, ...]:
    """``notes`` without the one that says ``sentence`` (the rounding note, numbered or not); a numbered list is
    numbered again, and one left with a single item reads as a plain note ("注：1.本表…" → "注：本表…")."""
    core = sentence.strip().rstrip("。")
    kept = [n for n in notes if not core or core not in n]
    if len(kept) == len(notes):
        return notes
    numbered = [(i, m) for i, n in enumerate(kept) if (m := _NUMBERED.match(n)) is not None]
    for k, (i, m) in enumerate(numbered, start=1):
        number = "" if len(numbered) == 1 else f"{k}."
        kept[i] = m.group(1) + number + kept[i][m.end():]
    return tuple(kept)


def _grid_rows(values: WorkbookValues, table: Table) -> list[PubRow]:
    lay = layout_table(table, Instance.free(values.spec))
    roles = [name for panel in table.panels for name in panel.fields]
    by_pos: dict[tuple[int, int], PubCell] = {
        pos: PubCell(text.rstrip(), role=_role(roles[pos[1]])) for pos, text in lay.labels.items()}
    totals: set[int] = set()
    for cell, pos in lay.cells.items():
        show = table.id == "09" or cell.row in _ZERO_ROWS
        by_pos[pos] = PubCell(amount=values.cells.get(cell, Decimal("0.00")), cell=cell, show_zero=show,
                              role="amount")
        if cell.row in _ZERO_ROWS:
            totals.add(pos[0])
    rows = []
    for r in range(lay.data_row, lay.end_row):
        cells = tuple(by_pos.get((r, c), PubCell()) for c in range(table.width))
        rows.append(PubRow(cells, "total" if r in totals else "plain"))
    return rows


def _code_rows(values: WorkbookValues, table: Table) -> list[PubRow]:
    tv = values.tables[table.id]
    keys = [c.key for c in table.columns]
    total = tv.row(SUM_ROW)
    sum_row = PubRow((PubCell("合计", role="label"), PubCell("", role="name"),
                      *(PubCell(amount=total.amounts[k], cell=Cell(table.id, SUM_ROW, k), show_zero=True,
                                role="amount") for k in keys)), "total", merge_label=True)
    rows: list[PubRow] = []
    for row in tv.code_rows:
        if row.zero:
            continue
        kind: Literal["class", "item"] = "class" if row.level == 1 else "item"
        rows.append(PubRow((PubCell(row.code or "", role="code"), PubCell(row.name, role="name"),
                            *(PubCell(amount=row.amounts[k], cell=Cell(table.id, row.key, k), role="amount")
                              for k in keys)), kind))
    return [*rows, sum_row] if table.sum_row == "last" else [sum_row, *rows]


def _role(field: str) -> Literal["label", "line", "code", "name", "amount", ""]:
    if field in ("label", "line", "code", "name"):
        return field  # type: ignore[return-value]
    return "amount"


# ---------------------------------------------------------------------------------------------------------------
# header grids ("<" merges into the left neighbour, "^" into the one above — the spec's notation)


_SPACES = re.compile(r"\s+")


def numbering_row(row: tuple[str, ...]) -> bool:
    """The 栏次 row (column numbers 1, 2, …), left out of csv headers."""
    texts = [_SPACES.sub("", t) for t in row if t not in ("<", "^")]
    return any(texts) and all(t == "" or t.isdigit() or t.startswith("栏") for t in texts)


def flat_headers(grid: tuple[tuple[str, ...], ...]) -> list[str]:
    """One title per column, the header levels joined by "/" (for csv and json)."""
    height, width = len(grid), len(grid[0])
    origin: dict[tuple[int, int], str] = {}
    for r1, c1, r2, c2, text in header_merges(grid):
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                origin[(r, c)] = _SPACES.sub("", text)
    out = []
    for c in range(width):
        parts: list[str] = []
        for r in range(height):
            if numbering_row(grid[r]):
                continue
            text = origin.get((r, c), "")
            if text and (not parts or parts[-1] != text):
                parts.append(text)
        out.append("/".join(parts))
    return out
