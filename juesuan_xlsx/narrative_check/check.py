"""Each claim checked against the tables' printed figures and against the narrative itself."""

from __future__ import annotations

from decimal import Decimal

from ..amounts import CENT
from ..disclosure import Disclosure
from ..findings import Finding, make
from ..narrative.text import GAP
from . import catalogue as C
from .claims import Amount, Claims, Share, parse, third_part
from .counts import count_findings
from .defects import dept_names, empty_tables, missing_sections, text_defects
from .numbers import HALF_CENT, HUNDRED, Interval, Stated, claimed_interval, figure, ratio, round_to
from .subjects import Subject, Subjects


def check_narrative(disclosure: Disclosure) -> list[Finding]:
    """Every narrative finding of one document, in the order of its sentences."""
    paragraphs = third_part(disclosure.paragraphs)
    subjects = Subjects(disclosure)
    claims = parse(paragraphs, subjects)
    out: list[Finding] = []
    out += _amounts(claims, subjects)
    out += _class_names(claims, subjects)
    out += _shares(claims, subjects)
    out += _changes(claims, subjects)
    out += _completions(claims, subjects)
    out += _percent_signs(claims)
    out += text_defects(paragraphs, disclosure.year)
    out += missing_sections(disclosure, paragraphs)
    out += count_findings(paragraphs, subjects)
    out += dept_names(disclosure, paragraphs)
    out += empty_tables(disclosure)
    return out


def _table_value(a: Amount, subjects: Subjects) -> tuple[Decimal, Decimal] | None:
    """(the table's figure for the amount's subject and role, its half width), or None when not in the tables."""
    s = a.subject
    if s is None:
        return None
    if s.zero:
        return Decimal(0), Decimal(0)
    cell = s.budget if a.role == "budget" else s.actual
    if cell is None:
        return None
    value = subjects.value(cell)
    if value is None:
        return None
    return value, Decimal(0) if subjects.computed(cell) else HALF_CENT


def _interval(a: Amount, subjects: Subjects) -> Interval:
    """The amount as the tables print it when they do, else as the narrative states it."""
    tv = _table_value(a, subjects)
    if tv is not None:
        return figure(tv[0], tv[1])
    return Interval(a.value.low, a.value.high)


def _amounts(claims: Claims, subjects: Subjects) -> list[Finding]:
    out = []
    for a in claims.amounts:
        tv = _table_value(a, subjects)
        if tv is None or a.subject is None:
            continue
        if a.subject.zero and a.subject.said:
            continue  # a 类 the tables do not list: N-类不在表中 says it with the amount
        value, half = tv
        allowance = a.value.half + half
        if abs(a.value.value - value) > allowance:
            role = {"budget": "预算数", "actual": "决算数"}.get(a.role, "")
            out.append(make(C.AMOUNT, place=str(a.where), subject=a.subject.name + role, claimed=a.value.text,
                            source="表列数", expected=value, allowance=allowance, sentence=a.sentence))
    return out


def _class_names(claims: Claims, subjects: Subjects) -> list[Finding]:
    """A 类 stated with its amount under a name other than the one the tables print for it (an earlier name, a
    misspelling), or a 类 the tables do not list stated with an amount other than 0."""
    out: list[Finding] = []
    said: set[tuple[str, str]] = set()
    for a in claims.amounts:
        s = a.subject
        if s is None or not s.said or (s.said, a.sentence) in said:
            continue
        if s.zero:
            if a.value.value == 0:
                continue  # "教育（类）支出0万元": a 类 the tables do not list, rightly 0
            out.append(make(C.CLASS_MISSING, place=str(a.where), claimed=s.said, amount=a.value.text,
                            listed="、".join(subjects.class_printed.values()) or "无", sentence=a.sentence))
        else:
            out.append(make(C.CLASS_NAME, place=str(a.where), claimed=s.said, expected=s.printed,
                            sentence=a.sentence))
        said.add((s.said, a.sentence))
    return out


def _name(x: Amount | Subject | None) -> str:
    if isinstance(x, Amount):
        return x.subject.name if x.subject else "该项"
    return x.name if x is not None else ""


