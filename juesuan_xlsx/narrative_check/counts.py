"""Counts the narrative states against the 三公 table: 公务接待 批次/人次, 因公出国（境）团组/人次, 购置公务用车 辆,
公务用车保有量 (and 国有资产's 车辆数).

Read in the 三公 section (and the 国有资产 section for the vehicles the department holds), sentence by sentence: each
count ("1批次", "3人次", "团组1个", "2辆") belongs to the item named last before it in its sentence (接待, 出国,
购置, 保有/共有车辆); a count after "其中" is a breakdown and left out.  "未发生公务接待", "没有购置公务用车", "无车辆"
state a 0.  The judgement is by the 决算数 of 公开09表 as printed: 0.00 stands for less than 50 元, so a reception,
a trip or a purchase stated beside a 0.00 决算数 (or a 0 count beside a figure above 0) is a contradiction (error);
a fleet of 0 beside running costs, or cars held with no running cost, is unusual (warning: a car sold during the
year, costs met from other money).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from ..disclosure import Paragraph, Where
from ..findings import Finding, make
from ..model import Cell
from . import catalogue as C
from .claims import is_section_title, sentences_of
from .subjects import Subjects, section_kind

ITEMS = {"recept": "公务接待", "abroad": "因公出国（境）", "car_buy": "购置公务用车", "car_count": "公务用车保有量"}
FEES = {"recept": "a_recept", "abroad": "a_abroad", "car_buy": "a_car_buy", "car_count": "a_car_run"}
FEE_NAMES = {"recept": "公务接待费", "abroad": "因公出国（境）费", "car_buy": "公务用车购置费",
             "car_count": "公务用车运行维护费"}
KEYWORDS = re.compile(r"(?P<recept>接待|来访|来宾)|(?P<abroad>出国|出境)|(?P<car_buy>购置|购买|新购|更新)"
                      r"|(?P<car_count>保有|共有|实有|拥有|车辆)")
COUNT = re.compile(r"(?<![\d.])(\d+)\s*(批次|批|个|人次|人|名|辆)(?![\d万])")
NONE = {"recept": re.compile(r"(?:未发生|没有发生|未安排|没有|未|无)(?:国内|外事)?(?:公务)?接待"),
        "abroad": re.compile(r"(?:未发生|没有发生|未安排|没有安排|没有|未|无)(?:组织|安排)?因公出国"),
        "car_buy": re.compile(r"(?:未|没有|无)(?:购置|购买|新购|更新)(?:公务)?用?车|(?:未|没有|无)公务用车购置"),
        "car_count": re.compile(r"(?:无|没有)(?:车辆|公务用车(?!购置|运行|购买|费))")}


@dataclass
class _Stated:
    counts: list[tuple[int, str, str, Where]] = field(default_factory=list)  # (count, as written, sentence, where)
    none: list[tuple[str, str, Where]] = field(default_factory=list)  # (phrase, sentence, where)


def _sections(paragraphs: list[Paragraph]) -> list[tuple[str, Paragraph]]:
    out: list[tuple[str, Paragraph]] = []
    section = "other"
    for p in paragraphs:
        if is_section_title(p):
            section = "assets" if re.search(r"国有资产|资产占[有用]", p.text) else section_kind(p.text)
            continue
        if section in ("sangong", "assets") and not p.heading:
            out.append((section, p))
    return out


def _stated(paragraphs: list[Paragraph]) -> dict[tuple[str, str], _Stated]:
    """(section, item) → the counts and the "none" phrases the narrative states for it."""
    out: dict[tuple[str, str], _Stated] = {}
    for section, p in _sections(paragraphs):
        for sent in sentences_of(p.text):
            clean = sent.replace("“", "").replace("”", "").replace('"', "")
            for item, rx in NONE.items():
                for m in rx.finditer(clean):
                    if item == "car_count" or section == "sangong":
                        out.setdefault((section, item), _Stated()).none.append((m.group(0), sent, p.where))
            for m in COUNT.finditer(clean):
                counted = _item_of(clean, m, section)
                if counted is not None:
                    out.setdefault((section, counted), _Stated()).counts.append(
                        (int(m.group(1)), m.group(0), sent, p.where))
    return out


def _item_of(sent: str, m: re.Match[str], section: str) -> str | None:
    before = sent[:m.start()]
    keys = list(KEYWORDS.finditer(before))
    if not keys:
        return None
    key = keys[-1]
    item = key.lastgroup or ""
    if "其中" in before[key.end():]:
        return None  # "共有车辆2辆，其中：执法执勤用车1辆…": a breakdown
    unit = m.group(2)
    if unit == "辆":
        if item not in ("car_buy", "car_count"):
            return None
        if item == "car_count" and section == "sangong" and not re.search(r"保有|共有|实有|拥有", key.group(0)):
            return None
        return item if section == "sangong" or item == "car_count" else None
    if section != "sangong" or item not in ("recept", "abroad"):
        return None
    if unit == "个" and not re.search(r"团组?|批", before[key.start():]):
        return None
    return item


def count_findings(paragraphs: list[Paragraph], subjects: Subjects) -> list[Finding]:
    out: list[Finding] = []
    for (section, item), st in _stated(paragraphs).items():
        cell = Cell("09", "sg", FEES[item])
        fee = subjects.value(cell) if FEES[item] in subjects.sangong_cols else None
        if fee is None:
            continue
        fee_text = f"{FEE_NAMES[item]}决算数为 {fee:.2f} 万元"
        positive = [c for c in st.counts if c[0] > 0]
        said_none = [(text, s, w) for text, s, w in st.none] + [(t, s, w) for n, t, s, w in st.counts if n == 0]
        if item == "car_count":
            if fee > 0 and said_none and not positive:
                text, s, w = said_none[0]
                out.append(make(C.VEHICLES, place=str(w), subject=ITEMS[item], claimed=text, expected=fee_text,
                                sentence=s))
            elif fee == 0 and section == "sangong" and positive:
                _, text, s, w = positive[0]
                out.append(make(C.VEHICLES, place=str(w), subject=ITEMS[item], claimed=text, expected=fee_text,
                                sentence=s))
            continue
        if fee == 0 and positive:
            _, text, s, w = positive[0]
            out.append(make(C.COUNT, place=str(w), subject=ITEMS[item], claimed=text, expected=fee_text,
                            sentence=s))
        elif fee > Decimal(0) and said_none and not positive:
            text, s, w = said_none[0]
            out.append(make(C.COUNT, place=str(w), subject=ITEMS[item], claimed=text, expected=fee_text,
                            sentence=s))
    return out
