"""The LibreOffice driver against a real headless LibreOffice: what an accountant opening our files sees."""

from __future__ import annotations

import builtins
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from . import libreoffice_driver as lo_mod
from .libreoffice_driver import (
    CellProtectedError,
    Document,
    LibreOffice,
    LibreOfficeUnavailable,
    SheetProtectedError,
)

MAIN = "公开01表"  # protected; B2:B4 and C2 unlocked inputs, B5 locked formula
SUMMARY = "汇总"  # cross-sheet formulas
ROWS = "Rows"  # unprotected; B2:B6 numbers, B8 =SUM(B2:B6)
LOCKED_ROWS = "RowsProtected"  # protected with default options: no inserting rows
ROWS_ALLOWED = "RowsAllowed"  # protected, but inserting rows allowed


def _build_workbook(path: Path) -> Path:
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    unlocked = wb.add_format({"locked": False})

    ws = wb.add_worksheet(MAIN)
    ws.write_string("A1", "项目")
    for row, code in enumerate(("2013201", "2013202", "2013250"), start=2):
        ws.write_string(f"A{row}", code)
    ws.write_number("B2", 1.5, unlocked)
    ws.write_number("B3", 2.5, unlocked)
    ws.write_blank("B4", None, unlocked)
    ws.write_blank("C2", None, unlocked)
    # Empty cached value: a default LibreOffice computes it on load.
    ws.write_formula("B5", "=SUM(B2:B4)", None, "")
    # xlsxwriter's default cached value 0: a default LibreOffice shows that 0 until recalculated.
    ws.write_formula("B6", "=SUM(B2:B4)")
    ws.write_formula("C5", "=SUM(C2:C4)", None, "")
    ws.write_formula("D5", "=B5/C5", None, "")
    ws.write_formula("D6", '=IF(B5>100,"大","")', None, "")
    ws.protect()

    summary = wb.add_worksheet(SUMMARY)
    summary.write_formula("A1", f"='{MAIN}'!B5*2", None, "")
    summary.write_formula("A2", f"=ROUND(SUM('{MAIN}'!B2:B3)/3,2)", None, "")

    for name, options in ((ROWS, None), (LOCKED_ROWS, {}), (ROWS_ALLOWED, {"insert_rows": True})):
        sheet = wb.add_worksheet(name)
        for row in range(2, 7):
            sheet.write_number(f"B{row}", row)  # 2..6, total 20
        sheet.write_formula("B8", "=SUM(B2:B6)", None, "")
        if options is not None:
            sheet.protect("", options)
    wb.close()
    return path


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build_workbook(tmp_path_factory.mktemp("lo") / "driver.xlsx")


@pytest.fixture
def doc(libreoffice: LibreOffice, workbook: Path) -> Iterator[Document]:
    # Opening never writes to the file, so every test starts from the same workbook.
    with libreoffice.open(workbook) as document:
        yield document


# --- without LibreOffice ------------------------------------------------------------------------------------


def test_module_imports_without_touching_uno() -> None:
    code = "import sys, tests.libreoffice_driver; assert not {'uno', 'pyuno'} & set(sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[1])


def test_blocks_group_cells_into_rectangles() -> None:
    cells = [lo_mod._parse_cell(ref) for ref in ("B2", "B3", "C2", "C3", "B5", "D9", "E9", "A1")]
    assert lo_mod._blocks(cells) == [(0, 0, 0, 0), (1, 1, 2, 2), (1, 4, 1, 4), (3, 8, 4, 8)]


@pytest.mark.parametrize(
    ("ref", "pos"), [("A1", (0, 0)), ("$C$9", (2, 8)), ("z10", (25, 9)), ("AA1", (26, 0))]
)
def test_cell_addresses_round_trip(ref: str, pos: tuple[int, int]) -> None:
    assert lo_mod._parse_cell(ref) == pos
    assert lo_mod._cell_name(*pos) == ref.replace("$", "").upper()


def test_mismatched_python_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "uno.py").write_text("raise AssertionError('must not be imported')\n")
    monkeypatch.delitem(sys.modules, "uno", raising=False)
    monkeypatch.setattr(lo_mod, "_program_dir", lambda soffice: tmp_path)
    monkeypatch.setattr(lo_mod, "_bridge_python_minor", lambda program_dir: 99)
    with pytest.raises(LibreOfficeUnavailable, match=r"built for Python 3\.99"):
        lo_mod.import_uno()


def test_writers_reject_values_that_are_not_cells() -> None:
    with pytest.raises(TypeError):
        lo_mod._to_uno_value(True, "S!A1")
    with pytest.raises(ValueError):
        lo_mod._to_uno_value(float("nan"), "S!A1")
    assert lo_mod._to_uno_value(Decimal("1.10"), "S!A1") == 1.1
    assert lo_mod._to_uno_value(None, "S!A1") == ""


# --- with LibreOffice ---------------------------------------------------------------------------------------


