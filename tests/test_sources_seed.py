"""The seed (a real Hunan 2024 disclosure copied out of Word as text) read by juesuan_xlsx.sources, and the same
nine tables laid out by other programs (.xlsx with foreign sheet names and wordings, .xls by LibreOffice, .html,
.docx): every printed figure lands on its logical cell, with its place in the source's own terms."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from juesuan_xlsx.disclosure import Disclosure, Kind
from juesuan_xlsx.model import Cell
from juesuan_xlsx.sources import SourceError, read_source

from .sources_helpers import (
    DEPT,
    SEED_CODES,
    Style,
    convert_to_xls,
    seed_tables,
    seed_truth,
    write_docx,
    write_html,
    write_xlsx,
)

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_d1da4f3a8c0b1cbc.txt"
FIXTURE = Path(__file__).parent / "fixtures" / "sources" / "seed-2024.txt"


@pytest.fixture(scope="module")
def seed_txt() -> Path:
    """The seed text: the copy in tests/fixtures (the shared original when present must be the same)."""
    if SEED.is_file():
        assert SEED.read_bytes() == FIXTURE.read_bytes()
    return FIXTURE


@pytest.fixture(scope="module")
def seed(seed_txt: Path) -> Disclosure:
    return read_source(seed_txt)


def as_printed(d: Disclosure, cell: Cell) -> Decimal | str | None:
    """A figure as the tests compare it: its value, "blank", or the kind; None when not printed at all."""
    p = d.figures.get(cell)
    if p is None:
        return None
    if p.kind is Kind.NUMBER:
        return p.value
    return p.kind.value


def truth_as_printed() -> dict[Cell, Decimal | str]:
    return {cell: ("blank" if value is None else value) for cell, value in seed_truth().items()}


def test_seed_document(seed: Disclosure) -> None:
    assert (seed.year, seed.spec.profile, seed.dept, seed.unit) == (2024, "central", DEPT, "万元")
    assert seed.source_kind == "txt"
    assert seed.missing_tables == []
    assert "识别 9 张表" in seed.how
    assert seed.problems == []


def test_seed_every_printed_figure(seed: Disclosure) -> None:
    got = {cell: as_printed(seed, cell) for cell in truth_as_printed()}
    assert got == truth_as_printed()


def test_seed_samples_with_their_place(seed: Disclosure) -> None:
    """A sample checked by hand against the printed document: totals, a 项 row, 06 codes, 09 三公."""
    t06 = "一般公共预算财政拨款基本支出决算明细表"
    cases = {
        Cell("01", "inc_total", "amt"): ("235.81", "第 292 行 收入支出决算总表 行 本年收入合计 列 收入 决算数"),
        Cell("01", "208", "amt"): ("17.02", "第 162 行 收入支出决算总表 行 八、社会保障和就业支出 列 支出 决算数"),
        Cell("02", "sum", "total"): ("235.81", "第 366 行 收入决算表 行 合计 列 本年收入合计"),
        Cell("03", "#7", "basic"): ("16.9", "第 581 行 支出决算表 行 2080505 列 基本支出"),
        Cell("04", "221", "gen"): ("15.7", "第 838 行 财政拨款收入支出决算总表 行 十九、住房保障支出 "
                                           "列 一般公共预算财政拨款"),
        Cell("05", "#3", "total"): ("203.08", "第 1029 行 一般公共预算财政拨款支出决算表 行 2013201 列 小计"),
        Cell("06", "30217", "amt"): ("0.08", f"第 1258 行 {t06} 行 30217 列 决算数"),
        Cell("06", "301", "amt"): ("175.11", f"第 1095 行 {t06} 行 301 列 决算数"),
        Cell("06", "personnel", "amt"): ("180.83", f"第 1388 行 {t06} 行 人员经费合计 列 决算数"),
        Cell("09", "sg", "a_recept"): ("0.08", "第 1583 行 财政拨款“三公”经费支出决算表 列 决算数 公务接待费"),
        Cell("09", "sg", "b_total"): ("0.2", "第 1572 行 财政拨款“三公”经费支出决算表 列 预算数 合计"),
    }
    for cell, (value, where) in cases.items():
        printed = seed.figures[cell]
        assert (printed.kind, printed.value, str(printed.where)) == (Kind.NUMBER, Decimal(value), where), cell


def test_zero_blank_and_dash_are_kept_apart(seed: Disclosure) -> None:
    assert seed.figures[Cell("01", "205", "amt")].kind is Kind.NUMBER  # 教育支出 printed 0
    assert seed.figures[Cell("01", "205", "amt")].value == 0
    assert seed.figures[Cell("01", "202", "amt")].kind is Kind.BLANK  # 外交支出 printed blank
    assert seed.figures[Cell("08", "sum", "total")].kind is Kind.BLANK
    assert seed.figures[Cell("08", "sum", "basic")].value == 0


def test_every_figure_names_its_place(seed: Disclosure) -> None:
    for cell, printed in seed.figures.items():
        where = printed.where
        assert where.line is not None and where.table and where.column, cell
        assert where.row or cell.table == "09", cell
        assert str(where).startswith(f"第 {where.line} 行 "), cell


def test_lanci_row_is_never_read_as_figures(seed: Disclosure) -> None:
    """02's 栏次 row prints 1 … 7 (and 7 = 1 + 3 + 3): none of those is a figure of 02."""
    lanci_lines = {357, 358, 359, 360, 361, 362, 363}
    assert not [c for c, p in seed.figures.items() if p.where.line in lanci_lines]


