"""Controlled rounding (issue 17): 元 figures published in 万元 so that every relation holds exactly in print."""

from __future__ import annotations

import dataclasses
import itertools
import subprocess
import sys
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from juesuan_xlsx.engine import Status
from juesuan_xlsx.findings import Level
from juesuan_xlsx.model import Cell, Equation, Ref
from juesuan_xlsx.rounding import (
    Rounding,
    RoundingStatus,
    controlled_rounding,
    exact_figures,
    independent_rounding,
    round_figures,
)
from juesuan_xlsx.spec import Address, Relation, load_spec

from .yuan_fillings import WEB, outcomes, web_preset, yuan_filling

SPECS = [(2024, "central"), (2024, "shanghai"), (2025, "central"), (2025, "shanghai")]
ROOT = Path(__file__).resolve().parents[1]
CENT = Decimal("0.01")
WAN = Decimal(10_000)


def floor_wan(yuan: Decimal) -> Decimal:
    return (yuan / WAN).quantize(CENT, rounding=ROUND_FLOOR)


def ceil_wan(yuan: Decimal) -> Decimal:
    return (yuan / WAN).quantize(CENT, rounding=ROUND_CEILING)


def assert_each_figure_rounded_up_or_down(result: Rounding) -> None:
    assert set(result.published) == set(result.exact)
    for cell, printed in result.published.items():
        exact = result.exact[cell]
        assert printed in (floor_wan(exact), ceil_wan(exact)), cell
        assert abs(printed - exact / WAN) < CENT, cell
        if exact % 100 == 0:  # already exact in 万元 (a zero included): printed as it is
            assert printed == exact / WAN, cell


# --------------------------------------------------------------------------------------------------------------
# random 元 fillings of every shipped layout


@pytest.mark.parametrize(("year", "profile"), SPECS)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_published_figures_satisfy_every_relation_exactly(year, profile, seed):
    spec = load_spec(year, profile)
    inst, engine, inputs = yuan_filling(spec, seed)
    exact = exact_figures(inst, inputs, engine)
    assert all(o.status is Status.OK for o in outcomes(engine, exact)), "the 元 filling itself must be consistent"

    result = controlled_rounding(inst, inputs, engine=engine)

    assert result.status is RoundingStatus.BALANCED and result.solver in ("optimal", "trivial")
    bad = [(o.equation.relation.code, o.left, o.right) for o in outcomes(engine, result.published)
           if o.status is not Status.OK]
    assert not bad
    assert result.balanced and not result.unbalanced and not result.inconsistent
    assert not result.footnote_needed
    assert_each_figure_rounded_up_or_down(result)
    # never nearer than the unconstrained optimum, which is independent rounding
    independent = independent_rounding(result.exact)
    assert result.distance >= sum((abs(v - result.exact_wan(c)) for c, v in independent.items()), Decimal(0))
    # deterministic: the same input gives the same figures
    again = controlled_rounding(inst, inputs, engine=engine)
    assert again.published == result.published


# --------------------------------------------------------------------------------------------------------------
# one total and its parts: always feasible, and the parts are the largest-remainder ones


REL = Relation("T-合计", "合计 = Σ 各项", Level.ERROR, "formula", "eq")
TOTAL = Cell("t", "sum", "amt")


def parts_and_total(yuan: list[Decimal]) -> tuple[dict[Cell, Decimal], list[Equation]]:
    parts = {Cell("t", f"#{i + 1}", "amt"): v for i, v in enumerate(yuan)}
    eq = Equation(REL, (Ref(TOTAL),), tuple(Ref(c) for c in parts), "formula", "eq", TOTAL)
    return {**parts, TOTAL: sum(yuan, Decimal(0))}, [eq]


def remainder(yuan: Decimal) -> Decimal:
    return yuan / WAN - floor_wan(yuan)


yuan_amounts = st.integers(min_value=0, max_value=10**9).map(lambda fen: Decimal(fen).scaleb(-2))


@settings(max_examples=150, deadline=None)
@given(st.lists(yuan_amounts, min_size=1, max_size=30))
def test_one_total_and_its_parts_always_balances_by_largest_remainder(yuan):
    exact, equations = parts_and_total(yuan)
    result = round_figures(exact, equations)
    assert result.status is RoundingStatus.BALANCED and not result.unbalanced
    assert_each_figure_rounded_up_or_down(result)
    parts = [c for c in exact if c != TOTAL]
    assert sum(result.published[c] for c in parts) == result.published[TOTAL]
    # the parts rounded up are those with the largest remainders (any order among equal remainders)
    up = [remainder(exact[c]) for c in parts if result.published[c] != floor_wan(exact[c])]
    down = [remainder(exact[c]) for c in parts if result.published[c] == floor_wan(exact[c]) and exact[c] % 100]
    assert not up or not down or min(up) >= max(down)


