"""``merge`` and the unit a return is typed in (issue 17 #3).

元 returns sum exactly into a 元 workbook (weight 0: no 尾差 allowance, none needed); 万元 returns keep the
allowance widened by the number of returns; a mix gives a 万元 workbook with each 元 figure rounded on its own
(``amounts.to_wan``), counted as one more rounded source, and a note saying so.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from juesuan_xlsx.amounts import to_wan
from juesuan_xlsx.contract import WAN, YUAN, read_marker
from juesuan_xlsx.findings import Level
from juesuan_xlsx.merge import merge
from juesuan_xlsx.model import Cell, free_input_keys
from juesuan_xlsx.reader import read_workbook
from juesuan_xlsx.spec import load_spec
from juesuan_xlsx.verify import verify

from .yuan_workbooks import yuan_workbook

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "seed-2024.xlsx"


def _inputs(path: Path) -> tuple[dict[Cell, Decimal], dict[tuple[str, str, str], Decimal]]:
    """The typed figures of a workbook: grid input cells, and code-table amounts by (table, code, column)."""
    v = verify(path)
    assert v.read is not None
    grid, columns = free_input_keys(v.read.spec)
    cells = {c: v.figures[c].value for c in grid if c in v.figures}
    rows: dict[tuple[str, str, str], Decimal] = {}
    for tid, cols in columns.items():
        for row in v.read.inst.code_tables[tid].rows:
            for col in cols:
                fig = v.figures.get(Cell(tid, row.key, col))
                if fig is not None and row.code is not None:
                    rows[(tid, row.code, col)] = rows.get((tid, row.code, col), Decimal(0)) + fig.value
    return cells, rows


def _added(*parts: tuple[dict, dict]) -> tuple[dict, dict]:
    cells: dict = {}
    rows: dict = {}
    for c, r in parts:
        for k, v in c.items():
            cells[k] = cells.get(k, Decimal(0)) + v
        for k, v in r.items():
            rows[k] = rows.get(k, Decimal(0)) + v
    return cells, rows


def _nonzero(figures: tuple[dict, dict]) -> tuple[dict, dict]:
    return tuple({k: v for k, v in d.items() if v} for d in figures)  # type: ignore[return-value]


@pytest.fixture(scope="module")
def yuan_returns(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    folder = tmp_path_factory.mktemp("yuan")
    spec = load_spec(2024, "central")
    a, b = folder / "甲.xlsx", folder / "乙.xlsx"
    yuan_workbook(spec, 11, a, dept="甲单位")
    yuan_workbook(spec, 12, b, dept="乙单位")
    return folder, a, b


def test_yuan_returns_merge_exactly_into_a_yuan_workbook(yuan_returns, tmp_path):
    _, a, b = yuan_returns
    out = tmp_path / "汇总.xlsx"
    result = merge([a, b], out, dept="某某局", use_cache=False)
    assert result.unit == YUAN
    marker = read_marker(out)
    assert marker is not None and marker.unit == YUAN and marker.sources_count == 2
    read = read_workbook(out)
    assert read.inst.unit == YUAN and read.inst.weight == 0  # exact: no widened allowance
    assert result.report.count(Level.ERROR) == 0, result.report.flatten("code", "message")
    relations = {r.code for r in load_spec(2024, "central").relations}
    assert [f.code for f in result.report.findings if f.code in relations] == []
    assert not [n for n in result.notes if "尾差" in n]
    # every figure is the exact sum of the two returns' figures, to the 分
    assert _nonzero(_inputs(out)) == _nonzero(_added(_inputs(a), _inputs(b)))


def test_a_merged_yuan_workbook_has_no_tolerance_left(yuan_returns, tmp_path):
    """Weight 0 in the merged workbook: a figure one 分 off there is 不符, not a 尾差 of two sources."""
    import openpyxl

    _, a, b = yuan_returns
    out = tmp_path / "汇总.xlsx"
    merge([a, b], out, use_cache=False)
    wb = openpyxl.load_workbook(out)
    ws = wb[load_spec(2024, "central").table("06").sheet]
    cell = next(c for row in ws.iter_rows(min_row=7) for c in row[2:3]
                if c.data_type == "n" and isinstance(c.value, int | float) and c.value)
    cell.value = round(cell.value + 0.01, 2)
    wb.save(out)
    report = verify(out).report
    errors = [f for f in report.findings if f.level == Level.ERROR]
    assert errors and all("差额 -0.01" in f.message and "允许尾差 ±0.00" in f.message for f in errors), \
        report.flatten("code", "message")


def test_wan_returns_keep_the_widened_allowance(tmp_path):
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    shutil.copyfile(SEED, a)
    shutil.copyfile(SEED, b)
    out = tmp_path / "汇总.xlsx"
    result = merge([a, b], out, force=True, use_cache=False)  # the same content twice: forced
    assert result.unit == WAN
    read = read_workbook(out)
    assert read.inst.unit == WAN and read.inst.weight == 2
    marker = read_marker(out)
    assert marker is not None and marker.unit == WAN


def test_yuan_and_wan_returns_merge_into_wan_with_a_note(yuan_returns, tmp_path):
    _, a, _ = yuan_returns
    seed = tmp_path / "本级.xlsx"
    shutil.copyfile(SEED, seed)
    out = tmp_path / "汇总.xlsx"
    result = merge([seed, a], out, use_cache=False)
    assert result.unit == WAN
    read = read_workbook(out)
    assert read.inst.unit == WAN and read.inst.weight == 2  # the 元 return counts as a rounded source
    note = next(n for n in result.notes if "按元填写" in n)
    assert "万元" in note and str(a) in note and "四舍五入" in note
    # the 元 figures are each rounded to 万元 on their own, then added to the 万元 return's
    cells, rows = _inputs(a)
    converted = ({k: to_wan(v) for k, v in cells.items()}, {k: to_wan(v) for k, v in rows.items()})
    assert _nonzero(_inputs(out)) == _nonzero(_added(_inputs(seed), converted))
    assert result.report.count(Level.ERROR) == 0, result.report.flatten("code", "message")
