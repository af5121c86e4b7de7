"""Every shipped (year, profile) is data only: new → fill → verify is clean, and the layout follows its spec.

2025 `central` and `shanghai` 2024/2025 come from `templates/YEAR/PROFILE.toml` and their dictionaries; the
generator, reader and verifier are the same code as for 2024 `central`.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from juesuan_xlsx.cli import run
from juesuan_xlsx.export import load
from juesuan_xlsx.figures import workbook_values
from juesuan_xlsx.filling import load_fill_file
from juesuan_xlsx.generate import FilledRow, Filling, Options, generate
from juesuan_xlsx.layout import layout_all
from juesuan_xlsx.model import Instance
from juesuan_xlsx.narrative.shuoming import read_shuoming_sheet
from juesuan_xlsx.reader import read_workbook
from juesuan_xlsx.resources import available_specs
from juesuan_xlsx.spec import load_spec
from juesuan_xlsx.verify import verify_file

SEED = Path(__file__).resolve().parent.parent / "examples" / "seed-2024.toml"
SPECS = [(2024, "central"), (2024, "shanghai"), (2025, "central"), (2025, "shanghai")]


def test_shipped_specs():
    assert available_specs() == SPECS


@pytest.mark.parametrize(("year", "profile"), SPECS)
def test_new_fill_verify_is_clean(tmp_path, year, profile):
    """The seed department's published figures, typed into each layout, verify without an error."""
    spec = load_spec(year, profile)
    data = load_fill_file(SEED, spec)
    filling = data.filling
    if year != 2024:  # the seed prints 2024 names (20805 行政事业单位养老支出); let the year's dictionary name them
        filling = Filling(filling.cells, {t: [FilledRow(r.code, None, r.amounts) for r in rows]
                                          for t, rows in filling.rows.items()})
    out = generate(spec, tmp_path / f"{year}-{profile}.xlsx",
                   Options(dept=data.dept, filling=filling, shuoming=data.shuoming))
    report = verify_file(out)
    assert report.valid, [f.message for f in report.findings if f.level.value == "error"]
    # the seed's own published rounding gaps show as 尾差 notes, as in 2024 central
    assert {f.code for f in report.findings if f.level.value == "note"} >= {"T01-收支平衡", "X-05基本支出-06"}
    read = read_workbook(out)
    assert read.spec.key == f"{year}/{profile}"
    assert not read.problems


@pytest.mark.parametrize(("year", "profile"), SPECS)
def test_blank_template_verifies(tmp_path, year, profile):
    out = tmp_path / "blank.xlsx"
    assert run(["new", str(year), "--profile", profile, "-o", str(out)]) == 0
    assert verify_file(out).valid


def test_2025_dictionary_changes():
    old, new = load_spec(2024).gongneng, load_spec(2025).gongneng
    assert old.name("20805") == "行政事业单位养老支出"
    assert new.name("20805") == "行政事业单位离退休"
    assert new.name("22198") == "超长期特别国债安排的支出" and "2219899" in new.entries
    assert new.fund("2219899") == "基金"  # not a 公开05表 row
    assert set(new.entries) - set(old.entries) == {"22198", "2219899"}


def test_2025_keeps_the_2024_name_of_20805_as_an_alias():
    """templates/codes/gongneng-2025.tsv, column 曾用名: the renamed code's 2024 name is accepted, the 2025 name is
    the official one; aliases only look back (2024 does not know the 2025 name)."""
    old, new = load_spec(2024).gongneng, load_spec(2025).gongneng
    assert new.get("20805").aliases == ("行政事业单位养老支出",)
    assert new.is_alias("20805", "行政事业单位养老支出") and new.is_alias("20805", "行政事业单位 养老支出")
    assert new.is_official("20805", "行政事业单位离退休") and not new.is_alias("20805", "行政事业单位离退休")
    assert not new.is_alias("2013201", "行政事业单位养老支出") and not new.is_alias("20805", "养老")
    assert not old.is_alias("20805", "行政事业单位离退休") and old.get("20805").aliases == ()
    assert new.official_name("20805", "行政事业单位养老支出") == "行政事业单位离退休"
    assert new.official_name("20805", "自拟的名称") == "自拟的名称"  # not an alias: printed as typed


def _2025_with_2024_names(path: Path, profile: str = "central") -> Path:
    """A 2025 workbook filled as last year's: the seed's rows typed with their 2024 names (20805 is
    行政事业单位养老支出)."""
    spec = load_spec(2025, profile)
    data = load_fill_file(SEED, spec)
    assert any(r.name == "行政事业单位养老支出" for r in data.filling.rows["05"])
    return generate(spec, path, Options(dept=data.dept, filling=data.filling, shuoming=data.shuoming))


