"""Tests of juesuan_xlsx.evaluation: each correction of ``formulas`` against the value Excel/LibreOffice give,
circular references, the formula scanner, and a cell-by-cell comparison with a real LibreOffice.

Expected values are literals measured with LibreOffice 7.4 (``soffice --convert-to xlsx`` with recalculation)
unless a comment says Excel and LibreOffice differ; the wrong value ``formulas`` 1.3.4 gave is in each docstring.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import time
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import formulas as formulas_package
import openpyxl
import pytest
import xlsxwriter
from hypothesis import given
from hypothesis import strategies as st
from xlsxwriter.utility import xl_rowcol_to_cell

from juesuan_xlsx.evaluation import (
    ALLOWED_FUNCTIONS,
    CIRCULAR_ERROR,
    Evaluation,
    ScanIssue,
    evaluate_workbook,
    excel_number_text,
    excel_round,
    install_corrections,
    scan_formula,
    scan_workbook,
)

DATA = "公开03表"
CHECK = "校验"
Q = f"'{DATA}'!"

CellInput = object  # a typed value: float, str, bool, None (blank) or "=..." (a formula)


# ---------------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------------


def write_workbook(path: Path, sheets: Mapping[str, Mapping[str, CellInput]]) -> list[tuple[str, str, str]]:
    """Write cells with xlsxwriter: numbers, text (even numeric text stays text), booleans, formulas.

    Formulas get an empty cached value so that a default LibreOffice recalculates them on load.
    Returns the formula cells as (sheet, cell, formula).
    """
    book = xlsxwriter.Workbook(
        str(path), {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
    )
    formulas: list[tuple[str, str, str]] = []
    for name, cells in sheets.items():
        sheet = book.add_worksheet(name)
        for ref, value in cells.items():
            if value is None:
                continue
            if isinstance(value, str) and value.startswith("="):
                sheet.write_formula(ref, value, None, "")
                formulas.append((name, ref, value))
            elif isinstance(value, bool):
                sheet.write_boolean(ref, value)
            elif isinstance(value, str):
                sheet.write_string(ref, value)
            else:
                sheet.write_number(ref, float(value))  # type: ignore[arg-type]
    book.close()
    return formulas


def evaluate_formulas(
    tmp_path: Path, formulas: Sequence[str], data: Mapping[str, CellInput] | None = None
) -> list[object]:
    """Evaluate each formula in 校验!B1, B2, ... over data cells on 公开03表; errors come back as "#DIV/0!" etc."""
    path = tmp_path / "case.xlsx"
    checks = {f"B{i + 1}": f if f.startswith("=") else "=" + f for i, f in enumerate(formulas)}
    write_workbook(path, {DATA: dict(data or {}), CHECK: checks})
    result = evaluate_workbook(path)
    assert result.evaluated, result.skipped
    return [result.get(CHECK, f"B{i + 1}") for i in range(len(formulas))]


def same(actual: object, expected: object) -> bool:
    if isinstance(expected, float) and isinstance(actual, float) and not isinstance(actual, bool):
        return actual == expected or math.isclose(actual, expected, rel_tol=1e-12, abs_tol=0.0)
    return type(actual) is type(expected) and actual == expected


def assert_values(actual: Sequence[object], expected: Sequence[object], formulas: Sequence[str]) -> None:
    wrong = [
        f"{f}: got {a!r}, expected {e!r}" for f, a, e in zip(formulas, actual, expected, strict=True) if not same(a, e)
    ]
    assert not wrong, "\n".join(wrong)


# ---------------------------------------------------------------------------------------------------------------
# One test per correction
# ---------------------------------------------------------------------------------------------------------------

TEXT_NUMBERS: dict[str, CellInput] = {
    "A1": 201,
    "A2": "201",  # a code typed as text
    "A3": 2010101,
    "C1": 100.145,
    "C2": "12.5",  # a number stored as text
    "C3": 0.145,
    "C4": None,  # blank
    "C5": "  7 ",
    "D1": 1,
    "D2": 2,
    "D3": 3,
    "D4": 4,
    "D5": 5,
}


def test_sum_ignores_numbers_stored_as_text(tmp_path: Path) -> None:
    """formulas 1.3.4: SUM(C1:C5) = 120.29 (adds "12.5" and "  7 "); Excel/LibreOffice: 100.29."""
    formulas = [
        f"SUM({Q}C1:C5)",
        f"SUM({Q}C2)",  # a single referenced cell is a reference too: its text is ignored
        f"SUM({Q}C1:C5,1)",
        f"SUM({Q}C1:D5)",
        f"SUM({Q}A1:A3)",
    ]
    expected = [100.29, 0.0, 101.29, 115.29, 2010302.0]
    assert_values(evaluate_formulas(tmp_path, formulas, TEXT_NUMBERS), expected, formulas)


def test_sum_ignores_booleans_in_ranges_but_converts_typed_arguments(tmp_path: Path) -> None:
    """Excel: SUM(range with TRUE) ignores it, SUM(TRUE,1) = 2, SUM("3",1) = 4 (typed text is converted).

    formulas 1.3.4 gave 4.0 for SUM("3",1) as well but also summed "12.5" found in ranges.  LibreOffice has no
    boolean type and sums TRUE as 1 (4.145 below) and refuses typed text (#VALUE!); Excel wins here.
    """
    data: dict[str, CellInput] = {"C1": "12.5", "C2": 3, "C3": True, "C4": 0.145}
    formulas = [
        f"SUM({Q}C1:C5)",
        "SUM(TRUE,1)",
        'SUM("3",1)',
        f"SUM({Q}C3)",
        f"SUM({Q}C1:C4,1/0)",
        "SUM(1E+308,1E+308)",
    ]
    expected = [3.145, 2.0, 4.0, 0.0, "#DIV/0!", "#NUM!"]
    assert_values(evaluate_formulas(tmp_path, formulas, data), expected, formulas)


def test_sumproduct_treats_non_numbers_as_zero(tmp_path: Path) -> None:
    """formulas 1.3.4: SUMPRODUCT(C1:C5,D1:D5) = 285.775 (converted "12.5", "  7 "); Excel/LibreOffice: 100.58.

    Inside an arithmetic expression the same text IS converted ((A="201")*C adds "12.5"): that part formulas
    already did right and must stay so.
    """
    formulas = [
        f"SUMPRODUCT({Q}C1:C5,{Q}D1:D5)",
        f"SUMPRODUCT({Q}C1:C5)",
        f'SUMPRODUCT(({Q}A1:A3&""="201")*{Q}C1:C3)',
        f"SUMPRODUCT(({Q}C1:C5<>0)*1)",
        f'SUMPRODUCT((LEN({Q}A1:A3)=3)*(LEFT({Q}A1:A3,3)="201")*{Q}D1:D3)',
        f"SUMPRODUCT({Q}C1:C3,{Q}D1:D2)",  # different shapes
        f"SUMPRODUCT(--({Q}A1:A3=201),{Q}D1:D3)",
    ]
    expected = [100.58, 100.29, 112.645, 4.0, 3.0, "#VALUE!", 1.0]
    assert_values(evaluate_formulas(tmp_path, formulas, TEXT_NUMBERS), expected, formulas)


def test_double_negation_converts_booleans(tmp_path: Path) -> None:
    """formulas folds --x into +x: SUMPRODUCT(--(A=201),D) gave 0.0; Excel/LibreOffice: 1."""
    formulas = [f"SUMPRODUCT(--({Q}A1:A3=201),{Q}D1:D3)", "--TRUE", '--"3"', '+"abc"']
    expected = [1.0, 1.0, 3.0, "abc"]
    assert_values(evaluate_formulas(tmp_path, formulas, TEXT_NUMBERS), expected, formulas)


CRITERIA_DATA: dict[str, CellInput] = {
    **{f"A{i + 1}": v for i, v in enumerate([201, "201", 2010101, "2010101", None, '=""', "abc", "ABC"])},
    **{f"A{i + 9}": v for i, v in enumerate(["a*c", 0, "0", True, "TRUE", 5, "10", " 201"])},
    **{f"B{i + 1}": float(2**i) for i in range(16)},
    "B12": "2048",  # a number stored as text in the sum range
}


@pytest.mark.parametrize(
    ("criterion", "count", "total"),
    [
        # formulas 1.3.4 counted 3 and summed 32771 for "201": it also matched " 201" and added "2048".
        ('"201"', 2.0, 3.0),  # the code typed as a number and the code typed as text
        ("201", 1.0, 1.0),  # a number matches numbers only
        ('"<>201"', 14.0, 63484.0),  # formulas 1.3.4: 6
        ('">200"', 2.0, 5.0),  # numbers only; formulas 1.3.4: 5
        ('"abc"', 2.0, 192.0),
        ('"a*"', 3.0, 448.0),  # case-insensitive; formulas 1.3.4: 2
        ('"A?C"', 3.0, 448.0),
        ('"a~*c"', 1.0, 256.0),
        ('""', 2.0, 48.0),  # blank and empty text
        ('"="', 1.0, 16.0),  # blank only; formulas 1.3.4: 0
        ('"<>"', 15.0, 63471.0),  # formulas 1.3.4: 7
        ('"0"', 2.0, 1536.0),
        ("0", 1.0, 512.0),  # formulas 1.3.4: 2
        ('"TRUE"', 2.0, 4096.0),
        ('">b"', 1.0, 4096.0),  # text compares with text only; formulas 1.3.4: 0
        ('"<b"', 9.0, 50666.0),
        ('" 201"', 2.0, 32769.0),
        ('"<>0"', 14.0, 61951.0),
        ('">=a"', 4.0, 4544.0),
        (f"{Q}C1", 1.0, 512.0),  # a blank criterion cell means 0
        ("1/0", "#DIV/0!", "#DIV/0!"),
    ],
)
def test_countif_and_sumif_criteria(tmp_path: Path, criterion: str, count: object, total: object) -> None:
    """SUMIF/COUNTIF as LibreOffice computes them (values measured there); the sum range ignores "2048"."""
    formulas = [f"COUNTIF({Q}A1:A16,{criterion})", f"SUMIF({Q}A1:A16,{criterion},{Q}B1:B16)"]
    assert_values(evaluate_formulas(tmp_path, formulas, CRITERIA_DATA), [count, total], formulas)


def test_sumif_details(tmp_path: Path) -> None:
    formulas = [
        f'SUMIF({Q}B1:B16,">=4096")',  # no sum range: sums the criteria range
        f"SUMIF({Q}A1:A16,201,{Q}B1:B10)",  # Excel resizes a short sum range; never generated, so refused
        f'COUNTIF({Q}A1:A16,"*")',  # Excel: text cells only (LibreOffice also counts numbers: 15)
    ]
    assert_values(evaluate_formulas(tmp_path, formulas, CRITERIA_DATA), [61440.0, "#VALUE!", 10.0], formulas)


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("ROUND(0.145,2)", 0.15),  # formulas 1.3.4: 0.14
        ("ROUND(1.005,2)", 1.01),  # formulas 1.3.4: 1.0
        ("ROUND(2.5,0)", 3.0),
        ("ROUND(-2.5,0)", -3.0),
        ("ROUND(-0.145,2)", -0.15),  # formulas 1.3.4: -0.14
        ("ROUND(2.675,2)", 2.68),
        ("ROUND(0.285,2)", 0.29),  # formulas 1.3.4: 0.28
        ("ROUND(5.015,2)", 5.02),  # formulas 1.3.4: 5.01
        ("ROUND(-1.005,2)", -1.01),  # formulas 1.3.4: -1.0
        ("ROUND(1234.5,-2)", 1200.0),
        ("ROUND(1.2345,2.7)", 1.23),  # digits truncated
        ('ROUND("1.005",2)', 1.01),  # formulas 1.3.4: 1.0
        ("ROUND(0.14499999999999,2)", 0.14),
        ("ROUND(1.0049999999999999,2)", 1.01),  # the same double as 1.005
        ("ROUNDUP(0.1+0.2,1)", 0.3),  # formulas 1.3.4: 0.4
        ("ROUNDUP(3.0000000000000004,0)", 3.0),  # formulas 1.3.4: 4.0
        ("ROUNDDOWN(2.9999999999999996,0)", 3.0),  # formulas 1.3.4: 2.0
        ("ROUNDDOWN(0.145*100,0)", 14.0),
        ("ROUNDUP(-1.01,1)", -1.1),
        ("ROUNDDOWN(-1.99,1)", -1.9),
        (f"ROUND({Q}C4,2)", 0.0),  # blank
        (f"ROUND({Q}C3,2)", 0.15),
    ],
)
def test_round_family_rounds_the_decimal_value_half_away_from_zero(
    tmp_path: Path, formula: str, expected: float
) -> None:
    assert_values(evaluate_formulas(tmp_path, [formula], TEXT_NUMBERS), [expected], [formula])


def test_excel_round_unit() -> None:
    assert excel_round(0.145, 2) == 0.15
    assert excel_round(-0.145, 2) == -0.15
    assert excel_round(2.5, 0) == 3.0
    assert excel_round(-2.5, 0) == -3.0
    assert excel_round(1.005, 2) == 1.01
    assert excel_round(-0.001, 2) == 0.0 and math.copysign(1.0, excel_round(-0.001, 2)) == 1.0  # no -0
    assert excel_round(1e300, 2) == 1e300
    assert excel_round(123.456, 400) == 123.456


@given(cents=st.integers(min_value=-(10**12), max_value=10**12))
def test_excel_round_of_typed_half_cents_matches_decimal(cents: int) -> None:
    """Any amount typed with three decimals (1.005, 0.145, -2.675 ...) rounds like its decimal text."""
    text = f"{Decimal(cents).scaleb(-3):f}"
    assert excel_round(float(text), 2) == float(Decimal(text).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


@given(value=st.floats(allow_nan=False, allow_infinity=False))
def test_excel_number_text_keeps_15_significant_digits(value: float) -> None:
    text = excel_number_text(value)
    assert float(text) == float(f"{value:.15g}")
    assert "e" not in text and len(text.replace("-", "").replace(".", "").split("E")[0].strip("0")) <= 15


def test_comparisons_are_approximate_and_typed(tmp_path: Path) -> None:
    """formulas 1.3.4: 0.1+0.2=0.3 FALSE, blank=FALSE FALSE; Excel/LibreOffice: TRUE, TRUE."""
    formulas = [
        "0.1+0.2=0.3",
        "0.1*3=0.3",
        "0.1+0.2>0.3",
        "1=1.00000000000001",
        f"{Q}C4=0",
        f'{Q}C4=""',
        f"{Q}C4=FALSE",
        f"{Q}C4<1",
        f'{Q}A2="201"',
        f"{Q}A2=201",  # text never equals a number
        f"{Q}A1=201",
        '"abc"="ABC"',
        '"a"<"B"',
        '"a">1',  # text sorts after numbers
        "TRUE>1",  # Excel: booleans sort after everything (LibreOffice: TRUE is 1, so FALSE)
    ]
    expected = [True, True, False, False, True, True, True, True, True, False, True, True, True, True, True]
    assert_values(evaluate_formulas(tmp_path, formulas, TEXT_NUMBERS), expected, formulas)


def test_cancelling_additions_give_an_exact_zero(tmp_path: Path) -> None:
    """formulas 1.3.4: 0.1+0.2-0.3 = 5.551115123125783e-17; Excel/LibreOffice: 0."""
    formulas = ["0.1+0.2-0.3", "1-0.9-0.1", "3-2.9999999999999996", "SUM(0.1,0.2,-0.3)", "100.145-100"]
    expected = [0.0, 0.0, 0.0, 0.0, 0.144999999999996]  # exact zeros: `same` compares 0.0 without tolerance
    assert_values(evaluate_formulas(tmp_path, formulas, {}), expected, formulas)


def test_numbers_become_text_with_15_significant_digits(tmp_path: Path) -> None:
    """formulas 1.3.4: 0.1+0.2&"" = "0.30000000000000004" and LEN(0.1+0.2) = 19; Excel/LibreOffice: "0.3", 3."""
    formulas = [
        '0.1+0.2&""',
        '1/3&""',
        "LEN(0.1+0.2)",
        f'{Q}A1&""',  # the code 201 typed as a number
        f'{Q}A2&""',
        f'{Q}C4&""',  # blank
        f"LEFT({Q}A3,3)",
        "LEFT(12345.678,7)",
        '0.00001&""',
        '12345.678901234567&""',
        'TRUE&""',  # Excel; LibreOffice gives "1"
    ]
    expected = ["0.3", "0.333333333333333", 3.0, "201", "201", "", "201", "12345.6", "0.00001", "12345.6789012346"]
    expected += ["TRUE"]
    assert_values(evaluate_formulas(tmp_path, formulas, TEXT_NUMBERS), expected, formulas)


def test_excel_number_text_unit() -> None:
    assert excel_number_text(0.1 + 0.2) == "0.3"
    assert excel_number_text(201.0) == "201"
    assert excel_number_text(-0.0) == "0"
    assert excel_number_text(1e20) == "1E+20"  # LibreOffice: 1E+020
    assert excel_number_text(1.5e-20) == "1.5E-20"
    assert excel_number_text(123456789012345678) == "1.23456789012346E+17"


def test_max_min_skip_text_in_ranges(tmp_path: Path) -> None:
    """formulas 1.3.4: MAX(C1:C5) = #VALUE! (text in the range); Excel/LibreOffice: 100.145."""
    formulas = [f"MAX({Q}C1:C5)", f"MIN({Q}C1:C5)", f"MAX({Q}C2,{Q}C4)", f"MIN({Q}C4)", f"MAX({Q}C2:C4,-5)"]
    expected = [100.145, 0.145, 0.0, 0.0, 0.145]
    assert_values(evaluate_formulas(tmp_path, formulas, TEXT_NUMBERS), expected, formulas)


def test_n_returns_numbers(tmp_path: Path) -> None:
    """formulas 1.3.4: N(TRUE) = TRUE; Excel/LibreOffice: 1."""
    formulas = ["N(TRUE)", "N(FALSE)", 'N("12")', f"N({Q}C4)", f"N({Q}C1)", "N(1/0)", f"N({Q}C1:C3)"]
    expected = [1.0, 0.0, 0.0, 0.0, 100.145, "#DIV/0!", "#VALUE!"]
    assert_values(evaluate_formulas(tmp_path, formulas, TEXT_NUMBERS), expected, formulas)


def test_and_or_reject_typed_text(tmp_path: Path) -> None:
    """formulas 1.3.4 dropped typed text: AND(1,"abc") = TRUE; Excel/LibreOffice: #VALUE!."""
    formulas = ['AND(1,"abc")', f"AND({Q}A1:A3)", f"OR({Q}C4)", "AND(2,3)", "OR(0,0)", "AND(1/0,FALSE)"]
    expected = ["#VALUE!", True, "#VALUE!", True, False, "#DIV/0!"]
    assert_values(evaluate_formulas(tmp_path, formulas, TEXT_NUMBERS), expected, formulas)


def test_text_converts_to_number_in_arithmetic(tmp_path: Path) -> None:
    """formulas 1.3.4 used float(): "1,000"+1 = #VALUE! and "nan"+1 = #NUM!; Excel/LibreOffice: 1001, #VALUE!."""
    formulas = ['"1,000"+1', '"(5)"+1', '"5%"+1', '" 7 "-1', '"1e3"*1', '"nan"+1', '""+1', f"{Q}C2+1", f"-{Q}C4"]
    expected = [1001.0, -4.0, 1.05, 6.0, 1000.0, "#VALUE!", "#VALUE!", 13.5, 0.0]
    assert_values(evaluate_formulas(tmp_path, formulas, TEXT_NUMBERS), expected, formulas)


def test_vlookup_exact_match_keeps_types_apart(tmp_path: Path) -> None:
    """Excel matches text only with text: VLOOKUP("201") finds the code typed as text, VLOOKUP(201) the number.

    formulas 1.3.4 already did this (LibreOffice does not: it matches "201" with 201).  It returned the key column
    for col_index_num 0, where Excel gives #VALUE!.
    """
    formulas = [
        f"VLOOKUP(201,{Q}A1:D3,4,FALSE)",
        f'VLOOKUP("201",{Q}A1:D3,4,FALSE)',
        f'IFERROR(VLOOKUP("2010101",{Q}A1:D3,4,FALSE),"无")',
        f"VLOOKUP(201,{Q}A1:D3,0,FALSE)",
        f"VLOOKUP(201,{Q}A1:D3,5,FALSE)",
        f"VLOOKUP(2010101,{Q}A1:C3,3,FALSE)",
    ]
    expected = [1.0, 2.0, "无", "#VALUE!", "#REF!", 0.145]
    assert_values(evaluate_formulas(tmp_path, formulas, TEXT_NUMBERS), expected, formulas)


def test_blank_cells_behave_as_excel_blanks(tmp_path: Path) -> None:
    formulas = [f"{Q}C4", f"-{Q}C4", f"LEN({Q}C4)", f"LEFT({Q}C4,2)", f"IF({Q}C4,1,2)", f"{Q}C4*2", f"1/{Q}C4"]
    expected = [0.0, 0.0, 0.0, "", 2.0, 0.0, "#DIV/0!"]
    assert_values(evaluate_formulas(tmp_path, formulas, TEXT_NUMBERS), expected, formulas)


# ---------------------------------------------------------------------------------------------------------------
# Circular references, keys, inputs, refusal
# ---------------------------------------------------------------------------------------------------------------


def test_circular_references_are_detected_and_reported(tmp_path: Path) -> None:
    """formulas 1.3.4 silently leaves A1, A2, A3, A4 and A6 out of its solution."""
    path = tmp_path / "circular.xlsx"
    write_workbook(
        path,
        {
            CHECK: {
                "A1": "=A2+1",
                "A2": "=A1+1",
                "A3": "=A1*2",  # depends on the cycle
                "A4": "=IFERROR(A1,5)",
                "A5": "=1+1",
                "A6": "=SUM(A5:A7)",  # a range that includes its own cell
                "B1": 3,
                "A8": "=B1+B2",
            }
        },
    )
    result = evaluate_workbook(path)
    assert result.evaluated
    assert result.circular == {(CHECK, "A1"), (CHECK, "A2"), (CHECK, "A6")}
    assert result.errors == {(CHECK, c): CIRCULAR_ERROR for c in ("A1", "A2", "A3", "A6")}
    assert result.values == {(CHECK, "A4"): 5.0, (CHECK, "A5"): 2.0, (CHECK, "A8"): 3.0}


def test_every_formula_cell_is_keyed_by_its_sheet_and_address(tmp_path: Path) -> None:
    path = tmp_path / "keys.xlsx"
    cells = write_workbook(
        path,
        {
            "公开01表": {"C8": 1.5, "C9": "=SUM(C8,'公开02表'!$D$10)", "C10": '=C9&""'},
            "公开02表": {"D10": 2, "E1": "='公开01表'!C9*2"},
            "Sheet 3": {"A1": "='公开02表'!E1>5"},
        },
    )
    result = evaluate_workbook(path)
    assert set(result.values) | set(result.errors) == {(s, c.upper()) for s, c, _ in cells}
    assert result.values == {
        ("公开01表", "C9"): 3.5,
        ("公开01表", "C10"): "3.5",
        ("公开02表", "E1"): 7.0,
        ("Sheet 3", "A1"): True,
    }
    assert result.formulas[("公开01表", "C9")] == "=SUM(C8,'公开02表'!$D$10)"


def test_inputs_override_cell_values(tmp_path: Path) -> None:
    path = tmp_path / "inputs.xlsx"
    write_workbook(path, {DATA: {"C8": 1, "C9": 2, "C11": "=SUM(C8:C10)"}, CHECK: {"A1": f"={Q}C11*2"}})
    result = evaluate_workbook(path, inputs={(DATA, "C8"): 10, (DATA, "C9"): None, (DATA, "C10"): "5"})
    assert result.values == {(DATA, "C11"): 10.0, (CHECK, "A1"): 20.0}
    assert openpyxl.load_workbook(path)[DATA]["C8"].value == 1  # the file is untouched


def test_a_reused_model_gets_every_value_of_the_next_file(tmp_path: Path) -> None:
    """Two copies of one template: the second reuses the first's compiled model and must not see its values."""
    formulas = {"D1": f"=SUM({Q}C1:C4)", "D2": f'=SUMIF({Q}A1:A4,"201",{Q}C1:C4)', "D3": f"={Q}C2&{Q}A3"}
    first = {"A1": 201, "A2": "201", "A3": "x", "A4": 5, "C1": 1.5, "C2": "12.5", "C3": None, "C4": 4}
    second = {"A1": "201", "A2": None, "A3": 2, "A4": "y", "C1": None, "C2": 7, "C3": "3", "C4": True}
    paths = [tmp_path / "first.xlsx", tmp_path / "second.xlsx"]
    for path, data in zip(paths, (first, second), strict=True):
        write_workbook(path, {DATA: {**data, **formulas}})
    evaluate_workbook(paths[0])  # compiles and keeps the model
    reused = evaluate_workbook(paths[1])
    fresh = evaluate_workbook(paths[1], reuse_model=False)
    assert reused.values == fresh.values == {(DATA, "D1"): 7.0, (DATA, "D2"): 0.0, (DATA, "D3"): "72"}
    assert evaluate_workbook(paths[0]).values == {(DATA, "D1"): 5.5, (DATA, "D2"): 1.5, (DATA, "D3"): "12.5x"}


@pytest.mark.slow
def test_the_generated_template_is_whitelisted_and_evaluates(tmp_path: Path) -> None:
    """Every formula `juesuan-xlsx new` writes is in ALLOWED_FUNCTIONS and computes without error or cycle."""
    from click.testing import CliRunner

    from juesuan_xlsx.cli import cli

    path = tmp_path / "template.xlsx"
    outcome = CliRunner().invoke(cli, ["new", "2024", "-o", str(path)])
    assert outcome.exit_code == 0, outcome.output
    scan = scan_workbook(path)
    used = set().union(*(s.functions for s in scan.scans.values()))
    assert used <= ALLOWED_FUNCTIONS, used - ALLOWED_FUNCTIONS
    result = evaluate_workbook(path, reuse_model=False)
    assert result.evaluated and not result.circular and not result.errors
    assert len(result.values) == len(scan.formulas) > 1000


def test_workbook_with_non_whitelisted_function_is_not_evaluated(tmp_path: Path) -> None:
    path = tmp_path / "countif.xlsx"
    write_workbook(
        path, {CHECK: {"A1": 1, "B1": "=SUM(A1:A3)", "B2": '=COUNTIFS(A1:A3,">0")', "B3": '=INDIRECT("A1")'}}
    )
    result = evaluate_workbook(path)
    assert not result.evaluated
    assert result.values == {} and result.errors == {}
    assert set(result.skipped) == {(CHECK, "B2"), (CHECK, "B3")}
    assert [p.code for p in result.skipped[(CHECK, "B2")]] == [ScanIssue.DISALLOWED_FUNCTION]
    assert {p.code for p in result.skipped[(CHECK, "B3")]} == {
        ScanIssue.DYNAMIC_REFERENCE,
        ScanIssue.DISALLOWED_FUNCTION,
    }


def test_workbook_with_external_reference_or_name_is_not_evaluated(tmp_path: Path) -> None:
    path = tmp_path / "external.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet(CHECK)
    sheet.write_formula("A1", "='[other.xlsx]S'!A1+1", None, "")
    sheet.write_formula("A2", "=1+1", None, "")
    book.define_name("外部", "='[other.xlsx]S'!$A$1")
    book.close()
    result = evaluate_workbook(path)
    assert not result.evaluated
    assert [p.code for p in result.skipped[(CHECK, "A1")]] == [ScanIssue.EXTERNAL_REFERENCE]
    assert [p.code for p in result.skipped_names["外部"]] == [ScanIssue.EXTERNAL_REFERENCE]


def test_undefined_names_and_budgets_refuse_evaluation(tmp_path: Path) -> None:
    path = tmp_path / "names.xlsx"
    write_workbook(path, {CHECK: {"A1": "=未定义*2", "A2": "=1+1"}})
    scan = scan_workbook(path)
    assert [p.code for p in scan.problems[(CHECK, "A1")]] == [ScanIssue.UNDEFINED_NAME]
    assert (CHECK, "A2") not in scan.problems
    too_many = evaluate_workbook(path, max_formulas=1)
    assert not too_many.evaluated
    assert ScanIssue.TOO_LARGE in {p.code for p in too_many.skipped[(CHECK, "A2")]}


def test_a_stray_far_away_entry_refuses_evaluation_instead_of_hanging(tmp_path: Path) -> None:
    """formulas compiles every position of a sheet's used rectangle (~30 µs each): A1 plus XFD1048576 would
    take hours, so the sheet area is budgeted before formulas sees the file."""
    path = tmp_path / "stray.xlsx"
    write_workbook(path, {CHECK: {"A1": 1, "B1": "=A1+1", "XFD1048576": 5}})
    start = time.perf_counter()
    result = evaluate_workbook(path)
    assert time.perf_counter() - start < 10
    assert not result.evaluated
    assert [p.code for p in result.skipped[(CHECK, "B1")]] == [ScanIssue.TOO_LARGE]


def test_install_corrections_is_idempotent() -> None:
    from formulas.functions.operators import OPERATORS

    before = dict(formulas_package.get_functions()), dict(OPERATORS)
    install_corrections()
    install_corrections()
    after = dict(formulas_package.get_functions()), dict(OPERATORS)
    assert before[0]["SUM"] is after[0]["SUM"] and before[1]["+"] is after[1]["+"]
    assert before[0]["VLOOKUP"] is after[0]["VLOOKUP"]


def test_evaluation_prints_no_progress_bars(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    evaluate_formulas(tmp_path, ["1+1"])
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""


# ---------------------------------------------------------------------------------------------------------------
# scan_formula
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("formula", "functions", "codes"),
    [
        ("=SUM('公开03表'!C8:C87)", {"SUM"}, set()),
        (
            "=SUMPRODUCT((LEN($A$8:$A$87)=3)*(LEFT($A$8:$A$87,3)=A8)*C$8:C$87)",
            {"SUMPRODUCT", "LEN", "LEFT"},
            set(),
        ),
        ('=SUMPRODUCT(($A$8:$A$87&""="201")*C$8:C$87)', {"SUMPRODUCT"}, set()),
        ("=IFERROR(VLOOKUP(A8,'公开03表'!$A$8:$C$87,2,FALSE),\"[1]x!A1|\")", {"IFERROR", "VLOOKUP"}, set()),
        ("=公开01表!C9+ROUND(N(A1),2)", {"ROUND", "N"}, set()),
        ("=[1]Sheet1!A1+1", set(), {ScanIssue.EXTERNAL_REFERENCE}),
        ("='[x.xlsx]S'!A1", set(), {ScanIssue.EXTERNAL_REFERENCE}),
        ("='C:\\path\\[x.xlsx]S'!A1", set(), {ScanIssue.EXTERNAL_REFERENCE}),
        ("=[a.xlsx]S!A1", set(), {ScanIssue.EXTERNAL_REFERENCE}),
        ('=INDIRECT("A"&1)', {"INDIRECT"}, {ScanIssue.DYNAMIC_REFERENCE, ScanIssue.DISALLOWED_FUNCTION}),
        ("=SUM(A1:OFFSET(A1,2,0))", {"SUM", "OFFSET"}, {ScanIssue.DYNAMIC_REFERENCE, ScanIssue.DISALLOWED_FUNCTION}),
        ('=WEBSERVICE("http://x")', {"WEBSERVICE"}, {ScanIssue.WEB_FUNCTION, ScanIssue.DISALLOWED_FUNCTION}),
        ("=cmd|'/c calc'!A0", set(), {ScanIssue.DDE, ScanIssue.EXTERNAL_REFERENCE}),
        ("=_xlfn.CONCAT(A1,B1)", {"_XLFN.CONCAT"}, {ScanIssue.DISALLOWED_FUNCTION}),
        ('=COUNTIF(A1:A9,">0")+SUMIF(A1:A9,"201",B1:B9)', {"COUNTIF", "SUMIF"}, set()),
        ('=COUNTIFS(A1:A9,">0")', {"COUNTIFS"}, {ScanIssue.DISALLOWED_FUNCTION}),
        ("=Sheet1:Sheet3!A1", set(), {ScanIssue.THREE_D_REFERENCE}),
        ("=Table1[金额]", set(), {ScanIssue.STRUCTURED_REFERENCE}),
        ('="unterminated', set(), {ScanIssue.SYNTAX}),
    ],
)
def test_scan_formula(formula: str, functions: set[str], codes: set[ScanIssue]) -> None:
    scan = scan_formula(formula)
    assert scan.functions == functions
    assert {p.code for p in scan.problems} == codes
    assert scan.allowed is (not codes)


def test_scan_formula_flags_and_references() -> None:
    scan = scan_formula("=SUM('公开03表'!C8:C87,'It''s'!$B$2,A:A,3:3)+名称")
    assert [(r.sheet, r.text) for r in scan.references] == [
        ("公开03表", "C8:C87"),
        ("It's", "B2"),
        (None, "A:A"),
        (None, "3:3"),
    ]
    assert scan.references[0].size == 80
    assert scan.names == {"名称"}
    external = scan_formula('=[1]Sheet1!A1+INDIRECT("A1")+WEBSERVICE("u")')
    assert external.external_reference and external.dynamic_reference and external.web and not external.dde
    assert external.disallowed_functions == {"INDIRECT", "WEBSERVICE"}
    assert scan_formula("=cmd|'/c calc'!A0").dde


def test_allowed_functions_is_the_generator_vocabulary() -> None:
    assert {"SUM", "SUMPRODUCT", "LEN", "LEFT", "ROUND", "ABS", "IF", "IFERROR", "VLOOKUP", "MAX", "MIN"} <= (
        ALLOWED_FUNCTIONS
    )
    assert {"AND", "OR", "N"} <= ALLOWED_FUNCTIONS
    assert {"SUMIF", "COUNTIF"} <= ALLOWED_FUNCTIONS  # emitted by `juesuan-xlsx new` (see the slow test below)
    assert not {"SUMIFS", "COUNTIFS", "INDIRECT", "OFFSET", "INDEX", "MATCH"} & ALLOWED_FUNCTIONS


# ---------------------------------------------------------------------------------------------------------------
# Time
# ---------------------------------------------------------------------------------------------------------------


def build_nine_tables(path: Path, rows: int) -> int:
    """Nine sheets; sheets 2-9 hold 7 columns of SUMPRODUCT/SUM/ROUND formulas over the previous sheet."""
    book = xlsxwriter.Workbook(str(path))
    names = [f"公开{i:02d}表" for i in range(1, 10)]
    codes = ["201", "20101", "2010101", "2010102", "205", "20501", "2050101", "208", "20805", "2080501"]
    first, last = 8, 8 + rows - 1
    count = 0
    for index, name in enumerate(names):
        sheet = book.add_worksheet(name)
        for r in range(first, last + 1):
            code = codes[(r - first) % len(codes)]
            sheet.write_string(f"A{r}", code)
            for c in range(2, 9):
                ref = xl_rowcol_to_cell(r - 1, c)
                col = ref.rstrip("0123456789")
                if index == 0:
                    sheet.write_number(ref, ((r * 7 + c * 13) % 997) / 100)
                    continue
                prev = f"'{names[index - 1]}'!"
                if len(code) == 3:
                    formula = (
                        f"=SUMPRODUCT((LEN({prev}$A${first}:$A${last})=3)*(LEFT({prev}$A${first}:$A${last},3)=A{r})"
                        f"*{prev}{col}${first}:{col}${last})"
                    )
                elif len(code) == 5:
                    formula = f'=SUMPRODUCT(({prev}$A${first}:$A${last}&""=A{r}&"")*{prev}{col}${first}:{col}${last})'
                else:
                    formula = f"=ROUND(SUM({prev}{col}{r},{prev}{col}{r})/2,2)"
                sheet.write_formula(ref, formula, None, "")
                count += 1
    book.close()
    return count


@pytest.mark.slow
def test_a_thousand_formula_nine_table_workbook_evaluates_in_seconds(tmp_path: Path) -> None:
    path = tmp_path / "nine.xlsx"
    count = build_nine_tables(path, rows=18)
    assert count == 1008
    start = time.perf_counter()
    result = evaluate_workbook(path)
    elapsed = time.perf_counter() - start
    assert len(result.values) == count and not result.errors
    assert elapsed < 30, f"{count} formulas took {elapsed:.1f} s"  # about 3 s on 2 cores


# ---------------------------------------------------------------------------------------------------------------
# The tricky-inputs workbook, compared with LibreOffice cell by cell
# ---------------------------------------------------------------------------------------------------------------

TRICKY_ROWS: list[tuple[CellInput, CellInput, CellInput]] = [  # (A code, C amount, D other) for rows 8, 9, ...
    (201, 100.145, 1),
    ("20101", "12.5", 2),
    (2010101, 0.145, None),
    ("201", 1.005, "abc"),
    (None, None, 3),
    ("20102", -0.145, True),
    (205, 2.675, None),
    (" 201", "  7 ", 0),
    ("2050101", 0.001, -1),
    (20501, 2.5, 2.5),
    ("abc", -2.5, "2.5"),
    (0, 0.285, None),
    ('=""', '=""', '=""'),
    ("0201", 1e-3, 5.015),
    (201.0, 1234.5, 0.1),
    ("ABC", False, 0.2),
    ("20501", 1.45, -0.3),
    (20102, "1e3", None),
    ("202", -1.005, 1),
    (2020101, 0.5, 0),
    ("2020101", 1.5, None),
    (None, 3, None),
    (20201, 4.4999999999999, 0.3),
]
TRICKY_LAST = 7 + len(TRICKY_ROWS)

# Formulas per data row r, on sheet 公开01表 row r ({q} = '公开03表'!).
TRICKY_ROW_FORMULAS: dict[str, str] = {
    "B": '{q}A{r}&""',
    "C": "LEN({q}A{r})",
    "D": "LEFT({q}A{r},3)",
    "E": "SUMPRODUCT((LEN({q}$A$8:$A$30)=3)*(LEFT({q}$A$8:$A$30,3)={q}A{r})*{q}C$8:C$30)",
    "F": 'SUMPRODUCT(({q}$A$8:$A$30&""={q}A{r}&"")*{q}C$8:C$30)',
    "G": "{q}C{r}=0",
    "H": '{q}C{r}=""',
    "I": "ROUND({q}C{r},2)",
    "J": "ROUND({q}C{r},1)",
    "K": 'IF({q}C{r}>0,"正",IF({q}C{r}<0,"负","零"))',
    "L": 'IFERROR({q}C{r}*1,"错")',
    "M": "N({q}C{r})",
    "N": "ABS({q}C{r})",
    "O": "-{q}C{r}",
    "P": "{q}C{r}+{q}D{r}",
    "Q": "{q}C{r}<>{q}D{r}",
    "R": '{q}A{r}="201"',
    "S": "{q}A{r}=201",
    "T": 'IFERROR(VLOOKUP({q}A{r},{q}$A$8:$C$30,3,FALSE),"无")',
    "U": "ROUNDUP({q}C{r},1)",
    "V": "ROUNDDOWN({q}C{r},1)",
    "W": "{q}C{r}>={q}D{r}",
    "X": "{q}C{r}<{q}D{r}",
    "Y": "{q}C{r}<={q}D{r}",
    "Z": "{q}C{r}>{q}D{r}",
    "AA": "AND({q}C{r}>0,{q}D{r}>0)",
    "AB": "OR({q}C{r}>0,{q}D{r}>0)",
    "AC": "MAX({q}C{r},{q}D{r})",
    "AD": "MIN({q}C{r},{q}D{r})",
    "AE": "{q}C{r}/{q}D{r}",
    "AF": "{q}C{r}",
    "AG": "LEFT({q}C{r},3)",
    "AH": '{q}C{r}&""',
    "AI": "{q}D{r}-{q}C{r}",
    "AJ": "{q}C{r}*{q}D{r}",
    "AK": "IF({q}D{r},1,2)",
    "AL": "SUMPRODUCT(({q}$A$8:$A$30={q}A{r})*1)",
    "AM": "{q}A{r}&{q}C{r}",
    "AN": 'IFERROR(VLOOKUP({q}A{r}&"",{q}$A$8:$C$30,3,FALSE),"无")',
    "AO": '{q}D{r}=""',
    "AP": "{q}A{r}=0",
    "AQ": "N({q}D{r})",
    "AR": "LEN({q}C{r})",
}

# Single formulas, one per row of 校验 column B.
TRICKY_SINGLE: list[str] = [
    f"SUM({Q}C8:C30)", f"SUM({Q}C9)", 'SUM("3",1)', "SUM(TRUE,1)", f"SUM({Q}C13)", f"SUM({Q}C8:C30,1)",
    f"SUM({Q}C12)", f"SUM({Q}C8,{Q}C10)", f"SUM({Q}D8:D30)", f"SUM({Q}A8:A30)", f"SUM({Q}C8:D30)",
    f"SUMPRODUCT(({Q}C8:C30<>0)*1)", f"SUMPRODUCT({Q}C8:C30,{Q}D8:D30)", f"SUMPRODUCT({Q}C8:C30)",
    f"SUMPRODUCT({Q}D8:D30)", f"SUMPRODUCT({Q}C8:C10,{Q}D8:D9)", f'SUMPRODUCT(({Q}A8:A30="201")*{Q}C8:C30)',
    f'SUMPRODUCT(({Q}A8:A30&""="201")*{Q}C8:C30)', f'SUMPRODUCT(({Q}A8:A30&""="201")*{Q}D8:D30)',
    f"SUMPRODUCT((LEN({Q}A8:A30)=3)*1)", f'SUMPRODUCT((LEFT({Q}A8:A30,3)="201")*{Q}C8:C30)',
    f"SUMPRODUCT(-({Q}C8:C30>0))", f"SUMPRODUCT(({Q}C8:C30>0)*({Q}D8:D30>0))",
    f"SUMPRODUCT(({Q}C8:C30>0),({Q}D8:D30>0))", f"SUMPRODUCT({Q}C8:C30*1)",
    "ROUND(0.145,2)", "ROUND(1.005,2)", "ROUND(2.5,0)", "ROUND(-2.5,0)", "ROUND(-0.145,2)", "ROUND(2.675,2)",
    "ROUND(1234.5,-2)", "ROUND(0.285,2)", "ROUND(5.015,2)", "ROUND(1.45,1)", "ROUND(-1.005,2)",
    "ROUND(0.1+0.2,15)", "ROUND(1.2345,2.7)", 'ROUND("1.005",2)', "ROUND(TRUE,0)", f"ROUND({Q}C12,2)",
    "ROUND(4.4999999999999,0)", "ROUND(0.5,0)", "ROUND(1E+20,2)", "ROUND(123456.785,2)", "ROUND(10.005,2)",
    "ROUND(8.345,2)", "ROUND(0.045,2)", "ROUND(1.0049999999999999,2)", "ROUNDUP(0.1+0.2,1)",
    "ROUNDDOWN(-1.99,1)", "ROUNDUP(-1.01,1)", "ROUNDUP(1.001,2)", "ROUNDDOWN(2.9999999999999996,0)",
    "ROUNDUP(3.0000000000000004,0)", "ROUNDDOWN(0.145*100,0)", "ROUNDUP(1234.5,-2)", "ROUNDDOWN(1234.5,-2)",
    "0.1+0.2=0.3", "0.1+0.2-0.3", "(0.1+0.2)-0.3", "1-0.9-0.1", "0.3-0.1-0.2", "SUM(0.1,0.2)-0.3",
    '0.1+0.2&""', '1/3&""', "2/3*3=2", '1E+20&""', '0.00001&""', '123456789012345678&""',
    '1234567890.12345&""', '-0.5&""', '1E-20&""', "0.1*3", "0.1*3=0.3", "0.3<0.1+0.2", "0.1+0.2>0.3",
    "100.145-100", "1.1+2.2", "3.3-1.1-2.2",
    f"MAX({Q}C8:C30)", f"MIN({Q}C8:C30)", f"MAX({Q}D8:D30)", f"MIN({Q}A8:A30)", f"MAX({Q}B8:B30)",
    f"MIN({Q}B8:B30)", 'MAX("3",1)', "MAX(TRUE,0)", f"MAX({Q}C13,-1)",
    f"AND({Q}C12)", f"OR({Q}B8:B30)", f"AND({Q}C8:C10)", f"OR({Q}C9)", f"AND(TRUE,{Q}C9)",
    "N(TRUE)", 'N("12")', f"N({Q}C12)", "N(1/0)", f"N({Q}C8:C10)", "N(FALSE)",
    f"IF({Q}C12,1,2)", 'IF("abc",1,2)', f"IF({Q}C9,1,2)", f"IF({Q}C8,1,2)", f'IF({Q}C12=0,"空","非空")',
    "IF(1>2,1)", 'IF(1<2,"")', 'IFERROR(1/0,"x")', f"IFERROR(VLOOKUP(999,{Q}A8:C30,3,FALSE),0)", 'IFERROR("",1)',
    f"VLOOKUP(201,{Q}A8:C30,3,FALSE)", f'VLOOKUP("201",{Q}A8:C30,3,FALSE)', f'VLOOKUP("abc",{Q}A8:C30,3,FALSE)',
    f"VLOOKUP(2020101,{Q}A8:C30,2,FALSE)", f'VLOOKUP("ABC",{Q}A8:D30,4,FALSE)', f"VLOOKUP(201,{Q}A8:C30,4,FALSE)",
    f"VLOOKUP(0,{Q}A8:C30,3,FALSE)", f'VLOOKUP("",{Q}A8:C30,3,FALSE)', f"VLOOKUP(20102,{Q}A8:C30,3,FALSE)",
    f'VLOOKUP("2020101",{Q}A8:D30,4,FALSE)',
    "LEN(12.5)", "LEN(0.1+0.2)", "LEN(TRUE)", "LEFT(TRUE,2)", "LEFT(1234.5,10)", 'LEFT("公开01表",2)',
    'LEN("公开")', f"LEN({Q}C12)", "LEFT(-0.145,3)", "LEFT(12,0)",
    '"a">1', '1<"a"', "TRUE>1", '"A"="a"', f"{Q}C12<1", f"{Q}C12>-1", f"{Q}C12=FALSE", f'{Q}C12=""',
    'TRUE>"a"', '"201"=201', '"b">"A"', '""<"a"', 'TRUE&""', "FALSE&1", '"x"&1/4',
    "ABS(-0.145)", 'ABS("-3")', f"ABS({Q}C12)", '-"3"', f"-{Q}C12", f"{Q}C9+1", f"{Q}C15+1", f"{Q}C25*1",
    f"{Q}C9*{Q}C13", "1/0", f"1/{Q}C12", '"abc"*1', f'{Q}D11&"x"',
    f"SUM({Q}E8:E10)", f"SUMPRODUCT({Q}E8:E10)", f"MAX({Q}E8:E10)", f"IFERROR(SUM({Q}E8:E10),-1)",
    f"SUM({Q}A8:D30)-SUM({Q}C8:C30)",
    f'VLOOKUP("名称3",{Q}B8:D30,3,FALSE)', f'VLOOKUP("名称2",{Q}B8:D30,3,FALSE)', f'VLOOKUP("a*",{Q}A8:C30,3,FALSE)',
    f'VLOOKUP("2?1",{Q}A8:C30,3,FALSE)', f"VLOOKUP(201,{Q}A8:C30,1.9,FALSE)", f"VLOOKUP(201,{Q}A8:C30,0,FALSE)",
    f"VLOOKUP(1/0,{Q}A8:C30,2,FALSE)", f"VLOOKUP(4.4999999999999,{Q}C8:D30,2,FALSE)",
    '"1,000"+1', '"(5)"+1', '"5%"+1', '"$5"+1', '""+1', '1+"abc"', '"1e3"*1', '" 7 "-1', '"1,00"+1',
    '"1,0000"+1', '"nan"+1', '"inf"+1', '"1_000"+1',
    "IF(TRUE,,2)", "IF(FALSE,1)", "IF(FALSE,1,)", "IF(0.0000001,1,2)", "IF(1/0,1,2)", "IF(FALSE,1/0,2)",
    "IFERROR(1/0,)", 'AND(1,"abc")', "OR(0,0)", "AND(2,3)", f"AND({Q}A8:A30)", "AND(1/0,FALSE)", f"OR({Q}C12:C12)",
    'MIN("abc",1)', "MAX(1/0,1)", "SUM(1/0,1)", f"MAX({Q}C12:C13,-5)",
    'LEFT("abc",-1)', 'LEFT("abc")', 'LEFT("abc",2.9)', 'LEFT("abc","2")', "LEFT(12345.678,7)", 'LEFT("abc",100)',
    f"LEFT({Q}C9,2)", f"LEN({Q}A9)", f"LEN({Q}A15)",
    '"abc"="ABC"', '"a"<"B"', '"Z"<"a"', '"10"<"9"', '"a"<"ab"',
    "1=1.0000000000000002", "1=1.00000000000001", "1E-16=0", "3-2.9999999999999996", "1+1E-15-1", "10.1-10",
    "ROUND(10.1-10,15)", "1E+308*10", '-0&""', 'N("")', 'ABS("abc")', 'ABS("1,000")',
    '0.0001&""', '0.000001&""', '0.0000000001&""', '100000000000000&""', '999999999999999&""',
    '0.1234567890123456&""', '12345.678901234567&""', '2^0.5&""', '-0.000001&""',
    f"{Q}E9+1", f'{Q}A20&"x"', f"{Q}A20=0", f'{Q}A20=""', f"{Q}A20+1", f"LEN({Q}A20)",
    f"SUMPRODUCT({Q}C8:C30*{Q}D8:D30)", f"SUMPRODUCT(({Q}C8:C30>0)*{Q}C8:C30)",
    f"SUMPRODUCT(--({Q}A8:A30=201),{Q}C8:C30)", f'SUMPRODUCT(({Q}A8:A30&""="201")+0)',
    f'SUMPRODUCT((LEFT({Q}A8:A30,3)="201")*(LEN({Q}A8:A30)=5)*{Q}C8:C30)',
    f'SUMPRODUCT((LEFT({Q}A8:A30,1)="2")*1)', f"SUMPRODUCT({Q}A8:B30)", f"SUMPRODUCT({Q}C8:C30,{Q}C8:C30)",
]  # fmt: skip

# SUMIF/COUNTIF criteria (the generator sums 款 rows into 类 rows with SUMIF(codes,"201",amounts)).
TRICKY_CRITERIA: list[str] = [
    '"201"', "201", '"=201"', '"<>201"', '">200"', '">=201"', '"<5"', '"abc"', '"a*"', '"A?C"', '"a~*c"', '"*"',
    '"?"', '""', '"="', '"<>"', "0", '"0"', "TRUE", '"TRUE"', '"<>abc"', '"<>a*"', '">b"', '"<b"', '"2010101"',
    "2010101", '" 201"', '"201 "', f"{Q}A12", f"{Q}A20", f"{Q}A11", f"{Q}A8", '"=2.01E2"', '"<>0"', '">=a"',
    '"*1"', f'{Q}A8&""', f'{Q}A9&""', "1/0",
]  # fmt: skip
TRICKY_SINGLE += [f"COUNTIF({Q}A8:A30,{c})" for c in TRICKY_CRITERIA]
TRICKY_SINGLE += [f"SUMIF({Q}A8:A30,{c},{Q}C8:C30)" for c in TRICKY_CRITERIA]
TRICKY_SINGLE += [f'SUMIF({Q}A8:A30,"201")', f'COUNTIF({Q}C8:D30,">1")']

# Where Excel and LibreOffice disagree the evaluator follows Excel; these cells are compared with the Excel value
# instead of LibreOffice's.  Reasons:
BOOLEAN = "LibreOffice has no boolean type (TRUE is the number 1): it sums, compares and prints TRUE as 1"
VLOOKUP_TYPES = 'LibreOffice\'s VLOOKUP matches text "201" with the number 201; Excel keeps text and numbers apart'
VLOOKUP_BLANK = "a blank lookup value: Excel looks up 0 (matches code 0), LibreOffice an empty string"
TYPED_TEXT = 'text typed as an argument (SUM("3",1)): Excel converts it, LibreOffice gives #VALUE!'
EXPONENT = "Excel writes the exponent with two digits (1E+20), LibreOffice with three (1E+020)"
SNAP = "LibreOffice's ROUNDDOWN snaps values within ~1E-12 of a boundary up; Excel rounds the 15-digit value"
IF_TEXT = "IF on numeric text: LibreOffice converts it, formulas gives #VALUE! (Excel's answer not verified here)"
COLUMN = "col_index_num past the table: Excel's documented #REF!, LibreOffice #VALUE!"
WILDCARD = 'wildcards: Excel matches * and ? against text only (COUNTIF(r,"*") counts text), LibreOffice numbers too'

F = "公开01表"
EXCEL_NOT_LIBREOFFICE: dict[tuple[str, str], tuple[object, str]] = {
    (F, "AN8"): (1.005, VLOOKUP_TYPES),
    (F, "AN10"): ("无", VLOOKUP_TYPES),
    (F, "T11"): (1.005, VLOOKUP_TYPES),
    (F, "AN11"): (1.005, VLOOKUP_TYPES),
    (F, "T12"): (0.285, VLOOKUP_BLANK),
    (F, "AC13"): (-0.145, BOOLEAN),
    (F, "AN14"): ("无", VLOOKUP_TYPES),
    (F, "AN17"): (1.45, VLOOKUP_TYPES),
    (F, "AK18"): ("#VALUE!", IF_TEXT),
    (F, "AN19"): ("无", VLOOKUP_TYPES),
    (F, "AN22"): (1.005, VLOOKUP_TYPES),
    (F, "G23"): (False, BOOLEAN),
    (F, "K23"): ("正", BOOLEAN),
    (F, "W23"): (True, BOOLEAN),
    (F, "X23"): (False, BOOLEAN),
    (F, "Y23"): (False, BOOLEAN),
    (F, "Z23"): (True, BOOLEAN),
    (F, "AA23"): (True, BOOLEAN),
    (F, "AD23"): (0.2, BOOLEAN),
    (F, "AG23"): ("FAL", BOOLEAN),
    (F, "AH23"): ("FALSE", BOOLEAN),
    (F, "AM23"): ("ABCFALSE", BOOLEAN),
    (F, "AR23"): (5.0, BOOLEAN),
    (F, "T24"): (1.45, VLOOKUP_TYPES),
    (F, "AN24"): (1.45, VLOOKUP_TYPES),
    (F, "AN27"): (1.5, VLOOKUP_TYPES),
    (F, "T28"): (1.5, VLOOKUP_TYPES),
    (F, "AN28"): (1.5, VLOOKUP_TYPES),
    (F, "T29"): (0.285, VLOOKUP_BLANK),
    (F, "V30"): (4.4, SNAP),
    (F, "AN30"): ("无", VLOOKUP_TYPES),
}
EXCEL_NOT_LIBREOFFICE_SINGLE: dict[str, tuple[object, str]] = {
    'SUM("3",1)': (4.0, TYPED_TEXT),
    'MAX("3",1)': (3.0, TYPED_TEXT),
    f"SUM({Q}D8:D30)": (13.815, BOOLEAN),
    f"SUM({Q}C8:D30)": (1362.372, BOOLEAN),
    f"SUMPRODUCT(({Q}C8:C30<>0)*1)": (22.0, BOOLEAN),
    f"SUMPRODUCT({Q}C8:C30,{Q}D8:D30)": (229.759015, BOOLEAN),
    f"SUMPRODUCT({Q}D8:D30)": (13.815, BOOLEAN),
    f"SUMPRODUCT(-({Q}C8:C30>0))": (-19.0, BOOLEAN),
    f"SUMPRODUCT(({Q}C8:C30>0)*({Q}D8:D30>0))": (9.0, BOOLEAN),
    f"SUMPRODUCT(({Q}C8:C30>0),({Q}D8:D30>0))": (0.0, BOOLEAN),
    f"SUM({Q}A8:D30)-SUM({Q}C8:C30)": (4091626.815, BOOLEAN),
    "LEN(TRUE)": (4.0, BOOLEAN),
    "LEFT(TRUE,2)": ("TR", BOOLEAN),
    "TRUE>1": (True, BOOLEAN),
    'TRUE>"a"': (True, BOOLEAN),
    'TRUE&""': ("TRUE", BOOLEAN),
    "FALSE&1": ("FALSE1", BOOLEAN),
    '1E+20&""': ("1E+20", EXPONENT),
    '123456789012345678&""': ("1.23456789012346E+17", EXPONENT),
    '1E-20&""': ("1E-20", EXPONENT),
    f"IF({Q}C9,1,2)": ("#VALUE!", IF_TEXT),
    f'VLOOKUP("201",{Q}A8:C30,3,FALSE)': (1.005, VLOOKUP_TYPES),
    f'VLOOKUP("2?1",{Q}A8:C30,3,FALSE)': (1.005, VLOOKUP_TYPES),
    f"VLOOKUP(201,{Q}A8:C30,4,FALSE)": ("#REF!", COLUMN),
    f'COUNTIF({Q}A8:A30,"*")': (12.0, WILDCARD),
    f'COUNTIF({Q}A8:A30,"?")': (0.0, WILDCARD),
    f'COUNTIF({Q}A8:A30,"*1")': (7.0, WILDCARD),
    f'SUMIF({Q}A8:A30,"*",{Q}C8:C30)': (0.307, WILDCARD),
    f'SUMIF({Q}A8:A30,"?",{Q}C8:C30)': (0.0, WILDCARD),
    f'SUMIF({Q}A8:A30,"*1",{Q}C8:C30)': (3.957, WILDCARD),
}


def build_tricky_workbook(path: Path) -> tuple[list[tuple[str, str, str]], dict[tuple[str, str], tuple[object, str]]]:
    """The tricky-inputs workbook: returns its formula cells and the Excel-not-LibreOffice expectations."""
    data: dict[str, CellInput] = {}
    for i, (code, amount, other) in enumerate(TRICKY_ROWS):
        row = 8 + i
        data.update({f"A{row}": code, f"B{row}": f"名称{i}", f"C{row}": amount, f"D{row}": other})
    data.update({"E8": 1, "E9": "=1/0", "E10": 2})
    table = {
        f"{col}{row}": "=" + template.format(q=Q, r=row)
        for row in range(8, TRICKY_LAST + 1)
        for col, template in TRICKY_ROW_FORMULAS.items()
    }
    checks = {f"B{i + 1}": "=" + formula for i, formula in enumerate(TRICKY_SINGLE)}
    cells = write_workbook(path, {DATA: data, F: table, CHECK: checks})
    known = dict(EXCEL_NOT_LIBREOFFICE)
    for i, formula in enumerate(TRICKY_SINGLE):
        if formula in EXCEL_NOT_LIBREOFFICE_SINGLE:
            known[(CHECK, f"B{i + 1}")] = EXCEL_NOT_LIBREOFFICE_SINGLE[formula]
    return cells, known


_RECALC_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
</oor:items>
"""


def require_soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but LibreOffice (soffice) is not on PATH: install libreoffice-calc-nogui")
        pytest.skip("LibreOffice (soffice) is not on PATH: install libreoffice-calc-nogui to compare with it")
    return found


def libreoffice_recalculate(soffice: str, source: Path, workdir: Path) -> Path:
    """Open ``source`` in a headless LibreOffice with its own profile, recalculate everything, save as xlsx."""
    profile = workdir / "lo-profile"
    (profile / "user").mkdir(parents=True)
    # Recalculate on load always (not only formulas without a cached value): nothing stale can survive.
    (profile / "user" / "registrymodifications.xcu").write_text(_RECALC_SETTINGS, encoding="utf-8")
    outdir = workdir / "lo-out"
    outdir.mkdir()
    command = [
        soffice,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        "--convert-to",
        "xlsx",
        "--outdir",
        str(outdir),
        str(source),
    ]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    output = outdir / source.name
    assert output.exists(), f"LibreOffice did not convert {source}: {completed.stdout} {completed.stderr}"
    return output


def normalise(value: object, *, is_error: bool) -> object:
    if is_error:
        return ("error", value)
    if value is None:
        return ""  # a formula's empty-string result is stored as <v></v>, which openpyxl reads as None
    if isinstance(value, bool) or isinstance(value, str):
        return value
    return float(value)  # type: ignore[arg-type]


def ours(result: Evaluation, key: tuple[str, str]) -> object:
    if key in result.errors:
        return ("error", result.errors[key])
    return result.values[key]


def expected_excel(value: object) -> object:
    return ("error", value) if isinstance(value, str) and value.startswith("#") else value


def values_agree(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or math.isclose(a, b, rel_tol=1e-12, abs_tol=0.0)
    return type(a) is type(b) and a == b


def compare_with_libreoffice(
    result: Evaluation,
    recalculated: Path,
    cells: Iterable[tuple[str, str, str]],
    known: Mapping[tuple[str, str], tuple[object, str]],
) -> list[str]:
    book = openpyxl.load_workbook(recalculated, data_only=True)
    problems = []
    for sheet, ref, formula in cells:
        key = (sheet, ref)
        cell = book[sheet][ref]
        theirs = normalise(cell.value, is_error=cell.data_type == "e")
        mine = ours(result, key)
        if key in known:
            excel, reason = known[key]
            if not values_agree(mine, expected_excel(excel)):
                problems.append(f"{sheet}!{ref} {formula}: ours {mine!r}, Excel {excel!r} ({reason})")
        elif not values_agree(mine, theirs):
            problems.append(f"{sheet}!{ref} {formula}: ours {mine!r}, LibreOffice {theirs!r}")
    return problems


@pytest.mark.libreoffice
def test_evaluator_agrees_with_libreoffice_cell_by_cell(tmp_path: Path) -> None:
    soffice = require_soffice()
    source = tmp_path / "tricky.xlsx"
    cells, known = build_tricky_workbook(source)
    recalculated = libreoffice_recalculate(soffice, source, tmp_path)
    result = evaluate_workbook(source)
    assert result.evaluated and not result.circular
    assert len(cells) > 1200
    problems = compare_with_libreoffice(result, recalculated, cells, known)
    assert not problems, f"{len(problems)} of {len(cells)} cells disagree:\n" + "\n".join(problems)
