"""`export`: the seed workbook to every format, the narrative traced to its cells, CSV escaping, atomic writes,
refusal and --force stamping, the 说明 sheet.

Workbooks are made at test time in tmp folders:
  * ``fixed``: the seed's published figures in a ``--codes`` template, plus the 说明 sheet pre-filled with the
    seed's 情况说明 inputs.  generate.py does not write the 说明 sheet yet (another change wires it in), so the
    test subclasses its writer to call :func:`write_shuoming_sheet` after the other sheets, as the generator will;
  * ``broken``: the same with 04 一般公共预算财政拨款收入 = 300.00, so 01 income ≠ expenditure (errors);
  * ``examples/seed-2024.xlsx`` itself (free-entry rows, no 说明 sheet), read only.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import os
import re
import shutil
import subprocess
import zipfile
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl
import pytest
from docx import Document

from juesuan_xlsx import generate as gen
from juesuan_xlsx.atomic import OutputExists
from juesuan_xlsx.export import (
    ExportError,
    ExportRefused,
    PdfUnavailable,
    default_output,
    export,
    load,
)
from juesuan_xlsx.export.csv_json import csv_rows, csv_text, write_csv
from juesuan_xlsx.export.pdf import NO_SOFFICE, check_writer
from juesuan_xlsx.export.tables import STAMP, publication_table, publication_tables
from juesuan_xlsx.export.xlsx import write_xlsx
from juesuan_xlsx.figures import workbook_values
from juesuan_xlsx.filling import load_fill_file
from juesuan_xlsx.model import Cell
from juesuan_xlsx.narrative.inputs import ItemBudget, NarrativeInputs
from juesuan_xlsx.narrative.shuoming import (
    CODENAME,
    SHEET,
    cell_of,
    input_cell,
    inputs_from_mapping,
    read_shuoming_sheet,
    shuoming_cells,
)
from juesuan_xlsx.narrative.text import Figure, UserText, generate_narrative
from juesuan_xlsx.narrative.values import build_values
from juesuan_xlsx.spec import load_spec
from juesuan_xlsx.verify import Verification, verify_file

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "seed-2024.xlsx"
SEED_TOML = ROOT / "examples" / "seed-2024.toml"
D = Decimal

# The seed's 第一部分, 第三部分 and 附件 inputs, as its published text gives them (上年数 = 本年 ± the stated change).
SEED_INPUTS = NarrativeInputs(
    duty="根据渌财通〔2020〕16 号文件要求，涉密部门不予公开。",
    organization=("（一）内设机构设置。中共株洲市渌口区委机构编制委员会办公室内设机构包括：综合股、机构编制管理股、实名制股、"
                  "监督检查股、事业单位登记管理股。\n（二）决算单位构成。中共株洲市渌口区委机构编制委员会办公室单位2024年部门"
                  "决算汇总公开单位构成包括：中共株洲市渌口区委机构编制委员会办公室单位本级以及下属事业单位株洲市渌口区机构"
                  "编制事务中心。"),
    last_total=D("249.41"), reason_total="厉行节约，压缩开支", last_fiscal_total=D("249.41"),
    reason_fiscal="厉行节约，压缩开支", last_general=D("249.41"), reason_general="厉行节约，压缩开支",
    budget_general=D("224.09"), reason_budget="人员增加，人员经费增加",
    last_abroad=D(0), last_car_buy=D(0), last_car_run=D(0), last_reception=D("0.21"),
    reason_sangong="厉行节约，减少非必要的公务接待", reception_batches=1, reception_people=3,
    reception_note="市委编办调研发生的接待支出",
    jiguan=D("54.97"), last_jiguan=D("117.30"), reason_jiguan="厉行节约，压缩开支",
    meeting_fee=D(0), training_fee=D(0), proc_goods=D(0), proc_works=D(0), proc_services=D(0), vehicles=0,
    perf_work=("一是绩效自评开展情况。组织对2024年度本部门（单位）整体支出开展绩效自评，涉及项目1个，共涉及资金10.09万元。\n"
               "二是部门评价开展情况。组织对所属单位2024年度“深化机构改革工作”等4个项目开展了部门评价。"),
    perf_result=("一是绩效自评结果。2024年度本部门（单位）整体支出全年预算数10.12万元，执行数10.09万元，绩效自评得分98.78分，"
                 "评价等级为“优秀”。"),
    perf_use="通过评价发现预算绩效管理整体性不足、目标设定科学性待提升等问题，推动细化预算编制、加强项目跟踪管理。",
    attachments="附件1 2024年度区委编办整体支出绩效自评报告\n附件2 2024年区委编办深化机构改革工作项目支出绩效自评报告",
)


def build_workbook(path: Path, inputs: NarrativeInputs | None = SEED_INPUTS, *,
                   cells: dict[Cell, Decimal] | None = None,
                   formulas: dict[Cell, tuple[str, float | str]] | None = None) -> Path:
    """The seed's figures in a --codes template, with the 说明 sheet (written as the generator will write it);
    ``formulas`` puts a formula of the user's (with its saved value, '' for none) into input cells."""
    spec = load_spec(2024)
    data = load_fill_file(SEED_TOML, spec)
    filling = gen.Filling({**data.filling.cells, **(cells or {})}, data.filling.rows)
    codes = tuple(sorted({r.code for rows in filling.rows.values() for r in rows if len(r.code) == 7}))

    class WithShuoming(gen._Writer):
        def _amount(self, ws, cell, row, col) -> None:
            if formulas and cell in formulas:
                text, cached = formulas[cell]
                ws.write_formula(row, col, text, self.fmt["input"], cached)
            else:
                super()._amount(ws, cell, row, col)

    original = gen._Writer
    gen._Writer = WithShuoming  # type: ignore[misc]
    try:
        gen.generate(spec, path, gen.Options(dept=data.dept, codes=codes, filling=filling, shuoming=inputs))
    finally:
        gen._Writer = original  # type: ignore[misc]
    return path


