"""Every text a ``--profile shanghai`` workbook shows its user names the tables as that layout does.

The Shanghai template prints no 公开NN表 labels; its sheets are named by the tables' titles (收入支出决算总表 …).
So no verify message, report heading, 校验 line, 填表说明 or 说明 text of a Shanghai workbook may say 公开01表…
公开09表, while a ``central`` workbook keeps saying them exactly as before.  Finding codes stay the same in both.

The workbooks are the seed department's figures with damage that breaks relations and codes: 财政拨款收入支出
决算总表 一般公共预算财政拨款收入 235.81 → 300.00, a 收入决算表 row typed twice, a 政府性基金 code in the
一般公共预算 table.
"""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from juesuan_xlsx import checks
from juesuan_xlsx.cli import run
from juesuan_xlsx.filling import load_fill_file
from juesuan_xlsx.findings import Level, define_check
from juesuan_xlsx.generate import FilledRow, Filling, Options, generate
from juesuan_xlsx.model import Cell
from juesuan_xlsx.plan import CHECK_SHEET
from juesuan_xlsx.report import to_json, to_text
from juesuan_xlsx.spec import SpecError, _validate_names, load_spec
from juesuan_xlsx.verify import FileReport, Report, verify_file

SEED = Path(__file__).resolve().parent.parent / "examples" / "seed-2024.toml"
LABEL = "公开0"
SHANGHAI = {"01": "收入支出决算总表", "02": "收入决算表", "03": "支出决算表", "04": "财政拨款收入支出决算总表",
            "05": "一般公共预算财政拨款支出决算表", "06": "一般公共预算财政拨款基本支出决算表",
            "07": "政府性基金预算财政拨款收入支出决算表", "08": "国有资本经营预算财政拨款收入支出决算表",
            "09": "财政拨款“三公”经费支出决算表"}
PER_ROW_05 = "T05-科目层级、X-05不超过03、X-05基本支出不超过03、X-05项目支出不超过03"
DAMAGED_CODES = {"T01-收支平衡", "X-01本年收入合计-02", "X-04本年收入-02", "C-重复科目", "C-基金科目",
                 "X-05不超过03"}


def _damaged(spec_year: int, profile: str, folder: Path) -> Path:
    spec = load_spec(spec_year, profile)
    data = load_fill_file(SEED, spec)
    cells = {**data.filling.cells, Cell("04", "inc1", "amt"): Decimal("300.00")}
    # the year's dictionary names the rows (the seed prints 2024 names, a note in 2025)
    rows = {t: [FilledRow(r.code, None, r.amounts) for r in items] for t, items in data.filling.rows.items()}
    rows["02"] = [*rows["02"], rows["02"][-1]]
    rows["05"] = [*rows["05"], FilledRow("2070904", None, {"project": Decimal("5.00")})]
    out = folder / f"{spec_year}-{profile}.xlsx"
    return generate(spec, out, Options(dept=data.dept, filling=Filling(cells, rows), shuoming=data.shuoming))


@pytest.fixture(scope="module", params=[(2024, "shanghai"), (2025, "shanghai"), (2024, "central")],
                ids=lambda p: f"{p[0]}-{p[1]}")
def damaged(request, tmp_path_factory) -> tuple[str, Path, FileReport]:
    year, profile = request.param
    path = _damaged(year, profile, tmp_path_factory.mktemp(f"{year}-{profile}"))
    return profile, path, verify_file(path)


def _texts(path: Path, sheet: str) -> list[str]:
    ws = openpyxl.load_workbook(path)[sheet]
    return [c for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]


def test_display_name_is_the_label_where_printed_else_the_title():
    for year in (2024, 2025):
        central, shanghai = load_spec(year, "central"), load_spec(year, "shanghai")
        assert {t.id: t.display_name for t in central.tables} == {t.id: t.label for t in central.tables}
        assert {t.id: t.display_name for t in shanghai.tables} == SHANGHAI
        assert all(t.label == f"公开{t.id}表" for t in shanghai.tables)  # still the reader's marker


def test_shanghai_relation_titles_and_hints_name_the_shanghai_tables():
    for year in (2024, 2025):
        spec = load_spec(year, "shanghai")
        assert [r for r in spec.relations if LABEL in r.title + r.hint] == []
        assert spec.relation("T01-收支平衡").title == "收入支出决算总表收入总计 = 支出总计"
        assert spec.relation("X-04一般公共预算-05合计").title == \
            "财政拨款收入支出决算总表一般公共预算财政拨款本年支出合计 = 一般公共预算财政拨款支出决算表合计"
        assert load_spec(year, "central").relation("T01-收支平衡").title == "公开01表收入总计 = 支出总计"


