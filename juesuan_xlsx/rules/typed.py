"""Rules on the figures typed into input cells: text, booleans, dates, too many decimals, negatives, implausible
magnitudes and figures typed in 元 where 万元 is meant."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from .. import checks
from ..amounts import KIND_TEXT, LARGEST, YUAN_PER_WAN, Amount, cents, decimals, fmt, implausible, parse_amount
from ..contract import YUAN
from ..engine import Outcome, Status
from ..findings import Finding
from ..model import Cell
from ..reader import typed_figures
from .context import Context, finding


def read_inputs(ctx: Context) -> list[Finding]:
    """Fill ``ctx.inputs`` and ``ctx.typed_over`` from the typed cells; the problems of each typed figure."""
    formulas = ctx.engine.formulas
    inputs, typed_over, typed = typed_figures(ctx.read, formulas)
    found = [f for cell, raw, amount in typed for f in amount_problems(ctx, cell, raw.value, amount)]
    for cell, raw in ctx.read.cells.items():
        if raw.formula is not None and cell not in formulas:
            value = user_formula_value(ctx, raw)  # the user's own formula in an input cell (=50+8.56) counts
            if value is not None:
                inputs[cell] = value
    ctx.inputs, ctx.typed_over = inputs, typed_over
    return found


def user_formula_value(ctx: Context, raw: Any) -> Decimal | None:
    """The value of a user's formula: evaluated when the workbook could be, else what the application saved."""
    value = raw.cached
    evaluation = ctx.evaluation
    if evaluation is not None and evaluation.evaluated:
        value = evaluation.values.get((raw.sheet, raw.address), value)
    amount = parse_amount(value)
    return amount.value if amount.kind == "number" else None


def amount_problems(ctx: Context, cell: Cell, raw: Any, amount: Amount) -> Iterator[Finding]:
    where = ctx.where(cell)
    table = cell.table
    if amount.kind in KIND_TEXT:
        yield finding(checks.TEXT_NUMBER, where, table=table, value=raw, detail=KIND_TEXT[amount.kind],
                      number=amount.meant or Decimal(0))
    elif amount.kind == "bool":  # as the spreadsheet shows it: TRUE, not Python's True
        yield finding(checks.NOT_A_NUMBER, where, table=table, value="TRUE" if raw else "FALSE")
    elif amount.kind == "text":
        yield finding(checks.NOT_A_NUMBER, where, table=table, value=raw)
    elif amount.kind == "space":
        yield finding(checks.SPACES_ONLY, where, table=table)
    elif amount.kind == "date":
        yield finding(checks.DATE_AMOUNT, where, table=table, value=_date_text(raw), number=amount.value)
    elif amount.kind == "number":
        in_yuan = ctx.read.inst.unit == YUAN
        if implausible(amount.value / YUAN_PER_WAN if in_yuan else amount.value):
            wan = cents(amount.value / YUAN_PER_WAN)
            if in_yuan:
                yield finding(checks.TOO_LARGE_YUAN, where, table=table, value=amount.value,
                              limit=LARGEST * YUAN_PER_WAN)
            else:
                hint = (f"金额单位为万元：如果填写的是元，应为 {fmt(wan)} 万元。" if not implausible(wan)
                        else "请核对是否多输了数字。")
                yield finding(checks.TOO_LARGE, where, table=table, value=amount.value, limit=LARGEST, hint=hint)
        elif decimals(amount.value) > 2:
            yield finding(checks.DECIMALS, where, table=table, value=amount.value, rounded=cents(amount.value))
        if amount.value < 0:
            yield finding(checks.NEGATIVE, where, table=table, value=amount.value)


MAX_UNIT_TRIALS = 20  # the largest typed figures tried at a 10,000th of their size, at 2 ms a trial


def unit_findings(ctx: Context) -> Iterator[Finding]:
    """A figure typed in 元 where the table means 万元: a typed figure of 10,000 or more that, read at a 10,000th of
    its size (rounded to 分, as a conversion to 万元 prints it), turns some 不符 relations into 相符 or 尾差 and breaks
    none.  Only a hint (a warning): the relation findings stay as they are.  Run after the relations."""
    failing = {i for i, o in enumerate(ctx.outcomes) if o.status == Status.MISMATCH}
    if not failing or ctx.read.inst.unit == YUAN:  # a 元 workbook asks for 元
        return
    candidates = sorted((c for c, v in ctx.inputs.items()
                         if YUAN_PER_WAN <= abs(v) and not implausible(v) and c in ctx.read.cells),
                        key=lambda c: -abs(ctx.inputs[c]))[:MAX_UNIT_TRIALS]
    for cell in candidates:
        value = ctx.inputs[cell]
        wan = cents(value / YUAN_PER_WAN)
        outcomes = ctx.engine.check_all(ctx.engine.compute({**ctx.inputs, cell: wan}, ctx.typed_over))
        still = {i for i, o in enumerate(outcomes) if o.status == Status.MISMATCH}
        if still < failing:
            mended = [ctx.outcomes[i] for i in sorted(failing - still)]
            examples = "、".join(_outcome_place(ctx, o) for o in mended[:3])
            yield finding(checks.IN_YUAN, ctx.where(cell), table=cell.table, value=value, wan=wan,
                          count=len(mended), examples=examples)


def _outcome_place(ctx: Context, outcome: Outcome) -> str:
    anchor = outcome.equation.anchor
    place = f" {ctx.read.where(anchor)}" if anchor is not None and anchor in ctx.read.cells else ""
    return outcome.equation.relation.code + place


def _date_text(raw: Any) -> str:
    """A date as the accountant sees it (2024-12-31, 12:30:00), not Python's 2024-12-31 00:00:00."""
    if isinstance(raw, dt.datetime) and raw.time() == dt.time():
        return raw.date().isoformat()
    return raw.isoformat() if isinstance(raw, dt.date | dt.time) else str(raw)
