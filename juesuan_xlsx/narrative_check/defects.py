"""Text defects of the narrative: placeholders, garbled phrases, stale years, required sections missing."""

from __future__ import annotations

import re
from decimal import Decimal

from ..disclosure import Disclosure, Kind, Paragraph
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
        table = next((t for t in d.spec.tables if t.kind == "codes" and t.fund == fund), None)
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