@pytest.fixture(scope="module")
def fixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_workbook(tmp_path_factory.mktemp("fixed") / "seed-fixed.xlsx")


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_workbook(tmp_path_factory.mktemp("broken") / "seed-broken.xlsx",
                          cells={Cell("04", "inc1", "amt"): D("300")})


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of examples/seed-2024.xlsx (regenerated by examples/fill_seed.py when absent)."""
    copy = tmp_path_factory.mktemp("example") / "seed-2024.xlsx"
    if EXAMPLE.exists():
        shutil.copyfile(EXAMPLE, copy)
    else:
        subprocess.run(["python", str(ROOT / "examples" / "fill_seed.py"), "-o", str(copy)], check=True)
    return copy


@pytest.fixture(scope="module", autouse=True)
def verify_once():
    """export() verifies every time; each distinct file is verified once here (verify has its own tests)."""
    import juesuan_xlsx.export as module

    real = module.verify
    memo: dict[tuple[str, str, bool], Verification] = {}

    def cached(path, *, extra_codes=None, evaluate=True):
        key = (sha(Path(path)), repr(sorted((extra_codes or {}).items())), evaluate)
        if key not in memo:
            memo[key] = real(path, extra_codes=extra_codes, evaluate=evaluate)
        found = memo[key]  # the same content under another name: reported under this one
        return dataclasses.replace(found, report=dataclasses.replace(found.report, path=str(path)))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(module, "verify", cached)
        yield


def pdf_available() -> str | None:
    try:
        check_writer()
    except PdfUnavailable as exc:
        return str(exc)
    return None


def need_pdf() -> None:
    reason = pdf_available()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"LibreOffice Writer is required when CI=true: {reason}", pytrace=False)
        pytest.skip(f"LibreOffice Writer not available: {reason}")


@pytest.fixture(scope="module")
def exports(fixed: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    out = tmp_path_factory.mktemp("exports")
    done = {fmt: export(fixed, fmt, out / name) for fmt, name in
            (("xlsx", "公开.xlsx"), ("csv", "csv"), ("json", "seed.json"), ("docx", "seed.docx"))}
    if pdf_available() is None:
        done["pdf"] = export(fixed, "pdf", out / "seed.pdf")
    return done


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def half_up(value: Decimal) -> Decimal:
    return value.quantize(D("0.01"), rounding=ROUND_HALF_UP)


# -- fixtures are what they claim ---------------------------------------------------------------------------------


def test_fixed_workbook_with_shuoming_sheet_verifies(fixed: Path):
    import juesuan_xlsx.export as module

    report = module.verify(fixed).report  # memoised by verify_once
    assert report.valid, [f.message for f in report.findings if f.level == "error"]


def test_values_are_the_published_figures(example: Path):
    values = workbook_values(example)
    assert values.dept == "中共株洲市渌口区委机构编制委员会办公室" and values.year == 2024
    assert values.amount("01", "inc_total", "amt") == D("235.81")
    t05 = values.tables["05"]
    assert [(r.code, r.amounts["total"]) for r in t05.code_rows if r.level == 1] == [
        ("201", D("203.08")), ("208", D("17.02")), ("221", D("15.70"))]
    assert t05.by_code("2013201").name == "行政运行"
    assert values.amount("09", "sg", "a_total") == D("0.08")
    assert values.tables["07"].empty and values.tables["08"].empty
    sheet, address = values.where[Cell("01", "inc_total", "amt")].split("!")
    row = int(address[1:])
    assert sheet == "公开01表" and address[0] == "C"
    assert openpyxl.load_workbook(example)[sheet][f"A{row}"].value == "本年收入合计"


# -- the narrative: every number traced to a cell ---------------------------------------------------------------------

NUMBER = re.compile(r"\d+(?:\.\d+)?")
UNIT = re.compile(r"\d+(?:\.\d+)?(万元|%|个|人次|辆|批次|次)")


def _check_figure(fig: Figure, values, shuoming: dict[str, Decimal], used: set[Cell]) -> None:
    """Re-derive a figure from the workbook, independently of the generator's arithmetic."""
    kids = [s for s in fig.sources if isinstance(s, Figure)]
    for kid in kids:
        _check_figure(kid, values, shuoming, used)
    if fig.op == "cell":
        (cell,) = fig.sources
        assert cell in values.where, cell  # a cell of this workbook, with an address
        assert fig.value == values.cells[cell]
        used.add(cell)
    elif fig.op == "input":
        (key,) = fig.sources
        assert fig.value == shuoming[key], key
    elif fig.op == "sum":
        assert fig.value == sum(k.value for k in kids)
    else:
        a, b = (k.value for k in kids)
        if fig.op == "diff":
            assert fig.value == abs(a - b)
            return
        assert b != 0, "a rate of nothing"
        ratio = (abs(a - b) if fig.op == "change" else a) / abs(b) * 100
        if fig.op in ("ratio", "change"):
            assert fig.value == half_up(ratio)
        elif fig.op == "share":  # largest remainder: the exact share rounded down or up to the cent
            assert abs(fig.value - ratio) < D("0.01") and kids[1].op == "sum"
        elif fig.op == "below":
            assert fig.value == D("0.01") and 0 < ratio < D("0.005")
        elif fig.op == "above":
            assert fig.value == D("99.99") and D("99.995") <= ratio < 100
        else:
            raise AssertionError(fig.op)


