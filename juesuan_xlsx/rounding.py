"""Controlled rounding: figures kept in 元, published in 万元 so that every relation of the spec holds in print.

Rounding each 元 figure to 万元 on its own (what the reporting software prints) is where every 尾差 comes from
(GUIDE §1).  Here each published figure is instead its exact value rounded *down or up* to 0.01 万元, chosen so
that every equation of the instance — formulas and checks, within and across tables — holds exactly on the
printed figures, at the least total distance from the exact values (controlled rounding, Cox 1987).

Formulation, in units of 0.01 万元 = 100 元 (every figure is first taken in whole 分, an integer):
  * a figure x with remainder r = x − ⌊x⌋ ≠ 0 gets one binary b: printed ⌊x⌋ + b; an exact figure (r = 0, a
    zero included) is printed as it is;
  * each equation Σ cᵢ·pᵢ (left minus right) = 0 (≤ 0, ≥ 0 for le/ge) becomes Σ cᵢ·bᵢ ⋈ −Σ cᵢ·⌊xᵢ⌋;
  * the objective Σ |pᵢ − xᵢ| is, up to a constant, Σ (1 − 2rᵢ)·bᵢ — integer costs (5000 − R) with R the
    remainder in 0.0001 units, so HiGHS proves the optimum exactly (relative gap 0);
  * ties: among figures equally far from their exact value the one the reporting software would print
    (ROUND_HALF_UP) is preferred, by a perturbation too small (< ½ in total) to change a strictly better
    solution; remaining ties are decided by HiGHS, which is deterministic for the same model, and the model is
    built in sorted cell order — the same input gives the same figures.

When no such rounding exists (one total and its parts always has one; a web of cross-table relations may not)
the result says so, falls back to independent rounding and lists every equation left with a 尾差 — never a
silent imbalance.  With ``fallback="fewest"`` it instead leaves the fewest equations unbalanced (a maximum
satisfiable subset, each relaxed equation within its rounding allowance of ½ unit per figure, as independent
rounding is).

Every result is checked once more in ``Decimal`` on the printed figures: the list of unbalanced equations comes
from that check, not from the solver.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Literal

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array

from .amounts import YUAN_PER_WAN, to_wan
from .engine import Engine
from .model import Cell, Equation, Instance, Ref

FEN_PER_UNIT = 10_000  # one printed unit, 0.01 万元 = 100 元 = 10 000 分

Fallback = Literal["independent", "fewest"]


class RoundingStatus(StrEnum):
    BALANCED = "balanced"  # controlled rounding: every equation holds in print
    FALLBACK = "fallback"  # none exists (or the solver gave up): independent rounding, 尾差 listed
    RELAXED = "relaxed"  # none exists: the fewest equations left unbalanced, 尾差 listed


@dataclass(frozen=True)
class Imbalance:
    """An equation whose two sides differ: on the printed 万元 figures (``unit`` 万元) or already on the exact 元
    figures (``unit`` 元, a source inconsistency no rounding can mend)."""

    equation: Equation
    left: Decimal
    right: Decimal
    unit: Literal["万元", "元"] = "万元"

    @property
    def code(self) -> str:
        return self.equation.relation.code

    @property
    def cells(self) -> tuple[Cell, ...]:
        return tuple(_ref(t).cell for t in (*self.equation.lhs, *self.equation.rhs))

    @property
    def difference(self) -> Decimal:
        return self.left - self.right

    def __str__(self) -> str:
        cells = "、".join(str(c) for c in self.cells)
        return f"{self.code}（{cells}）：{self.left} 对 {self.right}，差 {self.difference} {self.unit}"


@dataclass(frozen=True)
class Rounding:
    """Published 万元 figures for every cell, and how they were obtained."""

    published: Mapping[Cell, Decimal]  # 万元, two decimals
    exact: Mapping[Cell, Decimal]  # 元, two decimals
    status: RoundingStatus
    solver: str  # what HiGHS said ("optimal", "infeasible", …; "trivial" when nothing needed solving)
    seconds: float  # time spent in the solver
    unbalanced: tuple[Imbalance, ...]  # equations that do not hold on the published figures
    inconsistent: tuple[Imbalance, ...] = ()  # equations that do not even hold on the exact 元 figures
    variables: int = 0  # figures that could go either way (binaries of the integer program)
    constraints: int = 0  # distinct equations on them

    @property
    def balanced(self) -> bool:
        return not self.unbalanced

    @property
    def footnote_needed(self) -> bool:
        """Whether the printed tables need 本套报表金额单位转换时可能存在尾数误差."""
        return bool(self.unbalanced)

    def exact_wan(self, cell: Cell) -> Decimal:
        return self.exact.get(cell, Decimal(0)) / YUAN_PER_WAN

    @property
    def distance(self) -> Decimal:
        """Σ |published − exact| over every cell, in 万元."""
        return sum((abs(p - self.exact_wan(c)) for c, p in self.published.items()), Decimal(0))


# --------------------------------------------------------------------------------------------------------------
# exact figures and independent rounding


def exact_figures(inst: Instance, inputs: Mapping[Cell, Decimal | int],
                  engine: Engine | None = None) -> dict[Cell, Decimal]:
    """Every amount cell of a known-codes instance in 元: inputs as given (blank = 0), formulas computed exactly."""
    engine = engine or Engine(inst)
    clean = {cell: _yuan(cell, value) for cell, value in inputs.items()}
    out = {cell: Decimal(0) for cell in inst.value_cells()}
    computed = sorted(c for c in clean if c in engine.formulas)
    if computed:
        raise ValueError(f"公式单元格不应作为输入：{', '.join(map(str, computed[:5]))}")
    unknown = sorted(c for c in clean if c not in out)
    if unknown:
        raise ValueError(f"报表中没有这些单元格：{', '.join(map(str, unknown[:5]))}")
    figures = engine.compute(clean)
    out.update({cell: fig.value for cell, fig in figures.items()})
    return out


def independent_rounding(exact: Mapping[Cell, Decimal]) -> dict[Cell, Decimal]:
    """What the reporting software prints: each 元 figure / 10 000, ROUND_HALF_UP to 0.01 万元."""
    return {cell: to_wan(value) for cell, value in exact.items()}


def imbalances(equations: Iterable[Equation], figures: Mapping[Cell, Decimal],
               unit: Literal["万元", "元"] = "万元") -> list[Imbalance]:
    """Equations that do not hold exactly on ``figures`` (a missing cell is an exact 0)."""
    out = []
    for eq in equations:
        if eq.kind == "implies":
            continue  # not a sum (see round_figures)
        left = sum((figures.get(_ref(t).cell, Decimal(0)) * _ref(t).sign for t in eq.lhs), Decimal(0))
        right = sum((figures.get(_ref(t).cell, Decimal(0)) * _ref(t).sign for t in eq.rhs), Decimal(0))
        broken = left > right if eq.kind == "le" else left < right if eq.kind == "ge" else left != right
        if broken:
            out.append(Imbalance(eq, left, right, unit))
    return out


# --------------------------------------------------------------------------------------------------------------
# controlled rounding


def controlled_rounding(inst: Instance, inputs: Mapping[Cell, Decimal | int], *, engine: Engine | None = None,
                        fallback: Fallback = "independent", time_limit: float = 10.0) -> Rounding:
    """Published 万元 figures of a known-codes instance from its input figures in 元 (see the module docstring)."""
    engine = engine or Engine(inst)
    return round_figures(exact_figures(inst, inputs, engine), engine.equations, fallback=fallback,
                         time_limit=time_limit)


def round_figures(exact: Mapping[Cell, Decimal], equations: Sequence[Equation], *,
                  fallback: Fallback = "independent", time_limit: float = 10.0) -> Rounding:
    """Controlled rounding of exact 元 figures (every cell of ``exact`` and of ``equations``; missing = 0)."""
    # an ``implies`` pair (09 有金额 ⇒ 06 有金额) is no sum to tie: it only asks that a right side which is not zero
    # in 元 does not print as 0.00 (a warning the exact figures do not deserve), and gives way to every balance
    implies = [eq for eq in equations if eq.kind == "implies"]
    equations = [eq for eq in equations if eq.kind != "implies"]
    fen = {cell: _fen(cell, value) for cell, value in exact.items()}
    for eq in (*equations, *implies):
        for term in (*eq.lhs, *eq.rhs):
            fen.setdefault(_ref(term).cell, 0)
    exact_all = {cell: Decimal(v).scaleb(-2) for cell, v in sorted(fen.items())}
    inconsistent = tuple(imbalances(equations, exact_all, "元"))
    broken = {id(i.equation) for i in inconsistent}
    consistent = [eq for eq in equations if id(eq) not in broken]
    model = _Model(fen, consistent, implies)
    choice, solver, seconds = _solve(model, time_limit)
    if choice is None and model.implied:  # the balances first: solve again without the implies rows
        model = _Model(fen, consistent)
        choice, solver, more = _solve(model, time_limit)
        seconds += more

    status = RoundingStatus.BALANCED
    if choice is None:
        status = RoundingStatus.FALLBACK
        if fallback == "fewest":
            started = time.perf_counter()
            relaxed = model.relaxed(time_limit)
            seconds += time.perf_counter() - started
            if relaxed is not None:
                choice, status = relaxed, RoundingStatus.RELAXED
    published = model.published(choice)
    unbalanced = tuple(imbalances(equations, published))
    if status is RoundingStatus.BALANCED and any(id(u.equation) not in broken for u in unbalanced):
        raise RuntimeError("controlled rounding left a consistent equation unbalanced")  # a bug, never data
    return Rounding(published, exact_all, status, solver, seconds, unbalanced, inconsistent, model.size,
                    len(model.rows))


def _solve(model: _Model, time_limit: float) -> tuple[np.ndarray | None, str, float]:
    """The optimal choice (None: none found), the solver's verdict and its seconds."""
    if not model.size:
        return np.zeros(0, dtype=np.int64), "trivial", 0.0
    started = time.perf_counter()
    result = milp(model.costs, integrality=np.ones(model.size), bounds=Bounds(0, 1),
                  constraints=model.constraint(), options=_options(time_limit))
    return model.accept(result.x), _status_name(result.status, str(result.message)), time.perf_counter() - started


