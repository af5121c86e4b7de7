"""What every planned formula should evaluate to, computed from the spec in Decimal, never from formula text.

The engine gives the amount cells and the outcome of every equation; this module derives the rest of what the
template computes (the 科目名称 lookup, the hidden level/parent helpers, per-row statuses, the 校验 sheet) from
those, so that all formula cells of a workbook can be compared with the headless evaluation and LibreOffice.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .amounts import parse_amount
from .codes import Dictionary
from .engine import Engine, Figure, Outcome, Status
from .model import Cell, Equation, Instance, Ref
from .plan import CHECK_SHEET, UNKNOWN_NAME, Plan
from .reader import ReadResult, excel_text

Key = tuple[str, int, int]


def shadow_values(read: ReadResult, plan_inst: Instance, plan: Plan, engine: Engine, figures: dict[Cell, Figure],
                  outcomes: list[Outcome], dictionary: Dictionary) -> dict[Key, Any]:
    spec = read.spec
    by_anchor: dict[tuple[str, Cell | None], Outcome] = {}
    per_code: dict[str, list[Outcome]] = {}
    hierarchy_at: dict[tuple[str, str], list[Outcome]] = {}
    for outcome in outcomes:
        eq = outcome.equation
        by_anchor.setdefault((eq.relation.code, eq.anchor), outcome)
        if eq.relation.kind == "hierarchy" and eq.anchor is not None and eq.mode == "check":
            hierarchy_at.setdefault((eq.anchor.table, eq.anchor.row), []).append(outcome)
        elif eq.code is not None and eq.mode == "check":
            per_code.setdefault(eq.code, []).append(outcome)
    names = read.dictionary_sheet or {c: i.name for c, i in dictionary.entries.items()}
    out: dict[Key, Any] = {}
    row_status: dict[str, list[int]] = {}
    for key, item in plan.formulas.items():
        if item.cell is not None:
            fig = figures.get(item.cell)
            if fig is not None:
                out[key] = fig.value
            else:  # a row the model leaves out (no code): the workbook still sums what is typed on it
                out[key] = _typed_sum(item.equation, read) if item.equation is not None else Decimal(0)
            continue
        if item.sheet == CHECK_SHEET:
            continue
        table = next(t for t in spec.tables if t.sheet == item.sheet)
        lay = read.layouts[table.id]
        code = excel_text(read.raw_value(read.sheets[table.id], item.row, 0))
        if item.col == 1:
            out[key] = "" if code == "" else names.get(code, UNKNOWN_NAME)
        elif item.col == lay.level_col:
            out[key] = Decimal(len(code))
        elif item.col == lay.parent_col:
            out[key] = code[:-2] if len(code) > 3 else ""
        elif item.col == lay.status_col:
            row_key = f"#{item.row - lay.data_row}"
            numbers = [0]
            if code:
                if len(code) != 7:
                    numbers += [o.status.number for o in hierarchy_at.get((table.id, row_key), [])]
                numbers += [o.status.number for o in per_code.get(code, [])
                            if table.id in o.equation.relation.for_rows]
            out[key] = Decimal(max(numbers))
            row_status.setdefault(table.id, []).append(max(numbers))
    statuses: list[int] = []
    for line in plan.check_lines:
        r = line.row
        if line.equation is None:
            number = max(row_status.get(line.table or "", [0]), default=0)
        else:
            found = by_anchor.get((line.equation.relation.code, line.equation.anchor))
            # a check with no figures on either side in this workbook
            outcome = found or Outcome(line.equation, Status.OK, Decimal(0), Decimal(0), 0)
            left, right = outcome.left, outcome.right
            out[(CHECK_SHEET, r, 3)] = left
            out[(CHECK_SHEET, r, 4)] = right
            out[(CHECK_SHEET, r, 5)] = (left - right).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            out[(CHECK_SHEET, r, 9)] = Decimal(outcome.k)
            out[(CHECK_SHEET, r, 6)] = Decimal(outcome.k) * Decimal("0.005")
            number = outcome.status.number
        out[(CHECK_SHEET, r, 10)] = Decimal(number)
        out[(CHECK_SHEET, r, 7)] = [s.value for s in Status][number]
        statuses.append(number)
    out[(CHECK_SHEET, plan.summary_row, 0)] = f"不符 {statuses.count(2)} 项，尾差 {statuses.count(1)} 项"
    return {k: v for k, v in out.items() if k in plan.formulas}


def _typed_sum(eq: Equation, read: ReadResult) -> Decimal:
    """Σ of an equation's right side straight from the typed cells (as SUM sees them: text counts 0)."""
    total = Decimal(0)
    for term in eq.rhs:
        raw = read.cells.get(term.cell) if isinstance(term, Ref) else None
        if raw is not None and raw.formula is None:
            total += parse_amount(raw.value).value * term.sign
    return total