def _shuoming_values(path: Path) -> dict[str, Decimal]:
    """The 说明 sheet's numbers read straight from the cells the layout names."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for key, where in shuoming_cells(wb).items():
        sheet, address = where.split("!")
        value = wb[sheet][address].value
        if isinstance(value, int | float):
            out[key] = D(repr(value))
    return out


def traced_cells(path: Path) -> tuple[set[Cell], list]:
    values, inputs = load(path)
    shuoming = _shuoming_values(path)
    sections = generate_narrative(values, inputs)
    used: set[Cell] = set()
    for section in sections:
        for year in re.findall(r"(\d{4})年", section.title):
            assert int(year) == values.year
        assert NUMBER.findall(re.sub(r"\d{4}年", "", section.title)) == []
        for paragraph in section.paragraphs:
            generated = "".join("§" if isinstance(p, UserText) else (p if isinstance(p, str) else p.text)
                                for p in paragraph.parts)
            for year in re.findall(r"(\d{4})年", generated):
                assert int(year) == values.year, generated
            plain = re.sub(r"\d{4}年(12月31日)?", "年", generated)
            assert NUMBER.findall(plain) == [f.text for f in paragraph.figures], generated
            assert len(UNIT.findall(plain)) == len(paragraph.figures), generated
            for fig in paragraph.figures:
                _check_figure(fig, values, shuoming, used)
    return used, sections


def test_every_number_in_the_narrative_is_traced_to_a_workbook_cell(fixed: Path):
    used, sections = traced_cells(fixed)
    tables = {c.table for c in used}
    assert {"01", "03", "04", "05", "06", "09"} <= tables
    assert sum(len(p.figures) for s in sections for p in s.paragraphs) >= 50


def test_narrative_of_the_free_entry_example_is_traced_too(example: Path):
    used, _ = traced_cells(example)
    assert Cell("01", "inc_grand", "amt") in used


@pytest.mark.libreoffice
def test_narrative_cells_are_what_libreoffice_computes(fixed: Path, libreoffice):
    """The cells behind the narrative, as a real spreadsheet application computes the workbook."""
    used, _ = traced_cells(fixed)
    values, _ = load(fixed)
    by_sheet: dict[str, dict[str, Cell]] = {}
    for cell in used:
        sheet, address = values.where[cell].split("!")
        by_sheet.setdefault(sheet, {})[address] = cell
    with libreoffice.open(fixed) as document:
        document.recalculate()
        for sheet, cells in by_sheet.items():
            got = document.get_values(sheet, cells)
            for address, cell in cells.items():
                computed = half_up(D(repr(float(got[address] or 0))))
                assert computed == values.cells[cell], (sheet, address, got[address])


# -- every format ---------------------------------------------------------------------------------------------------


def test_xlsx_is_values_only_without_template_machinery(exports, fixed: Path):
    (path,) = exports["xlsx"]
    values, _ = load(fixed)
    with zipfile.ZipFile(path) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert len(sheets) == 9
        for name in sheets:
            xml = z.read(name).decode()
            assert "<f>" not in xml and "<f " not in xml, name  # no formulas
            assert "sheetProtection" not in xml and "dataValidation" not in xml
            assert "<pageSetup" in xml and 'orientation="landscape"' in xml and 'paperSize="9"' in xml
        assert "FFF2CC" not in z.read("xl/styles.xml").decode()  # no input tint
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [f"公开{n:02d}表" for n in range(1, 10)]
    ws = wb["公开05表"]
    assert ws.print_title_rows == "$4:$6"
    assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0  # one page wide
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    rows = [r for r in ws.iter_rows(min_row=7, values_only=True) if r[0] is not None]
    assert rows[0][:3] == ("合计", None, 235.8)
    assert [r[0] for r in rows[1:11]] == ["201", "20132", "2013201", "208", "20805", "2080501", "2080505", "221",
                                          "22102", "2210201"]
    assert rows[11][0].startswith("注：")  # unused rows are gone: the notes follow the last code
    for table in publication_tables(values):  # every printed amount is the engine's value
        sheet = wb[table.table.sheet]
        for i, row in enumerate(table.rows):
            for c, pc in enumerate(row.cells):
                got = sheet.cell(4 + len(table.header) + i, c + 1).value
                if pc.is_amount and pc.display:
                    assert D(repr(got)) == pc.amount, (table.table.id, i, c)
    for tid in ("07", "08"):
        texts = [c for row in wb[f"公开{tid}表"].iter_rows(values_only=True) for c in row if isinstance(c, str)]
        assert load_spec(2024).table(tid).empty_note in texts
    assert STAMP not in wb["公开01表"]["A1"].value


def test_csv_one_file_per_table_with_bom(exports):
    paths = exports["csv"]
    assert [p.name for p in paths] == [f"公开{n:02d}表.csv" for n in range(1, 10)]
    raw = paths[4].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0] == ["项目/功能分类科目编码", "项目/科目名称", "本年支出/小计", "本年支出/基本支出",
                       "本年支出/项目支出"]
    assert rows[1] == ["合计", "", "235.80", "235.80", "0.00"]
    assert rows[2] == ["201", "一般公共服务支出", "203.08", "203.08", "0.00"]
    assert b'"235.80"' not in raw  # numbers are not quoted
    assert STAMP not in raw.decode("utf-8-sig")


def test_json_is_the_whole_workbook(exports):
    (path,) = exports["json"]
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["schema"] == "juesuan-xlsx/export/1.0"
    assert (data["year"], data["profile"], data["dept"]) == (2024, "central", "中共株洲市渌口区委机构编制委员会办公室")
    assert data["verified"] is True and data["stamp"] is None
    tables = {t["id"]: t for t in data["tables"]}
    assert list(tables) == [f"{n:02d}" for n in range(1, 10)]
    row = next(r for r in tables["05"]["rows"] if r["code"] == "2013201")
    assert row == {"key": row["key"], "code": "2013201", "name": "行政运行", "line": None,
                   "values": {"total": "203.08", "basic": "203.08", "project": "0.00"}}
    assert tables["01"]["rows"][0]["values"] == {"amt": "235.81"}
    amounts = [v for t in data["tables"] for r in t["rows"] for v in r["values"].values()]
    assert all(re.fullmatch(r"-?\d+\.\d{2}", v) for v in amounts)
    assert tables["07"]["empty"] and tables["07"]["note"].startswith("说明：")
    assert data["shuoming"]["budget_general"] == "224.09"


def test_docx_has_the_seed_structure(exports, fixed: Path):
    (path,) = exports["docx"]
    doc = Document(str(path))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["第一部分 中共株洲市渌口区委机构编制委员会办公室概况", "第二部分 部门决算表",
                        "第三部分 2024年度部门决算情况说明", "第四部分 名词解释", "第五部分 附件"]
    texts = [p.text for p in doc.paragraphs]
    assert "目  录" in texts and "部门决算" in texts
    assert texts.index("目  录") < texts.index(headings[0])
    values, inputs = load(fixed)
    titles = [t.title for t in values.spec.tables]
    assert all(t in texts for t in titles) and all(f"公开{n:02d}表" in texts for n in range(1, 10))
    assert any(t.startswith("部门：中共株洲市渌口区委机构编制委员会办公室\t单位：万元") for t in texts)
    assert load_spec(2024).table("07").empty_note in texts and load_spec(2024).table("08").empty_note in texts
    assert len(doc.tables) == 9
    first = doc.tables[0]
    xml = first._tbl.xml
    assert 'w:gridSpan w:val="3"' in xml and "w:tblHeader" in xml and "w:vMerge" not in xml
    assert "w:vMerge" in doc.tables[1]._tbl.xml  # 02: 本年收入合计 spans two header rows
    cells05 = [[c.text for c in row.cells] for row in doc.tables[4].rows]
    assert ["201", "一般公共服务支出", "203.08", "203.08", ""] in cells05
    for section in generate_narrative(values, inputs):  # the narrative, verbatim
        assert section.title in texts
        for paragraph in section.paragraphs:
            assert paragraph.text in texts
    mingci = (ROOT / "templates" / "2024" / "mingci.txt").read_text(encoding="utf-8")
    first_entry = next(line for line in mingci.splitlines() if line and not line.startswith("#"))
    assert first_entry in texts
    assert "附件1 2024年度区委编办整体支出绩效自评报告" in texts
    # A4, tables on landscape pages, page numbers, Chinese fonts
    portrait, landscape = doc.sections[0], doc.sections[1]
    assert (round(portrait.page_width.cm, 1), round(portrait.page_height.cm, 1)) == (21.0, 29.7)
    assert (round(landscape.page_width.cm, 1), round(landscape.page_height.cm, 1)) == (29.7, 21.0)
    assert 'w:instr="PAGE"' in portrait.footer._element.xml
    fonts = doc.styles["Normal"].element.rPr.rFonts
    assert fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "宋体"
    heading = doc.styles["Heading 1"].element.rPr.rFonts
    assert heading.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "黑体"
    assert STAMP not in "\n".join(texts) and STAMP not in portrait.header._element.xml


@pytest.mark.libreoffice
def test_pdf_via_libreoffice_writer(exports):
    need_pdf()
    (path,) = exports["pdf"]
    assert path.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout if shutil.which("pdftotext") else ""
    if text:
        squeezed = re.sub(r"\s+", "", text)
        for needle in ("部门决算", "第三部分2024年度部门决算情况说明", "完成年初预算的105.23%", "公开09表", "第1页"):
            assert needle in squeezed, needle
        assert STAMP not in squeezed


@pytest.mark.libreoffice
def test_pdf_prints_each_table_on_a_page_of_its_own(exports):
    """issue 15 #23: the part's title on its own page, then each table on one landscape page of its own, its last
    row and its notes included (收入支出决算总表 used to spill rows 23–30 onto the next page)."""
    need_pdf()
    if shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None:
        pytest.skip("pdftotext/pdfinfo (poppler-utils) not installed")
    (path,) = exports["pdf"]
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    count = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    pages = [re.sub(r"\s+", "", subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), str(path), "-"],
                                                capture_output=True, text=True, check=True).stdout)
             for n in range(1, count + 1)]
    where = {n: [i for i, text in enumerate(pages) if f"公开{n:02d}表" in text] for n in range(1, 10)}
    assert all(len(found) == 1 for found in where.values()), where  # no table on two pages
    first = where[1][0]
    assert [where[n][0] for n in range(1, 10)] == list(range(first, first + 9))  # one page each, in order
    assert pages[first - 1].startswith("第二部分部门决算表")  # the part's title stands alone before them
    assert "公开" not in pages[first - 1]
    for n in range(1, 10):
        assert "尾数误差" in pages[first + n - 1], n  # the table's notes are on its page
    for n in (1, 4):
        assert pages[first + n - 1].count("总计") >= 2, n  # and its last rows
    sizes = subprocess.run(["pdfinfo", "-f", str(first + 1), "-l", str(first + 9), str(path)], capture_output=True,
                           text=True, check=True).stdout
    assert all(float(w) > float(h) for w, h in re.findall(r"size:\s+([\d.]+) x ([\d.]+)", sizes))  # landscape


def test_example_workbook_exports_to_every_format(example: Path, tmp_path: Path):
    """examples/seed-2024.xlsx (free-entry rows, the seed's 说明 filled in): verifies, exports unstamped, complete."""
    report = verify_file(example)
    formats = ["xlsx", "csv", "json", "docx"] + (["pdf"] if pdf_available() is None else [])
    before = sha(example)
    for fmt in formats:
        name = "out-csv" if fmt == "csv" else f"out.{fmt}"
        paths = export(example, fmt, tmp_path / name, force=not report.valid)
        assert paths and all(p.stat().st_size > 0 for p in paths)
    assert sha(example) == before
    data = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert data["verified"] is report.valid
    doc = Document(str(tmp_path / "out.docx"))
    texts = "\n".join(p.text for p in doc.paragraphs)
    assert report.valid
    assert texts.count("（未填写）") == 0  # every input the narrative needs is in the example's 说明 sheet
    assert STAMP not in texts
    wb = openpyxl.load_workbook(tmp_path / "out.xlsx")
    codes = [r[0] for r in wb["公开02表"].iter_rows(min_row=8, values_only=True) if r[0] and r[0][0].isdigit()]
    assert codes == ["201", "20132", "2013201", "208", "20805", "2080501", "2080505", "221", "22102", "2210201"]


# -- refusing, forcing, stamping ------------------------------------------------------------------------------------


def test_a_workbook_with_errors_is_refused(broken: Path, tmp_path: Path):
    with pytest.raises(ExportRefused) as caught:
        export(broken, "json", tmp_path / "out.json")
    assert not caught.value.report.valid
    assert "T01-收支平衡" in caught.value.report.codes()
    assert "--ignore-errors" in str(caught.value) and "未通过校验" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def forced(broken: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    out = tmp_path_factory.mktemp("forced")
    formats = ["xlsx", "csv", "json", "docx"] + (["pdf"] if pdf_available() is None else [])
    return {fmt: export(broken, fmt, out / ("forced-csv" if fmt == "csv" else f"forced.{fmt}"), force=True)
            for fmt in formats}


def test_forced_xlsx_is_stamped(forced):
    wb = openpyxl.load_workbook(forced["xlsx"][0])
    for ws in wb.worksheets:
        assert ws["A1"].value.endswith(f"（{STAMP}）")
        assert STAMP in ws.oddHeader.center.text
    assert STAMP in wb.properties.title


def test_forced_csv_and_json_are_stamped(forced):
    for path in forced["csv"]:
        first = path.read_text(encoding="utf-8-sig").splitlines()[0]
        assert first.startswith(STAMP)
    data = json.loads(forced["json"][0].read_text(encoding="utf-8"))
    assert data["verified"] is False and data["stamp"] == STAMP


def test_forced_docx_and_pdf_are_stamped(forced):
    doc = Document(str(forced["docx"][0]))
    assert all(STAMP in s.header._element.xml for s in doc.sections)
    texts = [p.text for p in doc.paragraphs]
    assert f"（{STAMP}）" in texts
    assert any(t.endswith(f"（{STAMP}）") for t in texts if t.startswith("收入支出决算总表"))
    if "pdf" in forced and shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(forced["pdf"][0]), "-"], capture_output=True, text=True).stdout
        assert text.count(STAMP) >= 10  # cover and the header of every page


