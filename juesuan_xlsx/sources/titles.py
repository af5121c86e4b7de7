"""Which of the nine tables a caption names, and the year, 部门, unit and layout a document states.

Titles come from the specs themselves (every year and layout shipped), so a layout added as data is recognised
without code.  A caption may carry the title, the 公开NN表 label, or both ("收入支出决算总表(公开01表)").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from ..resources import available_specs
from ..spec import load_spec
from .numbers import squeeze

_QUOTES = str.maketrans("", "", "“”\"'‘’「」『』")
_LABEL = re.compile(r"公开\s*0?(\d{1,2})\s*表")
_UNIT = re.compile(r"(?:金额)?单位[:：]\s*(万元|千元|元)")
_DEPT = re.compile(r"(?:^|\s|表)(?:编制)?(?:部门|单位)(?:名称)?[:：]\s*(.+?)(?:\s{2,}|\s*(?:金额)?单位[:：]|$)")
_YEAR_TITLE = re.compile(r"(20\d\d)\s*年度?")
_DEPT_BEFORE_YEAR = re.compile(r"^(?:第[一二三四五六七八九十]部分\s*)?(\S{2,40}?)\s*(20\d\d)\s*年度?\s*部门决算")
_DEPT_AFTER_YEAR = re.compile(r"^(20\d\d)\s*年度?\s*(\S{2,40}?)\s*部门决算")
_UNIT_WORDS = frozenset({"万元", "元", "千元", "人民币元", "人民币万元"})
_NOTE = re.compile(r"^(?:注|说明|备注)\s*[:：0-9１-９]")


def norm(text: str) -> str:
    """A caption or header as compared: NFKC, no spaces, no quotes (“三公” = 三公)."""
    return squeeze(text).translate(_QUOTES)


@dataclass(frozen=True)
class TitleInfo:
    table: str  # table id 01 … 09
    title: str  # normalized title
    profiles: frozenset[str]  # layouts that print this title


@cache
def known_titles() -> tuple[TitleInfo, ...]:
    """Every title of every shipped spec, longest first (财政拨款收入支出决算总表 before 收入支出决算总表)."""
    found: dict[tuple[str, str], set[str]] = {}
    for year, profile in available_specs():
        for table in load_spec(year, profile).tables:
            found.setdefault((table.id, norm(table.title)), set()).add(profile)
    infos = [TitleInfo(tid, title, frozenset(p)) for (tid, title), p in found.items()]
    return tuple(sorted(infos, key=lambda i: -len(i.title)))


def is_note(text: str) -> bool:
    return _NOTE.match(norm(text)) is not None


def match_title(text: str) -> TitleInfo | None:
    """The table a caption names by its title (the longest title contained), or None.

    Long sentences are not captions: a title line is the title plus at most a label, a 部门 and some words."""
    t = norm(text)
    if not t or is_note(t) or len(t) > 60:
        return None
    for info in known_titles():
        if info.title in t:
            rest = t.replace(info.title, "", 1)
            if len(rest) <= 30 or _LABEL.search(rest) or re.search(r"20\d\d年度?", rest):
                return info
    return None


def match_label(text: str) -> str | None:
    """The table id of a 公开NN表 label in a caption (01 … 09), or None."""
    m = _LABEL.search(norm(text))
    if m is None:
        return None
    number = int(m[1])
    return f"{number:02d}" if 1 <= number <= 9 else None


def looks_like_title(text: str) -> bool:
    """A caption that names some table (…表, short): a table not among the nine is listed, not guessed."""
    t = norm(text)
    return 2 < len(t) <= 40 and t.endswith(("表", "情况", "明细")) and not is_note(t)


def match_unit(text: str) -> str | None:
    m = _UNIT.search(squeeze(text))
    return m[1] if m else None


def match_dept(text: str) -> str | None:
    """The 部门 of a “部门：某某局   单位：万元” line."""
    m = _DEPT.search(text.strip().replace("\u3000", " "))
    if m is None:
        return None
    name = squeeze(m[1])
    if not name or name in _UNIT_WORDS or match_unit(text) and name.startswith(("万元", "元", "千元")):
        return None
    return name


def years_in(texts: Iterable[str]) -> Counter[int]:
    """Years named in titles ("2024年度…"), counted."""
    counted: Counter[int] = Counter()
    for text in texts:
        for m in _YEAR_TITLE.finditer(squeeze(text)):
            counted[int(m[1])] += 1
    return counted


def dept_from_title(text: str) -> str | None:
    """某某局 of "某某局2024年度部门决算" or "2024年度某某局部门决算"."""
    t = squeeze(text)
    if len(t) > 60 or re.search(r"[。，；：]", t):
        return None
    m = _DEPT_BEFORE_YEAR.match(t)
    if m and not m[1].endswith(("第二部分", "第三部分")):
        return m[1]
    m = _DEPT_AFTER_YEAR.match(t)
    return m[2] if m else None
