"""The figures a publication prints: always 万元, whatever unit the workbook is typed in.

A 万元 workbook prints its figures as they are.  A 元 workbook (``new --unit 元``) prints each figure in 万元,
either

  * independently rounded (the default): ROUND(元/10000, 2) per figure, what its view sheets show and what the
    reporting software prints; the tables keep the rounding note (本套报表金额单位转换时可能存在尾数误差), or
  * by controlled rounding (``balanced``, :func:`juesuan_xlsx.rounding.round_figures`): each figure rounded up or
    down to the 分 so that every relation of the spec holds exactly in print; the note is dropped when it does,
    kept (with the rounding's list of what does not tie) when no such rounding exists.

One function for every output, so that the tables, the 情况说明 and every file of one export print the same figures.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..contract import WAN, YUAN
from ..model import Equation
from ..rounding import Rounding, independent_rounding, round_figures
from .values import WorkbookValues


class NotInYuan(ValueError):
    """Controlled rounding asked of figures that are not exact 元 (a 万元 workbook)."""


def published_values(values: WorkbookValues, equations: Sequence[Equation], *, balanced: bool = False,
                     time_limit: float = 10.0) -> tuple[WorkbookValues, Rounding | None]:
    """``values`` as printed, in 万元, and the controlled rounding that chose them (None unless ``balanced``).

    ``equations``: the workbook's (``Verification.engine.equations``), every cell known.  ``balanced`` needs a 元
    workbook (:class:`NotInYuan` otherwise: a 万元 figure's exact value is not known)."""
    if values.unit == WAN:
        if balanced:
            raise NotInYuan("万元工作簿的精确金额未知，无法做受控舍入")
        return values, None
    if values.unit != YUAN:  # pragma: no cover - contract.UNIT_NAMES admits these two only
        raise ValueError(f"未知的金额单位：{values.unit!r}")
    if not balanced:
        return values.with_cells(independent_rounding(values.cells), unit=WAN, footnote=True), None
    rounding = round_figures(values.cells, equations, time_limit=time_limit)
    return values.with_cells(rounding.published, unit=WAN, footnote=rounding.footnote_needed), rounding


def moved(rounding: Rounding) -> int:
    """How many published figures are not their ROUND_HALF_UP rounding (what the view sheets show)."""
    nearest = independent_rounding(rounding.exact)
    return sum(1 for cell, printed in rounding.published.items() if printed != nearest[cell])
