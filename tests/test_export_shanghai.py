"""export of a ``--profile shanghai`` workbook: every output in the layout of the Shanghai template
(../shared/reference/shanghai-2024-template.txt), derived from templates/YEAR/shanghai.toml.

What the Shanghai template prints, and what is checked here for 2024 and 2025: no 公开NN表 label and no 行次/栏次;
its own titles and header texts; 单位：万元 without a 部门 line on the table pages (the department is named in the
heading of 第二部分); 05 with 合计 after the codes; 06 with only 301/303 and 302/310; 08 with the columns of 07;
09 with (预算数, 决算数) under each item; the tables in its order (三公 before 政府性基金 and 国有资本经营); and a
document with its headings, its eleven 情况说明 sections and its 名词解释.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from docx import Document

from juesuan_xlsx.export import STAMP, export, load
from juesuan_xlsx.export.pdf import check_writer
from juesuan_xlsx.export.tables import STAMP_NOTE
from juesuan_xlsx.filling import load_fill_file
from juesuan_xlsx.generate import FilledRow, Filling, Options, generate
from juesuan_xlsx.model import Cell
from juesuan_xlsx.narrative.document import BLOCKS, DEFAULT, document_spec, parse_document
from juesuan_xlsx.narrative.inputs import NarrativeInputs
from juesuan_xlsx.narrative.text import _Narrative, generate_narrative, missing_inputs, narrative_text
from juesuan_xlsx.narrative.values import build_values
from juesuan_xlsx.spec import SpecError, load_spec

from .test_export import verify_once  # noqa: F401  (autouse: export's verification, once per distinct file)

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "seed-2024.toml"
DEPT = "中共株洲市渌口区委机构编制委员会办公室"
D = Decimal
LABEL = re.compile(r"公开\d\d表")
SECTIONS = ["收入支出决算总体情况说明", "收入决算情况说明", "支出决算情况说明", "财政拨款收入支出决算总体情况说明",
            "一般公共预算财政拨款支出决算情况说明", "一般公共预算财政拨款基本支出决算情况说明",
            "财政拨款“三公”经费支出决算情况说明", "政府性基金预算财政拨款收入支出决算情况说明",
            "国有资本经营预算财政拨款收入支出决算情况说明", "预算绩效管理情况", "其他重要事项的情况说明"]
ORDINALS = "一二三四五六七八九十"


def section_titles() -> list[str]:
    return [f"{ORDINALS[i]}、{t}" if i < 10 else f"十一、{t}" for i, t in enumerate(SECTIONS)]


def shanghai_workbook(path: Path, year: int, *, attachments: bool = True,
                      cells: dict[Cell, Decimal] | None = None) -> Path:
    """The seed department's published figures and 说明 inputs in a free-entry Shanghai template of ``year``."""
    spec = load_spec(year, "shanghai")
    data = load_fill_file(SEED, spec)
    rows = data.filling.rows
    if year != 2024:  # the seed types 2024 names; let the year's dictionary name the rows
        rows = {t: [FilledRow(r.code, None, r.amounts) for r in rs] for t, rs in rows.items()}
    inputs = data.shuoming if attachments else replace(data.shuoming, attachments=None)
    filling = Filling({**data.filling.cells, **(cells or {})}, rows)
    return generate(spec, path, Options(dept=data.dept, filling=filling, shuoming=inputs))


@pytest.fixture(scope="module", params=[2024, 2025])
def shanghai(request, tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Path]:
    year = request.param
    return year, shanghai_workbook(tmp_path_factory.mktemp(f"sh{year}") / f"sh{year}.xlsx", year)


