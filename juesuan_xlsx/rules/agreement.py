"""Rules on the headless evaluation: forbidden formulas, cycles, error values, stale cached values, and the
agreement of the workbook's own formulas with the spec's Decimal computation (the two computations must agree)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from openpyxl.utils import get_column_letter

from .. import checks
from ..amounts import fmt
from ..evaluation import CIRCULAR_ERROR, Evaluation
from ..findings import Finding
from ..plan import Planned
from ..shadow import Tie, shadow_values
from .context import Context, finding


def evaluation_findings(ctx: Context, evaluation: Evaluation) -> Iterator[Finding]:
    read = ctx.read
    if not evaluation.evaluated:
        for (sheet, address), problems in sorted(evaluation.skipped.items()):
            detail = "；".join(scan_text(p.code.value, p.detail) for p in problems)
            formula = evaluation.formulas.get((sheet, address), "").lstrip("=")
            yield finding(checks.FORBIDDEN, (sheet, address), formula=formula, detail=detail)
        yield finding(checks.NOT_EVALUATED)
        return
    for key in sorted(evaluation.circular):
        yield finding(checks.CIRCULAR, key)
    for key, error in sorted(evaluation.errors.items()):
        if error != CIRCULAR_ERROR:
            yield finding(checks.ERROR_VALUE, key, formula=evaluation.formulas.get(key, "").lstrip("="), error=error)
    stale, uncached = [], 0
    for key, value in evaluation.values.items():
        cached = read.cached_value(*key)
        if cached is None or cached == "":
            uncached += value not in (None, "", 0)
        elif not same_value(cached, value):
            stale.append(key)
    # a file written by juesuan-xlsx has empty cached values on purpose (a spreadsheet computes them on open)
    if not read.fresh and uncached and uncached == sum(1 for v in evaluation.values.values()
                                                       if v not in (None, "", 0)):
        yield finding(checks.NO_CACHE, count=len(evaluation.values))
    if stale:
        examples = "、".join(f"{s}!{a}" for s, a in sorted(stale)[:5])
        yield finding(checks.STALE, count=len(stale), examples=examples)
    yield from agreement_findings(ctx, evaluation)


def expected_values(ctx: Context) -> dict[tuple[str, str], Any]:
    """The Decimal value of every intact planned formula cell, keyed by (sheet as in the file, "C9")."""
    titles = ctx.titles()
    shadow = shadow_values(ctx.read, ctx.plan_inst, ctx.plan, ctx.engine, ctx.figures, ctx.outcomes, ctx.dictionary)
    out: dict[tuple[str, str], Any] = {}
    for key, want in shadow.items():
        item: Planned = ctx.plan.formulas[key]
        title = titles.get(item.sheet)
        if key in ctx.intact and title is not None:
            out[(title, f"{get_column_letter(item.col + 1)}{item.row + 1}")] = want
    return out


def agreement_findings(ctx: Context, evaluation: Evaluation) -> Iterator[Finding]:
    # Damage already reported (a typed-over, changed or missing template formula, an error value, a cycle)
    # changes what everything downstream computes; comparing then would only repeat it as a false alarm.
    damaged = any(key not in ctx.intact for key, item in ctx.plan.formulas.items() if not item.editable)
    if damaged or evaluation.errors or evaluation.circular:
        return
    for (title, address), want in expected_values(ctx).items():
        got = evaluation.values.get((title, address), evaluation.errors.get((title, address)))
        if not same_value(got, want):
            yield finding(checks.DISAGREE, (title, address), formula_value=show(got), engine_value=show(want))


def same_value(a: Any, b: Any) -> bool:
    """Equal as a spreadsheet shows them: numbers within 10⁻⁶, blank equal to "" and 0; a :class:`Tie` (an exact
    half rounded) accepts either neighbour."""
    if isinstance(b, Tie):
        return b.accepts(a, same_value)
    if isinstance(a, Tie):
        return a.accepts(b, same_value)
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a == b)
    if isinstance(a, int | float | Decimal) and isinstance(b, int | float | Decimal):
        x, y = Decimal(repr(float(a))), Decimal(repr(float(b)))
        if not (x.is_finite() and y.is_finite()):
            return x == y
        # 10⁻⁶ absolutely, or 10⁻¹² of the figure: a double holds about 16 digits, so beyond 10⁶ 万元 (an implausible
        # figure, reported as such) the two computations may differ in digits that no longer mean anything
        return abs(x - y) <= max(Decimal("0.000001"), max(abs(x), abs(y)) * Decimal("1e-12"))
    if a in (None, "") and b in (None, ""):
        return True
    if a in (None, "") and isinstance(b, int | float | Decimal):
        return Decimal(repr(float(b))) == 0
    if b in (None, "") and isinstance(a, int | float | Decimal):
        return Decimal(repr(float(a))) == 0
    return str(a) == str(b)


def show(value: Any) -> str:
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return fmt(value if isinstance(value, Decimal) else Decimal(repr(float(value))))
    return repr(value)


_SCAN_TEXT = {
    "disallowed-function": "使用了不允许的函数",
    "external-reference": "引用了其他工作簿",
    "dynamic-reference": "使用了 INDIRECT/OFFSET 等动态引用",
    "web-function": "会访问外部数据",
    "dde": "包含 DDE 外部命令",
    "structured-reference": "使用了表格结构化引用",
    "3d-reference": "使用了跨多张工作表的三维引用",
    "undefined-name": "使用了未定义的名称",
    "array-formula": "是数组公式",
    "syntax": "无法解析",
    "too-large": "超出计算规模上限",
}


def scan_text(code: str, detail: str) -> str:
    return f"{_SCAN_TEXT.get(code, code)}（{detail}）" if detail else _SCAN_TEXT.get(code, code)
