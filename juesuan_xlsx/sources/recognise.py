"""Recognition, not positions: a neutral :class:`~.document.Document` turned into a
:class:`~juesuan_xlsx.disclosure.Disclosure`.

1. Each table is found by its title or 公开NN表 label, printed in the lines just above it (or in its own first
   rows, or the sheet's name); a table with neither that follows another directly (the next page) continues
   it; a titled table that is not among the nine is listed as not checked.
2. The year, the 部门 and the layout (通用 / 上海) are read from titles and the tables themselves, and the
   year's spec loaded; the unit from each table's 单位： line (元 converted to 万元, exactly, in Decimal).
3. Each table is read by :class:`~.tables.TableReader`: columns by header text, rows by code and label.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ..contract import STAMP
from ..disclosure import Disclosure, Kind, Paragraph, Where
from ..model import CodeTable, Instance
from ..resources import available_specs
from ..spec import Spec, SpecError, load_spec
from .document import Document, Grid, Para, TCell
from .numbers import squeeze
from .tables import Part, TableReader
from .titles import (
    dept_from_title,
    is_note,
    looks_like_title,
    match_dept,
    match_label,
    match_title,
    match_unit,
    norm,
    years_in,
)

_FURNITURE = re.compile(r"^[-—\s\d第页/共]*$|^-?\s*\d+\s*-?$")
_HEADING = re.compile(r"^(?:第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）]|"
                      r"\d{1,2}[、.．](?!\d))")
_FACTORS = {"万元": Decimal(1), "千元": Decimal(10), "元": Decimal(10000)}
# the line a forced export of ours prints under each title ("本文件由未通过校验的工作簿强制导出…")
# the sheets of our own workbook that are not tables
_OWN_SHEETS = frozenset({"校验", "说明", "填表说明", "情况说明"})


class RecognitionError(ValueError):
    """Nothing in the document is one of the nine tables (the message is Chinese)."""


@dataclass
class Found:
    """A recognised table: its parts in order and what its captions say."""

    tid: str
    title: str  # as printed
    where: Where
    parts: list[Part] = field(default_factory=list)
    unit: str | None = None


def _is_furniture(text: str) -> bool:
    return bool(_FURNITURE.match(text.strip())) or len(squeeze(text)) <= 1


def _caption_rows(grid: Grid) -> tuple[list[str], list[list[TCell]]]:
    """Leading rows of a grid that are captions (a title, 公开NN表, 部门： / 单位：), and the rest."""
    captions: list[str] = []
    rows = grid.rows
    i = 0
    while i < len(rows):
        texts = []
        for cell in rows[i]:
            t = " ".join(cell.text.split())
            if t and not cell.covered and t not in texts:
                texts.append(t)
        if not texts:
            i += 1
            continue
        is_caption = all(match_title(t) or match_label(t) or match_unit(t) or match_dept(t) or STAMP in t
                         for t in texts) or (
            len(texts) == 1 and (looks_like_title(texts[0]) or re.search(r"20\d\d\s*年", texts[0]) is not None))
        if not is_caption:
            break
        captions.extend(texts)
        i += 1
    return captions, rows[i:]


def _identify(captions: list[str], sheet: str | None, code: str | None) -> tuple[str | None, str, str | None]:
    """(table id, title as printed, label id) from captions nearest first, then the sheet's code name and name."""
    title_id: str | None = None
    printed = ""
    label_id: str | None = None
    for text in captions:
        info = match_title(text)
        if info is not None and title_id is None:
            title_id, printed = info.table, " ".join(text.split())
        label = match_label(text)
        if label is not None and label_id is None:
            label_id = label
        if title_id and label_id:
            break
    if code and re.fullmatch(r"GK0[1-9]", code) and label_id is None:
        label_id = code[2:]
    if sheet:
        info = match_title(sheet)
        if title_id is None and info is not None:
            title_id, printed = info.table, sheet
        if label_id is None:
            label_id = match_label(sheet)
    return title_id, printed, label_id


@dataclass
class _Collected:
    found: dict[str, Found] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)
    captions: set[int] = field(default_factory=set)  # indexes of paragraphs used as captions
    problems: list[tuple[str, Where | None, dict[str, object]]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)  # every caption, for year / layout


