"""Issue 15: what an accountant can type into a returned workbook, and what both computations make of it.

Each edit is the issue's own: the example workbook loaded with openpyxl, one or a few cells changed, saved, verified.
The workbook's formulas (evaluated headlessly) and the spec's Decimal engine must agree on every such file — a
disagreement is reported as X-内部不一致, an internal error — and the typed cell gets a finding that names it.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from juesuan_xlsx.amounts import LARGEST, parse_amount, without_noise
from juesuan_xlsx.cli import run
from juesuan_xlsx.export import export
from juesuan_xlsx.verify import Verification, verify

from .corpus import SEED

INTERNAL = {"X-内部不一致", "X-内部错误"}
T02, T06 = "公开02表", "公开06表"


@pytest.fixture(scope="module")
def seed_bytes() -> bytes:
    return SEED.read_bytes()


def edited(seed: bytes, path: Path, changes: dict[tuple[str, str], Any]) -> Path:
    """The issue's "edit": the example loaded with openpyxl, cells changed, saved."""
    wb = openpyxl.load_workbook(io.BytesIO(seed))
    for (sheet, ref), value in changes.items():
        wb[sheet][ref] = value
    wb.save(path)
    return path


def internal(result: Verification) -> list[str]:
    return [f.message for f in result.report.findings if f.code in INTERNAL]


def at(result: Verification, code: str) -> list[str]:
    return [f.where for f in result.report.findings if f.code == code]


# -- item 1: a stray space in a code cell ---------------------------------------------------------------------

def test_code_with_a_trailing_space_is_reported_at_its_cell_not_as_an_internal_error(seed_bytes, tmp_path):
    result = verify(edited(seed_bytes, tmp_path / "t.xlsx", {(T02, "A10"): "2013201 "}))
    assert not internal(result)
    assert at(result, "C-编码含空格") == [f"{T02}!A10"]
    found = next(f for f in result.report.findings if f.code == "C-编码含空格")
    assert "2013201 " in found.message and "填写为 2013201" in found.message
    # what the workbook's own 校验 column shows: "2013201 " is no 项 and nobody's child, so 20132 and the row itself
    # do not add up — the same 不符 both computations now see
    assert set(at(result, "T02-科目层级")) == {f"{T02}!D9", f"{T02}!D10"}
    assert "C-缺少上级科目" not in result.report.codes()


# -- item 22: full-width code digits --------------------------------------------------------------------------

def test_full_width_code_digits_get_a_full_width_finding_not_a_missing_parent(seed_bytes, tmp_path):
    result = verify(edited(seed_bytes, tmp_path / "t.xlsx", {(T02, "A10"): "２０１３２０１"}))
    assert not internal(result)
    assert at(result, "C-编码全角数字") == [f"{T02}!A10"]
    assert "2013201" in next(f.message for f in result.report.findings if f.code == "C-编码全角数字")
    assert "C-缺少上级科目" not in result.report.codes()


# -- item 2: every value a spreadsheet cell accepts, seen alike by both computations ---------------------------

INPUT_CELLS = [(T02, "D10"), (T02, "D9"), (T06, "F22"), ("公开09表", "B8"), ("公开05表", "E10"), ("公开03表", "D13")]
ERROR_VALUES = ["#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!"]
CELL_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.floats(min_value=-1e307, max_value=1e307, allow_nan=False),
    st.integers(min_value=-10**15, max_value=10**15),
    st.decimals(min_value=0, max_value=10**7, places=2).map(float),
    st.builds(lambda a, b: a - b, st.sampled_from([0.3, 1.1, 203.08, 0.7]), st.sampled_from([0.22, 0.1, 0.01, 0.2])),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9999, 12, 31)),
    st.dates(min_value=dt.date(1900, 3, 1)),
    st.times(),
    st.sampled_from(ERROR_VALUES),  # openpyxl writes these as error values (t="e"), as Excel stores a typed #N/A
    # any text a worksheet can hold (no control characters), but not a formula
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=8).filter(lambda s: not s.startswith("=")),
    st.sampled_from(["12.5", "１２.５", "1,234.50", "—", " ", "\u3000", "0"]),
)


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(changes=st.dictionaries(st.sampled_from(INPUT_CELLS), CELL_VALUES, min_size=1, max_size=3))
def test_both_computations_agree_on_every_value_a_spreadsheet_cell_accepts(changes, tmp_path_factory):
    # (not the seed_bytes fixture: hypothesis would show its 200 kB in every example's repr)
    path = edited(SEED.read_bytes(), tmp_path_factory.mktemp("cell") / "t.xlsx", changes)
    result = verify(path)
    assert not internal(result), changes
    for (sheet, ref), value in changes.items():
        if value is not None and value != "" and value != 0:  # every typed non-number is named at its cell
            kind = parse_amount(value).kind
            if kind not in ("blank", "number"):
                assert f"{sheet}!{ref}" in {f.where for f in result.report.findings}, (changes, kind)


def test_a_date_in_an_amount_cell_counts_as_its_serial_number_in_both_computations(seed_bytes, tmp_path):
    result = verify(edited(seed_bytes, tmp_path / "t.xlsx", {(T02, "D10"): dt.datetime(2024, 12, 31)}))
    assert not internal(result)
    found = next(f for f in result.report.findings if f.code == "I-日期金额")
    assert found.where == f"{T02}!D10" and "2024-12-31" in found.message and "45,657.00" in found.message
    assert "00:00:00" not in found.message