def test_code_rows_in_printed_order(seed: Disclosure) -> None:
    for tid in ("02", "03", "05"):
        rows = seed.inst.code_tables[tid].rows
        assert [r.code for r in rows] == SEED_CODES
        assert [r.key for r in rows] == [f"#{i}" for i in range(1, 11)]
        assert seed.inst.code_tables[tid].parents_typed
    assert seed.inst.code_tables["07"].rows == [] and seed.inst.code_tables["08"].rows == []
    assert seed.code_names["2080505"] == "机关事业单位基本养老保险缴费支出"
    assert str(seed.code_where[("02", "#3")]) == "第 394 行 收入决算表 行 2013201"


def test_narrative_paragraphs(seed: Disclosure) -> None:
    texts = [p.text for p in seed.paragraphs]
    assert any(t.startswith("2024年度收、支总计235.81万元") for t in texts)
    toc, heading = [p for p in seed.paragraphs if p.text == "一、收入支出决算总体情况说明"]
    assert (toc.where.line, heading.where.line) == (26, 1600)
    assert heading.heading
    assert "单位：万元" not in " ".join(texts)  # captions of the tables are not narrative


def test_tables_not_among_the_nine_are_listed(seed: Disclosure) -> None:
    assert "2024年度项目支出绩效自评表" in seed.unchecked_tables


# ----------------------------------------------------------------------------------------------------------
# the same tables from other programs


@pytest.fixture(scope="module")
def foreign(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("foreign")


def _same_figures(d: Disclosure) -> None:
    assert {cell: as_printed(d, cell) for cell in truth_as_printed()} == truth_as_printed()
    assert [r.code for r in d.inst.code_tables["02"].rows] == SEED_CODES
    assert (d.year, d.spec.profile, d.dept, d.missing_tables) == (2024, "central", DEPT, [])


def test_foreign_xlsx_as_laid_out_by_another_program(foreign: Path) -> None:
    d = read_source(write_xlsx(foreign / "某某2024.xlsx", seed_tables()))
    _same_figures(d)
    assert str(d.figures[Cell("02", "#3", "total")].where) == "公开02表!C10"
    assert d.source_kind == "xlsx" and d.problems == []


def test_foreign_xlsx_other_names_wordings_and_text_figures(foreign: Path) -> None:
    """Sheets named by number and title, no 公开NN表 line, 金额 / 科目代码 for 决算数 / 功能分类科目编码, no 栏次
    row, figures typed as text, a year title line."""
    style = Style(sheet_name=lambda t: f"表{int(t.id)} {t.title[:20]}", label=False,
                  words={"决算数": "金额", "功能分类科目编码": "科目代码"}, lanci=False, numbers=False,
                  year_title=True)
    d = read_source(write_xlsx(foreign / "other.xlsx", seed_tables(), style))
    _same_figures(d)
    assert d.problems == []


def test_html_page(foreign: Path) -> None:
    d = read_source(write_html(foreign / "page.html", seed_tables()))
    _same_figures(d)
    assert d.source_kind == "html"
    assert any(p.text.startswith("2024年度收、支总计") for p in d.paragraphs)


def test_html_page_laid_out_in_a_table(foreign: Path) -> None:
    """Government sites often lay the whole page out in a table: the tables inside it are the tables, the
    layout table's own cells are page text."""
    page = write_html(foreign / "inner.html", seed_tables()).read_text(encoding="utf-8")
    body = page[page.index("<body>") + 6: page.index("</body>")]
    framed = foreign / "framed.html"
    framed.write_text(page[: page.index("<body>") + 6] + "<table><tr><td>网站导航</td><td>首页</td></tr>"
                      f"<tr><td colspan='2'>{body}</td></tr><tr><td>版权所有</td></tr></table></body></html>",
                      encoding="utf-8")
    d = read_source(framed)
    _same_figures(d)
    texts = [p.text for p in d.paragraphs]
    assert texts[:2] == ["网站导航", "首页"] and texts[-1] == "版权所有"


def test_text_copied_from_a_pdf_viewer_says_what_is_missing(foreign: Path) -> None:
    """Copying out of a PDF viewer gives spaces, not tabs, between cells: no guessing of columns."""
    lines = []
    for t in seed_tables():
        lines += [t.title, f"公开{t.id}表"] + ["  ".join(row) for row in t.rows]
    copied = foreign / "copied.txt"
    copied.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(SourceError, match="没有用制表符"):
        read_source(copied)


def test_html_saved_with_an_xls_name(foreign: Path) -> None:
    """Some systems export an HTML page named .xls: the bytes decide."""
    page = write_html(foreign / "page2.html", seed_tables())
    named = foreign / "导出.xls"
    shutil.copy(page, named)
    assert read_source(named).source_kind == "html"


def test_docx(foreign: Path) -> None:
    d = read_source(write_docx(foreign / "doc.docx", seed_tables()))
    _same_figures(d)
    assert d.source_kind == "docx"
    assert d.paragraphs[-1].text.startswith("2024年度收、支总计235.81万元")


@pytest.mark.libreoffice
def test_xls_converted_by_libreoffice(foreign: Path) -> None:
    xlsx = write_xlsx(foreign / "lo2024.xlsx", seed_tables())
    xls = convert_to_xls(xlsx, foreign)
    if xls is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    d = read_source(xls)
    _same_figures(d)
    assert d.source_kind == "xls"
    assert str(d.figures[Cell("06", "30217", "amt")].where) == "公开06表!F21"