def test_a_formula_typed_into_an_input_cell_exports_its_saved_value(tmp_path: Path):
    cell = Cell("09", "sg", "a_recept")
    path = build_workbook(tmp_path / "f.xlsx", formulas={cell: ("=0.05+0.03", 0.08)})
    values = workbook_values(path)
    assert values.formula_inputs == {cell} and not values.unresolved
    assert (values.cells[cell], values.amount("09", "sg", "a_total")) == (D("0.08"), D("0.08"))  # not 0
    # verify itself counts such a cell as 0 and reports X-内部不一致 today (xfail in test_verify_corpus), hence force
    export(path, "json", tmp_path / "f.json", force=True)
    sg = json.loads((tmp_path / "f.json").read_text(encoding="utf-8"))["tables"][8]["rows"][0]["values"]
    assert (sg["a_recept"], sg["a_total"]) == ("0.08", "0.08")


def test_a_formula_without_a_saved_value_is_refused_unless_forced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from juesuan_xlsx.verify import FileReport, verify

    cell = Cell("09", "sg", "a_recept")
    path = build_workbook(tmp_path / "f.xlsx", formulas={cell: ("=0.05+0.03", "")})
    values = workbook_values(path)
    where = values.where[cell]
    assert values.unresolved == {cell} and where.startswith("公开09表!L")
    # whatever verify says about it, the exporter itself refuses a figure it cannot know
    monkeypatch.setattr("juesuan_xlsx.export.verify", lambda p, extra_codes=None: dataclasses.replace(
        verify(p), report=FileReport(str(p), spec="2024/central")))
    with pytest.raises(ExportError, match=re.escape(f"{where} 填的是公式，且没有保存计算结果")):
        export(path, "json", tmp_path / "f.json")
    export(path, "json", tmp_path / "f.json", force=True)
    data = json.loads((tmp_path / "f.json").read_text(encoding="utf-8"))
    assert data["stamp"] == STAMP and data["tables"][8]["rows"][0]["values"]["a_recept"] == "0.00"