def _collect(doc: Document) -> _Collected:
    out = _Collected()
    pending: list[tuple[int, Para]] = []
    previous: Found | None = None  # the table the previous block belongs to (for continuations)
    previous_page: int | None = None
    between: list[Para] = []  # paragraphs since the previous table
    for index, block in enumerate(doc.blocks):
        if isinstance(block, Para):
            if _is_furniture(block.text):
                continue
            pending.append((index, block))
            between.append(block)
            continue
        inner, body = _caption_rows(block)
        nearby = [p.text for _, p in reversed(pending[-8:])]
        if block.sheet is not None:
            nearby = []  # a sheet stands alone: its captions are inside it
        tid, printed, label = _identify(inner + nearby, block.sheet, block.sheet_code)
        texts = inner + nearby[:3]
        for i, p in pending:
            if match_title(p.text) or match_label(p.text) or match_unit(p.text) or match_dept(p.text):
                out.captions.add(i)
        pending = []
        out.texts.extend(texts)
        part = Part(body, block.ragged, max((len(r) for r in body), default=0))
        unit = next((u for u in (match_unit(t) for t in texts) if u), None)
        if tid is None and label is not None:
            tid, printed = label, next((t for t in texts if match_label(t)), f"公开{label}表")
        elif tid is not None and label is not None and label != tid:
            out.problems.append(("S-表号与标题不符", block.where,
                                 {"label": f"公开{label}表", "title": printed, "table": printed}))
        if block.sheet is not None and block.sheet in _OWN_SHEETS:
            continue
        if tid is None:
            if previous is not None and _continues(block, previous_page, between):
                previous.parts.append(part)
                previous_page, between = block.where.page, []
                continue
            title = next((t for t in texts if looks_like_title(t)), None) or block.sheet
            if body or title:
                out.unchecked.append(title or f"无标题表格（{_place(block.where)}）")
            previous, between = None, []
            continue
        found = out.found.get(tid)
        if found is not None:
            if previous is found:
                found.parts.append(part)  # the same title repeated on the next page
            else:
                out.problems.append(("S-表重复", block.where, {"table": found.title}))
            previous_page, between = block.where.page, []
            continue
        found = Found(tid, printed or f"公开{tid}表", block.where, [part], unit)
        out.found[tid] = found
        out.order.append(tid)
        previous, previous_page, between = found, block.where.page, []
    return out


def _continues(grid: Grid, previous_page: int | None, between: list[Para]) -> bool:
    """An untitled grid continues the table before it: directly (nothing but page furniture in between), or on
    the next page of a PDF past a running header or footer (a few short lines, no title, no note)."""
    if grid.sheet is not None:
        return False
    if not between:
        return True
    if grid.where.page is None or previous_page is None or grid.where.page != previous_page + 1:
        return False
    return len(between) <= 3 and all(len(p.text) <= 80 and not is_note(p.text) and not match_title(p.text)
                                     and not looks_like_title(p.text) for p in between)


def _place(where: Where) -> str:
    if where.page is not None:
        return f"第 {where.page} 页"
    if where.sheet:
        return where.sheet
    if where.line is not None:
        return f"第 {where.line} 行"
    return f"第 {where.block} 段" if where.block else "文件中"


# ----------------------------------------------------------------------------------------------------------
# year, layout, 部门


def _all_paragraphs(doc: Document) -> list[Para]:
    return [b for b in doc.blocks if isinstance(b, Para)]


def _year(doc: Document, collected: _Collected, source: str) -> tuple[int, bool]:
    paras = [p.text for p in _all_paragraphs(doc)[:400]]
    # the title property counts like a heading ("2024年度某某局部门决算公开表": what `export --to xlsx` sets)
    strong = years_in(t for t in [doc.title, *paras, *collected.texts] if "决算" in t)
    counted = strong or years_in(collected.texts + paras[:60])
    if not counted and source:  # 某某局2024年度决算.xlsx
        counted = Counter(int(y) for y in re.findall(r"(?<!\d)(20\d\d)(?!\d)", Path(source).name))
    years = sorted({y for y, _ in available_specs()})
    if counted:
        year, _ = counted.most_common(1)[0]
        return year, True
    return (years[-1] if years else 2024), False


def _layout_score(doc: Document, collected: _Collected, year: int) -> str:
    """central or shanghai, by the titles printed and the words in the tables' headers."""
    profiles = {p for y, p in available_specs() if y == year}
    if len(profiles) <= 1:
        return next(iter(profiles), "central")
    score: Counter[str] = Counter()
    for found in collected.found.values():
        info = match_title(found.title)
        if info is not None and len(info.profiles) == 1:
            score[next(iter(info.profiles))] += 3
    labels = sum(1 for t in collected.texts if match_label(t))
    score["central"] += min(labels, 3)
    header_words: Counter[str] = Counter()
    for found in collected.found.values():
        for part in found.parts[:1]:
            for row in part.rows[:6]:
                for cell in row:
                    if not cell.covered:
                        header_words[norm(cell.text)] += 1
    if header_words["行次"] or header_words["栏次"]:
        score["central"] += 2
    if header_words["预算数"] >= 3:
        score["shanghai"] += 3
    if header_words["307"] or header_words["399"]:
        score["central"] += 1
    for profile in list(score):
        if profile not in profiles:
            del score[profile]
    if not score:
        return "central" if "central" in profiles else sorted(profiles)[0]
    best = score.most_common()
    if len(best) > 1 and best[0][1] == best[1][1]:
        return "central" if "central" in profiles else best[0][0]
    return best[0][0]


