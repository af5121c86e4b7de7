"""``verify`` and ``import`` on what departments already have (issue 13, "done when"): the real published PDF, its
tables saved as a foreign .xlsx and as .xls, and the seed text report the same table findings, each naming its
place in the source's own terms; ``import`` turns each into a workbook of ours that verifies."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from juesuan_xlsx.cli import run
from juesuan_xlsx.findings import Finding, Level
from juesuan_xlsx.importer import import_source
from juesuan_xlsx.sources import read_source
from juesuan_xlsx.verify import FileReport, verify

from .sources_helpers import Style, convert_to_xls, tables_from, write_xlsx

PDF = Path("/work/shared/reference/disclosures/shanghai-putuo-caizhengju-2024.pdf")
SUBSET = Path(__file__).parent / "fixtures" / "sources" / "putuo-2024-tables.pdf"
SEED = Path(__file__).parent / "fixtures" / "sources" / "seed-2024.txt"
FOREIGN = Style(sheet_name=lambda t: t.title[:28], label=False, lanci=False)


def table_findings(report: FileReport) -> list[tuple[str, str, str]]:
    """(code, level, title of what it is about) of the relation findings: what must be the same whatever the
    source kind; the place differs by kind and is checked separately."""
    return sorted((f.code, f.level.value, str(f.args.get("title", ""))) for f in report.findings
                  if f.code.startswith(("T", "X-")))


def _real_pdf() -> Path:
    return PDF if PDF.is_file() else SUBSET  # CI has shared/ beside the checkout; the fixture is its table pages


def test_the_seed_text_is_verified_as_printed() -> None:
    report = verify(SEED).report
    assert (report.kind, report.spec, report.dept) == ("txt", "2024/central", "中共株洲市渌口区委机构编制委员会办公室")
    assert "识别 9 张表" in report.stats["how"]
    # GUIDE §1: the seed's gaps are rounding (尾差), each a note at its printed place.  Our workbook shows 7 (its
    # totals are formulas); the print has 11, because every printed total that carries a gap is checked
    gaps = [f for f in report.findings if f.code.startswith(("T", "X-"))]
    assert len(gaps) == 11 and all(f.level == Level.NOTE for f in gaps)
    assert all(f.place and f.place.startswith("第 ") and " 行 " in f.place and " 列 " in f.place for f in gaps)
    t06 = [f for f in gaps if f.code == "T06-类款"]
    assert {f.place for f in t06} >= {"第 1095 行 一般公共预算财政拨款基本支出决算明细表 行 301 列 决算数"}


def test_the_seed_narrative_mistakes_make_it_fail() -> None:
    report = verify(SEED).report
    errors = {f.code for f in report.findings if f.level == Level.ERROR}
    assert {"N-占比不符", "N-完成率不符", "N-用语错乱", "N-占位符"} <= errors
    assert not report.valid


@pytest.mark.libreoffice
def test_pdf_foreign_xlsx_and_xls_report_the_same_table_findings(tmp_path: Path) -> None:
    pdf = verify(_real_pdf()).report
    assert pdf.kind == "pdf" and pdf.spec == "2024/shanghai" and pdf.dept == "上海市普陀区财政局"
    xlsx = write_xlsx(tmp_path / "普陀2024.xlsx", tables_from(read_source(_real_pdf())), FOREIGN)
    xls = convert_to_xls(xlsx, tmp_path)
    assert xls is not None
    reports = [verify(xlsx).report, verify(xls).report]
    assert [r.kind for r in reports] == ["xlsx", "xls"]
    expected = table_findings(pdf)
    assert expected  # the real document has 尾差 in several relations: a rule that saw nothing would pass
    for report in reports:
        assert table_findings(report) == expected, report.path
    # each names its place in its own terms: a page of the PDF, a sheet of the workbooks
    assert all("第 " in (f.place or "") and " 页 " in (f.place or "") for f in pdf.findings if f.code[0] in "TX")
    for report in reports:
        assert all("表!" in f.where for f in report.findings if f.code[0] in "TX")  # 收入决算表!C5


def test_import_of_the_pdf_gives_a_workbook_that_verifies(tmp_path: Path) -> None:
    result = import_source(_real_pdf(), tmp_path / "普陀2024.xlsx")
    assert result.report.valid, [f.message for f in result.report.findings if f.level == Level.ERROR]
    assert result.report.spec == "2024/shanghai" and result.report.dept == "上海市普陀区财政局"
    # the printed totals that the formulas compute differently are listed with their page
    assert result.differs and all(d.where.startswith("第 ") for d in result.differs)
    assert all(abs(d.printed - d.computed) <= 2 * len(str(d.cell)) for d in result.differs)
    # every input figure of the PDF is in the workbook: the workbook's Decimal figures equal the printed inputs
    workbook = verify(result.output)
    disclosure = result.source.disclosure
    assert disclosure is not None and workbook.values is not None
    inputs = {c: v for c, v in disclosure.numbers().items() if c.table in ("01", "04", "06", "09")
              and c not in workbook.engine.formulas} if workbook.engine else {}
    for cell, value in inputs.items():
        assert workbook.values.amount(cell.table, cell.row, cell.col) == value, cell


def test_import_of_the_seed_text(tmp_path: Path) -> None:
    result = import_source(SEED, tmp_path / "seed.xlsx")
    assert result.report.valid and result.typed > 50
    assert {d.where for d in result.differs} >= {"第 366 行 收入决算表 行 合计 列 本年收入合计"}


def test_import_refuses_what_is_not_the_nine_tables(tmp_path: Path) -> None:
    junk = tmp_path / "junk.txt"
    junk.write_text("这不是部门决算。\n", encoding="utf-8")
    assert run(["import", str(junk), "-o", str(tmp_path / "x.xlsx")]) == 2
    assert not (tmp_path / "x.xlsx").exists()


def test_import_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "seed.xlsx"
    assert run(["import", str(SEED), "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "已读取" in text and "文本" in text and "已导入" in text and out.is_file()
    assert run(["import", str(SEED), "-o", str(out)]) == 2  # never overwrites without being asked


def test_verify_json_says_how_a_source_was_read(capsys: pytest.CaptureFixture[str]) -> None:
    run(["verify", "--json", str(SEED)])
    data = json.loads(capsys.readouterr().out)
    file = data["files"][0]
    assert file["kind"] == "txt" and "识别 9 张表" in file["stats"]["how"]
    assert any(f["place"] and f["place"].startswith("第 ") for f in file["findings"])


def test_a_scanned_or_unreadable_source_is_one_clear_finding(tmp_path: Path) -> None:
    fake = tmp_path / "扫描件.pdf"
    fake.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    report = verify(fake).report
    codes = [f.code for f in report.findings]
    assert codes == ["S-无法读取"] and not report.valid
    finding: Finding = report.findings[0]
    assert "PDF" in finding.message or "无法" in finding.message


def test_new_like_takes_last_year_from_a_publication(tmp_path: Path) -> None:
    from juesuan_xlsx.carry import carry_forward
    from juesuan_xlsx.spec import load_spec

    carried = carry_forward(verify(SEED, evaluate=False), load_spec(2025, "central"))
    assert carried.source == "2024/central" and "2013201" in carried.codes
    assert carried.shuoming.last_total == Decimal("235.81")  # 公开01表 收入总计 as printed
    out = tmp_path / "2025.xlsx"
    assert run(["new", "2025", "--like", str(SEED), "-o", str(out)]) == 0
    assert verify(out).dept == "中共株洲市渌口区委机构编制委员会办公室"


def test_new_like_a_publication_goes_on_in_its_layout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``new 2025 --like`` last year's Shanghai publication: no --profile needed, the layout it was recognised as
    is kept (a publication has no marker to say it)."""
    from juesuan_xlsx.contract import read_marker

    out = tmp_path / "2025.xlsx"
    assert run(["new", "2025", "--like", str(SUBSET), "-o", str(out)]) == 0
    assert "上海格式" in capsys.readouterr().out
    marker = read_marker(out)
    assert marker is not None and (marker.year, marker.profile) == (2025, "shanghai")