@pytest.fixture(scope="module")
def outputs(shanghai, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    year, path = shanghai
    out = tmp_path_factory.mktemp(f"sh{year}-out")
    return {fmt: export(path, fmt, out / name) for fmt, name in
            (("xlsx", "公开.xlsx"), ("csv", "csv"), ("json", "sh.json"), ("docx", "sh.docx"))}


def last_index(texts: list[str], text: str) -> int:
    """Where a heading is in the body (its first occurrence is the 目录 line)."""
    return len(texts) - 1 - texts[::-1].index(text)


def grid(ws) -> list[tuple]:
    return list(ws.iter_rows(values_only=True))


# -- xlsx -----------------------------------------------------------------------------------------------------------


def test_xlsx_has_the_shanghai_titles_headers_and_no_labels(shanghai, outputs):
    year, _ = shanghai
    spec = load_spec(year, "shanghai")
    wb = openpyxl.load_workbook(outputs["xlsx"][0])
    assert wb.sheetnames == [t.sheet for t in spec.tables]
    assert wb.sheetnames[6:] == ["财政拨款三公经费支出决算表", "政府性基金预算财政拨款收入支出决算表",
                                 "国有资本经营预算财政拨款收入支出决算表"]
    for table in spec.tables:
        ws = wb[table.sheet]
        rows = grid(ws)
        texts = [str(v) for row in rows for v in row if v is not None]
        assert not any(LABEL.fullmatch(t) for t in texts), table.id
        assert not any("行次" in t or "栏次" in t or t.startswith("部门：") for t in texts), table.id
        assert rows[0][0] == table.title and not any(rows[0][1:])
        assert rows[1][-1] == "单位：万元" and not any(rows[1][:-1])  # the unit line follows the title directly
        for r, header in enumerate(table.header):  # the header, row by row, as the spec writes it
            printed = rows[2 + r]
            for c, text in enumerate(header):
                if text not in ("<", "^"):
                    assert printed[c] == text, (table.id, r, c)
        assert ws.print_title_rows == f"$3:${2 + len(table.header)}"
        assert ws.oddHeader.left.text == f"{DEPT}{year}年度部门决算表"  # whose tables, on every printed page
    assert "收入支出决算总表" in wb.sheetnames and wb["收入支出决算总表"]["A3"].value == "收入"


def test_xlsx_05_has_its_total_last(shanghai, outputs):
    year, _ = shanghai
    spec = load_spec(year, "shanghai")
    ws = openpyxl.load_workbook(outputs["xlsx"][0])[spec.table("05").sheet]
    rows = [r for r in ws.iter_rows(min_row=5, values_only=True) if r[0] is not None]
    assert rows[0][:3] == ("201", "一般公共服务支出", 203.08)  # the codes start right below the header
    assert [r[0] for r in rows[:-2]] == ["201", "20132", "2013201", "208", "20805", "2080501", "2080505", "221",
                                         "22102", "2210201"]
    assert rows[4][1] == spec.gongneng.name("20805")  # the year's name: 2025 renames 20805
    assert rows[-2][:5] == ("合计", None, 235.8, 235.8, 0)
    assert rows[-1][0].startswith("注：")


def test_xlsx_06_has_only_301_302_303_310(shanghai, outputs):
    year, _ = shanghai
    ws = openpyxl.load_workbook(outputs["xlsx"][0])[load_spec(year, "shanghai").table("06").sheet]
    rows = grid(ws)
    left = {r[0] for r in rows[3:] if isinstance(r[0], str) and r[0].isdigit() and len(r[0]) == 3}
    right = {r[3] for r in rows[3:] if isinstance(r[3], str) and r[3].isdigit() and len(r[3]) == 3}
    assert (left, right) == ({"301", "303"}, {"302", "310"})
    codes = {v for r in rows for v in r if isinstance(v, str) and v.isdigit()}
    assert not any(c.startswith(("307", "399")) for c in codes)
    footer = next(r for r in rows if r[0] == "人员经费合计")
    assert footer == ("人员经费合计", "", 180.84, "公用经费合计", "", 54.99)


def test_xlsx_08_is_laid_out_like_07(shanghai, outputs):
    year, _ = shanghai
    spec = load_spec(year, "shanghai")
    wb = openpyxl.load_workbook(outputs["xlsx"][0])
    t07, t08 = (grid(wb[spec.table(t).sheet]) for t in ("07", "08"))
    assert t07[2:4] == t08[2:4] == [
        ("项目", None, "年初结转和结余", "本年收入", "本年支出", None, None, "年末结转和结余"),
        ("功能分类科目编码", "科目名称", None, None, "合计", "基本支出", "项目支出", None)]
    assert t08[4] == ("合计", None, 0, 0, 0, 0, 0, 0)
    assert t08[5][0] == spec.table("08").empty_note


def test_xlsx_09_pairs_budget_and_actual_under_each_item(shanghai, outputs):
    year, _ = shanghai
    ws = openpyxl.load_workbook(outputs["xlsx"][0])[load_spec(year, "shanghai").table("09").sheet]
    rows = grid(ws)
    assert rows[2][0] == "财政拨款“三公”经费"
    assert [rows[3][c] for c in (0, 2, 4, 10)] == ["合计", "因公出国（境）费", "公务用车购置及运行维护费", "公务接待费"]
    assert [rows[4][c] for c in (4, 6, 8)] == ["小计", "公务用车购置费", "公务用车运行维护费"]
    assert rows[5] == ("预算数", "决算数") * 6
    assert rows[6] == (0.2, 0.08, 0, 0, 0, 0, 0, 0, 0, 0, 0.2, 0.08)


def test_forced_shanghai_xlsx_has_the_stamp_line_and_still_no_label(tmp_path: Path):
    broken = shanghai_workbook(tmp_path / "broken.xlsx", 2024, cells={Cell("04", "inc1", "amt"): D("300")})
    (path,) = export(broken, "xlsx", tmp_path / "forced.xlsx", force=True)
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        rows = grid(ws)
        assert rows[0][0].endswith(f"（{STAMP}）") and rows[1][0] == STAMP_NOTE
        assert rows[1][-1] is None and rows[2][-1] == "单位：万元"
        assert STAMP in ws.oddHeader.center.text and ws.oddHeader.left.text == f"{DEPT}2024年度部门决算表"


# -- csv and json ----------------------------------------------------------------------------------------------------


def read_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))


