"""The result of an evaluation, and what both engines share to produce it.

:class:`Evaluation` and its error strings; the name every workbook is evaluated under (:data:`BOOK_NAME`: node ids
are predictable); the conversion of Python values into ``formulas`` cells (:func:`input_value`) and of computed
cells into Excel's view of them (:func:`output_value`, :func:`fill_results`).
"""

from __future__ import annotations

import decimal
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import schedula as sh
from formulas.ranges import Ranges
from formulas.tokens.operand import XlError

from .excel import is_bool, is_number
from .scan import CellKey, ScanProblem, WorkbookScan

__all__ = [
    "BOOK_NAME",
    "CIRCULAR",
    "CIRCULAR_ERROR",
    "NOT_COMPUTED_ERROR",
    "Evaluation",
    "fill_results",
    "input_value",
    "output_value",
    "unevaluated",
]

#: Error string for the cells of a reference cycle and for every cell whose value depends on one.  Not an
#: Excel error value (Excel shows 0 and a warning, LibreOffice Err:522): a verifier must not take it for data.
CIRCULAR_ERROR: Final = "#CIRC!"
#: Error string for a formula cell the engine produced no value for (a bug, never expected).
NOT_COMPUTED_ERROR: Final = "#NOT-COMPUTED!"
#: The error value both engines impose on the cells of a reference cycle: it breaks the cycle, then propagates.
CIRCULAR: Final = XlError(CIRCULAR_ERROR)
#: The file name every workbook is evaluated under: ``formulas`` names each node after it ("'[book.xlsx]S'!C9").
BOOK_NAME: Final = "book.xlsx"


@dataclass
class Evaluation:
    """Result of :func:`~juesuan_xlsx.evaluation.evaluate_workbook`; every key is (sheet as in the workbook, "C9").

    When ``evaluated`` is True every formula cell is in exactly one of ``values`` (float, str or bool) and
    ``errors`` ("#DIV/0!", "#REF!", "#VALUE!", "#N/A", "#NAME?", "#NUM!", :data:`CIRCULAR_ERROR`).  A formula
    showing a blank cell (=C12) holds 0.0, as in Excel.  When ``evaluated`` is False nothing was computed and
    ``skipped``/``skipped_names`` say why, for every offending formula cell and defined name.
    """

    values: dict[CellKey, object]
    errors: dict[CellKey, str]
    circular: set[CellKey]
    skipped: dict[CellKey, tuple[ScanProblem, ...]] = field(default_factory=dict)
    skipped_names: dict[str, tuple[ScanProblem, ...]] = field(default_factory=dict)
    formulas: dict[CellKey, str] = field(default_factory=dict)
    evaluated: bool = True

    def get(self, sheet: str, cell: str) -> object:
        """The value, or the error string, of one formula cell (KeyError if it is not a formula cell)."""
        key = (sheet, cell.replace("$", "").upper())
        if key in self.values:
            return self.values[key]
        return self.errors[key]


def unevaluated(survey: WorkbookScan) -> Evaluation:
    """The result before any calculation: refused (``evaluated=False``) or empty."""
    result = Evaluation(values={}, errors={}, circular=set(), formulas=dict(survey.formulas))
    if not survey.allowed:
        result.evaluated = False
        result.skipped = dict(survey.problems)
        result.skipped_names = dict(survey.name_problems)
    return result


def fill_results(result: Evaluation, outputs: Mapping[CellKey, object]) -> None:
    """Sort each formula cell's output (a ``Ranges`` or an array, absent if not computed) into values/errors."""
    for key in result.formulas:
        if key in result.circular:
            result.errors[key] = CIRCULAR_ERROR
            continue
        if key not in outputs:
            result.errors[key] = NOT_COMPUTED_ERROR
            continue
        is_error, value = output_value(outputs[key])
        if is_error:
            result.errors[key] = str(value)
        else:
            result.values[key] = value


def input_value(value: object) -> np.ndarray:
    """A Python value (None for a blank) as ``formulas`` holds a cell: a 1x1 object array."""
    # A bare sh.EMPTY is schedula's own "no value" marker and breaks the dispatch: pass a 1x1 array, as
    # formulas stores cells.
    if value is None:
        value = sh.EMPTY
    elif isinstance(value, decimal.Decimal):
        value = float(value)
    cell = np.empty((1, 1), dtype=object)
    cell[0, 0] = value
    return cell


def output_value(value: object) -> tuple[bool, object]:
    """(is_error, python value) of a model output, with Excel's view of blanks and numbers."""
    if isinstance(value, Ranges):
        value = value.value
    if isinstance(value, np.ndarray):
        value = value.ravel()[0] if value.size else sh.EMPTY
    if isinstance(value, XlError):
        return True, str(value)
    if value is sh.EMPTY:
        return False, 0.0  # a formula showing a blank cell holds the number 0 in Excel
    if value is None or isinstance(value, sh.Token):
        return True, NOT_COMPUTED_ERROR
    if is_bool(value):
        return False, bool(value)
    if is_number(value):
        number = float(value)  # type: ignore[arg-type]
        if not math.isfinite(number):
            return True, "#NUM!"
        return False, number + 0.0
    if isinstance(value, str):
        return False, value
    return True, NOT_COMPUTED_ERROR