def _pct(i: Interval | None, decimals: int) -> str:
    if i is None:
        return "—"
    return f"{round_to((i.low + i.high) / 2, decimals)}%"


def _shares(claims: Claims, subjects: Subjects) -> list[Finding]:
    out = []
    wrong: list[tuple[Share, Interval]] = []
    # the shares of one whole (each with its part's interval), and that whole; an Amount whole is keyed "amount"
    wholes: dict[tuple[object, ...], tuple[list[tuple[Share, Interval]], Interval]] = {}
    for s in claims.shares:
        if s.part is None or s.whole is None:
            continue
        part = _interval(s.part, subjects)
        if isinstance(s.whole, Amount):
            whole = _interval(s.whole, subjects)
        else:
            cell = s.whole.actual
            v = subjects.value(cell) if cell is not None else None
            if v is None or cell is None:
                continue
            whole = figure(v, Decimal(0) if subjects.computed(cell) else HALF_CENT)
        key = ("amount", id(s.whole)) if isinstance(s.whole, Amount) else ("subject", s.sentence, str(s.whole.actual))
        wholes.setdefault(key, ([], whole))[0].append((s, part))
        exact = ratio(part, whole)
        if exact is None:
            continue
        said = claimed_interval(s.value, s.bound)
        if not said.meets(exact):
            wrong.append((s, exact))
    apportioned = _apportioned(wholes)
    for s, exact in wrong:
        if id(s) in apportioned:
            continue
        out.append(make(C.SHARE, place=str(s.where), subject=_name(s.part), whole=_name(s.whole) or "总数",
                        claimed=f"{s.bound}{s.value.text}%", expected=_pct(exact, max(s.value.decimals, 2)),
                        allowance=str(exact), sentence=s.sentence))
    for whole_key, (pairs, _) in wholes.items():
        shares = [s for s, _ in pairs]
        if whole_key[0] != "amount" or len(shares) < 2 or any(s.bound for s in shares):
            continue
        total = sum((s.value.value for s in shares), Decimal(0))
        allowance = sum((s.value.half for s in shares), Decimal(0))
        whole_amount = shares[0].whole
        parts = sum((s.part.value.value for s in shares if s.part), Decimal(0))
        if isinstance(whole_amount, Amount) and abs(parts - whole_amount.value.value) > Decimal("0.005") * (
                len(shares) + 1) + whole_amount.value.half:
            continue  # the parts named do not make up the whole
        if abs(total - HUNDRED) > allowance:
            last = shares[-1]
            out.append(make(C.SHARE_SUM, place=str(last.where), claimed=f"{total}%", allowance=f"{allowance}%",
                            sentence=last.sentence))
    return out


def _apportioned(wholes: dict[tuple[object, ...], tuple[list[tuple[Share, Interval]], Interval]]) -> set[int]:
    """Shares (by id) that are the largest-remainder apportionment of their group (issue 15 #22; the exporter's
    :func:`juesuan_xlsx.narrative.text.whole_shares`): the parts of one whole stated as shares adding up to exactly
    100.00%, the parts making up the whole but for a rounding gap between tables (:data:`GAP`), each share within a
    cent of its part's share of the parts' sum: 人员经费 76.68% and 公用经费 23.32% of 基本支出, not 76.69% + 23.32%."""
    out: set[int] = set()
    for pairs, whole in wholes.values():
        if len(pairs) < 2:
            continue
        # a part the exporter apportioned 0.00 prints 不足0.01% (and 100.00 超过99.99%): the cents still add up
        cents_ = [Decimal(0) if s.bound == "不足" else HUNDRED if s.bound == "超过" else s.value.value
                  for s, _ in pairs]
        if sum(cents_, Decimal(0)) != HUNDRED:
            continue
        total = Interval(sum((p.low for _, p in pairs), Decimal(0)), sum((p.high for _, p in pairs), Decimal(0)))
        middle, size = (total.low + total.high) / 2, (whole.low + whole.high) / 2
        if abs(middle - size) > max(HALF_CENT * (len(pairs) + 1), size * GAP):
            continue  # the parts named do not make up the whole
        for s, part in pairs:
            exact = ratio(part, total)
            if not s.bound and exact is not None and Interval(s.value.value - CENT, s.value.value + CENT).meets(exact):
                out.add(id(s))
    return out


