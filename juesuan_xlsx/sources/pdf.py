"""PDF with a text layer, read with pypdfium2 (PDFium; Apache-2.0 / BSD-3-Clause): characters with their boxes
and the ruling lines of the tables, rebuilt here into grids and paragraphs.

Why this way (measured, see ``benchmarks/pdf_libraries.py``): PDFium gives every character's box and every
path object's bounds of the 25-page reference disclosure in about 0.06 s, where pdfplumber's table finder takes
about 1.5 s and pdfminer.six's layout analysis about 1 s for the same raw material.  Tables in published
disclosures are ruled (Word, WPS, ONLYOFFICE and LibreOffice all draw the cell borders), so a *lattice* is
enough: horizontal and vertical rules → a grid of fine cells → cells merged where a rule is missing → each
character to the cell its centre falls in.  Text outside the rules is lines, joined into paragraphs.

Limits, said in the report rather than guessed at: a page without text (a scan) is skipped and named, a PDF
with no text at all is refused (no OCR); at most :data:`MAX_PAGES` pages are read; an encrypted PDF needs its
password removed; a table printed without rules is read as lines of text (its figures are not placed).
"""

from __future__ import annotations

import bisect
import ctypes
from dataclasses import dataclass, field
from pathlib import Path

from ..disclosure import Where
from .document import Document, Grid, Para, TCell
from .sniff import SourceError

MAX_PAGES = 150  # a disclosure has 20–80 pages; a 2,000-page file is read up to here, and the report says so
MAX_CHARS_PER_PAGE = 60_000
MAX_PATHS_PER_PAGE = 20_000
RULE = 3.0  # a rule is at most this thick (pt)
SNAP = 2.5  # rules closer than this are one rule


@dataclass
class _Char:
    ch: str
    x0: float
    x1: float
    y0: float
    y1: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def height(self) -> float:
        return self.y1 - self.y0


@dataclass
class _Seg:
    horizontal: bool
    at: float  # y of a horizontal rule, x of a vertical one
    lo: float  # extent along the rule
    hi: float


@dataclass
class _Lattice:
    xs: list[float]  # column edges, left to right
    ys: list[float]  # row edges, top to bottom (descending y)
    segs: list[_Seg]
    cells: dict[tuple[int, int], int] = field(default_factory=dict)  # fine cell → merged cell id

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return self.xs[0], self.ys[-1], self.xs[-1], self.ys[0]

    def contains(self, x: float, y: float) -> bool:
        x0, y0, x1, y1 = self.bbox
        return x0 - 0.5 <= x <= x1 + 0.5 and y0 - 0.5 <= y <= y1 + 0.5