# --------------------------------------------------------------------------------------------------------------
# the integer program


@dataclass(frozen=True)
class _Row:
    coefs: tuple[tuple[int, int], ...]  # (variable index, coefficient)
    lower: float  # bounds of Σ coef·b (−inf / +inf for le / ge)
    upper: float
    weight: int  # how many equations share this row (for the relaxation)


class _Model:
    def __init__(self, fen: Mapping[Cell, int], equations: Sequence[Equation],
                 implies: Sequence[Equation] = ()) -> None:
        self.fen = fen
        self.floor = {cell: v // FEN_PER_UNIT for cell, v in fen.items()}
        rows: dict[tuple[tuple[tuple[Cell, int], ...], float, float], int] = {}
        self.implied = 0  # rows that keep the right side of an implies pair from printing 0.00
        for eq in implies:
            key = self._nonzero(eq)
            if key is not None:
                rows[key] = rows.get(key, 0) + 1
                self.implied += 1
        for eq in equations:
            coefs: dict[Cell, int] = {}
            for side, terms in ((1, eq.lhs), (-1, eq.rhs)):
                for term in terms:
                    ref = _ref(term)
                    coefs[ref.cell] = coefs.get(ref.cell, 0) + side * ref.sign
            const = sum(c * self.floor[cell] for cell, c in coefs.items())
            free = tuple(sorted((cell, c) for cell, c in coefs.items() if c and fen[cell] % FEN_PER_UNIT))
            if not free:
                continue  # holds already: the exact figures balance and every figure is printed exactly
            lower = -const if eq.kind in ("eq", "ge") else -np.inf
            upper = -const if eq.kind in ("eq", "le") else np.inf
            key = (free, float(lower), float(upper))
            rows[key] = rows.get(key, 0) + 1
        cells = sorted({cell for free, _, _ in rows for cell, _ in free})
        self.cells = cells
        self.index = {cell: i for i, cell in enumerate(cells)}
        self.rows = [_Row(tuple((self.index[cell], c) for cell, c in free), lo, hi, n)
                     for (free, lo, hi), n in rows.items()]
        self.size = len(cells)
        # Σ|p − x| = const + Σ (1 − 2r)·b; in units of 0.0002: (5000 − R)·b, R the remainder in 分
        self.remainder = np.array([fen[c] % FEN_PER_UNIT for c in cells], dtype=np.int64)
        primary = (FEN_PER_UNIT // 2 - self.remainder).astype(float)
        half_up = np.array([_half_up_is_ceiling(fen[c]) for c in cells], dtype=bool)
        # ties: prefer the figure ROUND_HALF_UP prints; Σ of the perturbation < ½ < the primary's step of 1
        self.costs = primary + np.where(half_up, -1.0, 1.0) / (2 * (self.size + 1))

    def _nonzero(self, eq: Equation) -> tuple[tuple[tuple[Cell, int], ...], float, float] | None:
        """Σ b ≥ 1 over the right side of an implies pair that holds on the exact figures, when its figures (none
        negative, none subtracted) would otherwise all print as 0.00; None when there is nothing to keep."""
        left, right = [_ref(t) for t in eq.lhs], [_ref(t) for t in eq.rhs]
        if sum(r.sign * self.fen[r.cell] for r in left) == 0 or any(r.sign < 0 or self.fen[r.cell] < 0 for r in right):
            return None
        if sum(self.fen[r.cell] for r in right) == 0 or sum(self.floor[r.cell] for r in right) > 0:
            return None  # broken on the exact figures already, or printed with a figure anyway
        cells = sorted({r.cell for r in right if self.fen[r.cell] % FEN_PER_UNIT})
        return tuple((cell, 1) for cell in cells), 1.0, float(np.inf)

    def matrix(self) -> csr_array:
        data, rows, cols = [], [], []
        for i, row in enumerate(self.rows):
            for j, c in row.coefs:
                rows.append(i)
                cols.append(j)
                data.append(float(c))
        return csr_array((data, (rows, cols)), shape=(len(self.rows), self.size))

    def constraint(self) -> LinearConstraint:
        return LinearConstraint(self.matrix(), [r.lower for r in self.rows], [r.upper for r in self.rows])

    def satisfied(self, choice: np.ndarray) -> bool:
        """Exact integer check of every row (the solver works in floating point)."""
        for row in self.rows:
            value = sum(c * int(choice[j]) for j, c in row.coefs)
            if not row.lower <= value <= row.upper:
                return False
        return True

    def accept(self, x: np.ndarray | None) -> np.ndarray | None:
        if x is None:
            return None
        choice: np.ndarray = np.rint(np.asarray(x)[: self.size]).astype(np.int64)
        if not np.all((choice == 0) | (choice == 1)) or not self.satisfied(choice):
            return None
        return choice

    def relaxed(self, time_limit: float) -> np.ndarray | None:
        """The fewest equations left unbalanced: one more binary z per row, |gap| ≤ G·z with G the rounding
        allowance of the row's figures (½ unit each, floored — what independent rounding stays within, so the
        program always has a solution); minimise Σ weight·z first, then the distance."""
        m, n = len(self.rows), self.size
        allowance = [sum(abs(c) for _, c in row.coefs) // 2 for row in self.rows]
        data, ri, ci, lower, upper = [], [], [], [], []
        k = 0
        for i, row in enumerate(self.rows):
            for sense in ("le", "ge"):
                bound = row.upper if sense == "le" else row.lower
                if not np.isfinite(bound):
                    continue
                for j, c in row.coefs:
                    data.append(float(c))
                    ri.append(k)
                    ci.append(j)
                data.append(-allowance[i] if sense == "le" else float(allowance[i]))
                ri.append(k)
                ci.append(n + i)
                lower.append(-np.inf if sense == "le" else bound)
                upper.append(bound if sense == "le" else np.inf)
                k += 1
        matrix = csr_array((data, (ri, ci)), shape=(k, n + m))
        big = float(np.abs(self.costs).sum()) + 1.0
        costs = np.concatenate([self.costs, big * np.array([r.weight for r in self.rows], dtype=float)])
        upper_z = np.array([1.0 if g else 0.0 for g in allowance])  # a row with no allowance cannot be relaxed
        bounds = Bounds(np.zeros(n + m), np.concatenate([np.ones(n), upper_z]))
        result = milp(costs, integrality=np.ones(n + m), bounds=bounds,
                      constraints=LinearConstraint(matrix, lower, upper), options=_options(time_limit))
        if result.x is None:
            return None
        choice: np.ndarray = np.rint(np.asarray(result.x)[:n]).astype(np.int64)
        return choice if np.all((choice == 0) | (choice == 1)) else None

    def published(self, choice: np.ndarray | None) -> dict[Cell, Decimal]:
        """万元 figures: the chosen side for the program's variables, else ROUND_HALF_UP (for a figure in no
        equation that is also the nearest; for every figure when ``choice`` is None)."""
        out: dict[Cell, Decimal] = {}
        for cell, v in sorted(self.fen.items()):
            if choice is not None and cell in self.index:
                units = self.floor[cell] + int(choice[self.index[cell]])
            else:
                units = _half_up_units(v)
            out[cell] = Decimal(units).scaleb(-2)
        return out


def _options(time_limit: float) -> dict[str, float | bool]:
    return {"mip_rel_gap": 0.0, "time_limit": time_limit, "presolve": True, "disp": False}


def _status_name(status: int, message: str) -> str:
    names = {0: "optimal", 1: "time limit", 2: "infeasible", 3: "unbounded"}
    return names.get(status, message)


# --------------------------------------------------------------------------------------------------------------
# figures in whole 分


def _ref(term: object) -> Ref:
    if not isinstance(term, Ref):
        raise TypeError(f"{term}: controlled rounding needs an instance with every code known (Instance.fixed)")
    return term


def _yuan(cell: Cell, value: Decimal | int) -> Decimal:
    fen = _fen(cell, value)
    return Decimal(fen).scaleb(-2)


def _fen(cell: Cell, value: Decimal | int) -> int:
    """A 元 figure in whole 分; more than two decimals is an error, not something to round silently."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{cell}: 金额应为 Decimal（元），实际为 {type(value).__name__}")
    amount = Decimal(value)
    if not amount.is_finite():
        raise ValueError(f"{cell}: 金额 {value} 不是有限数")
    scaled = amount * 100
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{cell}: 以元为单位的金额最多两位小数，实际为 {value}")
    return int(scaled)


def _half_up_units(fen: int) -> int:
    """ROUND_HALF_UP of fen / 10 000 (half away from zero, as Decimal does)."""
    return int((Decimal(fen) / FEN_PER_UNIT).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _half_up_is_ceiling(fen: int) -> bool:
    return _half_up_units(fen) != fen // FEN_PER_UNIT