@pytest.mark.libreoffice
def test_uno_import_hook_is_removed(libreoffice: LibreOffice) -> None:
    # uno.py's __import__ hook turns ModuleNotFoundError into ImportError, which breaks optional imports
    # (tqdm's "except ModuleNotFoundError", used lazily by formulas); the driver must not leave it installed.
    assert builtins.__import__.__module__ == "builtins"
    with pytest.raises(ModuleNotFoundError):
        from juesuan_no_such_module import anything  # type: ignore[import-not-found]  # noqa: F401


@pytest.mark.libreoffice
def test_default_open_computes_formulas_with_empty_cached_value(doc: Document) -> None:
    values = doc.get_values(MAIN, ["A2", "B2", "B4", "B5", "B6", "D5", "D6"])
    assert values == {
        "A2": "2013201",
        "B2": 1.5,
        "B4": None,
        "B5": 4.0,  # written with cached '' -> computed on load
        "B6": 0.0,  # xlsxwriter's cached 0 -> shown as is: LibreOffice does not recalculate on load
        "D5": "#DIV/0!",
        "D6": "",
    }
    assert doc.get_values(SUMMARY, ["A1", "A2"]) == {"A1": 8.0, "A2": 1.33}
    doc.recalculate()
    assert doc.get_values(MAIN, ["B6"]) == {"B6": 4.0}


@pytest.mark.libreoffice
def test_set_values_and_recalculate_give_the_totals(doc: Document) -> None:
    doc.set_values(MAIN, {"B2": 100.25, "B3": Decimal("200.50"), "B4": 300, "C2": 7})
    doc.recalculate()
    assert doc.get_values(MAIN, ["B5", "B6", "C5", "D5", "D6"]) == pytest.approx(
        {"B5": 600.75, "B6": 600.75, "C5": 7.0, "D5": 600.75 / 7, "D6": "大"}
    )
    assert doc.get_values(SUMMARY, ["A1", "A2"]) == pytest.approx({"A1": 1201.5, "A2": 100.25})
    doc.set_values(MAIN, {"B4": None})  # None empties a cell
    doc.recalculate()
    assert doc.get_values(MAIN, ["B4", "B5"]) == pytest.approx({"B4": None, "B5": 300.75})


@pytest.mark.libreoffice
def test_saved_xlsx_carries_computed_values_for_openpyxl(doc: Document, tmp_path: Path) -> None:
    doc.set_values(MAIN, {"B2": 10, "B3": 20, "B4": 30.5})
    doc.recalculate()
    out = doc.save_xlsx(tmp_path / "saved.xlsx")
    assert doc.save_xlsx(out) == out  # overwriting is allowed
    assert [p.name for p in tmp_path.iterdir()] == ["saved.xlsx"]  # no partial file left behind

    values = openpyxl.load_workbook(out, data_only=True)
    main = values[MAIN]
    assert (main["B5"].value, main["B6"].value, main["A2"].value) == (60.5, 60.5, "2013201")
    assert values[SUMMARY]["A1"].value == 121
    formulas = openpyxl.load_workbook(out)[MAIN]
    assert formulas["B5"].value == "=SUM(B2:B4)"
    # Protection survives the round trip: sheet protected, input unlocked, formula locked.
    assert formulas.protection.sheet
    assert formulas["B2"].protection.locked is False
    assert formulas["B5"].protection.locked is True


@pytest.mark.libreoffice
def test_text_codes_stay_text(doc: Document, tmp_path: Path) -> None:
    doc.set_values(MAIN, {"B2": "2013201", "C2": "=1+1"})
    doc.recalculate()
    # Text in a SUM range is ignored, as in Excel, and "=1+1" typed as a value is not a formula.
    assert doc.get_values(MAIN, ["B2", "C2", "B5", "C5"]) == {
        "B2": "2013201",
        "C2": "=1+1",
        "B5": 2.5,
        "C5": 0.0,
    }
    assert (MAIN, "C2") not in doc.get_all_formula_cells(syntax="calc")
    main = openpyxl.load_workbook(doc.save_xlsx(tmp_path / "text.xlsx"), data_only=True)[MAIN]
    assert (main["B2"].value, main["B2"].data_type) == ("2013201", "s")
    assert (main["C2"].value, main["C2"].data_type) == ("=1+1", "s")


@pytest.mark.libreoffice
def test_protection_refuses_writes_into_locked_formula_cells(doc: Document) -> None:
    assert doc.is_protected(MAIN) and doc.is_locked(MAIN, "B5") and not doc.is_locked(MAIN, "B2")
    assert doc.try_set_value(MAIN, "B5", 999) is False
    assert doc.try_set_value(MAIN, "A2", "改") is False  # locked text cell
    assert doc.try_set_value(MAIN, "B2", 5) is True
    doc.recalculate()
    assert doc.get_values(MAIN, ["A2", "B5"]) == {"A2": "2013201", "B5": 7.5}
    assert doc.get_all_formula_cells()[(MAIN, "B5")] == ("=SUM(B2:B4)", 7.5)

    # A batch touching a locked cell is refused as a whole block, and names the locked cells.
    with pytest.raises(CellProtectedError) as refused:
        doc.set_values(MAIN, {"B3": 1, "B4": 2, "B5": 3})
    assert refused.value.cells == ["B5"]
    assert doc.get_values(MAIN, ["B3", "B4"]) == {"B3": 2.5, "B4": None}

    # Not a protected sheet: everything is writable.
    assert doc.try_set_value(ROWS, "B8", 1) is True