def test_csv_files_are_named_by_the_shanghai_titles_and_09_has_pairs(shanghai, outputs):
    year, _ = shanghai
    spec = load_spec(year, "shanghai")
    paths = outputs["csv"]
    assert [p.name for p in paths] == [f"{t.sheet}.csv" for t in spec.tables]
    by_name = {p.stem: read_csv(p) for p in paths}
    for rows in by_name.values():
        assert not any(LABEL.search(cell) or "行次" in cell for row in rows for cell in row)
    t09 = by_name["财政拨款三公经费支出决算表"]
    assert [h.rsplit("/", 1)[-1] for h in t09[0]] == ["预算数", "决算数"] * 6
    items = [h.rsplit("/", 1)[0] for h in t09[0]]
    assert items[0::2] == items[1::2] == [
        "财政拨款“三公”经费/合计", "财政拨款“三公”经费/因公出国（境）费",
        "财政拨款“三公”经费/公务用车购置及运行维护费/小计",
        "财政拨款“三公”经费/公务用车购置及运行维护费/公务用车购置费",
        "财政拨款“三公”经费/公务用车购置及运行维护费/公务用车运行维护费", "财政拨款“三公”经费/公务接待费"]
    assert t09[1] == ["0.20", "0.08"] + ["0.00"] * 8 + ["0.20", "0.08"]
    t05 = by_name["一般公共预算财政拨款支出决算表"]
    assert t05[0] == ["项目/功能分类科目编码", "项目/科目名称", "合计", "基本支出", "项目支出"]
    assert t05[1] == ["201", "一般公共服务支出", "203.08", "203.08", "0.00"]
    assert t05[-1] == ["合计", "", "235.80", "235.80", "0.00"]
    t06 = by_name["一般公共预算财政拨款基本支出决算表"]
    assert t06[0] == ["经济分类科目编码", "科目名称", "决算数"] * 2
    t08 = by_name["国有资本经营预算财政拨款收入支出决算表"]
    assert t08[0] == ["项目/功能分类科目编码", "项目/科目名称", "年初结转和结余", "本年收入", "本年支出/合计",
                      "本年支出/基本支出", "本年支出/项目支出", "年末结转和结余"]


def test_json_follows_the_shanghai_layout(shanghai, outputs):
    year, _ = shanghai
    data = json.loads(outputs["json"][0].read_text(encoding="utf-8"))
    assert (data["year"], data["profile"], data["dept"]) == (year, "shanghai", DEPT)
    tables = {t["id"]: t for t in data["tables"]}
    assert list(tables) == ["01", "02", "03", "04", "05", "06", "09", "07", "08"]
    assert all(t["label"] is None for t in data["tables"])
    assert tables["05"]["rows"][-1]["key"] == "sum" and tables["05"]["rows"][0]["code"] == "201"
    assert tables["02"]["rows"][0]["key"] == "sum"  # 02 keeps its 合计 first, as printed
    assert [c["title"] for c in tables["09"]["columns"][:4]] == [
        "合计/预算数", "合计/决算数", "因公出国（境）费/预算数", "因公出国（境）费/决算数"]
    assert [c["key"] for c in tables["08"]["columns"]] == ["begin", "income", "total", "basic", "project", "end"]


# -- docx and pdf ----------------------------------------------------------------------------------------------------