def test_a_spec_naming_a_label_its_layout_does_not_print_fails_to_load():
    spec = load_spec(2024, "shanghai")
    _validate_names(spec)
    rel = replace(spec.relation("T01-收支平衡"), hint="请核对公开02表。")
    with pytest.raises(SpecError, match="T01-收支平衡.*公开02表.*收入决算表"):
        _validate_names(replace(spec, relations=(*spec.relations, rel)))
    with pytest.raises(SpecError, match="instructions"):
        _validate_names(replace(spec, instructions=spec.instructions + "\n见公开05表。"))
    _validate_names(load_spec(2024, "central"))  # a layout that prints its labels may name them


def test_finding_messages(damaged):
    profile, _, report = damaged
    assert DAMAGED_CODES <= set(report.codes())  # the codes are the same in every layout
    messages = {f.code: f.message for f in report.findings}
    if profile == "central":
        assert messages["T01-收支平衡"].startswith("公开01表收入总计 = 支出总计：表中（公开01表!C36）为 300.00")
        assert "在公开02表中出现了 2 次" in messages["C-重复科目"]
        assert messages["C-基金科目"].endswith("不应出现在公开05表。请移到公开07表。")
        return
    assert [f.message for f in report.findings if LABEL in f.message] == []
    assert messages["T01-收支平衡"].startswith("收入支出决算总表收入总计 = 支出总计：表中（收入支出决算总表!B33）")
    assert messages["X-04本年收入-02"].startswith("财政拨款收入支出决算总表本年收入合计 = 收入决算表财政拨款收入合计")
    assert "在收入决算表中出现了 2 次" in messages["C-重复科目"]
    assert messages["C-基金科目"].endswith(
        "不应出现在一般公共预算财政拨款支出决算表。请移到政府性基金预算财政拨款收入支出决算表。")
    assert messages["X-05不超过03"].startswith("每个科目：一般公共预算财政拨款支出决算表、")


def test_report_renderings(damaged):
    profile, _, report = damaged
    text, as_json = to_text(Report([report])), to_json(Report([report]))
    headings = [line.strip() for line in text.splitlines() if line.startswith("  【")]
    if profile == "central":
        assert headings[:4] == ["【公开01表】", "【公开02表】", "【公开04表】", "【公开05表】"]
        assert "公开01表收入总计 = 支出总计" in text
        return
    assert LABEL not in text and LABEL not in as_json
    # the tables in the layout's order, by their names
    assert headings[:4] == ["【收入支出决算总表】", "【收入决算表】", "【财政拨款收入支出决算总表】",
                            "【一般公共预算财政拨款支出决算表】"]
    assert json.loads(as_json)["files"][0]["spec"].endswith("/shanghai")


def test_check_sheet_lines(damaged):
    profile, path, _ = damaged
    ws = openpyxl.load_workbook(path)[CHECK_SHEET]
    lines = {row[1]: row[2] for row in ws.iter_rows(min_row=5, max_col=3, values_only=True) if row[1]}
    if profile == "central":
        assert lines["T01-收支平衡"] == "公开01表收入总计 = 支出总计"
        assert lines[PER_ROW_05].startswith(
            "公开05表逐行：类、款行 = 下级科目之和；每个科目：公开05表 + 公开07表 + 公开08表的财政拨款支出不超过")
        # 02 and 03 check the hierarchy only: their line says nothing of a rule they do not have
        assert lines["T02-科目层级"] == "公开02表逐行：类、款行 = 下级科目之和（不符的行见该表“校验”列）"
        return
    assert [t for t in _texts(path, CHECK_SHEET) if LABEL in t] == []
    assert lines["T01-收支平衡"] == "收入支出决算总表收入总计 = 支出总计"
    each = "每个科目：一般公共预算财政拨款支出决算表、政府性基金和国有资本经营预算财政拨款收入支出决算表的"
    assert lines[PER_ROW_05] == (
        f"一般公共预算财政拨款支出决算表逐行：类、款行 = 下级科目之和；{each}本年支出之和不超过支出决算表本年支出合计；"
        f"{each}基本支出之和不超过支出决算表基本支出；{each}项目支出之和不超过支出决算表项目支出"
        "（不符的行见该表“校验”列）")