def _changes(claims: Claims, subjects: Subjects) -> list[Finding]:
    out: list[Finding] = []
    for c in claims.changes:
        subject = _name(c.base)
        place = str(c.where)
        if c.rate is not None and c.word and c.rate_word:
            if (c.word == "增加") != (c.rate_word == "增长"):
                out.append(make(C.DIRECTION, place=place, subject=subject, claimed=f"{c.word}…{c.rate_word}",
                                expected=f"{c.word}对应{'增长' if c.word == '增加' else '下降'}",
                                sentence=c.sentence))
                continue
        if c.base is None or c.diff is None or not c.word:
            continue
        current = _interval(c.base, subjects)
        sign = Decimal(1) if c.word == "增加" else Decimal(-1)
        # 上年数 = 本年数 − (±增减额), as an interval
        prev = Interval(current.low - sign * (c.diff.high if sign > 0 else c.diff.low),
                        current.high - sign * (c.diff.low if sign > 0 else c.diff.high))
        if c.previous is not None:
            said = Interval(c.previous.low, c.previous.high)
            if not said.meets(prev):
                mid = round_to((prev.low + prev.high) / 2, 2)
                out.append(make(C.PREVIOUS, place=place, subject=subject, claimed=c.previous.text, expected=mid,
                                allowance=str(prev), sentence=c.sentence))
            if c.previous.value == 0 and c.rate is not None:
                out.append(make(C.ZERO_BASE, place=place, subject=subject, claimed=f"{c.rate.text}%",
                                sentence=c.sentence))
            if prev.low < 0 < sign:
                pass
        if c.rate is None:
            continue
        if prev.high <= 0:
            out.append(make(C.ZERO_BASE, place=place, subject=subject, claimed=f"{c.rate.text}%",
                            sentence=c.sentence))
            continue
        exact = ratio(Interval(c.diff.low, c.diff.high), prev)
        if exact is None:
            continue
        if not claimed_interval(c.rate, c.rate_bound).meets(exact):
            out.append(make(C.RATE, place=place, subject=subject, diff=c.diff.text,
                            claimed=f"{c.rate_bound}{c.rate.text}%", expected=_pct(exact, max(c.rate.decimals, 2)),
                            allowance=str(exact), sentence=c.sentence))
    for f in claims.flats:
        if f.base is None:
            continue
        for c in claims.changes:
            if c.sentence == f.sentence and c.diff is not None and c.diff.value != 0:
                out.append(make(C.FLAT, place=str(f.where), subject=_name(f.base), expected=c.diff.text,
                                sentence=f.sentence))
    return out


def _completions(claims: Claims, subjects: Subjects) -> list[Finding]:
    out = []
    for c in claims.completions:
        if c.actual is None or c.budget is None:
            continue
        actual, budget = _interval(c.actual, subjects), _interval(c.budget, subjects)
        subject = _name(c.actual)
        if budget.high <= 0 or c.budget.value.value == 0:
            out.append(make(C.ZERO_BUDGET, place=str(c.where), subject=subject, claimed=f"{c.value.text}%",
                            sentence=c.sentence))
            continue
        exact = ratio(actual, budget)
        if exact is not None and not claimed_interval(c.value).meets(exact):
            out.append(make(C.COMPLETION, place=str(c.where), subject=subject, claimed=f"{c.value.text}%",
                            actual=c.actual.value.text, budget=c.budget.value.text,
                            expected=_pct(exact, max(c.value.decimals, 2)), allowance=str(exact),
                            sentence=c.sentence))
    for k in claims.comparisons:
        if k.actual is None or k.budget is None:
            continue
        a, b = k.actual.value.value, k.budget.value.value
        right = "大于" if a > b else "小于" if a < b else "等于"
        if right != k.word:
            out.append(make(C.COMPARE, place=str(k.where), claimed=k.word, actual=k.actual.value.text,
                            budget=k.budget.value.text, sentence=k.sentence))
    return out


def _percent_signs(claims: Claims) -> list[Finding]:
    return [make(C.PERCENT, place=str(w), claimed=text, sentence=s) for text, s, w in claims.bare_percents]


__all__ = ["check_narrative", "Stated"]
