"""``merge``: units' returns summed into one department workbook that verifies (issue 8).

Verifying a workbook costs seconds, so the merges are module-scoped fixtures sharing one verify cache: the
seed is verified once for the whole module.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from juesuan_xlsx.atomic import OutputExists
from juesuan_xlsx.contract import read_marker
from juesuan_xlsx.filling import load_fill_file
from juesuan_xlsx.generate import FilledRow, Filling, Options, generate
from juesuan_xlsx.merge import (
    InputsHaveErrors,
    MergeError,
    MergeResult,
    MixedInputs,
    _filling,
    _Sums,
    merge,
    merge_shuoming,
)
from juesuan_xlsx.model import Cell
from juesuan_xlsx.narrative.inputs import ItemBudget, NarrativeInputs
from juesuan_xlsx.narrative.shuoming import read_shuoming_sheet
from juesuan_xlsx.reader import read_workbook
from juesuan_xlsx.spec import Spec, load_spec
from juesuan_xlsx.verify import verify

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "seed-2024.xlsx"
SEED_DATA = ROOT / "examples" / "seed-2024.toml"
CODE_TABLES = ("02", "03", "05", "07", "08")

# the seed's codes mapped to other 类/款/项 of the 2024 dictionary (all 一般公共预算): a unit with disjoint rows
OTHER_CODES = {
    "201": "212", "20132": "21201", "2013201": "2120101",
    "208": "210", "20805": "21011", "2080501": "2101101", "2080505": "2101102",
    "221": "204", "22102": "20406", "2210201": "2040607",
}


@dataclass(frozen=True)
class Units:
    folder: Path
    seed: Path  # a copy of the example (本级)
    other: Path  # a unit using other codes
    damaged: Path  # the example with a total typed over
    year2023: Path  # the example marked as a 2023 workbook
    cache: Path
    before: dict[Path, tuple[str, int]]


def _fingerprint(path: Path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


def make_other_unit(spec: Spec, path: Path) -> None:
    """The seed's figures under other codes, with its own 三公 budget: generated through the library."""
    data = load_fill_file(SEED_DATA, spec)
    rows = {tid: sorted((FilledRow(OTHER_CODES[r.code], None, r.amounts) for r in items), key=lambda r: r.code)
            for tid, items in data.filling.rows.items()}
    cells = dict(data.filling.cells)
    cells[Cell("09", "sg", "b_recept")] = Decimal("1.3")
    cells[Cell("09", "sg", "a_recept")] = Decimal("0.5")
    generate(spec, path, Options(dept="某某事业单位", filling=Filling(cells, rows)))


def make_damaged(source: Path, path: Path) -> None:
    """What an accountant does: type a number over the 公开01表 收入总计 formula (saved by openpyxl)."""
    wb = openpyxl.load_workbook(source)
    wb["公开01表"]["C36"] = 999
    wb.save(path)


