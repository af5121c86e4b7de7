"""Sentences of 第三部分 → claims with their subject.

A paragraph is read clause by clause (split at ，。；：), each number with the words just before it: an amount
("…收入合计235.81万元"), a 预算数/决算数 ("预算为0.2万元，支出决算为0.08万元"), a difference against last year
("减少13.6万元") and its rate ("降低5.45%"), a stated 上年数 ("上年为0.00万元"), a share ("占86.12%", "占本年支出
合计的100.00%", "占不足0.01%"), a completion rate ("完成年初预算的105.23%"), a comparison ("决算数大于预算数").
The subject is the phrase before the number, else the paragraph's current subject; the whole of a share is named
after 占 or is the amount followed by "其中"/"主要用于" earlier in the section.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..disclosure import Paragraph, Where
from .numbers import Stated, stated
from .subjects import Subject, Subjects, section_kind

NUM = r"(\d+(?:,\d{3})*(?:\.\d+)?)"
TOKEN = re.compile(rf"{NUM}\s*万元|(不足|超过)?\s*{NUM}\s*[%％]")
CLAUSE = re.compile(r"[^，。；：,;:！]+")
SECTION_HEAD = re.compile(r"^\s*[一二三四五六七八九十]+、")
DIFF_WORD = re.compile(r"增加|减少|增长|下降|降低")
PLUS = ("增加", "增长")


@dataclass
class Amount:
    subject: Subject | None
    value: Stated
    role: str  # amount | budget | actual
    sentence: str
    where: Where


@dataclass
class Share:
    part: Amount | None
    whole: Amount | Subject | None
    value: Stated
    bound: str
    sentence: str
    where: Where


@dataclass
class Change:
    base: Amount | None
    word: str  # 增加 / 减少 / "" (garbled)
    diff: Stated | None
    sentence: str
    where: Where
    rate: Stated | None = None
    rate_word: str = ""
    rate_bound: str = ""
    previous: Stated | None = None


@dataclass
class Completion:
    actual: Amount | None
    budget: Amount | None
    value: Stated
    sentence: str
    where: Where


@dataclass
class Comparison:
    word: str
    actual: Amount | None
    budget: Amount | None
    sentence: str
    where: Where


@dataclass
class Flat:
    base: Amount | None
    sentence: str
    where: Where


@dataclass
class Claims:
    amounts: list[Amount] = field(default_factory=list)
    shares: list[Share] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    completions: list[Completion] = field(default_factory=list)
    comparisons: list[Comparison] = field(default_factory=list)
    flats: list[Flat] = field(default_factory=list)
    bare_percents: list[tuple[str, str, Where]] = field(default_factory=list)  # (number, sentence, where)


def third_part(paragraphs: list[Paragraph]) -> list[Paragraph]:
    """The paragraphs of 第三部分 (the longest span from a 第三部分 heading to 第四/五部分), else all."""
    starts = [i for i, p in enumerate(paragraphs) if p.text.replace(" ", "").startswith("第三部分")]
    best: list[Paragraph] = []
    for s in starts:
        end = next((j for j in range(s + 1, len(paragraphs))
                    if re.match(r"\s*第[四五六]部分", paragraphs[j].text)), len(paragraphs))
        span = paragraphs[s:end]
        if sum(len(p.text) for p in span if not p.heading) > sum(len(p.text) for p in best if not p.heading):
            best = span
    return best if starts else list(paragraphs)


def is_section_title(p: Paragraph) -> bool:
    return bool(SECTION_HEAD.match(p.text)) and len(p.text) < 60 and not TOKEN.search(p.text)


def sentences_of(text: str) -> list[str]:
    return [s + "。" for s in re.split(r"。", text) if s.strip()]


class _State:
    def __init__(self) -> None:
        self.subject: Subject | None = None
        self.base: Amount | None = None
        self.last_amount: Amount | None = None
        self.by_role: dict[tuple[str, str], Amount] = {}
        self.change: Change | None = None


def parse(paragraphs: Iterable[Paragraph], subjects: Subjects) -> Claims:
    out = Claims()
    section = "other"
    whole: Amount | None = None
    for p in paragraphs:
        if is_section_title(p):
            section = section_kind(p.text)
            whole = None
            continue
        st = _State()
        for sent in sentences_of(p.text):
            for cm in CLAUSE.finditer(sent):
                whole = _clause(cm.group(0), sent, p.text, cm.end(), p.where, section, subjects, st, whole, out)
    return out


def _clause(clause: str, sent: str, text: str, clause_end: int, where: Where, section: str, subjects: Subjects,
            st: _State, whole: Amount | None, out: Claims) -> Amount | None:
    pos = 0
    _bare(clause, sent, where, out)
    tokens = list(TOKEN.finditer(clause))
    if not tokens:
        before = sent[:max(sent.find(clause), 0)].rstrip("：: ")
        subj = None if before.endswith(("主要用于", "主要包括")) else subjects.resolve(clause, section)
        if subj is not None:
            st.subject = subj
            claimed = st.by_role.get((subj.name, "amount")) or st.by_role.get((subj.name, "actual"))
            if claimed is not None:
                st.base = claimed
        if "持平" in clause or "无变动" in clause:
            out.flats.append(Flat(st.base, sent, where))
        m = re.search(r"决算数?(大于|小于|等于)(?:年初)?预算数?", clause)
        if m and "（" not in clause[m.end():m.end() + 1]:
            s = st.subject.name if st.subject else ""
            out.comparisons.append(Comparison(m.group(1), st.by_role.get((s, "actual")) or st.base,
                                              st.by_role.get((s, "budget")), sent, where))
        return whole
    for tok in tokens:
        prefix = clause[pos:tok.start()]
        pos = tok.end()
        if tok.group(1) is not None:  # an amount
            value = stated(tok.group(1))
            rest = sent[sent.find(clause) + tok.end():][:8] if clause in sent else ""
            whole = _amount(prefix, value, rest, sent, where, section, subjects, st, whole, out)
        else:
            _percent(prefix, tok.group(2) or "", stated(tok.group(3)), sent, where, subjects, section, st, whole,
                     out)
    return whole


def _amount(prefix: str, value: Stated, rest: str, sent: str, where: Where, section: str, subjects: Subjects,
            st: _State, whole: Amount | None, out: Claims) -> Amount | None:
    words = DIFF_WORD.findall(prefix)
    if words or re.search(r"增减|[增减]$", prefix.strip()):
        word = words[-1] if words else ""
        sign_word = "增加" if word in PLUS else "减少" if word else ""
        base = st.base
        named = subjects.resolve(re.split(r"与上年|比上年|较上年|与20|比20", prefix)[0], section)
        if named is not None:
            base = st.by_role.get((named.name, "amount")) or st.by_role.get((named.name, "actual")) or base
        change = Change(base, sign_word, value, sent, where)
        out.changes.append(change)
        st.change = change
        return whole
    if re.search(r"上年(?:决算)?数?为", prefix):
        if st.change is not None:
            st.change.previous = value
        else:
            change = Change(st.base, "", None, sent, where, previous=value)
            out.changes.append(change)
            st.change = change
        return whole
    bare = re.sub(r"一般公共预算|政府性基金预算|国有资本经营预算", "", prefix)
    role = "budget" if "预算" in bare and "决算" not in bare else "actual" if "决算" in bare else "amount"
    subj = subjects.resolve(re.sub(r"(年初)?预算数?为?|支出决算数?为?|决算数?为?", "", prefix), section)
    if subj is None and role == "amount":
        subj = None
        st.subject = None
    elif subj is None:
        subj = st.subject
    else:
        st.subject = subj
    amount = Amount(subj, value, role, sent, where)
    out.amounts.append(amount)
    st.by_role[(subj.name if subj else "", role)] = amount
    if role != "budget":
        st.base = amount
        st.last_amount = amount
        st.change = None
    if re.match(r"[，,\s]*(其中|主要用于)", rest):
        return amount
    return whole


def _percent(prefix: str, bound: str, value: Stated, sent: str, where: Where, subjects: Subjects, section: str,
             st: _State, whole: Amount | None, out: Claims) -> None:
    if "占" in prefix:
        named = re.search(r"占(.+?)的", prefix)
        w: Amount | Subject | None = whole
        if named:
            w = subjects.resolve(named.group(1), section)
        out.shares.append(Share(st.last_amount, w, value, bound, sent, where))
    elif "完成" in prefix:
        s = st.subject.name if st.subject else ""
        out.completions.append(Completion(st.by_role.get((s, "actual")) or st.base, st.by_role.get((s, "budget")),
                                          value, sent, where))
    elif DIFF_WORD.search(prefix):
        word = DIFF_WORD.findall(prefix)[-1]
        if st.change is None:
            st.change = Change(st.base, "", None, sent, where)
            out.changes.append(st.change)
        st.change.rate, st.change.rate_word, st.change.rate_bound = value, word, bound


_BARE = re.compile(rf"(占[^，。；%％]{{0,12}}?|完成[^，。；%％]{{0,8}}的|增长|下降|降低){NUM}(?!\s*[\d.%％万])")


def _bare(text: str, sent: str, where: Where, out: Claims) -> None:
    for m in _BARE.finditer(text):
        if not re.match(r"\s*[个人次辆项分元倍年月日]", text[m.end():]):
            out.bare_percents.append((m.group(0), sent, where))
