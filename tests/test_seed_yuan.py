"""The seed department's books in 元 (examples/seed-2024-yuan.toml, derived by examples/seed_in_yuan.py from the
published 万元 figures): issue 17's "done when" — exact in 元, every typed figure prints as published, and the
published tables tie exactly only with controlled rounding."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from juesuan_xlsx.amounts import to_wan
from juesuan_xlsx.contract import YUAN, view_sheet
from juesuan_xlsx.filling import load_fill_file
from juesuan_xlsx.findings import Level
from juesuan_xlsx.generate import Options, generate
from juesuan_xlsx.rounding import RoundingStatus, imbalances, independent_rounding, round_figures
from juesuan_xlsx.spec import load_spec
from juesuan_xlsx.verify import Verification, expected_formula_values, verify

ROOT = Path(__file__).resolve().parent.parent
YUAN_TOML = ROOT / "examples" / "seed-2024-yuan.toml"
WAN_TOML = ROOT / "examples" / "seed-2024.toml"
EXAMPLE = ROOT / "examples" / "seed-2024-yuan.xlsx"


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> Verification:
    """The committed example, checked to be what examples/fill_seed.py makes of the 元 fill file."""
    data = load_fill_file(YUAN_TOML)
    assert data.unit == YUAN
    fresh = tmp_path_factory.mktemp("yuan") / "seed-2024-yuan.xlsx"
    generate(load_spec(data.year, data.profile), fresh,
             Options(dept=data.dept, filling=data.filling, shuoming=data.shuoming, unit=data.unit))
    assert fresh.read_bytes() == EXAMPLE.read_bytes(), "examples/seed-2024-yuan.xlsx is stale: rerun fill_seed.py"
    return verify(EXAMPLE)


def test_books_in_yuan_verify_exactly(books: Verification) -> None:
    report = books.report
    assert report.valid and report.count(Level.ERROR) == 0 and report.count(Level.WARNING) == 0
    assert report.count(Level.NOTE) == 0  # no 尾差: in 元 every relation holds exactly, and none is allowed
    assert books.read is not None and books.read.inst.unit == YUAN and books.read.inst.weight == 0


def test_every_typed_figure_prints_as_published() -> None:
    """Each 元 figure rounds to the 万元 figure the department published (a published 0 is 0 in the books)."""
    yuan, wan = load_fill_file(YUAN_TOML), load_fill_file(WAN_TOML)
    assert yuan.filling.cells.keys() == wan.filling.cells.keys()
    for cell, value in yuan.filling.cells.items():
        assert isinstance(value, Decimal) and to_wan(value) == wan.filling.cells[cell], cell
    for table, rows in yuan.filling.rows.items():
        printed = {(r.code, k): v for r in wan.filling.rows[table] for k, v in r.amounts.items()}
        for row in rows:
            for key, value in row.amounts.items():
                assert isinstance(value, Decimal) and value.as_tuple().exponent == -2
                assert to_wan(value) == printed[(row.code, key)], (table, row.code, key)


def test_view_sheets_show_the_independently_rounded_figures(books: Verification) -> None:
    """Each view cell is ROUND(its 元 cell/10000, 2) at the same address, and what it must show is the 万元 figure
    the reporting software prints (LibreOffice computes the same: tests/test_three_way*.py)."""
    assert books.read is not None
    wb = openpyxl.load_workbook(EXAMPLE)
    expected = expected_formula_values(EXAMPLE)
    for table in books.read.spec.tables:
        view = wb[view_sheet(table.sheet)]
        for cell, (row, col) in books.read.layouts[table.id].cells.items():
            address = f"{get_column_letter(col + 1)}{row + 1}"
            assert view[address].value == f"=ROUND({table.sheet}!{address}/10000,2)"
            figure = books.figures.get(cell)  # none: a blank input, an exact 0
            assert expected[(view.title, address)] == to_wan(figure.value if figure else Decimal(0)), address


def test_independent_rounding_breaks_relations_that_controlled_rounding_keeps(books: Verification) -> None:
    assert books.engine is not None
    exact = {c: f.value for c, f in books.figures.items()}
    sums = [eq for eq in books.engine.equations if eq.kind != "implies"]
    independent = independent_rounding(exact)
    assert len(imbalances(sums, independent)) >= 5  # the 尾差 the published document shows, and more
    balanced = round_figures(exact, books.engine.equations)
    assert balanced.status == RoundingStatus.BALANCED and not balanced.unbalanced and not balanced.inconsistent
    assert imbalances(sums, balanced.published) == []
    for cell, printed in balanced.published.items():
        assert abs(printed - exact.get(cell, Decimal(0)) / 10_000) < Decimal("0.01")
    total = balanced.published
    income, spending = (next(v for c, v in total.items() if str(c) == key)
                        for key in ("01.inc_total.amt", "01.exp_total.amt"))
    assert income == spending  # equal in the books, equal in print


def test_a_copy_with_one_figure_off_by_a_fen_is_an_error(tmp_path: Path, books: Verification) -> None:
    assert books.read is not None
    copy = tmp_path / "off.xlsx"
    shutil.copy(EXAMPLE, copy)
    wb = openpyxl.load_workbook(copy)
    ws = wb["公开06表"]
    row, col = books.read.layouts["06"].cells[next(c for c in books.read.layouts["06"].cells
                                                    if str(c) == "06.30101.amt")]
    ws.cell(row + 1, col + 1).value = float(Decimal(str(ws.cell(row + 1, col + 1).value)) + Decimal("0.01"))
    wb.save(copy)
    report = verify(copy).report
    assert not report.valid
    assert any(f.level == Level.ERROR and f.code.startswith("X-05基本支出") for f in report.findings)


def test_the_books_published_balanced_read_back_with_nothing_to_report(tmp_path: Path) -> None:
    """Issue 17's "done when": the 元 books exported with --balanced to xlsx and docx; read back as publications,
    every table ties exactly (no 尾差 note, no error, the right year), income equals expenditure in print, and
    the 尾数误差 footnote is gone."""
    from juesuan_xlsx.export import export_report
    from juesuan_xlsx.sources import read_source

    for fmt in ("xlsx", "docx"):
        out = tmp_path / f"books.{fmt}"
        exported = export_report(EXAMPLE, fmt, out, balanced=True)
        assert exported.rounding is not None and exported.rounding.balanced
        report = verify(out).report
        assert report.findings == [], [f.message for f in report.findings]
        printed = read_source(out)
        assert printed.year == 2024
        numbers = printed.numbers()
        income, spending = (next(v for c, v in numbers.items() if str(c) == key)
                            for key in ("01.inc_total.amt", "01.exp_total.amt"))
        assert income == spending
        assert not any("尾数误差" in p.text for p in (*printed.paragraphs, *printed.notes))


def test_a_wan_workbook_exported_reads_back_without_errors(tmp_path: Path) -> None:
    """The 万元 seed's export prints totals added up from rounded figures (180.86 where the department printed
    180.83): read back, such a total carries its parts' allowance, so a 尾差 is a note, not an error."""
    from juesuan_xlsx.export import export

    out = tmp_path / "wan.xlsx"
    export(ROOT / "examples" / "seed-2024.xlsx", "xlsx", out)
    report = verify(out).report
    assert report.valid and report.count(Level.WARNING) == 0, [f.message for f in report.findings]
    assert report.count(Level.NOTE) > 0  # the 尾差 the 万元 figures carry, said as notes