@pytest.mark.parametrize("profile", ["central", "shanghai"])
def test_a_2025_workbook_typed_with_the_2024_name_publishes_the_2025_name(tmp_path, profile):
    values, _ = load(_2025_with_2024_names(tmp_path / "w.xlsx", profile))
    for tid in ("02", "03", "05"):
        names = {r.code: r.name for r in values.tables[tid].code_rows}
        assert names["20805"] == "行政事业单位离退休" and names["2013201"] == "行政运行"


def test_verify_accepts_the_2024_name_in_a_2025_workbook_with_a_note(tmp_path):
    report = verify_file(_2025_with_2024_names(tmp_path / "w.xlsx"))
    assert "C-科目名称不符" not in report.codes()
    notes = [f for f in report.findings if f.code == "C-科目曾用名"]
    assert len(notes) == 3 and {f.level.value for f in notes} == {"note"}  # 02, 03 and 05
    assert "2025 年功能分类中的名称为“行政事业单位离退休”" in notes[0].message
    assert report.valid


def test_the_alias_finding_is_in_the_rules(capsys):
    assert run(["rules", "--year", "2025"]) == 0
    line = next(ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("C-科目曾用名"))
    assert "提示" in line


def test_22198_is_a_government_fund_code(tmp_path):
    """22198 超长期特别国债安排的支出 and its 2219899 are 政府性基金 codes in 2025 (a real 2025 Shanghai 部门决算
    lists them in the 政府性基金 table, see gongneng-2025.tsv): typed into the 一般公共预算 table they are an
    error."""
    spec = load_spec(2025)
    assert spec.gongneng.fund("22198") == spec.gongneng.fund("2219899") == "基金"
    assert spec.gongneng.fund("22102") == "一般"
    amount = {"project": Decimal("105.00")}
    filling = Filling({}, {"05": [FilledRow("221", None, amount), FilledRow("22198", None, amount),
                                  FilledRow("2219899", None, amount)]})
    out = generate(spec, tmp_path / "w.xlsx", Options(filling=filling))
    found = [f for f in verify_file(out).findings if f.code == "C-基金科目"]
    assert {f.args["code"] for f in found} == {"22198", "2219899"}
    assert all(f.table == "05" and f.level.value == "error" for f in found)


def test_2025_codes_put_the_new_fund_code_in_07(tmp_path):
    out = tmp_path / "c.xlsx"
    assert run(["new", "2025", "--codes", "2219899,2080505", "-o", str(out)]) == 0
    read = read_workbook(out)
    codes = {tid: [r.code for r in ct.rows] for tid, ct in read.inst.code_tables.items()}
    assert "2219899" in codes["07"] and "2219899" not in codes["05"]
    assert "2080505" in codes["05"]
    assert verify_file(out).valid


