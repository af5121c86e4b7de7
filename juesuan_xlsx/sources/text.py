"""Text copied out of a document or a web page (``.txt``): tables and paragraphs by line.

Two ways tables come out of a copy, both handled:

* **a cell a line** (Word's "save as text", the seed in ``../shared/seed/``): each cell is a line that starts
  with a tab; a line without the tab right after a cell line continues that cell (a header broken over two
  lines, "功能分类" / "科目编码"); a blank line ends a row; merged cells are simply absent, so rows are
  *ragged* and the recogniser places them;
* **a row a line** (a web page's table pasted as text): cells separated by tabs on one line.

Every other line is a paragraph.  Provenance is the line number (1-based) of the cell's first line.
"""

from __future__ import annotations

import re

from ..disclosure import Where
from .document import Document, Grid, Para, TCell

_BOOKMARK = re.compile(r"\[bookmark: [^\]]*\]")  # what Word's text export leaves of a bookmark


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (what Chinese Windows saves)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def _is_cell_line(line: str) -> bool:
    return line.startswith("\t") and "\t" not in line[1:]


def read_text(text: str) -> Document:
    """The blocks of a copied text (see the module docstring)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cell_lines = sum(1 for line in lines if _is_cell_line(line))
    row_lines = sum(1 for line in lines if not line.startswith("\t") and line.count("\t") >= 2)
    doc = Document("txt")
    if cell_lines >= row_lines:
        _cell_per_line(lines, doc)
    else:
        _row_per_line(lines, doc)
    return doc


def _para(doc: Document, text: str, line_no: int) -> None:
    cleaned = " ".join(part.strip(" \u3000\xa0") for part in _BOOKMARK.sub("", text).split("\t"))
    cleaned = " ".join(cleaned.split())
    if cleaned:
        doc.blocks.append(Para(cleaned, Where(line=line_no, block=len(doc.blocks) + 1)))


def _cell_per_line(lines: list[str], doc: Document) -> None:
    rows: list[list[TCell]] = []
    row: list[TCell] = []
    start = 0
    in_cell = False  # the previous line was a cell line (a tab-less line continues it)

    def end_row() -> None:
        nonlocal row
        if row:
            rows.append(row)
            row = []

    def end_table() -> None:
        nonlocal rows, start
        end_row()
        if rows:
            doc.blocks.append(Grid(rows, Where(line=start, block=len(doc.blocks) + 1), ragged=True))
            rows = []

    for number, line in enumerate(lines, 1):
        if _is_cell_line(line):
            if not rows and not row:
                start = number
            row.append(TCell(line[1:], Where(line=number)))
            in_cell = True
        elif not line.strip(" \u3000\xa0\t"):
            end_row()
            in_cell = False
        elif in_cell and row:  # continues the cell above ("功能分类" / "科目编码")
            last = row[-1]
            row[-1] = TCell(f"{last.text}\n{line}", last.where)
        else:
            end_table()
            _para(doc, line, number)
            in_cell = False
    end_table()


def _row_per_line(lines: list[str], doc: Document) -> None:
    rows: list[list[TCell]] = []
    start = 0
    for number, line in enumerate(lines, 1):
        if line.count("\t") >= 1 and len([c for c in line.split("\t") if c.strip()]) >= 2:
            if not rows:
                start = number
            rows.append([TCell(cell, Where(line=number)) for cell in line.split("\t")])
            continue
        if not line.strip() and rows:
            continue  # a blank line inside a pasted table
        if rows:
            doc.blocks.append(Grid(rows, Where(line=start, block=len(doc.blocks) + 1), ragged=True))
            rows = []
        _para(doc, line, number)
    if rows:
        doc.blocks.append(Grid(rows, Where(line=start, block=len(doc.blocks) + 1), ragged=True))