def make_year(source: Path, path: Path, marker: str) -> None:
    """A copy of a workbook whose juesuan-xlsx marker names another year."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "docProps/custom.xml":
                data = data.replace(b">2024/central<", f">{marker}<".encode())
            dst.writestr(info, data)


@pytest.fixture(scope="module")
def spec() -> Spec:
    return load_spec(2024)


@pytest.fixture(scope="module")
def units(tmp_path_factory: pytest.TempPathFactory, spec: Spec) -> Units:
    folder = tmp_path_factory.mktemp("units")
    seed = folder / "本级.xlsx"
    shutil.copyfile(SEED, seed)
    other = folder / "事业单位.xlsx"
    make_other_unit(spec, other)
    damaged = folder / "改过合计.xlsx"
    make_damaged(SEED, damaged)
    year2023 = folder / "2023年.xlsx"
    make_year(SEED, year2023, "2023/central")
    files = (seed, other, damaged, year2023)
    return Units(folder, seed, other, damaged, year2023, tmp_path_factory.mktemp("cache"),
                 {p: _fingerprint(p) for p in files})


@pytest.fixture(scope="module")
def doubled(units: Units, tmp_path_factory: pytest.TempPathFactory) -> MergeResult:
    out = tmp_path_factory.mktemp("out") / "两倍.xlsx"
    # the same return twice is refused (issue 15 #7) unless forced: here it is, to check the arithmetic
    return merge([units.seed, units.seed], out, force=True, jobs=1, cache_dir=units.cache)


@pytest.fixture(scope="module")
def united(units: Units, tmp_path_factory: pytest.TempPathFactory) -> MergeResult:
    out = tmp_path_factory.mktemp("out") / "部门汇总.xlsx"
    return merge([units.seed, units.other], out, dept="某某部门", jobs=1, cache_dir=units.cache)


def figures_by_code(path: Path) -> dict[tuple[str, str, str], Decimal]:
    """Every figure of a workbook (typed and computed, from the Decimal engine), code-table rows by code."""
    verification = verify(path, evaluate=False)
    assert verification.read is not None
    codes = {(tid, r.key): r.code for tid, ct in verification.read.inst.code_tables.items() for r in ct.rows}
    out: dict[tuple[str, str, str], Decimal] = {}
    for cell, figure in verification.figures.items():
        row = codes.get((cell.table, cell.row), cell.row) or cell.row
        out[(cell.table, row, cell.col)] = figure.value
    return out


def code_rows(path: Path) -> dict[str, list[str]]:
    read = read_workbook(path)
    return {tid: [r.code or "" for r in read.inst.code_tables[tid].rows] for tid in CODE_TABLES}


# --- the example merged with itself ------------------------------------------------------------------------


def test_merging_the_example_with_itself_doubles_every_amount(units: Units, doubled: MergeResult) -> None:
    single = figures_by_code(units.seed)
    double = figures_by_code(doubled.output)
    assert set(double) == set(single)
    wrong = {k: (single[k], double[k]) for k in single if double[k] != 2 * single[k]}
    assert wrong == {}
    # spot checks against the published figures
    assert double[("01", "inc_grand", "amt")] == Decimal("471.62")
    assert double[("03", "2013201", "basic")] == Decimal("406.16")
    assert double[("09", "sg", "b_total")] == Decimal("0.4")


def test_the_doubled_example_verifies_clean(doubled: MergeResult) -> None:
    assert doubled.report.valid, [f.message for f in doubled.report.findings if f.level == "error"]
    assert doubled.valid
    assert doubled.report.path == str(doubled.output)
    assert all(r.valid for r in doubled.inputs)
    assert doubled.spec == "2024/central"
    assert doubled.dept == "中共株洲市渌口区委机构编制委员会办公室"  # the inputs agree on it
    assert doubled.rows == {"02": 10, "03": 10, "05": 10}
    assert any("出现 2 次" in note and "已重复计入" in note for note in doubled.notes)  # forced, and said


def test_the_merged_workbook_computes_its_totals_again(doubled: MergeResult) -> None:
    read = read_workbook(doubled.output)
    assert read.mode == "free"
    for cell in (Cell("01", "inc_grand", "amt"), Cell("03", "sum", "basic"), Cell("06", "personnel", "amt"),
                 Cell("09", "sg", "a_total")):
        assert read.cells[cell].formula, cell  # a live formula, not a typed sum
    assert read.cells[Cell("06", "30101", "amt")].value == pytest.approx(117.12)


def test_sources_are_returned(units: Units, doubled: MergeResult, united: MergeResult) -> None:
    assert doubled.sources == (str(units.seed), str(units.seed))
    assert united.sources == (str(units.seed), str(units.other))
    assert [r.path for r in united.inputs] == [str(units.seed), str(units.other)]


# --- units with disjoint codes ------------------------------------------------------------------------------


def test_units_with_disjoint_codes_are_united_by_code(units: Units, united: MergeResult) -> None:
    assert united.report.valid, [f.message for f in united.report.findings if f.level == "error"]
    assert united.dept == "某某部门"
    rows = code_rows(united.output)
    seed_rows, other_rows = code_rows(units.seed), code_rows(units.other)
    for tid in ("02", "03", "05"):
        assert set(seed_rows[tid]).isdisjoint(other_rows[tid])
        assert rows[tid] == sorted(seed_rows[tid] + other_rows[tid])  # code order: 类, its 款, its 项
    merged, seed, other = (figures_by_code(p) for p in (united.output, units.seed, units.other))
    for (tid, row, col), value in merged.items():
        if tid in CODE_TABLES and row != "sum":
            source = seed if row in seed_rows[tid] else other
            assert value == source[(tid, row, col)], (tid, row, col)  # each code row comes from its one unit
        elif (tid, row, col) in seed or (tid, row, col) in other:
            expected = seed.get((tid, row, col), Decimal(0)) + other.get((tid, row, col), Decimal(0))
            assert value == expected, (tid, row, col)
    assert merged[("09", "sg", "b_total")] == Decimal("1.5")  # 0.2 + 1.3: 三公 budget summed
    assert merged[("09", "sg", "a_total")] == Decimal("0.58")  # 0.08 + 0.5: and actual
    assert merged[("01", "212", "amt")] == Decimal("203.08")  # the other unit's 类 reaches 公开01表
    assert merged[("01", "201", "amt")] == Decimal("203.08")


def test_rows_are_in_code_order_and_keep_a_typed_name() -> None:
    spec = load_spec(2024)
    sums = _Sums()
    for code in ("2080505", "201", "208", "2013201", "20805", "20132"):
        sums.add_row("03", code, "basic", Decimal("1.00"))
    sums.names["03"] = {"201": "一般公共服务支出", "2080505": "（自填）养老保险缴费"}
    filling = _filling(spec, sums)
    rows = filling.rows["03"]
    assert [r.code for r in rows] == ["201", "20132", "2013201", "208", "20805", "2080505"]
    assert rows[0].name is None  # same as the dictionary: the template's live lookup shows it
    assert rows[-1].name == "（自填）养老保险缴费"


# --- refusals -----------------------------------------------------------------------------------------------


def test_a_unit_with_errors_is_refused_with_its_findings(units: Units, tmp_path: Path) -> None:
    out = tmp_path / "汇总.xlsx"
    with pytest.raises(InputsHaveErrors) as info:
        merge([units.seed, units.damaged], out, jobs=1, cache_dir=units.cache)
    assert [r.path for r in info.value.reports] == [str(units.damaged)]
    message = str(info.value)
    assert str(units.damaged) in message and str(units.seed) not in message
    assert "I-公式被改写" in message and "公开01表!C36" in message
    assert "--ignore-errors" in message
    assert not out.exists()


def test_force_merges_a_unit_with_errors_recomputing_its_totals(units: Units, tmp_path: Path) -> None:
    out = tmp_path / "汇总.xlsx"
    result = merge([units.seed, units.damaged], out, force=True, jobs=1, cache_dir=units.cache)
    assert result.forced == (str(units.damaged),)
    assert any("公开01表!C36" in n and "公式被改写" in n for n in result.notes)
    assert result.report.valid  # the typed-over 999 was not taken: the new workbook computes 总计 again
    assert figures_by_code(out)[("01", "inc_grand", "amt")] == Decimal("471.62")


def test_mixed_years_are_refused_before_verifying(units: Units, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import juesuan_xlsx.merge as merge_module

    def no_verify(*args: object, **kwargs: object) -> None:
        raise AssertionError("verified although the years differ")

    monkeypatch.setattr(merge_module, "inspect_files", no_verify)
    marker = read_marker(units.year2023)
    assert marker is not None and marker.raw == "2023/central"
    out = tmp_path / "汇总.xlsx"
    with pytest.raises(MixedInputs) as info:
        merge([units.seed, units.year2023], out, jobs=1, cache_dir=units.cache)
    message = str(info.value)
    assert "年度或表样不一致" in message
    assert f"{units.seed}：2024 年 central 格式" in message
    assert f"{units.year2023}：2023 年 central 格式" in message
    assert info.value.specs == {str(units.seed): "2024/central", str(units.year2023): "2023/central"}
    assert not out.exists()


def test_a_foreign_file_is_refused_even_with_force(units: Units, tmp_path: Path) -> None:
    foreign = tmp_path / "假的.xlsx"
    foreign.write_text("单位,金额\n某某,1\n", encoding="utf-8")
    with pytest.raises(InputsHaveErrors):
        merge([units.seed, foreign], tmp_path / "a.xlsx", jobs=1, cache_dir=units.cache)
    with pytest.raises(MergeError, match="无法读取") as info:
        merge([units.seed, foreign], tmp_path / "b.xlsx", force=True, jobs=1, cache_dir=units.cache)
    assert not isinstance(info.value, InputsHaveErrors)
    assert not (tmp_path / "b.xlsx").exists()


def test_the_output_is_never_an_input_nor_overwritten_unasked(units: Units, tmp_path: Path) -> None:
    with pytest.raises(MergeError, match="输出文件不能同时是输入文件"):
        merge([units.seed, units.other], units.other, overwrite=True, jobs=1, cache_dir=units.cache)
    existing = tmp_path / "已有.xlsx"
    existing.write_bytes(b"keep me")
    with pytest.raises(OutputExists):
        merge([units.seed], existing, jobs=1, cache_dir=units.cache)
    assert existing.read_bytes() == b"keep me"
    (tmp_path / "空目录").mkdir()
    with pytest.raises(MergeError, match="没有找到"):
        merge([tmp_path / "空目录"], tmp_path / "x.xlsx", jobs=1, cache_dir=units.cache)


def test_inputs_are_never_modified(units: Units, doubled: MergeResult, united: MergeResult, tmp_path: Path) -> None:
    with pytest.raises(InputsHaveErrors):
        merge([units.damaged], tmp_path / "x.xlsx", jobs=1, cache_dir=units.cache)
    assert {p: _fingerprint(p) for p in units.before} == units.before
    assert sorted(os.listdir(units.folder)) == sorted(p.name for p in units.before)  # nothing left beside them


def test_rounding_gaps_of_many_units_widen_the_allowance(units: Units, tmp_path: Path) -> None:
    """Three copies of the example turn its 0.01 gaps into 0.03; each merged figure stands for three rounded
    figures, so the allowance widens to match (live in the 校验 sheet and in verify) and the result verifies."""
    result = merge([units.seed] * 3, tmp_path / "三倍.xlsx", force=True, jobs=1, cache_dir=units.cache)
    assert result.valid, [f.message for f in result.report.findings if f.level == "error"]
    notes = {f.code for f in result.report.findings if f.level == "note"}
    assert {"X-01本年收入合计-02", "X-01财政拨款收入-02", "X-04本年收入-02"} <= notes
    wb = read_workbook(result.output).wb
    props = {p.name: p.value for p in wb.custom_doc_props}
    assert props["juesuan-sources-count"] == 3
    assert str(wb["校验"]["J5"].value).startswith("=3*(")


# --- the 说明 sheet -----------------------------------------------------------------------------------------


def test_the_shuoming_sheet_is_summed_and_its_texts_kept(units: Units, doubled: MergeResult,
                                                         united: MergeResult) -> None:
    seed = read_shuoming_sheet(read_workbook(units.seed).wb)
    assert seed.last_total is not None and seed.duty  # the example fills it in
    twice = read_shuoming_sheet(read_workbook(doubled.output).wb)
    assert twice.last_total == 2 * seed.last_total
    assert twice.reception_batches == 2 * (seed.reception_batches or 0)
    assert twice.duty == seed.duty  # the same text twice is kept once
    both = read_shuoming_sheet(read_workbook(united.output).wb)
    assert both.last_total == seed.last_total  # the other unit left its 说明 blank
    assert both.perf_result == seed.perf_result


def test_shuoming_texts_are_concatenated_under_each_units_name() -> None:
    a = NarrativeInputs(duty="负责甲。", last_total=Decimal("10.50"), vehicles=1,
                        items=(ItemBudget("2013201", Decimal("5.00"), "人员增加"),))
    b = NarrativeInputs(duty="负责乙。", last_total=Decimal("2.25"), vehicles=2, perf_use="整改到位。",
                        items=(ItemBudget("2013201", Decimal("1.00"), "调资"), ItemBudget("2010101", None, None)))
    merged = merge_shuoming([("本级", a), ("某某中心", b)])
    assert merged.duty == "本级：负责甲。\n某某中心：负责乙。"
    assert merged.perf_use == "整改到位。"  # one unit's text as it is
    assert (merged.last_total, merged.vehicles, merged.jiguan) == (Decimal("12.75"), 3, None)
    assert merged.items == (ItemBudget("2010101", None, None),
                            ItemBudget("2013201", Decimal("6.00"), "本级：人员增加\n某某中心：调资"))


# --- issue 15 #7: counted twice or not at all ----------------------------------------------------------------------


def test_the_same_return_twice_is_refused_without_ignore_errors(units: Units, tmp_path: Path) -> None:
    from juesuan_xlsx.merge import DuplicateInputs

    out = tmp_path / "m.xlsx"
    with pytest.raises(DuplicateInputs, match="出现 2 次"):
        merge([units.seed, units.seed], out, jobs=1, cache_dir=units.cache)
    copy = tmp_path / "副本.xlsx"
    shutil.copyfile(units.seed, copy)
    with pytest.raises(DuplicateInputs, match="副本.xlsx"):
        merge([units.seed, copy], out, jobs=1, cache_dir=units.cache)
    same_dept = tmp_path / "同一部门.xlsx"  # other figures, the same 部门
    wb = openpyxl.load_workbook(units.seed)
    wb["公开09表"]["C7"] = 0.5
    wb.save(same_dept)
    with pytest.raises(DuplicateInputs, match="部门名称同为“中共株洲市渌口区委机构编制委员会办公室”"):
        merge([units.seed, same_dept], out, jobs=1, cache_dir=units.cache)
    assert not out.exists()


def test_a_blank_unit_is_said_and_adds_no_rounding_allowance(units: Units, spec: Spec, tmp_path: Path) -> None:
    blank = tmp_path / "空白.xlsx"
    generate(spec, blank, Options(dept="还没填的单位"))
    result = merge([units.seed, blank], tmp_path / "m.xlsx", jobs=1, cache_dir=units.cache)
    assert any("空白.xlsx" in n and "空白模板" in n and "未计入" in n for n in result.notes)
    assert result.sources == (str(units.seed),)
    props = {p.name: p.value for p in read_workbook(result.output).wb.custom_doc_props}
    assert props.get("juesuan-sources-count", 1) == 1  # one unit's allowance, not two
    assert result.dept == "中共株洲市渌口区委机构编制委员会办公室"


# --- issue 15 #18: --force overwrites, as in every command; --ignore-errors merges despite errors -------------------


def test_merge_force_overwrites_and_ignore_errors_merges_despite_errors(units: Units, tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    from juesuan_xlsx.cli import run

    out = tmp_path / "m.xlsx"
    out.write_bytes(b"old")
    assert run(["merge", str(units.seed), "-o", str(out), "-j", "1"]) == 2
    assert "已存在" in capsys.readouterr().err and out.read_bytes() == b"old"
    assert run(["merge", str(units.seed), "-o", str(out), "-j", "1", "--force"]) == 0
    assert out.read_bytes()[:2] == b"PK"
    assert run(["merge", str(units.seed), "-o", str(out), "-j", "1", "--overwrite"]) == 0  # the old spelling
    capsys.readouterr()
    assert run(["merge", str(units.seed), str(units.damaged), "-o", str(out), "-j", "1", "--force"]) == 1
    assert "--ignore-errors" in capsys.readouterr().err
    assert run(["merge", str(units.seed), str(units.damaged), "-o", str(out), "-j", "1", "--force",
                "--ignore-errors"]) in (0, 1)
    assert read_marker(out) is not None