def test_unreadable_file_cannot_be_forced(tmp_path: Path):
    bogus = tmp_path / "bogus.xlsx"
    bogus.write_bytes(b"not a workbook")
    with pytest.raises(ExportError, match="无法作为部门决算公开表读取"):
        export(bogus, "json", tmp_path / "out.json", force=True)
    assert not (tmp_path / "out.json").exists()


def test_unknown_format(fixed: Path, tmp_path: Path):
    with pytest.raises(ExportError, match="不支持导出为“html”"):
        export(fixed, "html", tmp_path / "x.html")


# -- atomic writes, never overwriting, never touching the input ----------------------------------------------------


def test_existing_output_is_kept_unless_overwrite(fixed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    target = tmp_path / "out.json"
    target.write_text("old", encoding="utf-8")
    calls = []
    monkeypatch.setattr("juesuan_xlsx.export.verify", lambda p, **_: calls.append(p))
    with pytest.raises(OutputExists, match="文件已存在"):
        export(fixed, "json", target)
    assert target.read_text(encoding="utf-8") == "old" and calls == []  # refused before the slow verification
    monkeypatch.undo()
    export(fixed, "json", target, overwrite=True)
    assert json.loads(target.read_text(encoding="utf-8"))["year"] == 2024


def test_csv_folder_is_all_or_nothing(fixed: Path, tmp_path: Path):
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "公开05表.csv").write_text("old", encoding="utf-8")
    with pytest.raises(OutputExists):
        export(fixed, "csv", folder)
    assert [p.name for p in folder.iterdir()] == ["公开05表.csv"]