def test_unsupported_year_lists_years_and_profiles(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert run(["new", "2023"]) == 2
    err = capsys.readouterr().err
    assert "不支持 2023 年" in err
    for year, profile in SPECS:
        assert f"{year} 年 {profile}" in err
    assert run(["new", "2025", "--profile", "beijing"]) == 2
    assert "2025 年 shanghai" in capsys.readouterr().err


@pytest.mark.parametrize("year", [2024, 2025])
def test_shanghai_layout(tmp_path, year):
    spec = load_spec(year, "shanghai")
    assert len(spec.classes) == 24 and not {"231", "232"} & set(spec.class_codes)
    out = tmp_path / "sh.xlsx"
    assert run(["new", str(year), "--profile", "shanghai", "-o", str(out)]) == 0
    wb = openpyxl.load_workbook(out)
    layouts = layout_all(Instance.free(spec))
    for table in spec.tables:
        ws = wb[table.sheet]
        assert ws.sheet_properties.codeName == table.codename
        texts = {str(c.value) for row in ws.iter_rows() for c in row if c.value is not None}
        assert not any(t.startswith("公开0") for t in texts), table.id  # no 公开NN表 label
        assert "行次" not in texts and "栏次" not in texts
    # 05: the code rows start right below the header, 合计 is the last row, the totals cover the block above
    lay = layouts["05"]
    ws = wb[spec.table("05").sheet]
    assert lay.entry_first == lay.data_row and lay.sum_line == lay.entry_last + 1
    assert ws.cell(lay.sum_line + 1, 1).value == "合计"
    first, last = lay.entry_first + 1, lay.entry_last + 1
    assert ws.cell(lay.sum_line + 1, 3).value == f"=SUMIF($G${first}:$G${last},3,$C${first}:$C${last})"
    assert ws.cell(lay.data_row + 1, 1).value is None  # first entry row is blank input
    # 06: only 301/302/303/310; 公用经费合计 = 302 + 310
    rows = spec.table("06").grid_rows()
    assert {k for k in rows if len(k) == 3} == {"301", "302", "303", "310"}
    assert [str(a) for a in spec.relation("T06-公用经费合计-上海").rhs] == ["06.302.amt", "06.310.amt"]
    # 08 has the columns of 07; 09 pairs 预算数 and 决算数 per item
    assert len(spec.table("08").columns) == len(spec.table("07").columns) == 6
    fields = spec.table("09").panels[0].fields
    assert fields[:4] == ("b_total", "a_total", "b_abroad", "a_abroad")
    assert [t.id for t in spec.tables] == ["01", "02", "03", "04", "05", "06", "09", "07", "08"]


def test_shanghai_05_block_above_its_total_is_read(tmp_path):
    """05 with 合计 last: the reader takes the block from the 合计 row's SUMIF range and reads every filled row."""
    spec = load_spec(2024, "shanghai")
    data = load_fill_file(SEED, spec)
    out = generate(spec, tmp_path / "sh.xlsx", Options(dept=data.dept, filling=data.filling))
    read = read_workbook(out)
    first, last = read.blocks["05"]
    assert read.sum_rows["05"] == last + 1
    codes = [r.code for r in read.inst.code_tables["05"].rows]
    assert codes == [r.code for r in data.filling.rows["05"]]


def test_a_relation_code_means_one_relation_in_every_spec():
    """Relation codes are global finding codes (`juesuan-xlsx rules`): a code shared by two specs is one rule
    (level, mode, kind, cells; a hierarchy over the columns its table has), worded in each layout's names of the
    tables (公开01表 …, 上海格式 收入支出决算总表 …) and worded alike in every year of a layout."""
    rules: dict[str, set[tuple[object, ...]]] = {}
    words: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for year, profile in SPECS:
        for rel in load_spec(year, profile).relations:
            rule = (rel.level, rel.mode, rel.kind, rel.lhs, rel.rhs, rel.for_rows, rel.each_col, rel.table)
            rules.setdefault(rel.code, set()).add(rule)
            words.setdefault((profile, rel.code), set()).add((rel.title, rel.hint))
    assert {code: r for code, r in rules.items() if len(r) > 1} == {}
    assert {key: w for key, w in words.items() if len(w) > 1} == {}


@pytest.mark.parametrize("profile", ["central", "shanghai"])
def test_like_carries_last_years_codes_and_totals(tmp_path, monkeypatch, capsys, profile):
    """new 2025 --like a filled 2024 workbook: its codes as fixed rows (20805 renamed and reported), its totals
    as 上年数 in the 说明 sheet."""
    spec = load_spec(2024, profile)
    data = load_fill_file(SEED, spec)
    last = generate(spec, tmp_path / "2024.xlsx", Options(dept=data.dept, filling=data.filling))
    before = workbook_values(last)
    monkeypatch.chdir(tmp_path)
    assert run(["new", "2025", "--profile", profile, "--like", str(last), "-o", "2025.xlsx"]) == 0
    out = capsys.readouterr().out
    assert "20805 改名：行政事业单位养老支出 → 行政事业单位离退休" in out
    read = read_workbook(tmp_path / "2025.xlsx")
    assert read.spec.key == f"2025/{profile}" and read.mode == "fixed" and read.dept == data.dept
    used = {r.code for t in ("02", "03", "05") for r in data.filling.rows[t]}
    assert used <= {r.code for ct in read.inst.code_tables.values() for r in ct.rows}
    names = {e.code: e.name for e in read.entries["05"]}
    assert names["20805"] == "行政事业单位离退休"
    given = read_shuoming_sheet(read.wb)
    assert given.last_total == before.amount("01", "inc_grand", "amt") != 0
    assert given.last_fiscal_total == before.amount("04", "inc_grand", "amt")
    assert given.last_general == before.amount("05", "sum", "total")
    assert verify_file(tmp_path / "2025.xlsx").valid


def test_like_refuses_what_it_cannot_read(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert run(["new", "2025", "--like", "missing.xlsx"]) == 2
    assert "无法读取上年报表" in capsys.readouterr().err
    assert run(["new", "2025", "--like", "missing.xlsx", "--codes", "2013201"]) == 2
