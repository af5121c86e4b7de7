"""The three-way test for workbooks in 元 (issue 17): LibreOffice, our headless ``formulas`` evaluation and the
spec in Decimal agree on every planned formula cell — the 元 tables, every cell of the 万元 view sheets
(``ROUND(元/10000,2)``) and the 校验 sheet — on random consistent 元 fillings of both layouts.

The fillings include amounts ending in …50.00 元, an exact half of 0.01 万元: ROUND must take it away from zero
in all three (Excel's rule; ``amounts.to_wan``), though 0.005 is not exact in binary.  Verify of such a workbook
says nothing about relations (every relation holds exactly, no 尾差 allowed); a figure one 分 off is 不符.
"""

from __future__ import annotations

from decimal import Decimal

import openpyxl
import pytest

from juesuan_xlsx.contract import view_sheet
from juesuan_xlsx.evaluation import evaluate_workbook
from juesuan_xlsx.findings import Level
from juesuan_xlsx.model import Cell
from juesuan_xlsx.rules.agreement import same_value
from juesuan_xlsx.spec import load_spec
from juesuan_xlsx.verify import expected_formula_values, verify

from .test_three_way import _three_way
from .yuan_workbooks import yuan_workbook

LAYOUTS = ("central", "shanghai")
SEEDS = range(4)
# exact halves of 0.01 万元 typed into 06 (人员经费, 公用经费): …50.00 元 ends in a half whatever the rest is
HALVES = {Cell("06", "30101", "amt"): Decimal("123450.00"), Cell("06", "30102", "amt"): Decimal("50.00"),
          Cell("06", "30201", "amt"): Decimal("1000050.00"), Cell("06", "30216", "amt"): Decimal("150.00")}


def _relation_findings(report, spec):
    codes = {r.code for r in spec.relations}
    return [f for f in report.findings if f.code in codes or f.code.startswith(("X-", "T0"))]


@pytest.mark.libreoffice
@pytest.mark.parametrize("profile", LAYOUTS)
@pytest.mark.parametrize("seed", SEEDS)
def test_yuan_workbooks_agree_in_three_engines(libreoffice, tmp_path, profile, seed):
    spec = load_spec(2024, profile)
    path = tmp_path / f"yuan-{profile}-{seed}.xlsx"
    yuan_workbook(spec, 500 + seed, path, preset=HALVES if seed % 2 == 0 else None)
    expected = expected_formula_values(path)
    views = [k for k in expected if k[0].endswith("（万元）")]
    assert len(views) > 100 and any(k[0] == "校验" for k in expected)  # the views and the 校验 sheet are compared
    assert _three_way(libreoffice, path) == []


@pytest.mark.libreoffice
@pytest.mark.parametrize("sign", [1, -1])
def test_exact_halves_round_away_from_zero_in_three_engines(libreoffice, tmp_path, sign):
    """A filling whose 06 items end in …50.00 元: their view cells are exact halves of 0.01 万元, rounded away
    from zero (negative ones too: a typed correction; verify warns about it, the engines must still agree)."""
    spec = load_spec(2024, "central")
    path = tmp_path / f"halves{sign}.xlsx"
    yuan_workbook(spec, 7, path, preset={c: sign * v for c, v in HALVES.items()})
    expected = expected_formula_values(path)
    view = view_sheet(spec.table("06").sheet)
    rounded = {ref: v for (sheet, ref), v in expected.items() if sheet == view}
    # 123 450.00 元 → 12.345 万元 → 12.35; 50.00 元 → 0.005 → 0.01; 1 000 050.00 元 → 100.005 → 100.01
    halves = {Decimal("12.35"), Decimal("0.01"), Decimal("100.01"), Decimal("0.02")}
    assert {sign * v for v in halves} <= set(rounded.values())
    assert _three_way(libreoffice, path) == []
    evaluation = evaluate_workbook(path)
    ours = {ref: evaluation.values[(sheet, ref)] for (sheet, ref) in expected if sheet == view}
    assert all(same_value(ours[ref], want) for ref, want in rounded.items())


@pytest.mark.parametrize("profile", LAYOUTS)
@pytest.mark.parametrize("seed", range(2))
def test_a_consistent_yuan_workbook_verifies_without_relation_findings(tmp_path, profile, seed):
    spec = load_spec(2024, profile)
    path = tmp_path / f"ok-{profile}-{seed}.xlsx"
    yuan_workbook(spec, 600 + seed, path, preset=HALVES)
    report = verify(path).report
    assert report.count(Level.ERROR) == 0, report.flatten("code", "message")
    assert _relation_findings(report, spec) == []
    assert not [f for f in report.findings if "尾差" in f.message or "尾差" in f.code]


@pytest.mark.parametrize("profile", LAYOUTS)
def test_one_figure_one_fen_off_is_a_mismatch(tmp_path, profile):
    """06 30101 one 分 higher: 人员经费 no longer equals what 05 基本支出 holds — 不符, no 尾差 allowance in 元."""
    spec = load_spec(2024, profile)
    path = tmp_path / f"off-{profile}.xlsx"
    inst, engine, inputs = yuan_workbook(spec, 601, path, preset=HALVES)
    table = spec.table("06")
    wb = openpyxl.load_workbook(path)
    ws = wb[table.sheet]
    target = None
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == 123450 and cell.data_type == "n":
                target = cell
    assert target is not None
    target.value = 123450.01
    wb.save(path)
    report = verify(path).report
    errors = [f for f in report.findings if f.level == Level.ERROR]
    assert errors and all("不符" in f.message or f.code.startswith(("X-", "T0")) for f in errors), \
        report.flatten("code", "message")
    assert any("0.01" in f.message for f in errors)
