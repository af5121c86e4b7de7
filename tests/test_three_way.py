"""Three computations of the same workbook must agree on every formula cell, 校验 sheet included:
LibreOffice (a real spreadsheet application), our headless `formulas` evaluation, and the spec in Decimal.

Random fillings cover half-cent values (0.145, 1.005 …), numbers typed as text, typed 类/款 rows that are
off by a 分 or more, and blank cells.
"""

from __future__ import annotations

import pytest

from juesuan_xlsx.evaluation import evaluate_workbook
from juesuan_xlsx.generate import Options, generate
from juesuan_xlsx.resources import available_specs
from juesuan_xlsx.spec import load_spec
from juesuan_xlsx.verify import expected_formula_values, same_value

from .fillings import random_filling

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
