"""A real published disclosure (上海市普陀区财政局 2024, Shanghai layout, produced by ONLYOFFICE) read from its PDF:
tables rebuilt from character boxes and ruling lines, figures checked by hand against the printed pages.

``fixtures/sources/putuo-2024-tables.pdf`` holds the cover and the table pages (pages 1 and 6–20 of the
25-page original, so its page n + 4 is the original's page n + 4 … see ``PAGE``); the original in ``../shared``
is read too when present, and must give the same figures with its own page numbers."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from juesuan_xlsx.disclosure import Disclosure, Kind
from juesuan_xlsx.model import Cell
from juesuan_xlsx.sources import SourceError, read_source

from .sources_helpers import (
    Style,
    convert,
    convert_to_xls,
    minimal_pdf,
    seed_tables,
    tables_from,
    write_docx,
    write_xlsx,
)

SUBSET = Path(__file__).parent / "fixtures" / "sources" / "putuo-2024-tables.pdf"
FULL = Path(__file__).resolve().parents[2] / "shared" / "reference" / "disclosures" / \
    "shanghai-putuo-caizhengju-2024.pdf"
DEPT = "上海市普陀区财政局"


def subset_page(original: int) -> int:
    return 1 if original == 1 else original - 4


@pytest.fixture(scope="module")
def subset() -> Disclosure:
    return read_source(SUBSET)


@pytest.fixture(scope="module")
def full() -> Disclosure:
    if not FULL.is_file():
        pytest.skip("the original PDF is not in ../shared")
    return read_source(FULL)


# (cell, printed text, page of the original, row as printed, column as printed) — read off the printed pages
BY_HAND = [
    (Cell("01", "inc1", "amt"), "2,940.05", 6, "一、一般公共预算财政拨款收入", "收入 决算数"),
    (Cell("01", "inc8", "amt"), "6.20", 6, "八、其他收入", "收入 决算数"),
    (Cell("01", "208", "amt"), "326.71", 6, "八、社会保障和就业支出", "支出 决算数"),
    (Cell("01", "inc_total", "amt"), "2,946.25", 6, "本年收入合计", "收入 决算数"),
    (Cell("01", "inc_begin", "amt"), "49.14", 7, "年初结转和结余", "收入 决算数"),  # continued on page 7
    (Cell("01", "exp_end", "amt"), "55.34", 7, "年末结转和结余", "支出 决算数"),
    (Cell("01", "exp_grand", "amt"), "2,995.39", 7, "总计", "支出 决算数"),
    (Cell("02", "sum", "total"), "2,946.25", 8, "合计", "本年收入合计"),
    (Cell("02", "#3", "total"), "1,511.90", 8, "2010601", "本年收入合计"),  # 201 06 01 行政运行
    (Cell("02", "#3", "fiscal"), "1,511.89", 8, "2010601", "财政拨款收入"),
    (Cell("02", "#3", "other"), "0.01", 8, "2010601", "其他收入"),
    (Cell("02", "#19", "fiscal"), "258.50", 9, "2210203", "财政拨款收入"),  # continued on page 9
    (Cell("03", "sum", "basic"), "2,336.91", 10, "合计", "基本支出"),
    (Cell("03", "#3", "project"), "8.37", 10, "2010601", "项目支出"),
    (Cell("03", "#11", "total"), "80.38", 10, "2080506", "本年支出合计"),  # name wrapped over two lines
    (Cell("04", "201", "gen"), "2,106.66", 12, "一、一般公共服务支出", "一般公共预算财政拨款"),
    (Cell("04", "221", "total"), "445.69", 13, "十九、住房保障支出", "合计"),  # continued on page 13
    (Cell("04", "begin_gen", "amt"), "21.63", 13, "一、一般公共预算财政拨款", "决算数"),
    (Cell("04", "exp_grand", "gen"), "2,961.68", 13, "总计", "一般公共预算财政拨款"),
    (Cell("05", "#4", "project"), "10.00", 15, "2010602", "项目支出"),
    (Cell("05", "sum", "total"), "2,940.05", 15, "合计", "合计"),  # the 合计 row printed last
    (Cell("06", "30102", "amt"), "1,238.58", 16, "30102", "决算数"),
    (Cell("06", "30108", "amt"), "160.75", 16, "30108", "决算数"),
    (Cell("06", "302", "amt"), "171.07", 16, "302", "决算数"),
    (Cell("06", "30229", "amt"), "42.77", 17, "30229", "决算数"),
    (Cell("06", "30299", "amt"), "11.53", 17, "30299", "决算数"),
    (Cell("06", "31002", "amt"), "13.58", 17, "31002", "决算数"),
    (Cell("06", "personnel", "amt"), "2,152.26", 17, "人员经费合计", "决算数"),
    (Cell("06", "public", "amt"), "184.65", 17, "公用经费合计", "决算数"),
    (Cell("09", "sg", "b_total"), "0.95", 18, None, "合计 预算数"),
    (Cell("09", "sg", "b_recept"), "0.95", 18, None, "公务接待费 预算数"),
]


def _check(d: Disclosure, page_of: object) -> None:
    for cell, text, page, row, column in BY_HAND:
        printed = d.figures[cell]
        assert printed.kind is Kind.NUMBER, cell
        assert printed.value == Decimal(text.replace(",", "")) and printed.text == text, cell
        where = printed.where
        assert (where.page, where.row, where.column) == (page_of(page), row, column), cell  # type: ignore[operator]


def test_document(subset: Disclosure) -> None:
    assert (subset.year, subset.spec.profile, subset.dept, subset.unit) == (2024, "shanghai", DEPT, "万元")
    assert subset.source_kind == "pdf"
    assert subset.how == "PDF，16 页，识别 9 张表（上海格式（shanghai），2024 年度）"
    assert subset.missing_tables == [] and subset.unchecked_tables == []


def test_figures_checked_by_hand(subset: Disclosure) -> None:
    _check(subset, subset_page)


def test_figures_of_the_original_with_its_page_numbers(full: Disclosure) -> None:
    _check(full, lambda page: page)
    assert str(full.figures[Cell("02", "#3", "other")].where) == "第 8 页 收入决算表 行 2010601 列 其他收入"
    assert full.how.startswith("PDF，25 页，识别 9 张表")
    assert full.unchecked_tables == ["无标题表格（第 5 页）"]  # the list of units in 部门决算单位构成


def test_blank_cells_and_the_empty_tables(subset: Disclosure) -> None:
    assert subset.figures[Cell("05", "#4", "basic")].kind is Kind.BLANK
    assert subset.figures[Cell("09", "sg", "a_total")].kind is Kind.BLANK
    for tid in ("07", "08"):  # 本表无数据: a 合计 row of blanks, no code rows
        assert subset.inst.code_tables[tid].rows == []
        assert {p.kind for c, p in subset.figures.items() if c.table == tid} == {Kind.BLANK}


def test_code_rows_joined_over_pages(subset: Disclosure) -> None:
    codes = ["201", "20106", "2010601", "2010602", "2010607", "2010608", "208", "20805", "2080501", "2080505",
             "2080506", "2080599", "210", "21011", "2101101", "221", "22102", "2210201", "2210203"]
    for tid in ("02", "03", "05"):
        assert [r.code for r in subset.inst.code_tables[tid].rows] == codes, tid
    assert subset.code_names["2080505"] == "机关事业单位基本养老保险缴费支出"  # printed over two lines


def test_every_figure_has_page_table_row_and_column(subset: Disclosure) -> None:
    assert len(subset.figures) > 300
    for cell, printed in subset.figures.items():
        where = printed.where
        assert where.page and where.table and where.column, cell
        assert where.row or cell.table == "09", cell


def test_what_the_document_leaves_out_is_reported(subset: Disclosure) -> None:
    """The PDF prints 30305 then 30307: 30306 救济费 of the Shanghai 06 is missing.  Its 231/232 class rows
    (central, blank) are not in the Shanghai layout and are passed over without a word."""
    assert subset.problems == [("S-行未找到", None, {"table": "一般公共预算财政拨款基本支出决算表", "rows": "救济费"})]


def test_narrative_of_the_original(full: Disclosure) -> None:
    first = next(p for p in full.paragraphs if p.text.startswith(f"{DEPT}2024年度收入支出总计"))
    assert first.where.page == 21
    assert "减少56.95万元" in first.text and first.text.endswith("减少支付。")  # joined over three lines
    assert any(p.heading and p.text == "二、收入决算情况说明" for p in full.paragraphs)


# ----------------------------------------------------------------------------------------------------------
# PDFs that cannot be read say so


def test_scanned_pdf_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(minimal_pdf(image=True))
    with pytest.raises(SourceError, match="没有文字层.*扫描件.*不做文字识别"):
        read_source(scan)


def test_encrypted_pdf_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    locked = tmp_path / "locked.pdf"
    locked.write_bytes(minimal_pdf(text="2024", encrypt=True))
    with pytest.raises(SourceError, match="密码"):
        read_source(locked)


def test_damaged_pdf_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(SUBSET.read_bytes()[:5000])
    with pytest.raises(SourceError):
        read_source(broken)


def test_pdf_without_the_tables(tmp_path: Path) -> None:
    other = tmp_path / "other.pdf"
    other.write_bytes(minimal_pdf(text="hello"))
    with pytest.raises(SourceError, match="PDF 中没有找到部门决算公开表"):
        read_source(other)


@pytest.mark.slow
def test_two_thousand_pages_are_read_up_to_the_cap(tmp_path: Path) -> None:
    import pypdfium2 as pdfium

    from juesuan_xlsx.sources.pdf import MAX_PAGES

    source = pdfium.PdfDocument(str(SUBSET))
    big = pdfium.PdfDocument.new()
    big.import_pages(source, [0, 1, 2] + [2] * 1997)  # the cover, then 收入支出决算总表 and its continuation
    path = tmp_path / "2024-big.pdf"
    big.save(str(path))
    d = read_source(path)
    assert d.how.startswith(f"PDF，2000 页（读取前 {MAX_PAGES} 页），识别 1 张表")
    assert ("S-页数超限", None, {"pages": 2000, "read": MAX_PAGES}) in d.problems


@pytest.mark.libreoffice
def test_tables_without_rules_are_refused_not_guessed(tmp_path: Path) -> None:
    """A Word table without borders printed to PDF: the titles are there, the columns are not drawn; the
    reader says so instead of guessing which figure belongs to which column."""
    pdf = convert(write_docx(tmp_path / "plain2024.docx", seed_tables()), tmp_path, "pdf")
    if pdf is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    with pytest.raises(SourceError, match="没有表格线"):
        read_source(pdf)


# ----------------------------------------------------------------------------------------------------------
# the same tables saved by another program


def _same_as_pdf(pdf: Disclosure, other: Disclosure) -> None:
    figures = {c: (p.kind, p.value) for c, p in pdf.figures.items()}
    assert {c: (p.kind, p.value) for c, p in other.figures.items() if c in figures} == figures
    # the only cell the workbook adds is the row the PDF left out (30306, written blank)
    assert {c for c in other.figures if c not in figures} == {Cell("06", "30306", "amt")}
    for tid in ("02", "03", "05", "07", "08"):
        assert other.inst.code_tables[tid].rows == pdf.inst.code_tables[tid].rows
    assert (other.year, other.spec.profile, other.missing_tables) == (2024, "shanghai", [])


def test_its_tables_saved_as_a_foreign_workbook(subset: Disclosure, tmp_path: Path) -> None:
    """Sheets named by title, no 公开NN表 labels, no 栏次: the Shanghai layout is recognised from the titles
    and headers, and every figure is the PDF's."""
    style = Style(sheet_name=lambda t: t.title[:28], label=False, lanci=False)
    other = read_source(write_xlsx(tmp_path / "普陀2024.xlsx", tables_from(subset), style))
    _same_as_pdf(subset, other)
    assert other.problems == []


