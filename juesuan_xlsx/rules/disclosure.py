"""Rules on a :class:`~juesuan_xlsx.disclosure.Disclosure` read from a publication or a foreign workbook.

Every printed figure is a rounded figure (totals too: a publication computes nothing), so every relation of the
spec is judged with the Calculations 1.1 allowance, and each finding names its place in the source's own terms
("第 7 页 支出决算表 行 2013201 列 基本支出").  A relation that needs a figure the source does not have (a missing
table) or could not read is not judged — and is said so — never counted as passed.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..disclosure import Disclosure
from ..engine import Engine, Figure, Outcome
from ..findings import Finding, Level, define_check, make
from ..model import ByCode, ByLevel, Cell, Children, Equation, Ref
from ..sources.problems import PROBLEMS
from ..sources.problems import message as problem_message
from .relations import outcome_findings

E, W, N = Level.ERROR, Level.WARNING, Level.NOTE

# the readers' problems as catalogue checks: reading the wrong cells is the worst failure, so a shifted column or
# a table in the wrong unit is an error; what only limits what was read is a warning; a conversion is a note
_LEVELS = {"S-疑似错行": E, "S-疑似单位为元": E, "S-单位换算": N, "S-宏已忽略": N, "S-表重复": W}
SOURCE_CHECKS = {
    code: define_check(code, _LEVELS.get(code, W), code.removeprefix("S-"), "{text}",
                       f"读取公开文件时：{template}", "reading")
    for code, template in PROBLEMS.items()
}
UNREADABLE_SOURCE = define_check(
    "S-无法读取", E, "无法读取文件",
    "无法读取：{detail}",
    "文件不是带文字的 PDF、Word、Excel、文本或网页，或者已加密、损坏、过大。", "reading")
MISSING = define_check(
    "S-缺少表", E, "缺少表",
    "文件中没有找到{name}。与它有关的关系无法核对；请核对文件是否完整，或表的标题是否与表样一致。",
    "公开文件必须包含全部九张表（没有数字的表也要公开，并注明“本单位没有…”）。", "reading")
NOT_CHECKED = define_check(
    "S-未校验表", N, "表样以外的表",
    "{title} 不在九张表之内，未校验。",
    "有的地区公开的表多于九张（如政府采购情况表）；这些表的数字不参与校验。", "reading")
UNJUDGED = define_check(
    "S-关系无法核对", W, "关系无法核对",
    "{count} 条关系因数字无法识别而没有核对，例如：{examples}。请核对这些单元格。",
    "关系中有无法识别的数字（不是空白，也不是“—”），既不能算相符也不能算不符。", "reading")
UNKNOWN_CODE = define_check(
    "S-未收录科目", N, "科目不在字典中",
    "{where} 的科目 {code} 不在内置的 {year} 年功能分类字典中，按文件中印的名称“{name}”处理。",
    "内置功能分类字典不完整；文件中印出的编码和名称用于补充。", "codes")
UNKNOWN_CODE_NO_NAME = define_check(
    "S-未知科目", W, "科目不在字典中且没有名称",
    "{where} 的科目 {code} 不在内置的 {year} 年功能分类字典中，文件中也没有印出名称，请核对编码。",
    "编码可能有误（如 2080501 与 2080502 混淆）。", "codes")


def disclosure_findings(disclosure: Disclosure) -> tuple[list[Finding], list[Outcome]]:
    """Every finding of a disclosure, and the outcomes of the relations that could be judged."""
    found: list[Finding] = []
    for code, where, args in disclosure.problems:
        check = SOURCE_CHECKS.get(code)
        text = problem_message(code, args)
        place = str(where) if where is not None else None
        if check is None:  # a reader's code not (yet) in the catalogue: still said, as a warning
            check = define_check(code, W, code, "{text}", text, "reading")
        found.append(make(check, place=place, text=text))
    spec = disclosure.spec
    for table_id in disclosure.missing_tables:
        found.append(make(MISSING, table=table_id, name=spec.table(table_id).display_name))
    for title in disclosure.unchecked_tables:
        found.append(make(NOT_CHECKED, title=title))
    found.extend(_codes(disclosure))
    outcomes, unjudged = judge(disclosure)
    found.extend(outcome_findings(outcomes, lambda cell: _place(disclosure, cell)))
    if unjudged:
        examples = "；".join(sorted({_place(disclosure, c) or str(c) for c in unjudged})[:3])
        found.append(make(UNJUDGED, count=len(unjudged), examples=examples))
    return found, outcomes


def judge(disclosure: Disclosure) -> tuple[list[Outcome], set[Cell]]:
    """The relations judged on the printed figures: every figure typed (rounded), none computed — a total that is
    exactly the sum of its printed parts carries their allowance.  Equations that
    touch a missing table or an unreadable figure are left out; the unreadable cells are returned."""
    engine = Engine(disclosure.inst)
    numbers = disclosure.numbers()
    # a figure the source computed (an intact formula of a workbook) carries no allowance of its own
    computed = {c for c, p in disclosure.figures.items() if p.computed}
    figures = engine.compute(numbers, typed_over=set(engine.formulas) - computed)
    for cell in computed & set(numbers):
        figures[cell] = Figure(numbers[cell], 0)
    # A printed total equal to the sum of its printed parts may have been added up from those rounded parts (our
    # own 万元 export prints such totals): its exact value is then within the parts' allowance, not just ±0.005.
    for cell in engine.order:
        if cell in computed or cell not in numbers:
            continue
        parts = engine.side(engine.formulas[cell].rhs, figures)
        if parts.k > 1 and parts.value == numbers[cell]:
            figures[cell] = Figure(numbers[cell], parts.k)
    missing = set(disclosure.missing_tables)
    unreadable = disclosure.unreadable()
    outcomes: list[Outcome] = []
    blocked: set[Cell] = set()
    for eq in engine.equations:
        cells = _cells(eq)
        if any(c.table in missing for c in cells):
            continue
        bad = cells & unreadable
        if bad:
            blocked |= bad
            continue
        outcomes.append(engine.check(eq, figures))
    return outcomes, blocked


def _cells(eq: Equation) -> set[Cell]:
    out: set[Cell] = set()
    for term in (*eq.lhs, *eq.rhs):
        if isinstance(term, Ref):
            out.add(term.cell)
        elif isinstance(term, ByCode | ByLevel | Children):  # pragma: no cover - a disclosure's codes are known
            raise TypeError(f"symbolic term {term} in a disclosure")
    return out


def _place(disclosure: Disclosure, cell: Cell) -> str | None:
    where = disclosure.where(cell)
    return str(where) if where is not None else None


def _codes(disclosure: Disclosure) -> Iterator[Finding]:
    dictionary = disclosure.spec.gongneng
    seen: set[str] = set()
    for table_id, ct in disclosure.inst.code_tables.items():
        for row in ct.rows:
            code = row.code
            if code is None or code in seen or dictionary.get(code) is not None:
                continue
            seen.add(code)
            where = disclosure.code_where.get((table_id, row.key))
            place = str(where) if where is not None else disclosure.spec.table(table_id).display_name
            name = disclosure.code_names.get(code) or row.name
            check = UNKNOWN_CODE if name else UNKNOWN_CODE_NO_NAME
            yield make(check, place=place, table=table_id, where=place, code=code, name=name,
                       year=disclosure.spec.year)

