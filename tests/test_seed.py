"""The seed: a real published 2024 部门决算, typed into the template through the library (examples/)."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from juesuan_xlsx.engine import Engine
from juesuan_xlsx.evaluation import evaluate_workbook
from juesuan_xlsx.filling import load_fill_file
from juesuan_xlsx.model import Cell, Ref, support
from juesuan_xlsx.reader import read_workbook
from juesuan_xlsx.spec import load_spec

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "seed-2024.xlsx"
SEED = load_fill_file(ROOT / "examples" / "seed-2024.toml", load_spec(2024, "central"))
# the seed's real rounding gaps (GUIDE §1): each shows as 尾差 in the 校验 sheet, never 不符
SEED_GAPS = {"T01-收支平衡", "X-01本年收入合计-02", "X-01财政拨款收入-02", "T04-收支平衡", "T04-一般公共预算结转",
             "X-04本年收入-02", "X-05基本支出-06"}


@pytest.fixture(scope="module")
def evaluated():
    read = read_workbook(EXAMPLE)
    return read, evaluate_workbook(EXAMPLE)


def test_example_is_up_to_date(tmp_path):
    out = tmp_path / "seed.xlsx"
    subprocess.run([sys.executable, str(ROOT / "examples" / "fill_seed.py"), "-o", str(out)], check=True,
                   capture_output=True)
    assert out.read_bytes() == EXAMPLE.read_bytes(), "run: python examples/fill_seed.py --force"


def test_formulas_reproduce_every_printed_total_to_its_rounding(evaluated):
    """Each printed total against the workbook's own formula result: within the rounding of the figures behind
    it (k typed figures in the total, one for the printed figure itself)."""
    read, evaluation = evaluated
    engine = Engine(read.inst)
    checked = 0
    for cell, printed in SEED.printed.items():
        raw = read.cells[cell]
        assert raw.formula is not None, f"{cell} should be a formula"
        value = Decimal(repr(evaluation.values[(raw.sheet, raw.address)]))
        k = sum(support([Ref(cell)], engine.formulas, read.inst).values())
        assert abs(value - printed) * 200 <= k + 1, f"{cell}: formula {value}, printed {printed}, k={k}"
        checked += 1
    assert checked == len(SEED.printed) == 30


def test_check_sheet_shows_the_seed_gaps_as_rounding_not_mismatch(evaluated):
    read, evaluation = evaluated
    sheet = read.check_sheet
    statuses = {}
    for row in range(5, 40):
        code = read.raw_value(sheet, row - 1, 1)
        if code is None:
            break
        statuses[code] = evaluation.values[(sheet, f"H{row}")]
    assert set(statuses.values()) <= {"相符", "尾差"}
    assert {code for code, status in statuses.items() if status == "尾差"} == SEED_GAPS
    assert evaluation.values[(sheet, "A2")] == "不符 0 项，尾差 7 项"


def test_seed_published_gaps_are_real():
    """The gaps above are in the published document itself: 301's children sum to 175.12 against 175.11, and
    人员 + 公用 = 235.80 against 基本支出 235.81 as printed (GUIDE §1)."""
    cells = SEED.filling.cells
    children_301 = sum((v for c, v in cells.items() if c.table == "06" and c.row.startswith("301")), Decimal(0))
    assert children_301 == Decimal("175.12") and SEED.printed[Cell("06", "301", "amt")] == Decimal("175.11")
    printed = SEED.printed
    assert printed[Cell("06", "personnel", "amt")] + printed[Cell("06", "public", "amt")] == Decimal("235.80")
