"""Relations that real documents break (issue 13 point 4), verified on workbooks filled as an accountant would:

* each row of the 政府性基金 table (and of the 国有资本经营 table where it has the same columns, 上海格式) and its
  合计 row: 年末结转和结余 = 年初结转和结余 + 本年收入 − 本年支出;
* 公开05 + 07 + 08 ≤ 公开03 per code in the 基本支出 and 项目支出 columns, not only in the total (a swapped
  基本/项目 pair keeps the totals equal);
* an 06 三公 item above 09's 决算数 is an error (购置 stays a warning); a 09 决算 figure with no 06 counterpart is a
  warning to confirm (``kind = "implies"``).

Each is reported with its code at the cell it anchors on, and not reported when the figures satisfy it.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from xlsxwriter.utility import xl_rowcol_to_cell

from juesuan_xlsx.findings import Finding, Level
from juesuan_xlsx.generate import FilledRow, Filling, Options, generate
from juesuan_xlsx.layout import layout_all
from juesuan_xlsx.model import Cell, Instance
from juesuan_xlsx.spec import Spec, load_spec
from juesuan_xlsx.verify import FileReport, verify_file

D = Decimal
ZERO = Decimal(0)
PROFILES = ("central", "shanghai")
SANGONG = (  # (09 决算 column, 06 econ code, relation stem)
    ("a_recept", "30217", "公务接待"),
    ("a_car_run", "30231", "公务用车运行"),
    ("a_abroad", "30212", "因公出国"),
    ("a_car_buy", "31013", "公务用车购置"),
)


def _rows(leaves: dict[str, dict[str, Decimal]]) -> list[FilledRow]:
    """类/款/项 rows: the 项 as given, each 类 and 款 typed as the sum of its 项."""
    codes = sorted({c[:n] for c in leaves for n in (3, 5, 7)})
    out = []
    for code in codes:
        kids = [v for c, v in leaves.items() if c.startswith(code)]
        out.append(FilledRow(code, None, {k: sum((v[k] for v in kids), D(0)) for k in kids[0]}))
    return out


def _filling(spec: Spec, *, swap: bool = False, end_off: Decimal = ZERO, sangong: str = "ok") -> Filling:
    fund_leaf = {"begin": D("1.00"), "income": D("5.00"), "basic": D("2.00"), "project": D("1.50"),
                 "end": D("2.50") + end_off}
    soe_columns = {c.key for c in spec.table("08").columns}
    soe_leaf = {"begin": D("1.00"), "income": D("4.00"), "basic": D("1.00"), "project": D("1.00"),
                "end": D("3.00") + end_off}
    soe_leaf = {k: v for k, v in soe_leaf.items() if k in soe_columns}
    general = {"2013201": {"basic": D("10.00"), "project": D("5.00")},
               "2080505": {"basic": D("3.00"), "project": D("2.00")}}
    all_spending = {**general, "2070904": {"basic": D("2.00"), "project": D("1.50")},
                    "2230105": {"basic": D("1.00"), "project": D("1.00")}}
    if swap:  # same totals, 基本/项目 moved: 2013201 basic above 03's, 2080505 project above 03's
        general = {"2013201": {"basic": D("11.00"), "project": D("4.00")},
                   "2080505": {"basic": D("2.00"), "project": D("3.00")}}
    cells: dict[Cell, Decimal | str] = {}
    for col, econ, _ in SANGONG:
        if sangong == "ok":  # 09 ≥ 06 > 0, or both blank (因公出国)
            if econ != "30212":
                cells[Cell("06", econ, "amt")] = D("0.30")
                cells[Cell("09", "sg", col)] = D("0.50")
        elif sangong == "06-above-09":
            cells[Cell("06", econ, "amt")] = D("0.60")
            cells[Cell("09", "sg", col)] = D("0.50") if econ != "30212" else D(0)
        else:  # "09-alone": 09 有金额, 06 blank or a typed 0
            cells[Cell("09", "sg", col)] = D("0.50")
            if econ == "30231":
                cells[Cell("06", econ, "amt")] = D(0)
    return Filling(cells, {"03": _rows(all_spending), "05": _rows(general), "07": _rows({"2070904": fund_leaf}),
                           "08": _rows({"2230105": soe_leaf})})


def _verify(tmp: Path, profile: str, name: str, **kwargs: object) -> tuple[Spec, FileReport]:
    spec = load_spec(2024, profile)
    path = tmp / f"{profile}-{name}.xlsx"
    generate(spec, path, Options(dept="测试局", filling=_filling(spec, **kwargs)))  # type: ignore[arg-type]
    report = verify_file(path)
    assert not [f for f in report.findings if f.code.startswith("X-内部")], report.findings  # live = Decimal
    return spec, report


def _at(spec: Spec, cell: Cell) -> tuple[str, str]:
    """(sheet, A1 address) of a logical cell of the free-entry template; code rows are filled #1, #2, … in order."""
    row, col = layout_all(Instance.free(spec))[cell.table].cells[cell]
    return spec.table(cell.table).sheet, xl_rowcol_to_cell(row, col)


