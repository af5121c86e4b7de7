"""Reading one recognised table: its columns by header text, its rows by label or code, its cells as printed.

A :class:`TableReader` is fed the parts of one table in order (a table split over pages or sheets comes in
several parts, each perhaps repeating its header) and fills a :class:`~juesuan_xlsx.disclosure.Disclosure`:
figures keyed by the spec's logical cells, code rows in printed order, code–name pairs, problems.

Guards against the failures of real parsers (GUIDE §1):
* the 栏次 row "1 2 3 …" is header, never figures (7 = 1 + 3 + 3 would pass an identity);
* a column whose header is 序号, 年度, 行次 … is never an amount column; an amount printed as a bare year is
  reported;
* a word in an amount cell is UNREADABLE, not 0; a repeated header row is skipped;
* a figure on a row that has no label or code is not attached to a neighbour; when a whole column reads
  consistently one row off, that is reported as a shifted column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from decimal import Decimal

from ..disclosure import Disclosure, Kind, Paragraph, Printed, Where
from ..model import Cell, CodeRow
from ..spec import SUM_ROW, GridRow, Table
from .document import TCell
from .headers import (
    CODE_PARTS,
    NOT_AMOUNT,
    SpecCol,
    SrcCol,
    align,
    is_lanci_row,
    source_columns,
    spec_columns,
    spread_header,
)
from .numbers import UNCOMPUTED, is_integer_text, parse_amount, squeeze
from .titles import is_note, norm

GENERIC_HEADER_WORDS = frozenset({
    "项目", "栏次", "行次", "金额", "决算数", "预算数", "科目编码", "科目名称", "科目代码", "功能分类科目编码",
    "经济分类科目编码", "支出功能分类", "经济分类", "类", "款", "项", "收入", "支出", "合计", "小计", "序号"})
_UNCOMPUTED = norm(UNCOMPUTED)
SUM_LABELS = frozenset({"合计", "总计", "本年合计", "合计数"})
_CODE = re.compile(r"\d{3}(?:\d{2}){0,2}")
_CODE_AND_NAME = re.compile(r"^(\d{3}(?:\s?\d{2}){0,2})\s*(\D.*)$")
_ORDINAL = re.compile(r"^[(（]?[一二三四五六七八九十]{1,3}[)）]?[、.．]?|^\d{1,2}[、.．]")


def _label_key(text: str) -> str:
    """A row label as compared: no ordinal (“十九、” differs between layouts), no spaces, no quotes."""
    return _ORDINAL.sub("", norm(text))


def _is_note_row(row: list[TCell]) -> bool:
    """A note under a table (注：…, 说明：…, the 尾数误差 sentence), often one cell merged across the width."""
    cells = [c for c in row if c.text.strip()]
    if not cells:
        return False
    first = cells[0].text
    if is_note(first):
        return True
    texts = {norm(c.text) for c in cells}
    sentence = len(texts) == 1 and len(norm(first)) > 14 and parse_amount(first)[0] is Kind.UNREADABLE
    return sentence and (len(cells) >= 3 or len(row) == 1 or "尾数" in first or "本表" in first)


def _one_line(text: str) -> str:
    return "".join(text.split()) if re.search(r"[\u4e00-\u9fff]", text) else " ".join(text.split())


@dataclass
class Part:
    """One piece of a table: its rows (captions removed), whether rows are ragged, and its width."""

    rows: list[list[TCell]]
    ragged: bool
    width: int


@dataclass
class _Anchor:
    panel: int
    row: GridRow


@dataclass
class TableReader:
    table: Table
    title: str  # as printed
    out: Disclosure
    factor: Decimal = Decimal(1)  # divide printed figures by this (元 → 万元: 10000)
    cols: list[SpecCol] = field(default_factory=list)
    mapping: dict[int, SrcCol] | None = None  # spec column index → source column
    width: int = 0
    code_rows: list[CodeRow] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    cursor: dict[int, int] = field(default_factory=dict)  # panel → index of the last row matched
    # spec value column → data row number → (row anchored, a figure printed): to tell a shifted column
    marks: dict[int, dict[int, tuple[bool, bool]]] = field(default_factory=dict)
    orphans: list[tuple[Where, str]] = field(default_factory=list)
    extra: list[SrcCol] = field(default_factory=list)  # source columns the spec lacks
    row_no: int = 0
    found_header: bool = False

    def __post_init__(self) -> None:
        self.cols = spec_columns(self.table)
        self._header_words = {t for c in self.cols for t in c.path} | GENERIC_HEADER_WORDS
        self._by_field: dict[tuple[str, int | None], SrcCol] = {}
        self._by_field_of: dict[int, SrcCol] | None = None
        self._header_where: Where | None = None
        self._candidates: dict[int, list[GridRow]] = {}
        for p, panel in enumerate(self.table.panels):
            self._candidates[p] = [r for r in (*panel.rows, *panel.footer) if r.key is not None]
        # rows found by their label: in a panel of labels (01, 04) all; in a panel of codes (06) those without one
        self._by_label: dict[int, list[GridRow]] = {
            p: [r for r in rows if r.label and ("label" in self.table.panels[p].fields or not r.code)]
            for p, rows in self._candidates.items()}

    # -- reporting ------------------------------------------------------------------------------------------
    def _problem(self, problem: str, where: Where | None, /, **args: object) -> None:
        args.setdefault("table", self.title)
        self.out.problems.append((problem, where, args))

    def _where(self, cell: TCell, row: str | None, column: str | None) -> Where:
        return replace(cell.where, table=self.title, row=row, column=column)

    # -- the parts ------------------------------------------------------------------------------------------
    def feed(self, part: Part) -> None:
        rows = [r for r in part.rows if any(c.text.strip() for c in r)]
        first_data = next((i for i, r in enumerate(rows) if self._is_data(r)), len(rows))
        header = [r for r in rows[:first_data] if not (len(r) and is_note(r[0].text))]
        if header and header[-1]:
            self._header_where = header[-1][0].where
        if header or self.mapping is None:
            markers = rows[first_data] if first_data < len(rows) else None
            self._map_columns(header, part, markers)
        elif part.width != self.width and not part.ragged:
            self._problem("S-续表列数不符", part.rows[0][0].where if part.rows and part.rows[0] else None,
                          width=part.width)
            self._positional(part.width)
        if self.mapping is None:
            return
        for row in rows[first_data:]:
            if _is_note_row(row):
                first = next(c for c in row if c.text.strip())
                self.out.notes.append(Paragraph(_one_line(first.text), first.where))
                continue
            placed = self._place(row, part)
            if placed is None or self._is_repeated_header(placed):
                continue
            self.row_no += 1
            self._extra_figures(placed)
            if self.table.kind == "codes":
                self._code_row(placed)
            else:
                self._grid_row(placed)

    def _extra_figures(self, placed: list[TCell | None]) -> None:
        """A column the spec lacks is skipped; if it holds figures, that is said (once)."""
        for s in list(self.extra):
            cell = placed[s.cols[0]] if s.cols[0] < len(placed) else None
            if cell is not None and not cell.covered and parse_amount(cell.text)[0] is Kind.NUMBER:
                self._problem("S-多余列", cell.where, column=_one_line(s.raw[-1]) if s.raw else "")
                self.extra.remove(s)

    def _positional(self, width: int) -> None:
        self.width = width
        self.mapping = {c.index: SrcCol((c.index,), c.path, (c.title,)) for c in self.cols if c.index < width}

    def _map_columns(self, header: list[list[TCell]], part: Part, markers: list[TCell] | None) -> None:
        width = part.width
        positioned: list[list[TCell]] = []
        for row in header:
            if part.ragged:
                spread = spread_header(row, width, self.table)
                if spread is not None:
                    positioned.append(spread)
            else:
                positioned.append(row)
        src = source_columns(positioned, width, markers)
        matched = align(src, self.cols) if positioned else {}
        values = [c for c in self.cols if c.is_value]
        mapping = {spec_index: src[i] for spec_index, i in matched.items()}
        anchor_ok = self.table.kind == "codes" and any(self.cols[i].field == "code" for i in mapping) or \
            self.table.kind == "grid"
        if mapping and any(self.cols[i].is_value for i in mapping) and anchor_ok:
            first = not self.found_header
            self.mapping, self.width = mapping, width
            self.found_header = True
            if first:  # a continued part repeating the header says nothing new
                self._check_columns(src, mapping, values)
            return
        if self.mapping is not None and (not header or width == self.width):
            return  # a continued part: the columns found before still hold
        where = header[0][0].where if header and header[0] else None
        if width == len(self.cols):
            self._problem("S-表头按位置对应", where)
            self._positional(width)
        elif self.mapping is None:
            self._problem("S-表头无法识别", where)

    def _check_columns(self, src: list[SrcCol], mapping: dict[int, SrcCol], values: list[SpecCol]) -> None:
        for col in values:
            if col.index not in mapping:
                self._problem("S-列未找到", None, column=col.title)
        used = {id(s) for s in mapping.values()}
        self.extra = [s for s in src if id(s) not in used and s.leaf not in NOT_AMOUNT and s.leaf not in CODE_PARTS]

    # -- which rows are data --------------------------------------------------------------------------------
    def _is_data(self, row: list[TCell]) -> bool:
        """A row of figures (not a header row): it has a code, a row label, or an amount."""
        if is_lanci_row(row):
            return False
        texts = [t for t in (norm(c.text) for c in row if not c.covered) if t]
        if not texts:
            return False
        if self.table.kind == "codes":
            words = [t for t in texts if parse_amount(t)[0] is Kind.UNREADABLE and t not in CODE_PARTS
                     and t != _UNCOMPUTED]
            if len(words) == 1 and words[0] in SUM_LABELS:  # 合计 and figures (or nothing) only
                return True
            if any(_CODE.fullmatch(t) or _CODE_AND_NAME.match(t) for t in texts):
                return True
        if all(t in self._header_words for t in texts):
            return False
        if self.table.kind == "grid" and any(self._anchor(t) is not None for t in texts if t not in self._header_words):
            return True
        if self.table.kind == "grid" and not any(f in ("label", "code") for p in self.table.panels for f in p.fields):
            return any(parse_amount(t)[0] is Kind.NUMBER for t in texts)
        return any(parse_amount(t)[0] is Kind.NUMBER and ("." in t or "," in t) for t in texts)

    def _is_repeated_header(self, placed: list[TCell | None]) -> bool:
        texts = [norm(c.text) for c in placed if c is not None and c.text.strip()]
        if not texts:
            return True
        if self.table.kind == "codes":  # a 合计 row with nothing printed in it is a row, not a header
            labels = [s for s in (self._src("code"), self._src("name")) if s is not None]
            first = next(((i, c) for i, c in enumerate(placed) if c is not None and c.text.strip()), None)
            if first is not None and norm(first[1].text) in SUM_LABELS and any(first[0] in s.cols for s in labels):
                return False
        if is_lanci_row([c for c in placed if c is not None]):
            return True
        header_words = {t for s in (self.mapping or {}).values() for t in s.path}
        return all(t in header_words or t in CODE_PARTS for t in texts)

    # -- placing ragged rows --------------------------------------------------------------------------------
    def _place(self, row: list[TCell], part: Part) -> list[TCell | None] | None:
        if not part.ragged or len(row) == self.width:
            out: list[TCell | None] = list(row[: self.width])
            return out + [None] * (self.width - len(out))
        assert self.mapping is not None
        if self.table.kind == "codes":
            return self._place_code_row(row)
        return self._place_grid_row(row)

    def _src(self, field_name: str, panel: int | None = None) -> SrcCol | None:
        assert self.mapping is not None
        if self._by_field_of is not self.mapping:
            self._by_field = {(c.field, c.panel): self.mapping[c.index] for c in self.cols if c.index in self.mapping}
            self._by_field_of = self.mapping
        return self._by_field.get((field_name, panel))

    def _place_code_row(self, row: list[TCell]) -> list[TCell | None]:
        out: list[TCell | None] = [None] * self.width
        code = self._src("code")
        name = self._src("name")
        value_cols = [self.mapping[c.index].cols[0] for c in self.cols if c.is_value and self.mapping
                      and c.index in self.mapping]
        cells = list(row)
        first = norm(cells[0].text) if cells else ""
        if code is not None and (_CODE.fullmatch(first) or _CODE_AND_NAME.match(first)):
            out[code.cols[0]] = cells.pop(0)
            if name is not None and cells and parse_amount(cells[0].text)[0] is Kind.UNREADABLE:
                out[name.cols[0]] = cells.pop(0)
        elif code is not None and cells:
            out[code.cols[0]] = cells.pop(0)  # 合计 (merged over code and name)
        for position, cell in zip(value_cols, cells, strict=False):
            out[position] = cell
        return out

    def _place_grid_row(self, row: list[TCell]) -> list[TCell | None]:
        """A ragged row of a grid table: each label or code and the cells after it go to its panel's columns;
        a value cell the copy dropped after a label was blank in print."""
        out: list[TCell | None] = [None] * self.width
        queue: list[tuple[str, int]] = []  # (field, grid column) still to fill after the last anchor
        for cell in row:
            text = norm(cell.text)
            anchor = self._anchor(text) if text else None
            if anchor is not None:
                self._blank_rest(out, queue, cell)
                fields = self.table.panels[anchor.panel].fields
                slots = [(f, self._src(f, anchor.panel)) for f in fields]
                first = next((i for i, (f, _) in enumerate(slots) if f in ("label", "code")), 0)
                src = slots[first][1]
                if src is not None:
                    out[src.cols[0]] = cell
                queue = [(f, s.cols[0]) for f, s in slots[first + 1:] if s is not None]
                continue
            if not queue:
                continue
            kind = parse_amount(cell.text)[0]
            wanted = ("name",) if kind is Kind.UNREADABLE and any(f == "name" for f, _ in queue) else None
            for i, (f, position) in enumerate(queue):
                if wanted is None and f in ("name", "label", "code"):
                    continue
                if wanted is not None and f not in wanted:
                    continue
                out[position] = cell
                queue = queue[i + 1:]
                break
        if row:
            self._blank_rest(out, queue, row[-1])
        return out

    @staticmethod
    def _blank_rest(out: list[TCell | None], queue: list[tuple[str, int]], near: TCell) -> None:
        for f, position in queue:
            if f not in ("name", "label", "code", "line") and out[position] is None:
                out[position] = TCell("", near.where)

    # -- grid tables (01 04 06 09) --------------------------------------------------------------------------
    def _anchor(self, text: str, panel: int | None = None) -> _Anchor | None:
        """The grid row a label or economic code names (in ``panel``, or in any panel)."""
        panels = [panel] if panel is not None else list(self._candidates)
        digits = squeeze(text)
        key = _label_key(text)
        if not key and not digits:
            return None
        for p in panels:
            for row in self._candidates[p]:
                if row.code and digits == row.code:
                    return _Anchor(p, row)
        for p in panels:
            cands = self._by_label[p]
            start = next((i for i, r in enumerate(cands) if self._candidates[p].index(r) > self.cursor.get(p, -1)),
                         len(cands))
            for row in cands[start:] + cands[:start]:
                if _label_key(row.label) == key:
                    return _Anchor(p, row)
        if len(key) < 4:
            return None
        for p in panels:
            for row in self._by_label[p]:
                label = _label_key(row.label)
                if len(label) >= 4 and (label in key or key in label) and abs(len(label) - len(key)) <= 8:
                    return _Anchor(p, row)
        return None

    def _grid_row(self, placed: list[TCell | None]) -> None:
        assert self.mapping is not None
        for p, panel in enumerate(self.table.panels):
            anchor_cell: TCell | None = None
            label_text = ""
            anchor: _Anchor | None = None
            has_anchor_field = any(f in ("label", "code") for f in panel.fields)
            if has_anchor_field:
                for f in ("label", "code", "name"):
                    src = self._src(f, p)
                    if src is None:
                        continue
                    cell = self._joined(placed, src)
                    if cell is None or not norm(cell.text):
                        continue
                    found = self._anchor(cell.text, p)
                    if found is not None and (f != "name" or found.row.code is None):
                        anchor, anchor_cell, label_text = found, cell, _one_line(cell.text)
                        break
                    if anchor_cell is None:
                        anchor_cell, label_text = cell, _one_line(cell.text)
            else:
                anchor = _Anchor(p, self._candidates[p][0]) if self._candidates[p] else None
                label_text = ""
            value_cells = self._value_cells(placed, p)
            printed = [(c, cell) for c, cell in value_cells if cell is not None and norm(cell.text)]
            if anchor is None:
                if has_anchor_field and anchor_cell is not None and printed:
                    self._problem("S-行无法识别", anchor_cell.where, label=label_text)
                for col, cell in value_cells:
                    self._mark(col, False, cell)
                for col, cell in printed:
                    if has_anchor_field and anchor_cell is None and parse_amount(cell.text)[0] is not Kind.BLANK:
                        self.orphans.append((self._where(cell, None, self._column_name(col)), cell.text))
                continue
            row = anchor.row
            assert row.key is not None
            if not has_anchor_field and not printed and row.key in self.seen:
                continue
            if row.key in self.seen:
                if printed:
                    self._problem("S-行重复", anchor_cell.where if anchor_cell else None,
                                  label=label_text or row.label)
                continue
            self.seen.add(row.key)
            index = self._candidates[p].index(row)
            self.cursor[p] = index
            self._check_line(placed, p, row, label_text)
            row_label = row.code if (row.code and squeeze(label_text) == row.code) else (label_text or None)
            for col, cell in value_cells:
                self._mark(col, True, cell)
                if col.field not in row.values:
                    continue
                self._store(Cell(self.table.id, row.key, col.field), cell, row_label, col)

    def _check_line(self, placed: list[TCell | None], panel: int, row: GridRow, label: str) -> None:
        src = self._src("line", panel)
        if src is None or row.line is None:
            return
        cell = placed[src.cols[0]] if src.cols[0] < len(placed) else None
        if cell is None or not is_integer_text(cell.text):
            return
        if int(squeeze(cell.text)) != row.line:
            self._problem("S-行次不符", cell.where, label=label or row.label, printed=squeeze(cell.text),
                          expected=row.line)

    def _value_cells(self, placed: list[TCell | None], panel: int | None) -> list[tuple[SpecCol, TCell | None]]:
        assert self.mapping is not None
        out: list[tuple[SpecCol, TCell | None]] = []
        for col in self.cols:
            if col.is_value and col.panel == panel and col.index in self.mapping:
                position = self.mapping[col.index].cols[0]
                cell = placed[position] if position < len(placed) else None
                out.append((col, None if cell is not None and cell.covered else cell))
        return out

    def _joined(self, placed: list[TCell | None], src: SrcCol) -> TCell | None:
        cells = [placed[c] for c in src.cols if c < len(placed)]
        present = [c for c in cells if c is not None and not (c.covered and len(src.cols) > 1)]
        if not present:
            return None
        if len(src.cols) == 1:
            return present[0]
        parts = [squeeze(c.text) for c in present]
        return TCell("".join(parts), present[0].where)

    # -- code tables (02 03 05 07 08) -----------------------------------------------------------------------
    def _code_row(self, placed: list[TCell | None]) -> None:
        code_src, name_src = self._src("code"), self._src("name")
        code_cell = self._joined(placed, code_src) if code_src else None
        name_cell = self._joined(placed, name_src) if name_src else None
        if name_cell is not None and name_cell.covered:
            name_cell = None
        code_text = squeeze(code_cell.text) if code_cell else ""
        name_text = _one_line(name_cell.text) if name_cell else ""
        if norm(code_text) == _UNCOMPUTED:
            code_text = ""
        if norm(name_text) == _UNCOMPUTED:
            name_text = ""
        if code_text in CODE_PARTS or all(ch in "类款项" for ch in code_text):
            code_text = ""
        m = _CODE_AND_NAME.match(code_cell.text.strip()) if code_cell else None
        if m and not _CODE.fullmatch(code_text):
            code_text, name_text = squeeze(m[1]), name_text or _one_line(m[2])
        value_cells = self._value_cells(placed, None)
        printed = [(c, cell) for c, cell in value_cells if cell is not None and norm(cell.text)]
        label = name_text or (_one_line(code_cell.text) if code_cell and code_text else "")
        if not code_text or not code_text.isdigit():
            words = {norm(code_cell.text) if code_cell else "", norm(name_text)}
            if words & SUM_LABELS:
                if SUM_ROW in self.seen:
                    if printed:
                        self._problem("S-行重复", (code_cell or name_cell or printed[0][1]).where, label="合计")
                    return
                self.seen.add(SUM_ROW)
                for col, cell in value_cells:
                    self._mark(col, True, cell)
                    self._store(Cell(self.table.id, SUM_ROW, col.field), cell, "合计", col)
                return
            real = [(c, cell) for c, cell in printed
                    if parse_amount(cell.text)[0] is not Kind.BLANK and cell.text != UNCOMPUTED]
            for col, cell in value_cells:
                self._mark(col, False, cell)
            if not real or (label and set(label) <= set("…. ")):
                return
            if label and not code_text:
                self._problem("S-科目编码缺失", (name_cell or code_cell or real[0][1]).where, label=label)
            elif code_text:
                self._problem("S-科目编码无效", code_cell.where if code_cell else None, code=code_text)
            else:
                for col, cell in real:
                    self.orphans.append((self._where(cell, None, self._column_name(col)), cell.text))
            return
        if not _CODE.fullmatch(code_text):
            self._problem("S-科目编码无效", code_cell.where if code_cell else None, code=code_text)
            return
        key = f"#{len(self.code_rows) + 1}"
        self.code_rows.append(CodeRow(key, code_text, name_text))
        if code_cell is not None:
            self.out.code_where[(self.table.id, key)] = self._where(code_cell, code_text, None)
        if name_text:
            self.out.code_names.setdefault(code_text, name_text)
        for col, cell in value_cells:
            self._mark(col, True, cell)
            self._store(Cell(self.table.id, key, col.field), cell, code_text, col)

    # -- figures --------------------------------------------------------------------------------------------
    def _column_name(self, col: SpecCol) -> str:
        """The column's header as printed: its last header word, with the words above it as far as needed to
        tell it from the other columns (“预算数 公务接待费”, “支出 决算数”)."""
        src = (self.mapping or {}).get(col.index)
        if src is None or not src.raw or not self.found_header:
            return col.title
        others = [s.raw for s in (self.mapping or {}).values() if s is not src]
        for n in range(1, len(src.raw) + 1):
            suffix = src.raw[-n:]
            if not any(tuple(o[-n:]) == suffix for o in others):
                return " ".join(_one_line(t) for t in suffix)
        return " ".join(_one_line(t) for t in src.raw)

    def _mark(self, col: SpecCol, anchored: bool, cell: TCell | None) -> None:
        printed = cell is not None and parse_amount(cell.text)[0] is not Kind.BLANK
        self.marks.setdefault(col.index, {})[self.row_no] = (anchored, printed)

    def _store(self, cell: Cell, source: TCell | None, row_label: str | None, col: SpecCol) -> None:
        if cell in self.out.figures:
            return
        if source is None:
            return  # not printed at all (a shorter row): nothing to say
        where = self._where(source, row_label, self._column_name(col))
        kind, value = parse_amount(source.text)
        if kind is Kind.NUMBER and value is not None:
            text = squeeze(source.text)
            if re.fullmatch(r"(19|20)\d\d", text):
                self._problem("S-疑似年份", where, text=text)
            if self.factor != 1:
                value = value / self.factor
        elif kind is Kind.UNREADABLE and source.text != UNCOMPUTED:  # that one is said once per file
            self._problem("S-数字无法识别", where, text=_one_line(source.text))
        self.out.figures[cell] = Printed(value, kind, source.text.strip(), where)

    # -- the end of the table -------------------------------------------------------------------------------
    def finish(self) -> list[CodeRow]:
        if self.mapping is None:
            return self.code_rows
        self._report_orphans()
        self._blank_single_rows()
        if self.table.kind == "grid":
            missing = [r.label or r.key for p, cands in self._candidates.items() for r in cands
                       if r.key not in self.seen and r.values and (r.label or r.code)]
            if missing and len(missing) < len([r for c in self._candidates.values() for r in c]):
                shown = "、".join(str(m) for m in missing[:12]) + ("等" if len(missing) > 12 else "")
                self._problem("S-行未找到", None, rows=shown)
        return self.code_rows

    def _blank_single_rows(self) -> None:
        """A panel of one unlabelled row (09) printed with nothing under its header: its cells are blank."""
        if self._header_where is None:
            return
        for p, panel in enumerate(self.table.panels):
            if any(f in ("label", "code") for f in panel.fields) or not self._candidates[p]:
                continue
            row = self._candidates[p][0]
            if row.key in self.seen:
                continue
            for col in self.cols:
                if col.panel == p and col.is_value and col.index in (self.mapping or {}) and col.field in row.values:
                    self._store(Cell(self.table.id, str(row.key), col.field), TCell("", self._header_where), None, col)

    def _report_orphans(self) -> None:
        """Figures on rows without a label are never attached to a neighbour.  When a run of figures that ends
        (or starts) on such a row fits the labelled rows exactly one row up (or down), the column is shifted by a
        row, and that is said: the sums of the column alone could not tell."""
        if not self.orphans:
            return
        for index, rows in sorted(self.marks.items()):
            anchored = {n for n, (a, _) in rows.items() if a}
            figures = sorted(n for n, (_, f) in rows.items() if f)
            orphans = {n for n in figures if n not in anchored}
            if not orphans:
                continue
            runs: list[list[int]] = []
            for n in figures:
                if runs and n == runs[-1][-1] + 1:
                    runs[-1].append(n)
                else:
                    runs.append([n])
            suspect = [run for run in runs if orphans & set(run)]
            for step, direction in ((-1, "下"), (1, "上")):
                if all(len(run) > 1 and all(n + step in anchored for n in run) for run in suspect):
                    self._problem("S-疑似错行", None, column=self._column_name(self.cols[index]),
                                  direction=direction)
                    break
        for where, text in self.orphans:
            self._problem("S-数字无对应行", where, text=_one_line(text))