def read_pdf(path: Path) -> Document:
    """The blocks of a PDF (see the module docstring)."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        text = str(exc).lower()
        if "password" in text:
            raise SourceError("PDF 设有打开密码（加密），无法读取。请提供未加密的文件") from exc
        raise SourceError(f"PDF 文件已损坏，无法打开（{exc}）") from exc
    try:
        return _read(pdf)
    finally:
        pdf.close()


def _read(pdf: object) -> Document:
    import pypdfium2.raw as raw

    pages = len(pdf)  # type: ignore[arg-type]
    doc = Document("pdf", pages=pages, pages_read=min(pages, MAX_PAGES))
    if pages > MAX_PAGES:
        doc.note("S-页数超限", None, pages=pages, read=MAX_PAGES)
    import pypdfium2 as pdfium

    blank: list[int] = []
    broken: list[int] = []
    for number in range(min(pages, MAX_PAGES)):
        try:
            page = pdf[number]  # type: ignore[index]
        except pdfium.PdfiumError:
            broken.append(number + 1)
            continue
        try:
            chars = _chars(page, raw)
            if not any(c.ch.strip() for c in chars):
                if _has_image(page, raw):  # a scanned page; an empty page is no news
                    blank.append(number + 1)
                continue
            segs = _segments(page, raw)
            _page_blocks(doc, number + 1, chars, segs)
        finally:
            page.close()
    if broken:
        doc.note("S-页面损坏", None, pages="、".join(_ranges(broken)))
    if not any(isinstance(b, Para | Grid) for b in doc.blocks):
        if broken and not blank:
            raise SourceError("PDF 文件已损坏，页面无法读取")
        raise SourceError("PDF 没有文字层（可能是扫描件或图片），无法读取其中的数字。本工具不做文字识别（OCR），"
                          "请提供原始的 Word / Excel 文件或带文字的 PDF")
    if blank and len(blank) <= 40:
        doc.note("S-无文字页", None, pages="、".join(str(p) for p in _ranges(blank)))
    elif blank:
        doc.note("S-无文字页", None, pages=f"{len(blank)} 个")
    return doc


def _has_image(page: object, raw: object) -> bool:
    return any(True for _ in page.get_objects(filter=[raw.FPDF_PAGEOBJ_IMAGE], max_depth=2))  # type: ignore


def _ranges(numbers: list[int]) -> list[str]:
    out: list[str] = []
    start = prev = numbers[0]
    for n in numbers[1:] + [0]:
        if n == prev + 1:
            prev = n
            continue
        out.append(str(start) if start == prev else f"{start}–{prev}")
        start = prev = n
    return out


def _chars(page: object, raw: object) -> list[_Char]:
    textpage = page.get_textpage()  # type: ignore[attr-defined]
    try:
        count = min(raw.FPDFText_CountChars(textpage), MAX_CHARS_PER_PAGE)  # type: ignore[attr-defined]
        if count <= 0:
            return []
        text = textpage.get_text_range(0, count)
        if len(text) != count:  # surrogate pairs: fall back to one code point per character
            text = "".join(chr(raw.FPDFText_GetUnicode(textpage, i)) for i in range(count))  # type: ignore
        left, right, bottom, top = (ctypes.c_double() for _ in range(4))
        refs = (ctypes.byref(left), ctypes.byref(right), ctypes.byref(bottom), ctypes.byref(top))
        box = raw.FPDFText_GetCharBox  # type: ignore[attr-defined]
        loose = raw.FS_RECTF()  # type: ignore[attr-defined]
        loose_ref = ctypes.byref(loose)
        loose_box = raw.FPDFText_GetLooseCharBox  # type: ignore[attr-defined]
        out: list[_Char] = []
        for i, ch in enumerate(text):
            if ch in "\r\n\x00\ufffe\uffff" or not ch.strip() and ch != " ":
                continue
            box(textpage, i, *refs)
            if right.value - left.value <= 0 and ch == " ":
                continue  # a space PDFium generated between words: gaps are measured instead
            # the loose box spans the font's ascent and descent: a comma sits on the line of its digits
            loose_box(textpage, i, loose_ref)
            y0, y1 = (loose.bottom, loose.top) if loose.top > loose.bottom else (bottom.value, top.value)
            out.append(_Char(ch, left.value, right.value, y0, y1))
        return out
    finally:
        textpage.close()


def _segments(page: object, raw: object) -> list[_Seg]:
    out: list[_Seg] = []
    for n, obj in enumerate(page.get_objects(filter=[raw.FPDF_PAGEOBJ_PATH], max_depth=2)):  # type: ignore
        if n >= MAX_PATHS_PER_PAGE:
            break
        try:
            x0, y0, x1, y1 = obj.get_bounds()
        except Exception:  # noqa: BLE001 - a path PDFium cannot measure is no rule
            continue
        w, h = x1 - x0, y1 - y0
        if h <= RULE and w > RULE:
            out.append(_Seg(True, (y0 + y1) / 2, x0, x1))
        elif w <= RULE and h > RULE:
            out.append(_Seg(False, (x0 + x1) / 2, y0, y1))
        elif w > RULE and h > RULE and w * h < 400_000:
            # a stroked rectangle (a cell border drawn with "re"): its four edges
            out.extend((_Seg(True, y0, x0, x1), _Seg(True, y1, x0, x1), _Seg(False, x0, y0, y1),
                        _Seg(False, x1, y0, y1)))
    return out


# ----------------------------------------------------------------------------------------------------------
# lattice


def _clusters(segs: list[_Seg]) -> list[list[_Seg]]:
    """Rules that touch each other, grouped (one group per table)."""
    parent = list(range(len(segs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    hs = [i for i, s in enumerate(segs) if s.horizontal]
    vs = [i for i, s in enumerate(segs) if not s.horizontal]
    vs.sort(key=lambda i: segs[i].at)
    v_at = [segs[i].at for i in vs]
    for h in hs:
        sh = segs[h]
        lo = bisect.bisect_left(v_at, sh.lo - SNAP)
        hi = bisect.bisect_right(v_at, sh.hi + SNAP)
        for k in range(lo, hi):
            v = vs[k]
            sv = segs[v]
            if sv.lo - SNAP <= sh.at <= sv.hi + SNAP:
                a, b = find(h), find(v)
                if a != b:
                    parent[a] = b
    for horizontal in (True, False):  # pieces of one rule (a rule drawn cell by cell) belong together
        same = sorted((i for i, s in enumerate(segs) if s.horizontal == horizontal),
                      key=lambda i: (round(segs[i].at / SNAP), segs[i].lo))
        for a, b in zip(same, same[1:], strict=False):
            sa, sb = segs[a], segs[b]
            if abs(sa.at - sb.at) <= SNAP and sb.lo <= sa.hi + SNAP:
                ra, rb = find(a), find(b)
                if ra != rb:
                    parent[ra] = rb
    groups: dict[int, list[_Seg]] = {}
    for i, s in enumerate(segs):
        groups.setdefault(find(i), []).append(s)
    return [g for g in groups.values() if sum(s.horizontal for s in g) >= 2 and sum(not s.horizontal for s in g) >= 2]


def _snap(values: list[float]) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if out and v - out[-1] <= SNAP:
            continue
        out.append(v)
    return out


def _near(segs: list[_Seg], edges: list[float]) -> list[list[_Seg]]:
    """For each edge, the rules of ``segs`` that lie on it."""
    out: list[list[_Seg]] = [[] for _ in edges]
    ordered = sorted(range(len(edges)), key=lambda i: edges[i])
    at = [edges[i] for i in ordered]
    for s in segs:
        lo = bisect.bisect_left(at, s.at - SNAP)
        hi = bisect.bisect_right(at, s.at + SNAP)
        for k in range(lo, hi):
            out[ordered[k]].append(s)
    return out


def _covers(rules: list[_Seg], lo: float, hi: float) -> bool:
    """One of ``rules`` (all on the same edge) covers the middle of [lo, hi]."""
    mid = (lo + hi) / 2
    reach = max((hi - lo) * 0.3, 0.5)
    return any(s.lo - reach <= mid <= s.hi + reach for s in rules)


def _lattice(group: list[_Seg]) -> _Lattice | None:
    xs = _snap([s.at for s in group if not s.horizontal])
    ys = sorted(_snap([s.at for s in group if s.horizontal]), reverse=True)
    if len(xs) < 2 or len(ys) < 2:
        return None
    lat = _Lattice(xs, ys, group)
    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    parent = {(r, c): (r, c) for r in range(n_rows) for c in range(n_cols)}

    def find(k: tuple[int, int]) -> tuple[int, int]:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    verticals = _near([s for s in group if not s.horizontal], xs)
    horizontals = _near([s for s in group if s.horizontal], ys)
    for r in range(n_rows):
        top, bottom = ys[r], ys[r + 1]
        for c in range(n_cols):
            left, right = xs[c], xs[c + 1]
            if c + 1 < n_cols and not _covers(verticals[c + 1], bottom, top):
                parent[find((r, c))] = find((r, c + 1))
            if r + 1 < n_rows and not _covers(horizontals[r + 1], left, right):
                parent[find((r, c))] = find((r + 1, c))
    ids: dict[tuple[int, int], int] = {}
    for key in sorted(parent):
        root = find(key)
        lat.cells[key] = ids.setdefault(root, len(ids))
    return lat


def _cell_text(chars: list[_Char]) -> str:
    """Characters of one cell as lines, top to bottom, left to right."""
    if not chars:
        return ""
    ordered = sorted(chars, key=lambda c: -c.cy)
    lines: list[list[_Char]] = []
    for ch in ordered:
        if lines and abs(lines[-1][0].cy - ch.cy) <= max(ch.height, lines[-1][0].height) * 0.5:
            lines[-1].append(ch)
        else:
            lines.append([ch])
    return "\n".join(_line_text(line) for line in lines)


def _line_text(line: list[_Char]) -> str:
    line = sorted(line, key=lambda c: c.x0)
    out: list[str] = []
    prev: _Char | None = None
    for ch in line:
        if prev is not None and ch.x0 - prev.x1 > max(prev.height, ch.height) * 0.9 and ch.ch != " ":
            out.append("  " if ch.x0 - prev.x1 > max(prev.height, ch.height) * 2.5 else " ")
        out.append(ch.ch)
        prev = ch
    return "".join(out).strip()


def _grid(lat: _Lattice, chars: list[_Char], page: int) -> Grid:
    n_rows, n_cols = len(lat.ys) - 1, len(lat.xs) - 1
    xs_asc = lat.xs
    ys_asc = sorted(lat.ys)
    by_cell: dict[int, list[_Char]] = {}
    for ch in chars:
        c = bisect.bisect_right(xs_asc, ch.cx) - 1
        r_asc = bisect.bisect_right(ys_asc, ch.cy) - 1
        if not (0 <= c < n_cols and 0 <= r_asc < n_rows):
            continue
        r = n_rows - 1 - r_asc
        by_cell.setdefault(lat.cells[(r, c)], []).append(ch)
    texts = {cell_id: _cell_text(cs) for cell_id, cs in by_cell.items()}
    first: dict[int, tuple[int, int]] = {}
    for key in sorted(lat.cells):
        first.setdefault(lat.cells[key], key)
    rows: list[list[TCell]] = []
    where = Where(page=page)
    for r in range(n_rows):
        row: list[TCell] = []
        for c in range(n_cols):
            cell_id = lat.cells[(r, c)]
            row.append(TCell(texts.get(cell_id, ""), where, covered=first[cell_id] != (r, c)))
        rows.append(row)
    return Grid(rows, where)


# ----------------------------------------------------------------------------------------------------------
# a page: tables and paragraphs in reading order


def _page_blocks(doc: Document, page: int, chars: list[_Char], segs: list[_Seg]) -> None:
    lattices = [lat for lat in (_lattice(g) for g in _clusters(segs)) if lat is not None]
    lattices = [lat for lat in lattices if len(lat.xs) >= 3 or len(lat.ys) >= 3]
    inside: dict[int, list[_Char]] = {i: [] for i in range(len(lattices))}
    free: list[_Char] = []
    for ch in chars:
        for i, lat in enumerate(lattices):
            if lat.contains(ch.cx, ch.cy):
                inside[i].append(ch)
                break
        else:
            free.append(ch)
    items: list[tuple[float, Grid | Para]] = []
    for i, lat in enumerate(lattices):
        items.append((lat.bbox[3], _grid(lat, inside[i], page)))
    for top, text in _paragraphs(free):
        items.append((top, Para(text, Where(page=page))))
    items.sort(key=lambda item: -item[0])
    for _, block in items:
        number = len(doc.blocks) + 1
        if isinstance(block, Grid):
            block.where = Where(page=page, block=number)
            block.rows = [[TCell(c.text, Where(page=page, block=number), c.covered) for c in row] for row in block.rows]
            doc.blocks.append(block)
        else:
            doc.blocks.append(Para(block.text, Where(page=page, block=number)))


def _lines(chars: list[_Char]) -> list[list[_Char]]:
    ordered = sorted((c for c in chars if c.ch.strip()), key=lambda c: (-c.cy, c.x0))
    lines: list[list[_Char]] = []
    for ch in ordered:
        if lines:
            ref = lines[-1]
            cy = sum(c.cy for c in ref) / len(ref)
            if abs(cy - ch.cy) <= max(ch.height, ref[0].height) * 0.45:
                ref.append(ch)
                continue
        lines.append([ch])
    return [sorted(line, key=lambda c: c.x0) for line in lines]


def _paragraphs(chars: list[_Char]) -> list[tuple[float, str]]:
    """Lines joined into paragraphs: a line that runs to the right margin continues on the next line."""
    lines = _lines(chars)
    if not lines:
        return []
    left = min(line[0].x0 for line in lines)
    right = max(line[-1].x1 for line in lines)
    out: list[tuple[float, str]] = []
    current: list[str] = []
    top = 0.0
    prev_open = False  # the previous line does not end a paragraph
    for line in lines:
        text = _line_text(line)
        em = max(c.height for c in line)
        indented = line[0].x0 - left > em * 0.9
        if current and prev_open and not indented and not _starts_item(text):
            current.append(text)
        else:
            if current:
                out.append((top, _join(current)))
            current, top = [text], max(c.y1 for c in line)
        gap = right - line[-1].x1
        ends = text.endswith(("。", "；", "：", ":", ";", "！", "？"))
        # a line that stops well before the margin ends its paragraph (a title, the last line); one that stops a
        # little short continues unless it ends a sentence (a number too long for the line was carried over)
        prev_open = not (gap > max(em * 5, (right - left) * 0.25) or (gap > em * 3 and ends))
    if current:
        out.append((top, _join(current)))
    return out


def _starts_item(text: str) -> bool:
    import re

    return re.match(r"^(?:第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|"
                    r"\d{1,2}[、.．](?!\d)|注[:：]|说明[:：])", text) is not None


def _join(lines: list[str]) -> str:
    out = lines[0]
    for line in lines[1:]:
        if out and line and out[-1].isascii() and out[-1].isalnum() and line[0].isascii() and line[0].isalnum():
            out += " " + line
        else:
            out += line
    return out
