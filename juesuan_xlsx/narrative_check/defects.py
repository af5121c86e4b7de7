"""Text defects of the narrative: placeholders, garbled phrases, stale years, required sections missing."""

from __future__ import annotations

import re
from decimal import Decimal

from ..disclosure import Disclosure, Kind, Paragraph, Where
from ..findings import Finding, make
from ..model import Cell
from ..spec import SUM_ROW
from . import catalogue as C
from .claims import sentences_of

PLACEHOLDER = re.compile(r"[XxＸｘ]{2,}|×{2,}|某某|【[^】]*】|（未填写）"
                         r"|大于（小于）|小于（大于）|增加（减少）|减少（增加）")
ELLIPSIS = re.compile(r"…{2,}|\.{6,}")
GARBLED = re.compile(r"增减少|增减加|增加减少|减少增加|增长下降|下降增长|增减\s*\d")
YEAR = re.compile(r"(\d{4})年")
COMPARING = re.compile(r"(比|较|与|和|同|上|于)$")


def _sentence_of(text: str, pos: int) -> str:
    start = max(text.rfind("。", 0, pos) + 1, 0)
    end = text.find("。", pos)
    return text[start:end + 1 if end >= 0 else len(text)].strip()


def text_defects(paragraphs: list[Paragraph], year: int | None) -> list[Finding]:
    out: list[Finding] = []
    for p in paragraphs:
        t = p.text
        place = str(p.where)
        for rx, check in ((PLACEHOLDER, C.PLACEHOLDER), (ELLIPSIS, C.ELLIPSIS), (GARBLED, C.GARBLED)):
            said: set[str] = set()  # one finding per sentence: "一是……；二是……" is one unfinished sentence
            for m in rx.finditer(t):
                sentence = _sentence_of(t, m.start())
                if sentence not in said:
                    said.add(sentence)
                    out.append(make(check, place=place, claimed=m.group(0), sentence=sentence))
        if year is None:
            continue
        for m in YEAR.finditer(t):
            y = int(m.group(1))
            before, after = t[max(0, m.start() - 1):m.start()], t[m.end():m.end() + 4]
            if y == year or COMPARING.search(before) or re.match(r"度?(相比|同期|持平|决算)", after):
                continue
            if 1990 < y < 2100:
                out.append(make(C.YEAR, place=place, claimed=y, expected=year, sentence=_sentence_of(t, m.start())))
    return out


FUNDS = (("基金", "政府性基金"), ("国资", "国有资本经营"))


def missing_sections(d: Disclosure, paragraphs: list[Paragraph]) -> list[Finding]:
    """A fund table with figures needs its narrative; "没有…" or no mention at all is a finding."""
    out: list[Finding] = []
    for fund, what in FUNDS:
        table = d.spec.fund_table(fund)
        if table is None:
            continue
        total = Decimal(0)
        for col in table.columns:
            p = d.figures.get(_cell(table.id, col.key))
            if p is not None and p.kind is Kind.NUMBER:
                total = max(total, abs(p.number))
        if total == 0:
            continue
        said = [s for p in paragraphs if not p.heading for s in sentences_of(p.text) if what in s]
        body = [s for s in said if re.search(r"\d", s)]
        if not said:
            out.append(make(C.SECTION, place="第三部分", subject=what, source=f"公开{table.id}表", expected=total,
                            claimed="没有说明", sentence=""))
        elif not body or all(re.search(r"没有|无" + what, s) for s in said):
            out.append(make(C.SECTION, place="第三部分", subject=what, source=f"公开{table.id}表", expected=total,
                            claimed="写为没有", sentence=said[0]))
    return out


def _cell(table: str, col: str) -> Cell:
    return Cell(table, SUM_ROW, col)


# -- the 部门 a heading or sentence names as its subject ------------------------------------------------------------

ORDINAL = re.compile(r"^\s*(?:第[一二三四五六七八九十]+部分|[（(][一二三四五六七八九十\d]+[)）]"
                     r"|[一二三四五六七八九十]+、|\d+[、.．])\s*")
