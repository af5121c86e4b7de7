"""Columns by their header text: a source table's columns aligned with the spec table's columns.

Each column is described by its header *path*, the header texts above it from top to bottom (a merged header
counts for every column it covers; the 栏次 row "1 2 3 …" never counts).  Source and spec paths are compared
word by word, tolerant of spaces, line breaks, full-width brackets, quotes and the usual variants (科目代码 /
功能分类科目编码, 金额 / 决算数, 小计 / 合计); then the two column sequences are aligned in order (a dynamic
programme, like aligning two sentences), so two panels printing the same words (收入 项目 决算数 | 支出 项目
决算数) fall in place, and a column the source adds (序号, 上年数, a 校验 column) or lacks (行次) is skipped.

A 类 / 款 / 项 split of the code (Shanghai prints "201 | 06 | 01") is one code column made of parts.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from ..spec import LABEL_FIELDS, Table, header_merges
from .document import TCell
from .numbers import is_integer_text
from .titles import norm

CODE_PARTS = ("类", "款", "项")
# header words of columns that are never amounts: a list number, a year, a line number
NOT_AMOUNT = frozenset({"序号", "年度", "年份", "行次", "栏次", "编号", "备注", "说明"})
_ALIASES: tuple[frozenset[str], ...] = (
    frozenset({"功能分类科目编码", "科目编码", "科目代码", "支出功能分类科目编码", "功能分类科目代码", "编码",
               "支出功能分类", "经济分类科目编码", "经济分类", "部门经济分类科目编码", "经济分类编码"}),
    frozenset({"决算数", "金额", "决算金额", "本年决算数", "决算"}),
    frozenset({"小计", "合计", "本年支出合计", "本年支出小计"}),
    frozenset({"项目", "项目名称"}),
    frozenset({"科目名称", "名称"}),
)


def _is_lanci(texts: list[str]) -> bool:
    """The 栏次 row: "栏次" and / or the consecutive integers 1, 2, 3 … (never figures: 7 = 1 + 3 + 3)."""
    words = [t for t in texts if t]
    numbers = [t for t in words if t not in ("栏次", "行次")]
    if any(t in ("栏次",) for t in words) and all(is_integer_text(t) for t in numbers):
        return True
    if len(numbers) < 2 or not all(is_integer_text(t) for t in numbers):
        return False
    values = [int(t) for t in numbers]
    return values == list(range(values[0], values[0] + len(values))) and values[0] in (0, 1)


def is_lanci_row(row: list[TCell]) -> bool:
    return _is_lanci([norm(c.text) for c in row if not c.covered])


def _dedupe(path: list[str]) -> tuple[str, ...]:
    out: list[str] = []
    for text in path:
        if text and (not out or out[-1] != text):
            out.append(text)
    return tuple(out)


@dataclass(frozen=True)
class SpecCol:
    index: int
    field: str  # label | line | code | name | a value key
    panel: int | None  # grid tables: which panel; code tables: None
    path: tuple[str, ...]
    title: str  # the leaf as the spec prints it

    @property
    def is_value(self) -> bool:
        return self.field not in LABEL_FIELDS


def spec_columns(table: Table) -> list[SpecCol]:
    """The spec table's columns with their header paths."""
    grid = table.header
    height, width = len(grid), len(grid[0])
    resolved = [["" for _ in range(width)] for _ in range(height)]
    for r0, c0, r1, c1, text in header_merges(grid):
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                resolved[r][c] = text
    rows = [row for row in resolved if not _is_lanci([norm(t) for t in row])]
    fields: list[tuple[str, int | None]] = []
    if table.kind == "codes":
        fields.extend([("code", None), ("name", None)])
        fields.extend((c.key, None) for c in table.columns)
    else:
        for p, panel in enumerate(table.panels):
            fields.extend((f, p) for f in panel.fields)
    cols = []
    for c, (name, panel_index) in enumerate(fields):
        path = _dedupe([norm(row[c]) for row in rows])
        raw = next((row[c] for row in reversed(rows) if row[c].strip()), name)
        cols.append(SpecCol(c, name, panel_index, path, " ".join(raw.split())))
    return cols


@dataclass
class SrcCol:
    """A source column (or the parts of a split code column) with its header path."""

    cols: tuple[int, ...]  # grid columns; several for a 类/款/项 code
    path: tuple[str, ...]  # normalized
    raw: tuple[str, ...]  # as printed (for messages)

    @property
    def leaf(self) -> str:
        return self.path[-1] if self.path else ""

    @property
    def is_code_parts(self) -> bool:
        return len(self.cols) > 1


