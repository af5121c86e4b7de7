"""``juesuan-xlsx new YEAR --like 上年报表.xlsx``: start a year from last year's workbook.

The new template gets fixed 功能分类 rows (as ``--codes``) for every code last year's tables used, named by this
year's dictionary; codes whose name differs between the two years' dictionaries (or from what was typed last
year) are reported.  Last year's totals go into the 说明 sheet as 上年数 for the year-on-year sentences.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from .export.narrative import NarrativeInputs
from .export.shuoming import find_sheet, read_shuoming_sheet
from .export.values import values_from_read
from .reader import read_workbook
from .spec import SUM_ROW, Spec

# 说明 field ← last year's cell (table, row, column)
LAST_YEAR_FIGURES = {
    "last_total": ("01", "inc_grand", "amt"),
    "last_fiscal_total": ("04", "inc_grand", "amt"),
    "last_general": ("05", SUM_ROW, "total"),
    "last_abroad": ("09", "sg", "a_abroad"),
    "last_car_buy": ("09", "sg", "a_car_buy"),
    "last_car_run": ("09", "sg", "a_car_run"),
    "last_reception": ("09", "sg", "a_recept"),
}


@dataclass(frozen=True)
class Renamed:
    code: str
    old: str  # last year's name (its dictionary, else as typed)
    new: str  # this year's name


@dataclass(frozen=True)
class CarryForward:
    source: str  # "YEAR/PROFILE" of last year's workbook
    codes: tuple[str, ...]  # every 功能分类 code last year's code tables used
    renamed: tuple[Renamed, ...]
    unknown: tuple[str, ...]  # codes this year's dictionary does not list (their name is typed in the template)
    shuoming: NarrativeInputs


def carry_forward(path: str | Path, spec: Spec) -> CarryForward:
    """What a new ``spec`` template takes over from last year's workbook at ``path``."""
    read = read_workbook(path)
    values = values_from_read(read)
    last_dict = read.spec.gongneng
    typed: dict[str, str] = {}
    for tv in values.tables.values():
        if tv.table.kind != "codes":
            continue
        for row in tv.code_rows:
            if row.code and row.code not in typed:
                typed[row.code] = row.name
    codes = tuple(sorted(typed))
    renamed = []
    for code in codes:
        old = last_dict.name(code) or typed[code]
        new = spec.gongneng.name(code)
        if new is not None and old and old != new:
            renamed.append(Renamed(code, old, new))
    unknown = tuple(c for c in codes if spec.gongneng.name(c) is None)
    figures: dict[str, Decimal] = {key: values.amount(*where) for key, where in LAST_YEAR_FIGURES.items()}
    jiguan = None
    sheet = find_sheet(read.wb)
    if sheet is not None:
        jiguan = read_shuoming_sheet(read.wb).jiguan  # last year's 本年 is this year's 上年
    return CarryForward(read.spec.key, codes, tuple(renamed), unknown,
                        NarrativeInputs(**figures, last_jiguan=jiguan))