def _found(report: FileReport, code: str) -> list[Finding]:
    return [f for f in report.findings if f.code == code]


def _places(report: FileReport, code: str) -> set[tuple[str | None, str | None]]:
    return {(f.sheet, f.cell) for f in _found(report, code)}


@pytest.fixture(scope="module", params=PROFILES)
def reports(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(request.param)
    return {
        "ok": _verify(tmp, request.param, "ok"),
        "broken": _verify(tmp, request.param, "broken", swap=True, end_off=D("0.10"), sangong="06-above-09"),
        "alone": _verify(tmp, request.param, "alone", sangong="09-alone"),
    }


def test_satisfied_relations_are_not_reported(reports):
    _, report = reports["ok"]
    new = ("T07-年末结转和结余", "T08-年末结转和结余", "X-05不超过03", "X-05基本支出不超过03", "X-05项目支出不超过03",
           *(f"X-09{stem}-06{suffix}" for _, _, stem in SANGONG for suffix in ("", "确认")))
    assert [f.message for f in report.findings if f.code in new] == []


def test_fund_row_and_total_that_do_not_balance(reports):
    spec, report = reports["broken"]
    tables = ("07", "08") if "begin" in spec.table("08").value_keys() else ("07",)
    for table in tables:
        code = f"T{table}-年末结转和结余"
        found = _found(report, code)
        # the 项 row (#3: 类, 款, 项), its 类 and 款 rows (typed), and the 合计 row, each at its 年末结转和结余
        assert _at(spec, Cell(table, "#3", "end")) in _places(report, code)
        assert _at(spec, Cell(table, "sum", "end")) in _places(report, code)
        assert len(found) == 4 and {f.level for f in found} == {Level.ERROR}
        total = next(f for f in found if (f.sheet, f.cell) == _at(spec, Cell(table, "sum", "end")))
        printed, balanced = {"07": ("2.60", "2.50"), "08": ("3.10", "3.00")}[table]
        assert "（合计行）" in total.message and printed in total.message and balanced in total.message
    if tables == ("07",):
        assert _found(report, "T08-年末结转和结余") == []  # 通用格式: 08 has no 结转 columns


def test_basic_and_project_above_03_per_code(reports):
    spec, report = reports["broken"]
    # 05 rows: 201, 20132, 2013201, 208, 20805, 2080505 — totals equal, so the old total relation is silent
    assert _at(spec, Cell("05", "#3", "total")) not in _places(report, "X-05不超过03")
    assert _at(spec, Cell("05", "#3", "basic")) in _places(report, "X-05基本支出不超过03")
    assert _at(spec, Cell("05", "#6", "project")) in _places(report, "X-05项目支出不超过03")
    assert _at(spec, Cell("05", "#3", "project")) not in _places(report, "X-05项目支出不超过03")
    assert _at(spec, Cell("05", "#6", "basic")) not in _places(report, "X-05基本支出不超过03")
    message = next(f.message for f in _found(report, "X-05基本支出不超过03")
                   if (f.sheet, f.cell) == _at(spec, Cell("05", "#3", "basic")))
    assert "科目 2013201" in message and "11.00" in message and "10.00" in message


@pytest.mark.parametrize(("col", "econ", "stem"), SANGONG)
def test_06_above_09(reports, col, econ, stem):
    spec, report = reports["broken"]
    found = _found(report, f"X-09{stem}-06")
    assert [(f.sheet, f.cell) for f in found] == [_at(spec, Cell("09", "sg", col))]
    assert found[0].level == (Level.WARNING if econ == "31013" else Level.ERROR)
    assert _found(report, f"X-09{stem}-06确认") == []  # 09 has 0.50 and 06 has 0.60: nothing to confirm


@pytest.mark.parametrize(("col", "econ", "stem"), SANGONG)
def test_09_figure_without_06_counterpart_is_a_warning_to_confirm(reports, col, econ, stem):
    spec, report = reports["alone"]
    found = _found(report, f"X-09{stem}-06确认")
    assert [(f.sheet, f.cell, f.level) for f in found] == [(*_at(spec, Cell("09", "sg", col)), Level.WARNING)]
    assert "0.50" in found[0].message and "请确认" in found[0].message and econ in found[0].message
    assert "允许尾差" not in found[0].message  # no rounding allowance: a figure against none
    assert _found(report, f"X-09{stem}-06") == []  # 09 ≥ 06 holds