@settings(max_examples=100, deadline=None)
@given(st.lists(yuan_amounts, min_size=1, max_size=30))
def test_an_exact_total_gets_the_classic_largest_remainder_split(yuan):
    """With the total a whole 0.01 万元 the split is Hamilton's: ⌊part⌋ each, and one 0.01 more to each of the
    (total − Σ⌊part⌋) parts with the largest remainders."""
    yuan = [*yuan, Decimal((-int(sum(yuan) * 100)) % 10_000).scaleb(-2)]  # the last part makes the total whole
    exact, equations = parts_and_total(yuan)
    assert exact[TOTAL] % 100 == 0
    result = round_figures(exact, equations)
    parts = [c for c in exact if c != TOTAL]
    floors = [floor_wan(exact[c]) for c in parts]
    extra = int((exact[TOTAL] / WAN - sum(floors, Decimal(0))) / CENT)
    classic = sorted((remainder(exact[c]) for c in parts), reverse=True)[:extra]
    got = sorted((remainder(exact[c]) for c, f in zip(parts, floors, strict=True) if result.published[c] != f),
                 reverse=True)
    assert got == classic
    assert result.published[TOTAL] == exact[TOTAL] / WAN


@settings(max_examples=60, deadline=None)
@given(st.lists(yuan_amounts, min_size=1, max_size=7))
def test_the_distance_is_the_least_possible(yuan):
    """Brute force over every floor/ceil choice of a small total-and-parts table."""
    exact, equations = parts_and_total(yuan)
    result = round_figures(exact, equations)
    cells = list(exact)
    best = None
    for choice in itertools.product((0, 1), repeat=len(cells)):
        printed = {c: floor_wan(exact[c]) + b * CENT if exact[c] % 100 else exact[c] / WAN
                   for c, b in zip(cells, choice, strict=True)}
        if sum(printed[c] for c in cells if c != TOTAL) != printed[TOTAL]:
            continue
        distance = sum((abs(printed[c] - exact[c] / WAN) for c in cells), Decimal(0))
        best = distance if best is None else min(best, distance)
    assert best is not None and result.distance == best


def test_the_example_where_nearest_is_not_nearest_in_total():
    """0.003 + 0.003 = 0.006 万元: printing 0.00 + 0.00 = 0.00 is nearer in total (0.012) than 0.01 + 0.00 = 0.01
    (0.014); the total is then not its own nearest rounding — each figure is still within 0.01."""
    exact, equations = parts_and_total([Decimal(30), Decimal(30)])
    result = round_figures(exact, equations)
    assert set(result.published.values()) == {Decimal("0.00")}


def test_a_tie_prints_what_the_reporting_software_prints():
    """A part ending in 50 元 is as near rounded down as up: nothing forces it, so it is ROUND_HALF_UP's figure."""
    exact, equations = parts_and_total([Decimal("1250.00"), Decimal("300.00")])
    result = round_figures(exact, equations)
    assert result.published == independent_rounding(exact)


# --------------------------------------------------------------------------------------------------------------
# no controlled rounding exists: said, fallen back, every 尾差 listed




def web_case(fallback="independent"):
    """The spec plus three cross-table relations that cannot all hold in print: each printed 06 item is 0.00 or
    0.01, and three pairs of them must each add up to 0.01 — an odd cycle (a + b = b + c = a + c = 1)."""
    base = load_spec(2024, "central")
    extra = tuple(Relation(code, f"{lhs} = Σ", Level.ERROR, "check", "eq", (Address.parse(lhs),),
                           tuple(Address.parse(a) for a in rhs)) for code, (lhs, rhs) in WEB.items())
    spec = dataclasses.replace(base, relations=base.relations + extra)
    inst, engine, inputs = yuan_filling(spec, 7, preset=web_preset())
    assert all(o.status is Status.OK for o in outcomes(engine, exact_figures(inst, inputs, engine)))
    return engine, controlled_rounding(inst, inputs, engine=engine, fallback=fallback)


def test_an_impossible_web_falls_back_to_independent_rounding_and_lists_every_gap():
    engine, result = web_case()
    assert result.status is RoundingStatus.FALLBACK and result.solver == "infeasible"
    assert result.published == independent_rounding(result.exact)
    assert not result.balanced and result.footnote_needed
    # the list is exactly the relations the printed figures break, each with its cells
    broken = {(o.equation.relation.code, o.equation.anchor) for o in outcomes(engine, result.published)
              if o.status is not Status.OK}
    listed = {(u.code, u.equation.anchor) for u in result.unbalanced}
    assert listed == broken and set(WEB) <= {code for code, _ in listed}
    gap = next(u for u in result.unbalanced if u.code == "W-出国")
    assert gap.cells == (Cell("09", "sg", "a_abroad"), Cell("06", "30212", "amt"), Cell("06", "30217", "amt"))
    assert (gap.left, gap.right) == (Decimal("0.01"), Decimal("0.02"))
    assert "W-出国（09.sg.a_abroad、06.30212.amt、06.30217.amt）：0.01 对 0.02，差 -0.01 万元" == str(gap)


