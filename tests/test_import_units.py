"""``import`` of a source printed in 元 (issue 17): the national reporting software's exports often are.  A source
whose every table says 单位：元 becomes a workbook typed in 元 (exact: the figures as printed, weight 0, a 万元
view per table); a source in 万元, or with tables in different units, a 万元 workbook as before."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from juesuan_xlsx.contract import WAN, YUAN, read_marker, view_sheet
from juesuan_xlsx.importer import import_source
from juesuan_xlsx.model import Cell
from juesuan_xlsx.reader import read_workbook
from juesuan_xlsx.verify import verify

from .sources_helpers import Style, seed_tables, seed_truth, write_xlsx


def _typed(path: Path) -> dict[Cell, Decimal]:
    """Every figure of the workbook that is not a formula (code rows by their place, as the source printed them)."""
    v = verify(path)
    assert v.read is not None and v.engine is not None
    out: dict[Cell, Decimal] = {}
    for cell, fig in v.figures.items():
        if cell in v.engine.formulas:
            continue
        out[cell] = fig.value
    return out


def test_a_source_in_yuan_imports_as_a_yuan_workbook(tmp_path: Path) -> None:
    source = write_xlsx(tmp_path / "报表软件导出.xlsx", seed_tables(), Style(unit=lambda t: "元"))
    out = tmp_path / "导入.xlsx"
    result = import_source(source, out)
    assert result.unit == YUAN
    marker = read_marker(out)
    assert marker is not None and marker.unit == YUAN
    read = read_workbook(out)
    assert read.inst.unit == YUAN and read.inst.weight == 0
    assert set(read.views) == {t.id for t in read.spec.tables}
    assert view_sheet("公开01表") in read.wb.sheetnames
    # the figures as the source printed them, in 元, to the 分
    typed = _typed(out)
    truth = {c: v * 10000 for c, v in seed_truth().items() if v is not None}
    assert typed[Cell("06", "30217", "amt")] == Decimal("800.00")
    assert all(value == value.quantize(Decimal("0.01")) for value in typed.values())
    compared = [c for c in typed if c in truth]
    assert len(compared) >= 60
    assert {c: typed[c] for c in compared} == {c: truth[c] for c in compared}
    # in 元 the seed's 万元 尾差 are real differences: listed in 元, and verify allows no 尾差
    assert result.differs and all(d.unit == YUAN and d.text.endswith(" 元）") for d in result.differs)
    errors = [f for f in result.report.findings if f.level.value == "error"]
    assert errors and all("允许尾差 ±0.00" in f.message for f in errors if "允许尾差" in f.message)


def test_a_source_in_wan_imports_as_before(tmp_path: Path) -> None:
    source = write_xlsx(tmp_path / "公开.xlsx", seed_tables())
    result = import_source(source, tmp_path / "导入.xlsx")
    assert result.unit == WAN
    read = read_workbook(result.output)
    assert read.inst.unit == WAN and read.inst.weight == 1 and not read.views
    assert result.report.valid, result.report.flatten("code", "message")


def test_tables_in_different_units_import_in_wan(tmp_path: Path) -> None:
    """05 in 元, the rest in 万元: not exact as a whole, so a 万元 workbook (05 converted exactly to 万元)."""
    style = Style(unit=lambda t: "元" if t.id == "05" else "万元")
    source = write_xlsx(tmp_path / "混合.xlsx", seed_tables(), style)
    result = import_source(source, tmp_path / "导入.xlsx")
    assert result.unit == WAN
    typed, truth = _typed(result.output), seed_truth()
    in_05 = [c for c in typed if c.table == "05" and c in truth]
    assert in_05 and {c: typed[c] for c in in_05} == {c: truth[c] for c in in_05}
