"""Three computations of the same workbook must agree on every formula cell, 校验 sheet included:
LibreOffice (a real spreadsheet application), our headless `formulas` evaluation, and the spec in Decimal.

Random fillings cover half-cent values (0.145, 1.005 …), numbers typed as text, typed 类/款 rows that are
off by a 分 or more, and blank cells.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from juesuan_xlsx.evaluation import evaluate_workbook
from juesuan_xlsx.generate import Filling, Options, generate
from juesuan_xlsx.model import Cell
from juesuan_xlsx.resources import available_specs
from juesuan_xlsx.rules.agreement import same_value
from juesuan_xlsx.spec import load_spec
from juesuan_xlsx.verify import expected_formula_values

from .fillings import random_filling, with_fund_rows

pytestmark = pytest.mark.libreoffice
SEEDS = range(8)


@pytest.fixture(scope="module")
def spec():
    return load_spec(2024, "central")


def _three_way(libreoffice, path) -> list[str]:
    expected = expected_formula_values(path)
    evaluation = evaluate_workbook(path)
    assert evaluation.evaluated, evaluation.skipped
    with libreoffice.open(path) as doc:
        office = doc.get_all_formula_cells()
    problems = []
    for key, want in expected.items():
        ours = evaluation.values.get(key, evaluation.errors.get(key))
        theirs = office[key][1]
        if not (same_value(ours, want) and same_value(theirs, want)):
            problems.append(f"{key[0]}!{key[1]}: spec {want!r}, formulas {ours!r}, LibreOffice {theirs!r}")
    return problems


@pytest.mark.parametrize("seed", SEEDS)
def test_random_fillings_agree_in_three_engines(libreoffice, spec, tmp_path, seed):
    path = tmp_path / f"random-{seed}.xlsx"
    generate(spec, path, Options(dept=f"随机{seed}", filling=random_filling(spec, seed)))
    assert _three_way(libreoffice, path) == []


@pytest.mark.parametrize(("year", "profile"), [s for s in available_specs() if s != (2024, "central")])
@pytest.mark.parametrize("seed", range(2))
def test_every_year_and_profile_agrees_in_three_engines(libreoffice, tmp_path, year, profile, seed):
    other = load_spec(year, profile)
    path = tmp_path / f"{year}-{profile}-{seed}.xlsx"
    generate(other, path, Options(dept="随机", filling=random_filling(other, 100 + seed)))
    assert _three_way(libreoffice, path) == []


def test_fixed_codes_template_agrees_in_three_engines(libreoffice, spec, tmp_path):
    path = tmp_path / "fixed.xlsx"
    generate(spec, path, Options(codes=("2013201", "2080505", "2210201", "2070904")))
    assert _three_way(libreoffice, path) == []

# 三公 against 06: a 09 figure with no 06 counterpart (implies: 不符 shown live), a half 分 on one side (the implies
# tie: 0.005 is 0.01 or 0 depending on the engine's binary), an 06 figure above 09's (ge), a pair that holds
SANGONG = {Cell("09", "sg", "a_recept"): Decimal("1.23"), Cell("09", "sg", "a_car_run"): Decimal("0.005"),
           Cell("06", "30212", "amt"): Decimal("0.50"), Cell("09", "sg", "a_car_buy"): Decimal("2.00"),
           Cell("06", "31013", "amt"): Decimal("2.00")}


@pytest.mark.parametrize(("year", "profile"), available_specs())
@pytest.mark.parametrize("seed", range(2))
def test_fund_tables_and_sangong_pairs_agree_in_three_engines(libreoffice, tmp_path, year, profile, seed):
    """07/08 rows (年末结转和结余 per row and on 合计, 05+07+08 ≤ 03 per column) and the 06/09 pairs, live."""
    other = load_spec(year, profile)
    base = random_filling(other, 300 + seed)
    cells = {c: v for c, v in base.cells.items() if c.table not in ("06", "09")} | SANGONG
    filling = with_fund_rows(other, Filling(cells, base.rows), 300 + seed)
    path = tmp_path / f"fund-{year}-{profile}-{seed}.xlsx"
    generate(other, path, Options(dept="基金", filling=filling))
    assert _three_way(libreoffice, path) == []