def test_docx_has_the_shanghai_document_structure(shanghai, outputs):
    year, path = shanghai
    spec = load_spec(year, "shanghai")
    doc = Document(str(outputs["docx"][0]))
    texts = [p.text for p in doc.paragraphs]
    heading1 = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert heading1 == [f"第一部分 {DEPT}概况", f"第二部分 {DEPT}{year}年度部门决算表",
                        f"第三部分 {DEPT}{year}年度部门决算情况说明", "第四部分 名词解释",
                        "第五部分 附件"]  # the seed's 说明 has attachments: they are not dropped
    heading2 = [p.text for p in doc.paragraphs if p.style.name == "Heading 2"]
    assert heading2 == ["一、主要职能", "二、部门决算单位构成", *section_titles()]
    assert texts[6:8] == [DEPT, ""] and f"{year}年度部门决算" in texts  # the cover
    toc = texts[texts.index("目  录"):texts.index("第四部分 名词解释") + 2]
    assert toc[2:6] == [heading1[0], "一、主要职能", "二、部门决算单位构成", heading1[1]]
    assert toc[6:15] == [f"{ORDINALS[k]}、{t.title}" for k, t in enumerate(spec.tables)]
    assert toc[15:27] == [heading1[2], *section_titles()] and toc[-2:] == heading1[3:5]
    assert not any(LABEL.fullmatch(t) for t in texts)
    assert not any(t.startswith("部门：") for t in texts)
    assert texts.count("\t单位：万元") == 9
    # the tables in Shanghai's order; 05's 合计 last; 09's pairs; 08 like 07
    assert len(doc.tables) == 9
    titles = [t for t in texts if t in {x.title for x in spec.tables}]
    assert titles[-9:] == [t.title for t in spec.tables]
    t05 = [[c.text for c in row.cells] for row in doc.tables[4].rows]
    assert t05[2][:3] == ["201", "一般公共服务支出", "203.08"] and t05[-1][0] == t05[-1][1] == "合计"
    t09 = [[c.text for c in row.cells] for row in doc.tables[6].rows]
    assert t09[3] == ["预算数", "决算数"] * 6 and t09[4][:2] == ["0.20", "0.08"]
    t08 = [[c.text for c in row.cells] for row in doc.tables[8].rows]
    assert t08[:2] == [[c.text for c in row.cells] for row in doc.tables[7].rows][:2]
    assert "307" not in {row[0] for row in ([c.text for c in r.cells] for r in doc.tables[5].rows)}
    # 情况说明: Shanghai's sections with the generated text, nothing of the central layout's
    values, inputs = load(path)
    for section in generate_narrative(values, inputs):
        assert section.title in texts
        for paragraph in section.paragraphs:
            assert paragraph.text in texts
    other = last_index(texts, "十一、其他重要事项的情况说明")  # the heading, not the 目录 line
    assert texts[other + 1] == "（一）机关运行经费支出情况"
    assert "（二）政府采购支出情况" in texts and "（三）国有资产占有使用情况说明" in texts
    said = "\n".join(texts[last_index(texts, heading1[2]):last_index(texts, "第四部分 名词解释")])
    assert "会议费" not in said and "一般性支出" not in said
    assert f"本部门{year}年度没有国有资本经营预算财政拨款收入，也没有使用国有资本经营预算财政拨款安排的支出。" in texts
    # Shanghai's 名词解释
    mingci = (ROOT / "templates" / "2024" / "mingci-shanghai.txt").read_text(encoding="utf-8")
    entries = [line for line in mingci.splitlines() if line and not line.startswith("#")]
    glossary = last_index(texts, "第四部分 名词解释")
    assert texts[glossary + 1:glossary + 1 + len(entries)] == entries
    assert not any("XX" in t for t in texts)


def test_docx_without_attachments_has_four_parts(tmp_path: Path):
    path = shanghai_workbook(tmp_path / "sh.xlsx", 2024, attachments=False)
    (out,) = export(path, "docx", tmp_path / "sh.docx")
    doc = Document(str(out))
    heading1 = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert heading1[-1] == "第四部分 名词解释" and len(heading1) == 4
    assert "第五部分 附件" not in [p.text for p in doc.paragraphs]