def test_an_impossible_web_relaxed_leaves_one_relation_unbalanced():
    """fallback="fewest": a largest set of relations that can hold does, and only one of the three keeps a 尾差,
    within its rounding allowance."""
    engine, result = web_case("fewest")
    assert result.status is RoundingStatus.RELAXED and result.footnote_needed
    assert len(result.unbalanced) == 1 and result.unbalanced[0].code in WEB
    assert abs(result.unbalanced[0].difference) == CENT
    assert_each_figure_rounded_up_or_down(result)
    # the balances only: the web's 06 items are also 三公 items whose 09 figure asks them to print non-zero
    # (kind implies, a warning that gives way to every balance), which no relaxation can grant all three
    broken = [o for o in outcomes(engine, result.published) if o.status is not Status.OK
              and o.equation.kind != "implies"]
    assert [o.equation.relation.code for o in broken] == [result.unbalanced[0].code]


def test_a_source_that_does_not_balance_in_yuan_is_reported_not_hidden():
    spec = load_spec(2024, "central")
    inst, engine, inputs = yuan_filling(spec, 3)
    inputs[Cell("01", "exp_end", "amt")] += Decimal("0.01")  # one 分 off in the books
    result = controlled_rounding(inst, inputs, engine=engine)
    assert [i.code for i in result.inconsistent] == ["T01-收支平衡"]
    assert result.inconsistent[0].unit == "元" and result.inconsistent[0].difference == Decimal("-0.01")
    assert {u.code for u in result.unbalanced} <= {"T01-收支平衡"}
    assert result.footnote_needed == bool(result.unbalanced)
    assert result.status is RoundingStatus.BALANCED  # every other relation still ties in print


# --------------------------------------------------------------------------------------------------------------
# inputs


def test_inputs_are_yuan_with_at_most_two_decimals():
    spec = load_spec(2024, "central")
    inst, engine, inputs = yuan_filling(spec, 1)
    cell = next(iter(inputs))
    with pytest.raises(ValueError, match="最多两位小数"):
        controlled_rounding(inst, {**inputs, cell: Decimal("1.005")}, engine=engine)
    with pytest.raises(ValueError, match="公式单元格"):
        controlled_rounding(inst, {**inputs, Cell("01", "inc_total", "amt"): Decimal(1)}, engine=engine)
    with pytest.raises(TypeError, match="Decimal"):
        controlled_rounding(inst, {**inputs, cell: 1.5}, engine=engine)  # type: ignore[dict-item]


def test_nothing_to_round():
    spec = load_spec(2024, "central")
    inst, engine, _ = yuan_filling(spec, 1)
    result = controlled_rounding(inst, {}, engine=engine)
    assert result.status is RoundingStatus.BALANCED and result.solver == "trivial" and result.variables == 0
    assert set(result.published.values()) == {Decimal(0)} and not result.footnote_needed


def test_the_benchmark_runs(tmp_path):
    """benchmarks/controlled_rounding.py on one layout, to keep it working (it asserts no timing)."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "controlled_rounding.py"), "--runs", "1", "--layouts",
         "2024/central"], capture_output=True, text=True, timeout=300, check=False, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "solver" in done.stdout and "independent rounding" in done.stdout, done.stdout


def test_a_small_06_item_behind_a_09_figure_prints_as_a_figure_not_as_zero():
    """30 元 of 公务接待费 in 06 behind 100 元 in 09: independent rounding prints 0.00 against 0.01, a warning to
    confirm (X-09公务接待-06确认, kind implies) the exact figures do not deserve; controlled rounding prints 0.01."""
    spec = load_spec(2024, "central")
    reception, item = Cell("09", "sg", "a_recept"), Cell("06", "30217", "amt")
    inst, engine, inputs = yuan_filling(spec, 5, preset={item: Decimal(30), reception: Decimal(100)})
    result = controlled_rounding(inst, inputs, engine=engine)
    assert independent_rounding(result.exact)[item] == 0
    assert result.status is RoundingStatus.BALANCED
    assert (result.published[reception], result.published[item]) == (CENT, CENT)
    assert [o.equation.relation.code for o in outcomes(engine, result.published) if o.status is not Status.OK] == []
