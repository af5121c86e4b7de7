"""The 说明 sheet against the tables by the narrative checker's rules (issue 14, one definition): counts typed into
the 说明 sheet that the 情况说明 export would print beside a contradicting 公开09表 are found at verify time, at
the 说明 cell, before anything is published."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

from juesuan_xlsx.findings import Level
from juesuan_xlsx.narrative.shuoming import input_cell
from juesuan_xlsx.verify import verify

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "seed-2024.xlsx"


def _with(tmp_path: Path, **typed: int) -> Path:
    path = tmp_path / "w.xlsx"
    shutil.copy(EXAMPLE, path)
    wb = openpyxl.load_workbook(path)
    for key, value in typed.items():
        where = input_cell(wb, key)
        assert where is not None, key
        sheet, _, address = where.partition("!")
        wb[sheet][address] = value
    wb.save(path)
    return path


def test_the_example_has_no_contradiction() -> None:
    assert not [f for f in verify(EXAMPLE).report.findings if f.code == "S-说明与表矛盾"]


@pytest.mark.parametrize(("typed", "label"), [
    ({"car_bought": 2}, "本年购置公务用车"),  # 公务用车购置费 决算数 0.00
    ({"abroad_groups": 1, "abroad_people": 3}, "因公出国（境）团组数"),  # 因公出国（境）费 决算数 0.00
    ({"reception_batches": 0, "reception_people": 0}, "国内公务接待批次"),  # 公务接待费 0.08: "0 批次" contradicts
])
def test_counts_contradicting_the_sangong_table_are_errors_at_their_cell(tmp_path: Path, typed: dict[str, int],
                                                                        label: str) -> None:
    report = verify(_with(tmp_path, **typed)).report
    found = [f for f in report.findings if f.code == "S-说明与表矛盾"]
    assert len(found) == 1 and found[0].level == Level.ERROR, [f.message for f in report.findings]
    assert found[0].sheet == "说明" and found[0].cell and label in found[0].message
    assert not report.valid