@pytest.mark.libreoffice
def test_pdf_of_a_shanghai_workbook(shanghai, tmp_path: Path):
    year, path = shanghai
    try:
        check_writer()
    except Exception as exc:  # noqa: BLE001 - same rule as test_export: skipped locally, required under CI
        import os

        if os.environ.get("CI") == "true":
            pytest.fail(f"LibreOffice Writer is required when CI=true: {exc}", pytrace=False)
        pytest.skip(f"LibreOffice Writer not available: {exc}")
    (pdf,) = export(path, "pdf", tmp_path / "sh.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        layout = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                                check=True).stdout
        text = re.sub(r"\s+", "", layout)
        for needle in (f"第三部分{DEPT}{year}年度部门决算情况说明", "十一、其他重要事项的情况说明",
                       "财政拨款“三公”经费支出决算表"):
            assert needle in text, needle
        assert any(line.split() == ["预算数", "决算数"] * 6 for line in layout.splitlines())  # 09's header row
        assert not LABEL.search(text)


# -- the narrative of the Shanghai layout -------------------------------------------------------------------------

SH = load_spec(2024, "shanghai")
CENTRAL = load_spec(2024, "central")
ROWS = [("2013201", "行政运行", D("203.08")), ("2210201", "住房公积金", D("15.70"))]


def values_of(spec, extra=None, cells=None):
    rows = {t: [(code, name, {"fiscal" if t == "02" else "basic": amount}) for code, name, amount in ROWS]
            for t in ("02", "03", "05")}
    rows.update(extra or {})
    return build_values(spec, "某某局", {Cell("04", "inc1", "amt"): D("218.78"), **(cells or {})}, rows)


def test_shanghai_narrative_has_the_template_sections():
    sections = generate_narrative(values_of(SH), NarrativeInputs())
    assert [s.title for s in sections] == section_titles()
    central = generate_narrative(values_of(CENTRAL), NarrativeInputs())
    assert len(central) == 13 and central[9].title == "十、一般性支出情况说明"


def test_shanghai_soe_table_is_told_with_its_carry_over_columns():
    row = [("2230199", "其他国有资本经营预算支出", {"income": D("10"), "project": D("8"), "end": D("2")})]
    said = narrative_text(generate_narrative(values_of(SH, {"08": row}), NarrativeInputs()))
    assert ("2024年度国有资本经营预算财政拨款年初结转和结余0.00万元，本年收入10.00万元，本年支出8.00万元"
            "（其中：基本支出0.00万元，项目支出8.00万元），年末结转和结余2.00万元。") in said
    central_row = [("2230199", "其他国有资本经营预算支出", {"project": D("8")})]
    said = narrative_text(generate_narrative(values_of(CENTRAL, {"08": central_row}), NarrativeInputs()))
    assert "2024年度国有资本经营预算财政拨款支出8.00万元（其中：基本支出0.00万元，项目支出8.00万元）。" in said


def test_public_cost_classes_come_from_the_layouts_relation():
    inputs = NarrativeInputs()
    assert _Narrative(values_of(SH), inputs)._cost_classes("public") == ("302", "310")
    assert _Narrative(values_of(CENTRAL), inputs)._cost_classes("public") == ("302", "307", "310", "399")
    assert _Narrative(values_of(SH), inputs)._cost_classes("personnel") == ("301", "303")
    cells = {Cell("06", "30201", "amt"): D("5"), Cell("06", "31002", "amt"): D("3")}
    said = narrative_text(generate_narrative(values_of(SH, cells=cells), inputs))
    assert "公用经费8.00万元" in said and "主要包括办公费、办公设备购置" in said


def test_shanghai_document_asks_only_for_what_it_says():
    asked = {key for key, _ in missing_inputs(NarrativeInputs(), values_of(SH))}
    assert not {"meeting_fee", "training_fee"} & asked
    assert {"jiguan", "proc_goods", "vehicles", "perf_work"} <= asked
    assert {"meeting_fee", "training_fee"} <= {key for key, _ in missing_inputs(NarrativeInputs(), values_of(CENTRAL))}


# -- the [document] data -------------------------------------------------------------------------------------------


def test_every_block_name_is_a_narrative_generator():
    assert set(_Narrative(values_of(SH), NarrativeInputs()).blocks()) == set(BLOCKS)


def test_document_data_defaults_and_errors():
    central = document_spec(2024, "central")  # no [document]: the seed's structure
    assert [s.title for s in central.sections] == [s["title"] for s in DEFAULT["sections"]]
    assert central.dept_line and central.annex
    sh = document_spec(2025, "shanghai")
    assert not sh.dept_line and not sh.annex and [s.title for s in sh.sections] == SECTIONS
    with pytest.raises(SpecError, match="没有这些项"):
        parse_document({**DEFAULT, "colour": "red"})
    with pytest.raises(SpecError, match="没有“budget”这一部分"):
        parse_document({**DEFAULT, "sections": [{"title": "x", "blocks": ["budget"]}]})
