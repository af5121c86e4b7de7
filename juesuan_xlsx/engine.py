"""The rule engine: the spec's equations evaluated in ``decimal.Decimal``, independent of any spreadsheet formula.

Rounding (GUIDE §1, XBRL Calculations 1.1): a typed figure with two decimals stands for the interval
[v − 0.005, v + 0.005] — a typed 0.00 too, since 49 元 prints as 0.00 万元; only a blank cell is an exact 0.
A figure computed from others carries the intervals of all its typed inputs, so each value here is a
:class:`Figure` = (value, k) where k counts the rounded figures behind it.  Two sides are consistent iff their
intervals intersect: ``2 × |Δ in 分| ≤ k_left + k_right`` — integer arithmetic, no float anywhere.  A side
computed by an intact formula from the other side gets no allowance at all, because its equation is satisfied
exactly by construction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from .model import ByCode, ByLevel, Cell, Children, Equation, Instance, Ref, Term

ZERO = Decimal(0)


class Status(StrEnum):
    OK = "相符"
    ROUNDING = "尾差"
    MISMATCH = "不符"

    @property
    def number(self) -> int:
        """The numeric status the workbook's live checks show (0 相符, 1 尾差, 2 不符)."""
        return {"相符": 0, "尾差": 1, "不符": 2}[self.value]


@dataclass(frozen=True)
class Figure:
    value: Decimal
    k: int  # rounded figures behind the value

    @staticmethod
    def typed(value: Decimal) -> Figure:
        """A figure typed into a cell, 0.00 included: it stands for [v − 0.005, v + 0.005] (a blank is absent)."""
        return Figure(value, 1)


@dataclass(frozen=True)
class Outcome:
    equation: Equation
    status: Status
    left: Decimal
    right: Decimal
    k: int

    @property
    def difference(self) -> Decimal:
        return self.left - self.right

    @property
    def allowed(self) -> Decimal:
        """Largest difference the rounding of the figures involved can explain (万元)."""
        return (Decimal(self.k) * Decimal("0.005")).quantize(Decimal("0.001"))


def to_cents(value: Decimal) -> int:
    return int((value * 100).to_integral_value(rounding=ROUND_HALF_UP))


class Engine:
    """Evaluates an instance's equations from its input figures."""

    def __init__(self, inst: Instance, equations: list[Equation] | None = None) -> None:
        self.inst = inst
        self.equations = equations if equations is not None else inst.equations()
        self.formulas = inst.formula_cells(self.equations)
        self.order = _topological(self.formulas)

    def compute(self, inputs: Mapping[Cell, Decimal], typed_over: Iterable[Cell] = ()) -> dict[Cell, Figure]:
        """Figures of every cell: inputs as typed, formula cells computed (unless typed over in this workbook)."""
        typed_over = set(typed_over)
        weight = self.inst.weight
        figures: dict[Cell, Figure] = {cell: Figure(v, weight) for cell, v in inputs.items()}
        for cell in self.order:
            if cell in typed_over:
                if cell in inputs:
                    figures[cell] = Figure(inputs[cell], weight)
                continue  # a cleared formula cell: blank, exact 0
            figures[cell] = self.side(self.formulas[cell].rhs, figures)
        return figures

    def side(self, terms: Iterable[Term], figures: Mapping[Cell, Figure]) -> Figure:
        value, k = ZERO, 0
        for term in terms:
            if not isinstance(term, Ref):
                raise TypeError(f"symbolic term {term} needs known codes; read the workbook's rows first")
            fig = figures.get(term.cell)
            if fig is None:
                continue  # a cell the workbook does not have (blank = exact 0)
            value += fig.value * term.sign
            k += fig.k
        return Figure(value, k)

    def check(self, eq: Equation, figures: Mapping[Cell, Figure]) -> Outcome:
        left, right = self.side(eq.lhs, figures), self.side(eq.rhs, figures)
        if eq.row_allowance:  # one rounded figure per row involved
            w = self.inst.weight
            left, right = Figure(left.value, w * len(eq.lhs)), Figure(right.value, w * len(eq.rhs))
        return judge(eq, left, right)

    def check_all(self, figures: Mapping[Cell, Figure]) -> list[Outcome]:
        return [self.check(eq, figures) for eq in self.equations]


def judge(eq: Equation, left: Figure, right: Figure) -> Outcome:
    if eq.kind == "implies":
        # a figure on the left with none on the right: not a difference that rounding could explain, a pair to
        # confirm (不符 at the relation's level, a warning); each side in whole 分, as ROUND(L*100,0)<>0 does
        broken = to_cents(left.value) != 0 and to_cents(right.value) == 0
        return Outcome(eq, Status.MISMATCH if broken else Status.OK, left.value, right.value, 0)
    # the difference is rounded to whole 分, as the workbook's ROUND((L-R)*100,0) does — not each side first
    delta = to_cents(left.value - right.value)
    if eq.kind == "le":
        excess = delta
    elif eq.kind == "ge":
        excess = -delta
    else:
        excess = abs(delta)
    k = left.k + right.k
    if excess <= 0:
        status = Status.OK
    elif 2 * excess <= k:
        status = Status.ROUNDING
    else:
        status = Status.MISMATCH
    return Outcome(eq, status, left.value, right.value, k)


def _topological(formulas: Mapping[Cell, Equation]) -> list[Cell]:
    order: list[Cell] = []
    state: dict[Cell, int] = {}

    def visit(cell: Cell, depth: int) -> None:
        if state.get(cell) == 2:
            return
        if state.get(cell) == 1 or depth > 200:
            raise ValueError(f"relations form a cycle at {cell}")
        state[cell] = 1
        for term in formulas[cell].rhs:
            if isinstance(term, Ref) and term.cell in formulas:
                visit(term.cell, depth + 1)
            elif isinstance(term, ByCode | ByLevel | Children):
                raise TypeError("symbolic terms cannot be ordered")
        state[cell] = 2
        order.append(cell)

    for cell in sorted(formulas):
        visit(cell, 0)
    return order
