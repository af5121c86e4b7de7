"""``summary`` of returns typed in 元 (issue 17): the overview shows 万元 figures for every file, a 元 workbook's
each rounded on its own (``amounts.to_wan``), its 填写单位 column says 元, and a note says they were converted."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import openpyxl
import pytest

from juesuan_xlsx.amounts import to_wan
from juesuan_xlsx.contract import WAN, YUAN
from juesuan_xlsx.model import figure_cell
from juesuan_xlsx.spec import load_spec
from juesuan_xlsx.summary import FIGURES, HEADERS, VerifyCache, file_key, key_figures, summarise
from juesuan_xlsx.verify import verify

from .yuan_workbooks import yuan_workbook

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "seed-2024.xlsx"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("units")
    shutil.copyfile(SEED, folder / "a-万元.xlsx")
    yuan_workbook(load_spec(2024, "central"), 21, folder / "b-元.xlsx", dept="元单位")
    return folder


def test_key_figures_of_a_yuan_workbook_are_in_wan(folder: Path) -> None:
    v = verify(folder / "b-元.xlsx")
    assert v.read is not None and v.read.inst.unit == YUAN
    figures = key_figures(v)
    assert figures is not None
    for key, _, name in FIGURES:
        exact = v.figures[figure_cell(v.read.spec, name)].value
        assert figures[key] == to_wan(exact), key
    assert any(abs(v.figures[figure_cell(v.read.spec, n)].value) >= 10_000 for _, _, n in FIGURES)


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_the_overview_shows_wan_and_the_unit(folder: Path, tmp_path: Path, suffix: str) -> None:
    cache = tmp_path / "cache"
    out = tmp_path / f"汇总{suffix}"
    result = summarise([folder], out, jobs=1, cache_dir=cache)
    by_name = {Path(r.file).name: r for r in result.rows}
    yuan, wan = by_name["b-元.xlsx"], by_name["a-万元.xlsx"]
    assert (yuan.unit, wan.unit) == (YUAN, WAN)
    expected = key_figures(verify(folder / "b-元.xlsx"))
    assert yuan.figures == expected
    assert result.totals["income"] == wan.figures["income"] + yuan.figures["income"]  # type: ignore[index]
    assert any("1 个文件按元填写" in n and "万元" in n for n in result.notes)
    unit_col = HEADERS.index("填写单位")
    income_col = HEADERS.index("收入总计")
    if suffix == ".csv":
        rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
        assert rows[0] == list(HEADERS)
        line = next(r for r in rows if r[0].endswith("b-元.xlsx"))
        assert line[unit_col] == "元" and line[income_col] == f"{yuan.figures['income']:.2f}"
        assert rows[-1][unit_col] == "万元" and "按元填写" in rows[-1][-1]
    else:
        ws = openpyxl.load_workbook(out).active
        assert [c.value for c in ws[1]] == list(HEADERS)
        r = next(i for i in range(2, ws.max_row + 1) if str(ws.cell(i, 1).value).endswith("b-元.xlsx"))
        assert ws.cell(r, unit_col + 1).value == "元"
        assert ws.cell(r, income_col + 1).value == pytest.approx(float(yuan.figures["income"]))  # type: ignore[arg-type]
    # a second run takes both from the cache, the unit included
    again = summarise([folder], tmp_path / f"again{suffix}", jobs=1, cache_dir=cache)
    assert again.cached == 2
    cached = {Path(r.file).name: r for r in again.rows}
    assert cached["b-元.xlsx"].unit == YUAN and cached["b-元.xlsx"].figures == yuan.figures
    key = file_key(folder / "b-元.xlsx")
    assert key is not None
    hit = VerifyCache(cache).get(key)
    assert hit is not None and hit[2] == YUAN