ORG = re.compile(r"^([\u4e00-\u9fff（）()]{2,40}?(?:局|委员会|委|办公室|办|厅|院|中心|署|所|站|队|馆|社|处|会|部))"
                 r"\s*(\d{4})\s*年")


def _bare_name(name: str) -> str:
    return re.sub(r"[（(][^）)]*[）)]|\s+", "", name)


def dept_names(d: Disclosure, paragraphs: list[Paragraph]) -> list[Finding]:
    """A heading ("第三部分 XX局2024年度部门决算情况说明") or a sentence of 第三部分 that opens with a department's name
    and the year ("XX局2024年度收入支出总计…") names the department the document is about; another department's
    name there is what a narrative copied from another document keeps.  Names match when one ends the other
    ("普陀区财政局" in "上海市普陀区财政局"); a 下属单位 named elsewhere in a sentence is not looked at."""
    dept = _bare_name(d.dept)
    if not dept:
        return []
    out: list[Finding] = []
    inside = {id(p) for p in paragraphs}
    seen: set[str] = set()
    for p in d.paragraphs:
        if not (p.heading or id(p) in inside or p is d.paragraphs[0]):
            continue
        for sent in sentences_of(p.text):
            m = ORG.match(ORDINAL.sub("", sent))
            if m is None:
                continue
            name = _bare_name(m.group(1))
            if name.startswith(("本", "我")) or dept.endswith(name) or name.endswith(dept) or name in seen:
                continue
            seen.add(name)
            out.append(make(C.DEPT, place=str(p.where), claimed=m.group(1), expected=d.dept, sentence=sent))
    return out


# -- an empty table without its "本单位没有…" note ---------------------------------------------------------------

NEGATION = r"(?:没有|无|未发生|未使用|未安排|不涉及)"
EMPTY_TABLES = (("基金", "政府性基金", r"政府性?基金", "预算财政拨款收支"),
                ("国资", "国有资本经营", r"国有资本", "预算财政拨款收支"),
                ("三公", "“三公”经费", r"三公", "支出"))


def _said_none(d: Disclosure, words: str) -> bool:
    """Some sentence or table note of the document says there is none: "本单位没有政府性基金收入…故本表无数据",
    "无“三公”经费财政拨款支出", or states the part's 决算 as 0 ("“三公”经费财政拨款支出预算为…，支出决算为0.00万元")."""
    for p in (*d.paragraphs, *d.notes):  # a table's own note ("说明：本单位没有…故本表无数据") says it too
        for s in sentences_of(p.text.replace("“", "").replace("”", "")):
            if not re.search(words, s):
                continue
            if re.search(NEGATION + r"[^。；]{0,12}?" + words, s) or re.search(words + r"[^。；]{0,20}?本表无数据", s):
                return True
            if re.search(r"决算数?为0(?:\.0+)?万元", s):
                return True
            amounts = re.findall(r"(\d+(?:\.\d+)?)\s*万元", s)
            if amounts and all(Decimal(a) == 0 for a in amounts):
                return True
    return False


def empty_tables(d: Disclosure) -> list[Finding]:
    """公开07/08表 printed with no figure, or a 三公 table whose 决算数 are all 0, and no sentence saying so."""
    out: list[Finding] = []
    if d.source_kind == "csv":  # our csv export prints the tables alone, no note and no narrative to say so in
        return out
    for fund, what, words, part in EMPTY_TABLES:
        if fund == "三公":
            table = next((t for t in d.spec.tables if t.id == "09"), None)
            cells = [(c, p) for c, p in d.figures.items() if c.table == "09" and c.col.startswith("a_")]
        else:
            table = d.spec.fund_table(fund)
            cells = [(c, p) for c, p in d.figures.items() if table is not None and c.table == table.id]
        if table is None or table.id in d.missing_tables or not cells:
            continue
        if any(p.kind is Kind.UNREADABLE or p.number != 0 for _, p in cells):
            continue
        if _said_none(d, words):
            continue
        where = cells[0][1].where
        name = where.table if where.table and not where.table.isdigit() else table.title
        out.append(make(C.EMPTY_NOTE, place=str(Where(page=where.page, table=name)), subject=what, source=name,
                        what=part, sentence=""))
    return out