def source_columns(header: list[list[TCell]], width: int, markers: list[TCell] | None = None) -> list[SrcCol]:
    """Columns of a positioned header (rows of ``width`` cells); ``markers`` is a row whose 类/款/项 cells mark a
    split code (Shanghai prints them on the 合计 row)."""
    rows = [r for r in header if not is_lanci_row(r)]
    paths: list[list[str]] = [[] for _ in range(width)]
    raws: list[list[str]] = [[] for _ in range(width)]
    for row in rows:
        for c in range(min(width, len(row))):
            text = norm(row[c].text)
            if text and not is_integer_text(text) and text != "栏次":  # numbering is never a header word
                paths[c].append(text)
                raws[c].append(" ".join(row[c].text.split()))
    if markers is not None:
        for c in range(min(width, len(markers))):
            if norm(markers[c].text) in CODE_PARTS:
                paths[c].append(norm(markers[c].text))
                raws[c].append(norm(markers[c].text))
    out: list[SrcCol] = []
    c = 0
    while c < width:
        path = _dedupe(paths[c])
        raw = _dedupe(raws[c])
        if path and path[-1] == CODE_PARTS[0]:  # 类 | 款 | 项: one code column
            parts = [c]
            while (c + 1 < width and len(parts) < 3 and _dedupe(paths[c + 1])
                   and _dedupe(paths[c + 1])[-1] == CODE_PARTS[len(parts)]):
                c += 1
                parts.append(c)
            if len(parts) > 1:
                out.append(SrcCol(tuple(parts), path[:-1] or ("科目编码",), raw[:-1] or ("科目编码",)))
                c += 1
                continue
        out.append(SrcCol((c,), path, raw))
        c += 1
    return out


@lru_cache(maxsize=8192)
def similar(a: str, b: str) -> float:
    """How alike two header words are, 0 … 1."""
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    for group in _ALIASES:
        if a in group and b in group:
            return 0.9
    if a in b or b in a:
        short, long = sorted((len(a), len(b)))
        return 0.55 + 0.35 * short / long
    ratio = SequenceMatcher(None, a, b).ratio()
    return ratio if ratio >= 0.7 else 0.0


def score(src: SrcCol, spec: SpecCol) -> float:
    """How well a source column fits a spec column (0: never)."""
    if src.is_code_parts:
        return 1.0 if spec.field == "code" else 0.0
    leaf = src.leaf
    if leaf in NOT_AMOUNT:
        return 1.0 if (leaf == "行次" and spec.field == "line") else 0.0
    if spec.field == "line":
        return 0.0
    if not src.path or not spec.path:
        return 0.0
    leaf_sim = max(similar(leaf, spec.path[-1]), 0.8 * max(similar(leaf, t) for t in spec.path))
    whole = similar("".join(src.path), "".join(spec.path))
    if leaf_sim < 0.5 and whole < 0.75:
        return 0.0
    return 0.65 * leaf_sim + 0.35 * whole


def align(src: list[SrcCol], spec: list[SpecCol], threshold: float = 0.5) -> dict[int, int]:
    """spec column index → source column index (positions in ``src``), in order, maximizing the total fit."""
    n, m = len(src), len(spec)
    scores = [[score(s, t) for t in spec] for s in src]
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            options = [best[i - 1][j], best[i][j - 1]]
            if scores[i - 1][j - 1] >= threshold:
                options.append(best[i - 1][j - 1] + scores[i - 1][j - 1])
            best[i][j] = max(options)
    out: dict[int, int] = {}
    i, j = n, m
    while i > 0 and j > 0:
        s = scores[i - 1][j - 1]
        if s >= threshold and abs(best[i][j] - (best[i - 1][j - 1] + s)) < 1e-9:
            out[spec[j - 1].index] = i - 1
            i, j = i - 1, j - 1
        elif abs(best[i][j] - best[i - 1][j]) < 1e-9:
            i -= 1
        else:
            j -= 1
    return out


# ----------------------------------------------------------------------------------------------------------
# ragged rows (text copies): where each cell of a header row goes


def spread_header(row: list[TCell], width: int, table: Table) -> list[TCell] | None:
    """A ragged header row spread over ``width`` positions, when its words are one of the spec's header rows
    (merged cells are then known from the spec), or it lacks just the merged first cell; else None."""
    cells = [c for c in row]
    texts = [norm(c.text) for c in cells]
    if len(cells) == width:
        return cells
    if len(table.header[0]) == width:
        merges = header_merges(table.header)
        for r in range(len(table.header)):
            starts = [(c0, c1, norm(text)) for r0, c0, r1, c1, text in merges if r0 == r and norm(text)]
            words = [(c, t) for c, t in zip(cells, texts, strict=True) if t]
            if len(starts) == len(words) and all(similar(t, s[2]) >= 0.7 for (_, t), s in
                                                      zip(words, starts, strict=True)):
                out = [TCell("", row[0].where, covered=True) for _ in range(width)]
                for (cell, _), (c0, c1, _) in zip(words, starts, strict=True):
                    for c in range(c0, c1 + 1):
                        out[c] = TCell(cell.text, cell.where, covered=c > c0)
                return out
    if len(cells) == width - 1:  # the first cell is the merged 项目 / 栏次 of code and name
        first = cells[0]
        return [first, TCell(first.text, first.where, covered=True), *cells[1:]]
    return None
