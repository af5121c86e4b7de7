"""``juesuan-xlsx new YEAR --like 上年报表.xlsx``: start a year from last year's workbook.

The new template gets fixed 功能分类 rows (as ``--codes``) for every code last year's tables used, named by this
year's dictionary; codes whose name differs between the two years' dictionaries (or from what was typed last
year) are reported.  Last year's totals go into the 说明 sheet as 上年数 for the year-on-year sentences.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal

from .model import figure_cell
from .narrative.inputs import NarrativeInputs
from .spec import Spec
from .verify import Verification

# 说明 field ← last year's named figure (``[figures]`` of the spec)
LAST_YEAR_FIGURES = {
    "last_total": "income_grand",
    "last_fiscal_total": "fiscal_grand",
    "last_general": "general",
    "last_abroad": "abroad_actual",
    "last_car_buy": "car_buy_actual",
    "last_car_run": "car_run_actual",
    "last_reception": "reception_actual",
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


def carry_forward(last: Verification, spec: Spec) -> CarryForward:
    """What a new ``spec`` template takes over from last year's verified return: a workbook of ours, or a
    publication / foreign workbook read as printed (its :class:`~juesuan_xlsx.disclosure.Disclosure`)."""
    if last.read is not None and last.values is not None and last.inputs is not None:
        values = last.values
        last_spec = last.read.spec
        typed = {row.code: row.name for tv in reversed(list(values.tables.values())) if tv.table.kind == "codes"
                 for row in reversed(tv.code_rows) if row.code}
        amounts = {key: values.amount(c.table, c.row, c.col) for key, name in LAST_YEAR_FIGURES.items()
                   for c in [figure_cell(last_spec, name)]}
        jiguan = last.inputs.jiguan  # last year's 本年 is this year's 上年 (None without a 说明 sheet)
    elif last.disclosure is not None:
        printed = last.disclosure
        last_spec = printed.spec
        typed = {row.code: printed.code_names.get(row.code) or row.name
                 for ct in reversed(list(printed.inst.code_tables.values())) for row in reversed(ct.rows) if row.code}
        numbers = printed.numbers()
        amounts = {key: numbers.get(figure_cell(last_spec, name), Decimal(0))
                   for key, name in LAST_YEAR_FIGURES.items()}
        jiguan = None  # a publication states it in its text only
    else:
        raise ValueError("上年报表未能读取")
    codes = tuple(sorted(typed))
    renamed = []
    for code in codes:
        old = last_spec.gongneng.name(code) or typed[code]
        new = spec.gongneng.name(code)
        if new is not None and old and old != new:
            renamed.append(Renamed(code, old, new))
    unknown = tuple(c for c in codes if spec.gongneng.name(c) is None)
    shuoming = NarrativeInputs(last_jiguan=jiguan)
    for key, value in amounts.items():  # fields of NarrativeInputs named by LAST_YEAR_FIGURES, all amounts
        shuoming = dataclasses.replace(shuoming, **{key: value})  # type: ignore[arg-type]
    return CarryForward(last_spec.key, codes, tuple(renamed), unknown, shuoming)
