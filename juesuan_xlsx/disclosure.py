"""The source-neutral view of one department's nine tables: every figure as printed, with where it came from.

Every reader produces one :class:`Disclosure`, whatever the source: a workbook made by ``juesuan-xlsx new``, a
foreign or stripped workbook, a legacy .xls, a Word or PDF publication, text copied from a web page.  The rules
(:mod:`juesuan_xlsx.rules`) run on this object, so a relation is checked the same way on a cell and on a printed
page.  Figures are keyed by the spec's logical cells (table, row key, column key); code tables' rows are the
instance's ``#1 … #n`` rows in the order the source prints them.

0, blank, "—" and an unreadable cell are four different things (GUIDE §1, parser traps): :class:`Kind` keeps them
apart, and only ``NUMBER`` figures take part in arithmetic.  A blank or a dash is an exact 0 to the rules; an
unreadable cell makes the relations that need it unjudgeable, never "passed".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from .model import Cell, Instance
from .spec import Spec


class Kind(StrEnum):
    NUMBER = "number"  # a figure, 0.00 included
    BLANK = "blank"  # nothing printed
    DASH = "dash"  # "—", "-", "--", "／": does not apply (the reporting software's empty marker)
    UNREADABLE = "unreadable"  # something is printed but it is not an amount (a word, a broken glyph)


@dataclass(frozen=True)
class Where:
    """Where a figure or a sentence came from, in the source's own terms.

    Workbooks: ``sheet`` and ``cell``.  Documents: ``page`` (PDF, 1-based), ``block`` (table or paragraph number in
    document order, 1-based), and the row label and column header as printed.
    """

    sheet: str | None = None
    cell: str | None = None
    page: int | None = None
    block: int | None = None
    table: str | None = None  # the table's title or label as printed
    row: str | None = None  # row label or code as printed
    column: str | None = None  # column header as printed
    line: int | None = None  # text sources: line number, 1-based

    def __str__(self) -> str:
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        parts: list[str] = []
        if self.page is not None:
            parts.append(f"第 {self.page} 页")
        if self.line is not None:
            parts.append(f"第 {self.line} 行")
        if self.block is not None and not self.table and self.line is None:
            parts.append(f"第 {self.block} 段")  # a paragraph of a Word document
        if self.table:
            parts.append(self.table)
        if self.row:
            parts.append(f"行 {self.row}")
        if self.column:
            parts.append(f"列 {self.column}")
        if not parts and self.sheet:
            parts.append(self.sheet)
        return " ".join(parts)


@dataclass(frozen=True)
class Printed:
    """One figure as the source holds it: ``value`` only for ``Kind.NUMBER`` (in 万元, after any unit conversion)."""

    value: Decimal | None
    kind: Kind
    text: str  # exactly as printed / typed, for messages
    where: Where
    computed: bool = False  # the source computed it from other figures (an intact formula): no rounding allowance

    @property
    def number(self) -> Decimal:
        """The figure's value in arithmetic: blank and dash are an exact 0."""
        return self.value if self.value is not None else Decimal(0)


@dataclass(frozen=True)
class Paragraph:
    """A paragraph (or table-free line) of narrative text, in document order."""

    text: str
    where: Where
    heading: bool = False


@dataclass
class Disclosure:
    """The nine tables of one department and year as one source prints them."""

    spec: Spec
    inst: Instance  # the code rows the source lists, in its order
    figures: dict[Cell, Printed] = field(default_factory=dict)
    source: str = ""  # the file
    source_kind: str = ""  # xlsx | xls | docx | pdf | txt | html | ours
    how: str = ""  # how it was read, for the report: "PDF，25 页，识别 9 张表"
    dept: str = ""
    year: int | None = None
    unit: str = "万元"  # the unit the source printed; figures are converted to 万元
    paragraphs: list[Paragraph] = field(default_factory=list)
    notes: list[Paragraph] = field(default_factory=list)  # the notes printed under the tables (注：…, 说明：…)
    # code → name as the source prints it, for codes the built-in dictionary lacks
    code_names: dict[str, str] = field(default_factory=dict)
    # where each code row's code is printed (row key "#i" → Where), for findings about codes
    code_where: dict[tuple[str, str], Where] = field(default_factory=dict)
    missing_tables: list[str] = field(default_factory=list)  # table ids the source should have and lacks
    unchecked_tables: list[str] = field(default_factory=list)  # tables printed that are not among the nine
    # problems met while reading: (finding code, where, message args); turned into findings by the rules
    problems: list[tuple[str, Where | None, dict[str, object]]] = field(default_factory=list)

    def where(self, cell: Cell) -> Where | None:
        printed = self.figures.get(cell)
        return printed.where if printed is not None else None

    def numbers(self) -> dict[Cell, Decimal]:
        """The figures that take part in arithmetic (NUMBER; blank and dash are exact zeros and left out)."""
        return {cell: p.value for cell, p in self.figures.items() if p.kind is Kind.NUMBER and p.value is not None}

    def unreadable(self) -> set[Cell]:
        return {cell for cell, p in self.figures.items() if p.kind is Kind.UNREADABLE}

    def narrative(self) -> str:
        return "\n".join(p.text for p in self.paragraphs)