@pytest.mark.libreoffice
def test_its_tables_saved_as_xls(subset: Disclosure, tmp_path: Path) -> None:
    style = Style(sheet_name=lambda t: t.title[:28], label=False, lanci=False)
    xls = convert_to_xls(write_xlsx(tmp_path / "普陀2024.xlsx", tables_from(subset), style), tmp_path)
    if xls is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    _same_as_pdf(subset, read_source(xls))


def test_figures_read_satisfy_the_spec_relations(subset: Disclosure) -> None:
    """A cross-check, not the proof (the hand-checked sample above is; identities alone pass wrong readings):
    every relation of the spec over printed figures holds within the rounding allowance of GUIDE §1."""
    from juesuan_xlsx.model import Ref

    numbers = subset.numbers()
    checked = 0
    for eq in subset.inst.equations():
        terms = (*eq.lhs, *eq.rhs)
        if eq.kind not in ("eq", "le", "ge") or not all(isinstance(t, Ref) for t in terms) or \
                any(t.cell not in subset.figures for t in terms):
            continue
        lhs = sum((numbers.get(t.cell, Decimal(0)) * t.sign for t in eq.lhs), Decimal(0))
        rhs = sum((numbers.get(t.cell, Decimal(0)) * t.sign for t in eq.rhs), Decimal(0))
        allowance = Decimal("0.005") * (len(terms) + 1)
        gap = {"eq": abs(lhs - rhs), "le": lhs - rhs, "ge": rhs - lhs}[eq.kind]
        assert gap <= allowance, (eq.relation.code, eq.anchor, lhs, rhs)
        checked += 1
    assert checked > 400