@pytest.mark.libreoffice
def test_uno_single_cell_setters_ignore_protection(doc: Document) -> None:
    # Pins the measured LibreOffice behaviour the driver works around: setValue on a locked cell of a
    # protected sheet overwrites the formula, only setDataArray/setFormulaArray enforce the protection.
    sheet = doc.component.Sheets.getByName(MAIN)
    cell = sheet.getCellRangeByName("B5")
    cell.setValue(42)
    assert (cell.getFormula(), cell.getValue()) == ("42", 42.0)
    # clearContents (VALUE|STRING|FORMULA) on a locked cell neither raises nor clears anything.
    sheet.getCellRangeByName("A2").clearContents(1 | 4 | 16)
    assert doc.get_values(MAIN, ["A2"]) == {"A2": "2013201"}


@pytest.mark.libreoffice
def test_insert_rows_inside_a_sum_range_expands_it(doc: Document) -> None:
    doc.insert_rows(ROWS, before_row=4, count=2)  # inside B2:B6
    formulas = doc.get_all_formula_cells()
    assert formulas[(ROWS, "B10")] == ("=SUM(B2:B8)", 20.0)
    doc.set_values(ROWS, {"B4": 100, "B5": 0.5})
    doc.recalculate()
    assert doc.get_values(ROWS, ["B10"]) == {"B10": 120.5}

    # A row inserted just below the range's last row stays outside it: its amount is not in the total.
    doc.insert_rows(ROWS, before_row=9)  # B2:B8 ends at row 8; row 9 was the blank gap above the total
    assert doc.get_all_formula_cells()[(ROWS, "B11")][0] == "=SUM(B2:B8)"
    doc.set_values(ROWS, {"B9": 1000})
    doc.recalculate()
    assert doc.get_values(ROWS, ["B11"]) == {"B11": 120.5}

    # Rows inserted above the range's first row move the range without growing it.
    doc.insert_rows(ROWS, before_row=2)
    assert doc.get_all_formula_cells()[(ROWS, "B12")] == ("=SUM(B3:B9)", 120.5)


@pytest.mark.libreoffice
def test_insert_rows_obeys_sheet_protection(doc: Document) -> None:
    with pytest.raises(SheetProtectedError):
        doc.insert_rows(LOCKED_ROWS, before_row=3)
    doc.insert_rows(ROWS_ALLOWED, before_row=3)  # protection allows inserting rows
    assert doc.get_all_formula_cells()[(ROWS_ALLOWED, "B9")][0] == "=SUM(B2:B7)"
    doc.unprotect(LOCKED_ROWS)
    doc.insert_rows(LOCKED_ROWS, before_row=3)
    assert doc.get_all_formula_cells()[(LOCKED_ROWS, "B9")][0] == "=SUM(B2:B7)"


@pytest.mark.libreoffice
def test_get_all_formula_cells_in_both_syntaxes(doc: Document) -> None:
    excel = doc.get_all_formula_cells()
    assert sorted(excel) == sorted(
        [(MAIN, cell) for cell in ("B5", "B6", "C5", "D5", "D6")]
        + [(SUMMARY, "A1"), (SUMMARY, "A2")]
        + [(sheet, "B8") for sheet in (ROWS, LOCKED_ROWS, ROWS_ALLOWED)]
    )
    assert excel[(MAIN, "D6")] == ('=IF(B5>100,"大","")', "")
    assert excel[(SUMMARY, "A2")] == (f"=ROUND(SUM({MAIN}!B2:B3)/3,2)", 1.33)
    calc = doc.get_all_formula_cells(syntax="calc")
    assert calc[(SUMMARY, "A2")] == (f"=ROUND(SUM(${MAIN}.B2:B3)/3;2)", 1.33)
    assert {key: result for key, (_, result) in calc.items()} == {
        key: result for key, (_, result) in excel.items()
    }


@pytest.mark.libreoffice
def test_convert_to_pdf_and_render_png(libreoffice: LibreOffice, workbook: Path, tmp_path: Path) -> None:
    if shutil.which("pdftoppm") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pdftoppm (poppler-utils) is required when CI=true")
        pytest.skip("pdftoppm (poppler-utils) not installed")
    pdf = libreoffice.convert(workbook, "pdf", tmp_path)
    assert pdf == tmp_path / "driver.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    png = lo_mod.render_png(pdf, tmp_path / "pics" / "page1.png", lo=libreoffice)
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    png_from_xlsx = lo_mod.render_png(workbook, tmp_path / "direct.png", lo=libreoffice)
    assert png_from_xlsx.stat().st_size > 1000
    with pytest.raises(lo_mod.LibreOfficeError, match="page 99"):
        lo_mod.render_png(pdf, tmp_path / "none.png", page=99)