def test_failed_write_leaves_nothing_behind(fixed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    def half_written(values, path, *, stamped=False):
        Path(path).write_bytes(b"PK\x03\x04 partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("juesuan_xlsx.export.xlsx.write_xlsx", half_written)
    with pytest.raises(OSError):
        export(fixed, "xlsx", tmp_path / "out.xlsx")
    assert list(tmp_path.iterdir()) == []  # neither the target nor a temporary file


def test_output_must_not_be_the_input(fixed: Path, tmp_path: Path):
    copy = tmp_path / "in.xlsx"
    shutil.copyfile(fixed, copy)
    before = sha(copy)
    with pytest.raises(ExportError, match="不能与输入文件相同"):
        export(copy, "xlsx", copy, overwrite=True)
    assert sha(copy) == before


def test_input_is_never_modified_and_outputs_are_deterministic(fixed: Path, tmp_path: Path):
    before = sha(fixed)
    for fmt in ("xlsx", "json", "csv"):
        first = export(fixed, fmt, tmp_path / f"a.{fmt}")
        second = export(fixed, fmt, tmp_path / f"b.{fmt}")
        assert [sha(p) for p in first] == [sha(p) for p in second], fmt
    assert sha(fixed) == before
    assert not [p for p in tmp_path.rglob("*") if p.name.startswith(".")]


def test_default_output_names():
    assert default_output("d/某局.xlsx", "docx") == Path("d/某局.docx")
    assert default_output("d/某局.xlsx", "xlsx") == Path("d/某局-公开.xlsx")
    assert default_output("d/某局.xlsx", "csv") == Path("d/某局-csv")


# -- csv injection --------------------------------------------------------------------------------------------------

HOSTILE = ["=HYPERLINK(\"http://x.example\",\"点击\")", "+1+1", "-1+1", "@SUM(A1:A2)", "\tTAB", "\rCR"]


@pytest.mark.parametrize("text", HOSTILE)
def test_csv_text_escapes_formula_starts(text: str):
    assert csv_text(text) == "'" + text
    assert csv_text("行政运行") == "行政运行" and csv_text("2013201") == "2013201"


def test_csv_escapes_text_cells_and_leaves_numbers(tmp_path: Path):
    spec = load_spec(2024)
    hostile = HOSTILE[:4]  # names are stripped of surrounding whitespace on reading: tab and CR cannot lead
    rows = [(f"20132{k:02d}", name, {"basic": D("1.5")}) for k, name in enumerate(hostile, start=1)]
    rows.append(("2013299", "其他组织事务支出", {"basic": D("-5")}))
    values = build_values(spec, "=某局", {}, {"05": rows})
    table = publication_table(values, spec.table("05"))
    written = csv_rows(table)
    names = [r[1] for r in written[2:]]
    assert names[:2] == ["一般公共服务支出", "组织事务"]
    assert names[2:6] == ["'" + h for h in hostile]
    assert written[-1][2:] == ["-5.00", "-5.00", "0.00"]  # a negative number is a number, not a formula
    path = tmp_path / "05.csv"
    write_csv(table, path)
    back = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines(keepends=True)))
    assert [r[1] for r in back[4:8]] == ["'" + h for h in hostile]
    xlsx = tmp_path / "05.xlsx"
    write_xlsx(values, xlsx)
    with zipfile.ZipFile(xlsx) as z:
        assert not any("<f>" in z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))
    cells = [c for row in openpyxl.load_workbook(xlsx)["公开05表"].iter_rows(values_only=True) for c in row]
    assert HOSTILE[0] in cells  # kept as text in the workbook