def test_guide_and_shuoming_sheets(damaged):
    profile, path, _ = damaged
    shuoming = _texts(path, "说明")
    names = SHANGHAI if profile == "shanghai" else {tid: f"公开{tid}表" for tid in SHANGHAI}
    assert f"上年{names['01']}的收入总计。" in shuoming
    assert f"一般等于{names['06']}公用经费合计。" in "".join(shuoming)
    assert f"各项目年初预算数（{names['05']}的项级科目）" in shuoming
    ws = openpyxl.load_workbook(path)["说明"]
    messages = [dv.error for dv in ws.data_validations.dataValidation if dv.errorTitle == "科目编码"]
    assert messages == [f"请填写{names['05']}中的项级（7位）功能分类科目编码。"]
    if profile == "shanghai":
        wb = openpyxl.load_workbook(path)
        found = {ws.title: t for ws in wb.worksheets for t in _texts(path, ws.title) if LABEL in t}
        assert found == {}  # 填表说明, the tables, 说明, 校验, 字典


@pytest.mark.parametrize("profile", ["shanghai", "central"])
def test_a_missing_table_is_named_as_the_layout_names_it(tmp_path, profile):
    spec = load_spec(2024, profile)
    path = generate(spec, tmp_path / "w.xlsx")
    wb = openpyxl.load_workbook(path)
    del wb[spec.table("02").sheet]
    wb.save(path)
    report = verify_file(path)
    [message] = [f.message for f in report.findings if f.code == "R-缺少表"]
    if profile == "central":
        assert message == ("找不到公开02表（按工作表代码名、“公开02表”标签和工作表名都没有找到）。"
                           "请不要删除工作表或修改表头的“公开02表”标签。")
    else:
        assert message == "找不到收入决算表（按工作表代码名和工作表名“收入决算表”都没有找到）。请不要删除工作表。"
        assert LABEL not in to_text(Report([report]))


def test_rules_list_the_layouts_titles(capsys):
    """Verifying both layouts in one process is fine (a relation is one rule in other words), and the catalogue
    lists the titles of the layout asked for."""
    for profile in ("central", "shanghai", "central"):
        for relation in load_spec(2024, profile).relations:
            checks.relation_check(relation)
    assert run(["rules", "--profile", "shanghai"]) == 0
    out = capsys.readouterr().out
    assert "T01-收支平衡\t错误\t收入支出决算总表收入总计 = 支出总计" in out
    # only this layout's relations, though central-only ones (T06-公用经费合计) were registered before
    central_only = {r.code for r in load_spec(2024, "central").relations} - \
        {r.code for r in load_spec(2024, "shanghai").relations}
    listed = {ln.split("\t")[0] for ln in out.splitlines()}
    assert central_only and not central_only & listed
    assert [ln for ln in out.splitlines() if LABEL in ln] == []
    assert run(["rules"]) == 0
    assert "T01-收支平衡\t错误\t公开01表收入总计 = 支出总计" in capsys.readouterr().out


def test_a_relation_code_still_cannot_mean_another_rule():
    relation = load_spec(2024, "shanghai").relation("T01-收支平衡")
    check = checks.relation_check(relation)
    with pytest.raises(ValueError, match="defined twice"):
        define_check(check.code, Level.WARNING, check.title, check.template, check.description, "relation")
    with pytest.raises(ValueError, match="defined twice"):
        define_check("I-公式被改写", Level.ERROR, "另一个标题", checks.OVERWRITTEN.template,
                     checks.OVERWRITTEN.description, "integrity")


@pytest.mark.parametrize(("profile", "said"), [("shanghai", "2024 年 上海格式（shanghai），共 9 张表"),
                                               ("central", "2024 年 通用格式（central），公开01表—公开09表")])
def test_new_names_the_layout_in_chinese(tmp_path, capsys, profile, said):
    out = tmp_path / "t.xlsx"
    assert run(["new", "2024", "--profile", profile, "-o", str(out)]) == 0
    assert said in capsys.readouterr().out
    guide = openpyxl.load_workbook(out).worksheets[0]
    assert f"模板：{said.split('，')[0]}，juesuan-xlsx" in guide["A3"].value
