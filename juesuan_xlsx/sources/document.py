"""The neutral document every extractor returns: blocks in reading order, each piece of text with its provenance.

Extractors know their format (pages, sheets, lines) and nothing of the nine tables; :mod:`.recognise` knows the
tables and nothing of formats.  Between them is this small model:

* :class:`Para` — a paragraph or a line of text outside any table (a title, a 单位：万元 line, narrative);
* :class:`Grid` — a table as rows of :class:`TCell`.  Where the format gives geometry (workbooks, Word, HTML, a
  ruled PDF table) every row has exactly ``width`` cells and a merged cell repeats its text in every position it
  covers (``covered``); where it does not (text copied out of a document) rows keep the cells as copied,
  ``ragged`` is set and the recogniser places them.

Provenance is a :class:`~juesuan_xlsx.disclosure.Where` from the start (page, block, line, sheet and cell); the
recogniser adds the table title, row label and column header as printed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..disclosure import Where


@dataclass(frozen=True)
class TCell:
    """One table cell as the source holds it."""

    text: str
    where: Where
    covered: bool = False  # a position covered by a merged cell that starts above or to the left


@dataclass
class Grid:
    """A table: rows of cells, in the source's order."""

    rows: list[list[TCell]]
    where: Where  # where the table starts (page / block / sheet)
    ragged: bool = False  # cells' columns unknown (text copies): rows may be shorter than the table
    sheet: str | None = None  # workbooks: the sheet's name
    sheet_code: str | None = None  # workbooks: the sheet's code name (ours: GK01 … GK09)

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)


@dataclass(frozen=True)
class Para:
    """A paragraph (or a single line) of text outside the tables."""

    text: str
    where: Where


Block = Grid | Para


@dataclass
class Document:
    """What an extractor read: blocks in reading order, and how."""

    kind: str  # pdf | docx | xlsx | xls | txt | html
    blocks: list[Block] = field(default_factory=list)
    pages: int | None = None  # PDF: pages in the file
    pages_read: int | None = None  # PDF: pages read (capped)
    sheets: int | None = None  # workbooks
    files: int | None = None  # csv: the files read (a folder of our csv export: one a table)
    title: str = ""  # the file's own title property (a workbook's or a docx's core properties), when it has one
    # problems met while extracting (pages capped, macros ignored …): (code, where, args), as in Disclosure
    problems: list[tuple[str, Where | None, dict[str, object]]] = field(default_factory=list)

    def note(self, code: str, where: Where | None = None, **args: object) -> None:
        self.problems.append((code, where, dict(args)))
