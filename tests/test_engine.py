"""The Decimal rule engine: the Calculations 1.1 rounding rule, as properties and as edge cases."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from juesuan_xlsx.engine import Figure, Status, judge, to_cents
from juesuan_xlsx.findings import Level
from juesuan_xlsx.model import Cell, Equation, Ref
from juesuan_xlsx.spec import Relation

REL = Relation("T-test", "测试", Level.ERROR, "check", "eq")


def _eq(kind: str = "eq") -> Equation:
    return Equation(REL, (Ref(Cell("x", "a", "v")),), (Ref(Cell("x", "b", "v")),), "check", kind)  # type: ignore[arg-type]


def wan(yuan: int) -> Decimal:
    """元 → 万元 rounded half-up to two decimals, as the source systems print it."""
    return (Decimal(yuan) / 10000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def typed_sum(values: list[Decimal]) -> Figure:
    """Every part typed, 0.00 included (49 元 prints as 0.00 万元, which is not an exact 0)."""
    return Figure(sum(values, Decimal(0)), len(values))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=5_000_000_000), min_size=1, max_size=40))
def test_independently_rounded_figures_are_never_flagged(yuan):
    total = wan(sum(yuan))
    parts = [wan(y) for y in yuan]
    outcome = judge(_eq(), Figure.typed(total), typed_sum(parts))
    assert outcome.status != Status.MISMATCH


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=5_000_000_000), min_size=1, max_size=40),
       st.integers(min_value=1, max_value=1000), st.sampled_from([1, -1]))
def test_a_total_moved_beyond_the_allowance_is_always_flagged(yuan, extra_cents, sign):
    parts = [wan(y) for y in yuan]
    right = typed_sum(parts)
    k = 1 + right.k
    # the largest difference the rounding can explain is k half-cents; move one cent further than that
    moved = right.value + sign * (Decimal(k // 2 + extra_cents) / 100)
    outcome = judge(_eq(), Figure.typed(moved), right)
    assert outcome.status == Status.MISMATCH


@pytest.mark.parametrize(
    ("left", "right", "k_right", "kind", "status"),
    [
        ("175.11", "175.12", 9, "eq", Status.ROUNDING),  # the seed's 301 against its nine 款
        ("235.81", "235.80", 0, "eq", Status.MISMATCH),  # a typed total against an exact zero-k figure
        ("235.81", "235.81", 3, "eq", Status.OK),
        ("0.01", "0", 0, "eq", Status.MISMATCH),  # 0.01 typed against blank children: intervals disjoint
        ("0.01", "0", 1, "eq", Status.ROUNDING),  # against one typed 0.00 (e.g. 49 元): consistent
        ("10.00", "10.02", 3, "le", Status.OK),  # le: only an excess counts
        ("10.02", "10.00", 3, "le", Status.ROUNDING),
        ("10.05", "10.00", 3, "le", Status.MISMATCH),
        ("10.00", "10.05", 3, "ge", Status.MISMATCH),
        ("0.145", "0.14", 1, "eq", Status.ROUNDING),  # whole 分 after half-up rounding: 15 vs 14
    ],
)
def test_edge_cases(left, right, k_right, kind, status):
    outcome = judge(_eq(kind), Figure.typed(Decimal(left)), Figure(Decimal(right), k_right))
    assert outcome.status == status


def test_cents_round_half_up_not_binary():
    assert to_cents(Decimal("0.145")) == 15
    assert to_cents(Decimal("1.005")) == 101
    assert to_cents(Decimal("-0.145")) == -15


def test_difference_is_rounded_not_each_side():
    """Regression (found by the three-engine test): the workbook computes ROUND((L-R)*100,0)."""
    outcome = judge(_eq(), Figure.typed(Decimal("0.144")), Figure.typed(Decimal("0.136")))
    assert outcome.status == Status.ROUNDING  # 0.8 分 → 1 分; rounding each side first would give 0


def test_typed_zero_is_a_rounded_figure_blank_is_exact():
    assert Figure.typed(Decimal(0)).k == 1
    # 1 元 and 49 元 both print as 0.00 万元, their sum (50 元) as 0.01
    outcome = judge(_eq(), Figure.typed(Decimal("0.01")), typed_sum([Decimal(0), Decimal(0)]))
    assert outcome.status == Status.ROUNDING


def test_allowance_is_reported_in_wan():
    outcome = judge(_eq(), Figure.typed(Decimal("235.80")), Figure(Decimal("235.83"), 23))
    assert outcome.status == Status.ROUNDING
    assert outcome.allowed == Decimal("0.120")


@pytest.mark.parametrize(("left", "right", "status"), [
    ("0.50", None, Status.MISMATCH),  # a 09 figure, no 06 counterpart: to confirm
    ("0.50", "0.00", Status.MISMATCH),  # a typed 0 is no counterpart either
    ("0.50", "0.01", Status.OK),
    ("0.50", "9.00", Status.OK),  # the size does not matter (that is the ge relation's business)
    ("0.00", None, Status.OK),
    (None, "0.30", Status.OK),
    ("0.004", None, Status.OK),  # below half a 分: prints as 0.00
    ("0.005", None, Status.MISMATCH),  # half a 分 rounds up to 0.01, as ROUND(L*100,0) does
])
def test_implies_has_no_rounding_allowance(left, right, status):
    """kind implies: Σ lhs ≠ 0 ⇒ Σ rhs ≠ 0, each side in whole 分; a figure against none is no rounding gap."""
    figure = {None: Figure(Decimal(0), 0)}
    outcome = judge(_eq("implies"), figure.get(left) or Figure.typed(Decimal(left)),
                    figure.get(right) or Figure.typed(Decimal(right)))
    assert outcome.status == status
    assert outcome.k == 0 and outcome.allowed == 0
