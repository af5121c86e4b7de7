"""Web pages (``.html``, also an HTML page saved under a ``.xls`` name, as some systems export): ``<table>``\\ s
and paragraphs in order, with the standard library's tolerant parser.

``colspan`` / ``rowspan`` are spread over the positions they cover (``covered``); a table inside a cell is read
as that cell's text.  Scripts and styles are skipped.  Provenance: the source line of each cell or paragraph.
"""

from __future__ import annotations

from html.parser import HTMLParser

from ..disclosure import Where
from .document import Document, Grid, Para, TCell

MAX_CELLS = 200_000
_BLOCK_TAGS = frozenset({"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "section", "article", "caption",
                         "title", "center", "blockquote", "pre", "header", "footer", "dt", "dd"})
_SKIP = frozenset({"script", "style", "head", "noscript", "template"})


class _Cell:
    __slots__ = ("colspan", "line", "parts", "rowspan")

    def __init__(self, line: int, colspan: int, rowspan: int) -> None:
        self.line = line
        self.colspan = colspan
        self.rowspan = rowspan
        self.parts: list[str] = []


class _Table:
    def __init__(self, line: int) -> None:
        self.line = line
        self.rows: list[list[_Cell]] = []
        self.container = False  # a layout table: it holds other tables, its own cells are page text


def _span(value: str | None) -> int:
    try:
        return max(1, min(int((value or "1").strip()), 100))
    except ValueError:
        return 1


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[_Table | tuple[int, str]] = []
        self.tables: list[_Table] = []  # open tables, innermost last
        self.cell: _Cell | None = None
        self.nested_cells: list[_Cell | None] = []
        self.text: list[str] = []
        self.text_line = 1
        self.skip = 0
        self.cells = 0

    # paragraphs outside tables
    def _flush(self) -> None:
        text = " ".join("".join(self.text).split())
        if text:
            self.items.append((self.text_line, text))
        self.text = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
            return
        line = self.getpos()[0]
        if tag == "table":
            if self.tables:
                self._contain(self.tables[-1])
                self.nested_cells.append(self.cell)
            else:
                self._flush()
            table = _Table(line)
            self.tables.append(table)
            self.cell = None
        elif tag == "tr" and self.tables:
            self.tables[-1].rows.append([])
        elif tag in ("td", "th") and self.tables and self.cells < MAX_CELLS:
            table = self.tables[-1]
            if not table.rows:
                table.rows.append([])
            a = dict(attrs)
            self.cell = _Cell(line, _span(a.get("colspan")), _span(a.get("rowspan")))
            if not table.container:
                table.rows[-1].append(self.cell)
            self.cells += 1
        elif tag == "br":
            self._add("\n")
        elif tag in _BLOCK_TAGS:
            if self.cell is not None:
                self._add("\n")
            elif not self.tables:
                self._flush()
                self.text_line = line

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if tag == "table" and self.tables:
            table = self.tables.pop()
            if not table.container:
                self.items.append(table)
            self.cell = (self.nested_cells.pop() if self.nested_cells else None) if self.tables else None
        elif tag in ("td", "th"):
            if self.tables and self.tables[-1].container:
                self._cell_as_paragraph()
            self.cell = None
        elif tag in _BLOCK_TAGS and not self.tables:
            self._flush()

    def _contain(self, table: _Table) -> None:
        """A table inside ``table`` makes it a layout table: the text of its cells so far becomes paragraphs
        (they come before the inner table), and so will the rest of its cells."""
        if not table.container:
            table.container = True
            for row in table.rows:
                for cell in row:
                    if cell is not self.cell and _text(cell):
                        self.items.append((cell.line, " ".join(_text(cell).split())))
            table.rows = []
        self._cell_as_paragraph()

    def _cell_as_paragraph(self) -> None:
        if self.cell is not None and _text(self.cell):
            for line in _text(self.cell).split("\n"):
                self.items.append((self.cell.line, line))
            self.cell.parts = []

    def _add(self, text: str) -> None:
        if self.skip:
            return
        if self.cell is not None:
            self.cell.parts.append(text)
        elif not self.tables:
            if not self.text:
                self.text_line = self.getpos()[0]
            self.text.append(text)

    def handle_data(self, data: str) -> None:
        self._add(data)


def read_html(text: str) -> Document:
    parser = _Parser()
    parser.feed(text)
    parser.close()
    parser._flush()
    while parser.tables:  # an unclosed table
        parser.items.append(parser.tables.pop(0))
    doc = Document("html")
    for item in parser.items:
        number = len(doc.blocks) + 1
        if isinstance(item, tuple):
            doc.blocks.append(Para(item[1], Where(line=item[0], block=number)))
        else:
            grid = _grid(item, number)
            if grid.rows:
                doc.blocks.append(grid)
    return doc


def _text(cell: _Cell) -> str:
    lines = [" ".join(part.split()) for part in "".join(cell.parts).split("\n")]
    return "\n".join(line for line in lines if line)


def _grid(table: _Table, number: int) -> Grid:
    occupied: dict[tuple[int, int], tuple[str, int]] = {}  # position → (text, line) of the cell covering it
    rows: list[list[TCell]] = []
    for r, raw in enumerate(table.rows):
        row: dict[int, TCell] = {}  # grid column → cell
        c = 0
        for cell in raw:
            while (r, c) in occupied:
                c += 1
            text = _text(cell)
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    if dr == 0 and dc == 0:
                        continue
                    occupied[(r + dr, c + dc)] = (text, cell.line)
            row[c] = TCell(text, Where(line=cell.line, block=number))
            c += cell.colspan
        for (rr, cc), (text, line) in occupied.items():
            if rr == r and cc not in row:
                row[cc] = TCell(text, Where(line=line, block=number), covered=True)
        width = max(row) + 1 if row else 0
        rows.append([row.get(i, TCell("", Where(line=table.line, block=number))) for i in range(width)])
    width = max((len(r) for r in rows), default=0)
    for cells in rows:
        cells.extend(TCell("", Where(line=table.line, block=number)) for _ in range(width - len(cells)))
    return Grid(rows, Where(line=table.line, block=number))