# -- the 说明 sheet ---------------------------------------------------------------------------------------------------


def test_shuoming_sheet_round_trip_and_protection(tmp_path: Path):
    inputs = replace(SEED_INPUTS, items=(ItemBudget("2013201", D("200.5"), "人员增加"), ItemBudget("2210201", D(15))))
    path = build_workbook(tmp_path / "s.xlsx", inputs)
    wb = openpyxl.load_workbook(path)
    assert read_shuoming_sheet(wb) == inputs
    ws = wb[SHEET]
    assert ws.sheet_properties.codeName == CODENAME and ws.protection.sheet
    address = cell_of("last_total").split("!")[1]
    assert ws[address].value == 249.41 and ws[address].protection.locked is False
    assert ws[address].fill.fgColor.rgb.endswith("FFF2CC")
    assert ws["A" + address[1:]].protection.locked is not False
    assert shuoming_cells(wb)["last_total"] == cell_of("last_total")


def test_input_cell_names_where_a_finding_points(tmp_path: Path):
    inputs = replace(SEED_INPUTS, items=(ItemBudget("2013201", D("200.5")),))
    wb = openpyxl.load_workbook(build_workbook(tmp_path / "s.xlsx", inputs))
    assert input_cell(wb, "last_jiguan") == cell_of("last_jiguan")
    item_row = int(input_cell(wb, "budget:2013201").split("!B")[1])
    assert wb[SHEET][f"A{item_row}"].value == "2013201"
    assert input_cell(wb, "reason:2013201") == f"{SHEET}!C{item_row}"
    assert wb[SHEET][input_cell(wb, "budget:2210201").split("!")[1]].value == "科目编码"  # not listed: the block


def test_inputs_from_plain_data():
    got = inputs_from_mapping({"last_total": 249.41, "vehicles": "2", "duty": " 职责 ", "meeting_fee": "不详",
                               "items": [{"code": 2013201, "budget": "200", "reason": "增人"}]})
    assert got == NarrativeInputs(last_total=D("249.41"), vehicles=2, duty="职责",
                                  items=(ItemBudget("2013201", D("200"), "增人"),))
    with pytest.raises(ValueError, match="没有这些项目：typo"):
        inputs_from_mapping({"typo": 1})


