"""Rules on the figures typed into input cells: text, booleans, dates, too many decimals, negatives, implausible
magnitudes and figures typed in 元 where 万元 is meant."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .. import checks
from ..amounts import KIND_TEXT, Amount, decimals, parse_amount
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
        if decimals(amount.value) > 2:
            yield finding(checks.DECIMALS, where, table=table, value=amount.value,
                          rounded=amount.value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
        if amount.value < 0:
            yield finding(checks.NEGATIVE, where, table=table, value=amount.value)


def _date_text(raw: Any) -> str:
    """A date as the accountant sees it (2024-12-31, 12:30:00), not Python's 2024-12-31 00:00:00."""
    if isinstance(raw, dt.datetime) and raw.time() == dt.time():
        return raw.date().isoformat()
    return raw.isoformat() if isinstance(raw, dt.date | dt.time) else str(raw)