def test_a_boolean_amount_is_shown_as_the_spreadsheet_shows_it(seed_bytes, tmp_path):
    result = verify(edited(seed_bytes, tmp_path / "t.xlsx", {(T02, "D10"): True}))
    assert not internal(result)
    found = next(f for f in result.report.findings if f.code == "I-非数字")
    assert "“TRUE”" in found.message and "True" not in found.message


def test_a_cell_holding_only_spaces_is_not_blank_to_the_workbook(seed_bytes, tmp_path):
    # the 校验 sheet counts a non-blank cell (<>"") into the allowed 尾差: the engine must count it too
    result = verify(edited(seed_bytes, tmp_path / "t.xlsx", {(T06, "F22"): " "}))
    assert not internal(result)
    assert at(result, "I-只有空格") == [f"{T06}!F22"]


# -- item 3: implausible magnitudes -----------------------------------------------------------------------------

def test_a_huge_amount_is_a_finding_with_a_unit_hint_not_an_internal_error(seed_bytes, tmp_path):
    path = edited(seed_bytes, tmp_path / "t.xlsx", {(T02, "D10"): 1e300})
    result = verify(path)
    assert not internal(result)
    assert at(result, "I-金额过大") == [f"{T02}!D10"]
    # export refuses a workbook with errors, and --force writes it without a Decimal traceback
    for to in ("docx", "xlsx", "json"):
        export(path, to, tmp_path / f"out.{to}", force=True)
        assert (tmp_path / f"out.{to}").stat().st_size > 0


@pytest.mark.parametrize("value", [1e15, 123456789.0])
def test_amounts_of_a_trillion_yuan_or_more_are_implausible(seed_bytes, tmp_path, value):
    result = verify(edited(seed_bytes, tmp_path / "t.xlsx", {(T06, "F22"): value}))
    assert not internal(result)
    assert at(result, "I-金额过大") == [f"{T06}!F22"]
    assert Decimal(value) >= LARGEST


def test_an_amount_typed_in_yuan_gets_a_unit_hint(seed_bytes, tmp_path):
    # 203.08 万元 typed as 2,030,800 元: read at a 10,000th of its size, the 不符 it causes is gone
    result = verify(edited(seed_bytes, tmp_path / "t.xlsx", {(T02, "D10"): 2030800}))
    assert not internal(result)
    found = next(f for f in result.report.findings if f.code == "I-疑似按元填写")
    assert found.where == f"{T02}!D10" and found.level.value == "warning"
    assert "203.08" in found.message and found.values["wan"] == "203.08"


def test_a_large_amount_that_is_right_gets_no_unit_hint(seed_bytes, tmp_path):
    # a 6-digit figure typed consistently everywhere it is needed breaks nothing: no hint
    result = verify(edited(seed_bytes, tmp_path / "t.xlsx", {("公开09表", "F8"): 20000, ("公开09表", "L8"): 20000}))
    assert "I-疑似按元填写" not in result.report.codes()


# -- item 4: floating-point noise -------------------------------------------------------------------------------

def test_floating_point_noise_within_1e9_of_two_decimals_is_two_decimals(seed_bytes, tmp_path):
    assert 0.3 - 0.22 == 0.07999999999999999
    result = verify(edited(seed_bytes, tmp_path / "t.xlsx", {(T06, "F22"): 0.3 - 0.22}))
    assert "I-小数位过多" not in result.report.codes() and not internal(result)
    assert without_noise(Decimal("0.07999999999999999")) == Decimal("0.08")
    assert without_noise(Decimal("0.081")) == Decimal("0.081")  # a third decimal that was typed stays
    assert without_noise(Decimal("0.0800001")) == Decimal("0.0800001")  # 1e-7 from 0.08: typed, not noise
    assert without_noise(Decimal("0.0800000001")) == Decimal("0.08")  # 1e-10 from 0.08: noise


def test_a_real_third_decimal_is_still_reported(seed_bytes, tmp_path):
    result = verify(edited(seed_bytes, tmp_path / "t.xlsx", {(T06, "F22"): 0.145}))
    assert at(result, "I-小数位过多") == [f"{T06}!F22"]


# -- item 13: verify --json gives numbers beside the display text -----------------------------------------------

def test_verify_json_gives_each_amount_as_a_plain_decimal_beside_its_display_text(seed_bytes, tmp_path, capsys):
    path = edited(seed_bytes, tmp_path / "t.xlsx", {(T02, "D10"): 9798.09})
    assert run(["verify", "--json", "-j", "1", str(path)]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["schema"] == "juesuan-xlsx/verify/1.1"
    relation = next(f for f in data["files"][0]["findings"] if f["code"] == "T02-科目层级")
    assert relation["args"]["diff"] == "-9,595.01"  # the display text, as the message shows it
    assert relation["values"]["diff"] == "-9595.01"  # the number, no grouping
    for key in ("left", "right", "diff", "allowed"):
        Decimal(relation["values"][key])  # every numeric field parses as a Decimal
        assert "," not in relation["values"][key]
