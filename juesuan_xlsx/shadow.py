"""What every planned formula should evaluate to, computed from the spec in Decimal, never from formula text.

The engine gives the amount cells and the outcome of every equation; this module derives the rest of what the
template computes (the 科目名称 lookup, the hidden level/parent helpers, per-row statuses, the 校验 sheet) from
those, so that all formula cells of a workbook can be compared with the headless evaluation and LibreOffice.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .amounts import cents, parse_amount, to_wan
from .codes import Dictionary
from .contract import CHECK_SHEET, UNKNOWN_NAME
from .engine import Engine, Figure, Outcome, Status, judge
from .model import Cell, Equation, Instance, Ref
from .plan import Plan
from .reader import ReadResult, excel_text

Key = tuple[str, int, int]


@dataclass(frozen=True)
class Tie:
    """A value obtained by rounding an exact half (e.g. a difference of 0.145 万元 to 分).  Decimal rounds the
    true value half up; a spreadsheet rounds its binary approximation, which may fall on either side.  Every
    engine is right to within that one step, so a comparison accepts any of ``choices`` (None: anything)."""

    value: Any
    choices: frozenset[Any] | None

    def accepts(self, other: Any, same: Any) -> bool:
        if self.choices is None:
            return True
        return any(same(other, choice) for choice in self.choices)


def _half_cent(value: Decimal) -> bool:
    cents = value * 100
    return cents != cents.to_integral_value() and (cents * 2) == (cents * 2).to_integral_value()


def _tie(outcome: Outcome) -> bool:
    """Is the difference an exact half 分, so that rounding it to whole 分 depends on the engine?  (For an
    ``implies`` relation each side is rounded to 分 on its own.)"""
    if outcome.equation.kind == "implies":
        return _half_cent(outcome.left) or _half_cent(outcome.right)
    return _half_cent(outcome.left - outcome.right)


def _statuses(outcome: Outcome) -> frozenset[int]:
    """The status with the half 分 rounded either way."""
    out = {outcome.status.number}
    if outcome.equation.kind == "implies" and _tie(outcome):
        return frozenset({0, 2})  # a side of half a 分 may be read as 0 or as 0.01
    if _tie(outcome):
        down = Outcome(outcome.equation, outcome.status, outcome.left - Decimal("0.005"), outcome.right, outcome.k)
        up = Outcome(outcome.equation, outcome.status, outcome.left + Decimal("0.005"), outcome.right, outcome.k)
        out |= {judge(o.equation, Figure(o.left, 0), Figure(o.right, o.k)).status.number for o in (down, up)}
    return frozenset(out)


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
    code_tables = {t.id for t in spec.tables if t.kind == "codes"}
    out: dict[Key, Any] = {}
    row_status: dict[str, list[int]] = {}
    ties: set[str] = set()  # tables with a per-row status that depends on rounding an exact half 分
    views: list[tuple[Key, Cell]] = []
    for key, item in plan.formulas.items():
        if item.view_of is not None:
            views.append((key, item.view_of))
            continue
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
            row_key = next(k for k, r in lay.code_rows.items() if r == item.row)  # 合计 may be first or last
            involved: list[Outcome] = []
            if code:
                if len(code) != 7:
                    involved += hierarchy_at.get((table.id, row_key), [])
                involved += [o for o in per_code.get(code, []) if table.id in o.equation.relation.for_rows
                             and not _other_row(o.equation, table.id, row_key, code_tables)]
            number = max([0, *(o.status.number for o in involved)])
            if any(_tie(o) for o in involved):
                choices = frozenset(max([0, *picks]) for picks in _products([_statuses(o) for o in involved]))
                out[key] = Tie(Decimal(number), frozenset(Decimal(c) for c in choices))
                ties.add(table.id)
            else:
                out[key] = Decimal(number)
            row_status.setdefault(table.id, []).append(number)
    statuses: list[int] = []
    tied_lines = bool(ties)
    for line in plan.check_lines:
        r = line.row
        if line.equation is None:
            number = max(row_status.get(line.table or "", [0]), default=0)
            if line.table in ties:
                out[(CHECK_SHEET, r, 10)] = Tie(Decimal(number), None)
                out[(CHECK_SHEET, r, 7)] = Tie([s.value for s in Status][number], None)
                statuses.append(number)
                continue
        else:
            found = by_anchor.get((line.equation.relation.code, line.equation.anchor))
            # a check with no figures on either side in this workbook
            outcome = found or Outcome(line.equation, Status.OK, Decimal(0), Decimal(0), 0)
            left, right = outcome.left, outcome.right
            out[(CHECK_SHEET, r, 3)] = left
            out[(CHECK_SHEET, r, 4)] = right
            difference = cents(left - right)
            out[(CHECK_SHEET, r, 9)] = Decimal(outcome.k)
            out[(CHECK_SHEET, r, 6)] = Decimal(outcome.k) * Decimal("0.005")
            number = outcome.status.number
            if _tie(outcome):
                tied_lines = True
                # Decimal rounds the half away from zero; a binary difference may fall short of it, toward zero
                toward = difference - Decimal("0.01").copy_sign(difference)
                out[(CHECK_SHEET, r, 5)] = Tie(difference, frozenset({difference, toward}))
                choices = _statuses(outcome)
                out[(CHECK_SHEET, r, 10)] = Tie(Decimal(number), frozenset(Decimal(c) for c in choices))
                out[(CHECK_SHEET, r, 7)] = Tie([s.value for s in Status][number],
                                               frozenset([s.value for s in Status][c] for c in choices))
                statuses.append(number)
                continue
            out[(CHECK_SHEET, r, 5)] = difference
        out[(CHECK_SHEET, r, 10)] = Decimal(number)
        out[(CHECK_SHEET, r, 7)] = [s.value for s in Status][number]
        statuses.append(number)
    summary = f"不符 {statuses.count(2)} 项，尾差 {statuses.count(1)} 项"
    out[(CHECK_SHEET, plan.summary_row, 0)] = Tie(summary, None) if tied_lines else summary
    for key, cell in views:  # a 元 workbook's 万元 view: the 元 cell's value, rounded half away from zero
        out[key] = to_wan(_value_of(cell, key, read, figures, out))
    return {k: v for k, v in out.items() if k in plan.formulas}


def _value_of(cell: Cell, view_key: Key, read: ReadResult, figures: dict[Cell, Figure],
              out: dict[Key, Any]) -> Decimal:
    """The value of the 元 cell a view cell rounds: its formula's (as shadowed), its figure, or what is typed."""
    table = read.spec.table(cell.table)
    computed = out.get((table.sheet, view_key[1], view_key[2]))
    if isinstance(computed, Decimal):
        return computed
    fig = figures.get(cell)
    if fig is not None:
        return fig.value
    raw = read.cells.get(cell)
    return parse_amount(raw.value).value if raw is not None and raw.formula is None else Decimal(0)


def _other_row(eq: Equation, table_id: str, row_key: str, code_tables: set[str]) -> bool:
    """Does a per-code equation belong to another row of this table?  A per-row relation of one table holds on each
    row, a repeated code included; one over several tables (05/07/08 against 03) is checked once per code and
    counts on every row of that code."""
    anchor = eq.anchor
    if anchor is None or anchor.table != table_id or anchor.row == row_key:
        return False
    return sum(1 for item in eq.relation.for_rows if item in code_tables) == 1


def _typed_sum(eq: Equation, read: ReadResult) -> Decimal:
    """Σ of an equation's right side straight from the typed cells (as SUM sees them: text counts 0)."""
    total = Decimal(0)
    for term in eq.rhs:
        raw = read.cells.get(term.cell) if isinstance(term, Ref) else None
        if raw is not None and raw.formula is None:
            total += parse_amount(raw.value).value * term.sign
    return total


def _products(options: list[frozenset[int]]) -> list[tuple[int, ...]]:
    result: list[tuple[int, ...]] = [()]
    for choice in options:
        result = [(*prefix, c) for prefix in result for c in choice]
    return result