def _dept(doc: Document, collected: _Collected) -> str:
    for text in collected.texts + [p.text for p in _all_paragraphs(doc)[:200]]:
        name = match_dept(text)
        if name:
            return name
    paras = _all_paragraphs(doc)[:80]
    for p in paras:
        name = dept_from_title(p.text)
        if name:
            return name
    for before, p in zip(paras, paras[1:], strict=False):  # a cover: 某某局 / 2024年度部门决算
        if re.fullmatch(r"20\d\d\s*年度?\s*部门决算", squeeze(p.text)) and 2 <= len(squeeze(before.text)) <= 40:
            return squeeze(before.text)
    # the file's title property ("2024年度某某局部门决算公开表", what `export --to xlsx` sets; Shanghai's layout
    # prints no 部门 line) or, for a csv export, its folder's name ("某某局2024年度部门决算-csv")
    return dept_from_title(doc.title) or ""


def load(year: int, profile: str) -> Spec:
    try:
        return load_spec(year, profile)
    except SpecError:
        for y, p in available_specs():
            if y == year:
                return load_spec(y, p)
        raise


# ----------------------------------------------------------------------------------------------------------


def recognise(doc: Document, source: str = "") -> Disclosure:
    """The Disclosure a document holds (see the module docstring)."""
    collected = _collect(doc)
    if not collected.found:
        titled = sum(1 for p in _all_paragraphs(doc) if match_title(p.text))
        if doc.kind == "pdf" and titled >= 3:
            raise RecognitionError("有部门决算表的标题，但表格没有表格线，无法可靠地确定各行各列。"
                                   "请提供原始的 Word / Excel 文件，或带表格线的 PDF")
        if doc.kind == "txt" and titled >= 3:
            raise RecognitionError("有部门决算表的标题，但表格的单元格没有用制表符（Tab）分开"
                                   "（例如从 PDF 复制的文字），无法确定各列。请从 Word 或网页复制，或提供原文件")
        raise RecognitionError("没有找到部门决算公开表（如“收入支出决算总表”“公开01表”）")
    year, year_found = _year(doc, collected, source)
    layout = _layout_score(doc, collected, year)
    spec = load(year, layout)
    inst = Instance(spec)
    for table in spec.tables:
        if table.kind == "codes":
            inst.code_tables[table.id] = CodeTable([], parents_typed=True)
    out = Disclosure(spec=spec, inst=inst, source=source, source_kind=doc.kind, year=year)
    out.problems.extend(doc.problems)
    out.problems.extend(collected.problems)
    if not year_found:
        out.problems.append(("S-年度未识别", None, {"year": year}))
    out.dept = _dept(doc, collected)
    if not out.dept:
        out.problems.append(("S-部门未识别", None, {}))
    units = Counter(f.unit for f in collected.found.values() if f.unit)
    doc_unit = units.most_common(1)[0][0] if units else "万元"
    out.unit = doc_unit
    spec_ids = {t.id for t in spec.tables}
    for tid in collected.order:
        found = collected.found[tid]
        if tid not in spec_ids:
            out.unchecked_tables.append(found.title)
            continue
        unit = found.unit or doc_unit
        factor = _FACTORS.get(unit, Decimal(1))
        table = spec.table(tid)
        reader = TableReader(table, found.title, out, factor)
        if factor != 1:
            out.problems.append(("S-单位换算", found.where, {"table": found.title, "unit": unit,
                                                         "factor": format(factor, "f")}))
        for part in found.parts:
            reader.feed(part)
        rows = reader.finish()
        if table.kind == "codes":
            inst.code_tables[tid] = CodeTable(rows, parents_typed=True)
    out.missing_tables = [t.id for t in spec.tables if t.id not in collected.found]
    out.unchecked_tables.extend(collected.unchecked)
    _magnitudes(out)
    for index, block in enumerate(doc.blocks):
        if isinstance(block, Para) and index not in collected.captions and not _is_furniture(block.text):
            text = block.text.strip()
            out.paragraphs.append(Paragraph(text, block.where, heading=_is_heading(text)))
    return out


def _is_heading(text: str) -> bool:
    t = text.strip()
    return len(t) <= 40 and _HEADING.match(t) is not None and not t.endswith(("。", "；"))


def _magnitudes(out: Disclosure) -> None:
    """A table whose figures are thousands of times the others' was printed in 元 under a 万元 line."""
    largest: dict[str, Decimal] = {}
    for cell, printed in out.figures.items():
        if printed.kind is Kind.NUMBER and printed.value is not None and printed.value != 0:
            largest[cell.table] = max(largest.get(cell.table, Decimal(0)), abs(printed.value))
    if len(largest) < 3:
        return
    ordered = sorted(largest.values())
    median = ordered[len(ordered) // 2]
    if median == 0:
        return
    for tid, value in largest.items():
        ratio = value / median
        if ratio >= 1000:
            title = next((w.table for c, p in out.figures.items() if c.table == tid and (w := p.where).table), tid)
            out.problems.append(("S-疑似单位为元", None, {"table": title, "ratio": f"{ratio:,.0f}"}))


__all__ = ["RecognitionError", "recognise"]