def test_shuoming_sheet_is_found_when_renamed_or_moved_and_read_tolerantly(fixed: Path, tmp_path: Path):
    wb = openpyxl.load_workbook(fixed)
    ws = wb[SHEET]
    ws.title = "情况说明"
    for merged in list(ws.merged_cells.ranges):  # openpyxl moves cells but not merges; Excel moves both
        ws.unmerge_cells(str(merged))
    ws.insert_rows(3, 2)
    row = int(cell_of("last_total").split("!B")[1]) + 2
    ws[f"B{row}"] = "２４９.４１"  # full-width text: read as the number meant
    ws[f"B{row + 2}"] = "不详"  # not a number: treated as not filled in
    path = tmp_path / "moved.xlsx"
    wb.save(path)
    got = read_shuoming_sheet(openpyxl.load_workbook(path))
    assert got.last_total == D("249.41") and got.last_fiscal_total is None
    assert got.duty == SEED_INPUTS.duty and got.budget_general == D("224.09")
    assert shuoming_cells(openpyxl.load_workbook(path))["last_total"] == f"情况说明!B{row}"


def test_missing_shuoming_sheet_reads_as_nothing_filled_in(example: Path):
    wb = openpyxl.load_workbook(example)
    del wb["说明"]  # a workbook from before the 说明 sheet existed
    assert read_shuoming_sheet(wb) == NarrativeInputs()


# -- pdf without LibreOffice Writer -----------------------------------------------------------------------------------


def test_pdf_without_writer_names_the_debian_package(fixed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    fake = tmp_path / "program" / "soffice"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'Error: source file could not be loaded' >&2\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("JUESUAN_SOFFICE", str(fake))
    with pytest.raises(PdfUnavailable) as caught:
        export(fixed, "pdf", tmp_path / "out.pdf")
    message = str(caught.value)
    assert "libreoffice-writer-nogui" in message
    assert "apt-get install --no-install-recommends libreoffice-writer-nogui" in message
    assert not (tmp_path / "out.pdf").exists()
    monkeypatch.setenv("JUESUAN_SOFFICE", str(tmp_path / "nowhere"))
    with pytest.raises(PdfUnavailable) as caught:
        check_writer()
    assert str(caught.value) == NO_SOFFICE


# -- issue 15 #5 #18 #22: a blank return, --force versus --ignore-errors, what the console says ----------------------


def test_a_blank_return_is_refused_unless_ignore_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    from juesuan_xlsx.cli import run
    from juesuan_xlsx.export import BlankReturn

    blank = tmp_path / "b.xlsx"
    assert run(["new", "2024", "-o", str(blank)]) == 0
    with pytest.raises(BlankReturn):
        export(blank, "docx", tmp_path / "b.docx")
    capsys.readouterr()
    assert run(["export", str(blank), "--to", "docx", "-o", str(tmp_path / "b.docx")]) == 1
    assert "没有填写任何金额" in capsys.readouterr().err and not (tmp_path / "b.docx").exists()
    assert run(["export", str(blank), "--to", "docx", "-o", str(tmp_path / "b.docx"), "--ignore-errors"]) == 0
    err = capsys.readouterr().err
    assert "没有填写任何金额" in err and "部门名称" in err and (tmp_path / "b.docx").exists()


def test_export_force_only_overwrites_and_ignore_errors_exports_despite_errors(
        broken: Path, example: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    from juesuan_xlsx.cli import run

    out = tmp_path / "x.json"
    assert run(["export", str(broken), "--to", "json", "-o", str(out), "--force"]) == 1  # not "despite errors"
    assert "--ignore-errors" in capsys.readouterr().err and not out.exists()
    assert run(["export", str(broken), "--to", "json", "-o", str(out), "--ignore-errors"]) == 0
    captured = capsys.readouterr()
    assert "已导出" in captured.out and "未通过校验" in captured.out + captured.err  # said on the console too
    assert run(["export", str(example), "--to", "json", "-o", str(out)]) == 2  # exists: not replaced
    assert "已存在" in capsys.readouterr().err and STAMP in out.read_text(encoding="utf-8")
    assert run(["export", str(example), "--to", "json", "-o", str(out), "--force"]) == 0  # --force replaces it
    assert STAMP not in out.read_text(encoding="utf-8")


def test_export_without_shuoming_says_so_on_the_console(example: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]):
    from juesuan_xlsx.cli import run

    bare = tmp_path / "no-shuoming.xlsx"
    wb = openpyxl.load_workbook(example)
    del wb["说明"]
    wb.save(bare)
    assert run(["export", str(bare), "--to", "docx", "-o", str(tmp_path / "a.docx")]) == 0
    err = capsys.readouterr().err
    assert "（未填写）" in err and "部门职责" in err and "说明" in err
