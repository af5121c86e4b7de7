"""Headless evaluation of a workbook's formulas, corrected to agree with Excel and LibreOffice.

The verifier never trusts cached values: it recomputes every formula cell of a returned workbook.  The engine
is the ``formulas`` package, which is fast enough and pure Python, but 1.3.4 disagrees with real spreadsheet
applications in ways that matter for 部门决算 tables (numbers stored as text are summed, ROUND(0.145, 2) is
0.14, ``0.1+0.2=0.3`` is FALSE, circular references are silently left uncomputed ...).  This module

* replaces the affected functions and operators in ``formulas``' own registries (:func:`install_corrections`,
  run once at import, idempotent), so every model compiled afterwards uses the corrected versions: SUM,
  SUMPRODUCT, SUMIF/COUNTIF (criteria rewritten), MAX/MIN, ROUND/ROUNDUP/ROUNDDOWN, N, AND/OR, LEN/LEFT,
  ABS, VLOOKUP's column check, and the operators + - * / unary -/+ & = <> < <= > >=;
* refuses to evaluate a workbook that uses anything outside :data:`ALLOWED_FUNCTIONS` or reaches outside the
  workbook (external links, INDIRECT/OFFSET, WEBSERVICE, DDE): such formulas are reported, never run
  (:func:`scan_formula`, :func:`scan_workbook`);
* detects circular references itself and reports them instead of leaving cells uncomputed;
* keeps a few compiled models, so another copy of the same template costs a calculation, not a compilation.

Where Excel and LibreOffice disagree (LibreOffice has no boolean type, matches "201" with 201 in VLOOKUP, ...)
Excel wins: the workbooks are filled in with Excel or WPS.  ``tests/test_evaluate.py`` lists each such case.
"""

from __future__ import annotations

import bisect
import collections
import contextlib
import decimal
import functools
import hashlib
import json
import math
import os
import re
import shutil
import tempfile
import threading
import types
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

import formulas
import numpy as np
import openpyxl
import schedula as sh
from formulas.errors import FoundError, RangeValueError
from formulas.functions import Array, parse_ranges, wrap_func, xfilters
from formulas.functions.operators import OPERATORS
from formulas.ranges import Ranges
from formulas.tokens.operand import Error as _ErrorOperand
from formulas.tokens.operand import XlError
from openpyxl.utils.cell import column_index_from_string, get_column_letter

__all__ = [
    "ALLOWED_FUNCTIONS",
    "CIRCULAR_ERROR",
    "NOT_COMPUTED_ERROR",
    "CellKey",
    "Evaluation",
    "FormulaScan",
    "Reference",
    "ScanIssue",
    "ScanProblem",
    "WorkbookScan",
    "evaluate_workbook",
    "excel_number_text",
    "excel_round",
    "install_corrections",
    "scan_formula",
    "scan_workbook",
]

CellKey = tuple[str, str]
"""(sheet name exactly as in the workbook, cell address such as ``"C9"``)."""

#: The functions the generator emits and this module has checked against LibreOffice.  A workbook using any
#: other function is reported, not evaluated.  SUMIF/COUNTIF are here because ``juesuan-xlsx new`` emits them
#: (349 and 220 in the 2024 template) and their criteria are reimplemented below; ROUNDUP/ROUNDDOWN share
#: ROUND's implementation; TRUE()/FALSE() are how LibreOffice saves typed booleans into xlsx.
ALLOWED_FUNCTIONS: Final[frozenset[str]] = frozenset(
    {
        "SUM",
        "SUMIF",
        "COUNTIF",
        "SUMPRODUCT",
        "LEN",
        "LEFT",
        "ROUND",
        "ROUNDUP",
        "ROUNDDOWN",
        "ABS",
        "IF",
        "IFERROR",
        "VLOOKUP",
        "MAX",
        "MIN",
        "AND",
        "OR",
        "N",
        "TRUE",
        "FALSE",
    }
)

#: Error string for the cells of a reference cycle and for every cell whose value depends on one.  Not an
#: Excel error value (Excel shows 0 and a warning, LibreOffice Err:522): a verifier must not take it for data.
CIRCULAR_ERROR: Final = "#CIRC!"
#: Error string for a formula cell the engine produced no value for (a bug, never expected).
NOT_COMPUTED_ERROR: Final = "#NOT-COMPUTED!"

# Budgets that keep evaluation bounded in time.  formulas compiles each formula in about 2-3 ms and every
# position of each sheet's used rectangle, blank or not, in about 30 µs: a stray entry at row 1,048,576 would
# cost a quarter of an hour.  The generated nine tables hold about a thousand formulas in ~15,000 positions.
DEFAULT_MAX_FORMULAS: Final = 10_000
DEFAULT_MAX_RANGE_CELLS: Final = 1_000_000
DEFAULT_MAX_SHEET_CELLS: Final = 200_000

_EXCEL_MAX_ROW: Final = 1_048_576
_EXCEL_MAX_COL: Final = 16_384
_BOOK_NAME: Final = "book.xlsx"
_CIRCULAR: Final = XlError(CIRCULAR_ERROR)
_VALUE: Final = _ErrorOperand.errors["#VALUE!"]


# ------------------------------------------------------------------------------------------------------------
# Excel value semantics shared by the corrections
# ------------------------------------------------------------------------------------------------------------


# Tuples, not ``bool | np.bool_``: a union written in the call builds a new object on every call, and these
# run for every cell of every range a SUM, SUMIF or MAX reads.
_BOOL_TYPES: Final = (bool, np.bool_)
_NUMBER_TYPES: Final = (int, float, np.integer, np.floating)


def _is_number(value: object) -> bool:
    # bool is an int subclass in Python but never a number in Excel.
    if isinstance(value, _BOOL_TYPES):
        return False
    return isinstance(value, _NUMBER_TYPES)


def _is_bool(value: object) -> bool:
    return isinstance(value, _BOOL_TYPES)


_E48: Final = 2.0**-48
_TWO53: Final = 2.0**53


def _representable_integer(value: float) -> bool:
    return value < _TWO53 and value == math.floor(value)


def _approx_equal(a: float, b: float) -> bool:
    """LibreOffice's rtl::math::approxEqual: equal within 2**-48 relative, the tolerance of its = and -.

    Excel behaves the same for the cases that matter here (0.1+0.2=0.3 is TRUE in both).
    """
    if a == b:
        return True
    if a == 0.0 or b == 0.0:
        return False
    diff = abs(a - b)
    if not math.isfinite(diff):
        return False
    a, b = abs(a), abs(b)
    # Two different integers are never "approximately" equal, however large they are.
    if _representable_integer(diff) and _representable_integer(a) and _representable_integer(b):
        return False
    return diff < a * _E48 and diff < b * _E48


def _approx_add(a: float, b: float) -> float:
    # Cancelling operands give an exact 0, so a difference check like =C9-C10-C11 is 0, not 5.55E-17.
    if ((a < 0.0 < b) or (b < 0.0 < a)) and _approx_equal(a, -b):
        return 0.0
    return a + b


def _approx_sub(a: float, b: float) -> float:
    if ((a < 0.0 and b < 0.0) or (a > 0.0 and b > 0.0)) and _approx_equal(a, b):
        return 0.0
    return a - b


def _excel_sum(values: Iterable[float]) -> float:
    """Sum like LibreOffice's compensated SUM: exact, and 0 when positives and negatives cancel."""
    items = [float(v) for v in values]
    try:
        total = math.fsum(items)
        positive = math.fsum(v for v in items if v > 0.0)
        negative = math.fsum(v for v in items if v < 0.0)
    except OverflowError:
        raise FoundError(err=_ErrorOperand.errors["#NUM!"]) from None
    if not math.isfinite(total):
        raise FoundError(err=_ErrorOperand.errors["#NUM!"])
    if positive and negative and _approx_equal(positive, -negative):
        return 0.0
    return total + 0.0  # + 0.0 turns -0.0 into 0.0, which Excel never shows


_TEXT_NUMBER = re.compile(
    r"""^\s*
    (?P<open>\()?\s*
    (?P<sign>[+-])?\s*
    (?:[$¥￥]\s*)?
    (?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+(?:\.\d*)?|\.\d+)
    (?P<exp>[eE][+-]?\d+)?\s*
    (?P<pct>%)?\s*
    (?P<close>\))?\s*$""",
    re.VERBOSE,
)


def _text_to_number(text: str) -> float | None:
    """Excel's implicit text→number conversion for arithmetic ("12.5"+1, " 7 "*1, "1,000"+1, "(5)", "5%").

    ``formulas`` uses Python's float(), which rejects "1,000" and accepts "nan", "inf" and "1_000".
    """
    match = _TEXT_NUMBER.match(text)
    if match is None:
        return _text_to_date(text)
    if bool(match["open"]) != bool(match["close"]) or (match["open"] and match["sign"]):
        return None
    value = float(match["digits"].replace(",", "") + (match["exp"] or ""))
    if match["pct"]:
        value /= 100.0
    if match["sign"] == "-" or match["open"]:
        value = -value
    return value


def _text_to_date(text: str) -> float | None:
    # Dates typed as text ("2024-01-01") also convert in Excel; keep formulas' own date parser for them.
    if not any(sep in text for sep in "-/:"):
        return None
    from formulas.functions import _text2num

    try:
        value = _text2num(text)
    except Exception:  # its date parser raises assorted errors on garbage, which is just "not a number"
        return None
    return float(value) if _is_number(value) else None


def _to_number(value: object) -> float:
    """Coerce one operand of an arithmetic operator or numeric function argument (blank → 0, TRUE → 1)."""
    if value is sh.EMPTY:
        return 0.0
    if _is_bool(value):
        return float(bool(value))
    if isinstance(value, XlError):  # XlError is a str subclass: test it before str
        raise FoundError(err=value)
    if isinstance(value, str):
        number = _text_to_number(value)
        if number is None:
            raise ValueError(value)
        return number
    return float(value)  # type: ignore[arg-type]


def excel_number_text(value: float) -> str:
    """A number as Excel turns it into text (``A8&""``, LEN, LEFT): 15 significant digits, General format.

    ``formulas`` uses Python's repr (0.1+0.2 → "0.30000000000000004", LEN(0.1+0.2) = 19).  Plain notation for
    1E-10 ≤ |x| < 1E+15, otherwise Excel's "1.5E+20" form.
    """
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    digits = decimal.Decimal(f"{value:.15g}")
    exponent = digits.adjusted()
    if -10 <= exponent < 15:
        text = format(digits, "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return text
    mantissa = format(digits.scaleb(-exponent).normalize(), "f")
    return f"{mantissa}E{'+' if exponent >= 0 else '-'}{abs(exponent):02d}"


def _to_text(value: object) -> str:
    if value is sh.EMPTY:
        return ""
    if _is_bool(value):
        return "TRUE" if value else "FALSE"
    if isinstance(value, XlError):
        raise FoundError(err=value)
    if isinstance(value, str):
        return value
    return excel_number_text(float(value))  # type: ignore[arg-type]


_MAX_ROUND_DIGITS: Final = 340


def excel_round(value: float, digits: float, rounding: str = decimal.ROUND_HALF_UP) -> float:
    """ROUND/ROUNDUP/ROUNDDOWN as Excel: round the 15-significant-digit decimal value, ties away from zero.

    The binary double nearest 0.145 is 0.14499999999999999, so rounding the double (what ``formulas`` does)
    gives 0.14; Excel works on the decimal the user typed and gives 0.15.  ``decimal.ROUND_HALF_UP`` rounds
    ties away from zero, ``ROUND_UP``/``ROUND_DOWN`` away from/towards zero like ROUNDUP/ROUNDDOWN.
    """
    places = int(digits)  # Excel truncates the digits argument towards zero
    if value == 0 or not math.isfinite(value):
        return value + 0.0
    places = max(-_MAX_ROUND_DIGITS, min(_MAX_ROUND_DIGITS, places))
    exact = decimal.Decimal(f"{value:.15g}")
    with decimal.localcontext() as ctx:
        ctx.prec = 2 * _MAX_ROUND_DIGITS + 20  # enough for any double at any number of places
        rounded = exact.quantize(decimal.Decimal(1).scaleb(-places), rounding=rounding)
    return float(rounded) + 0.0


# ------------------------------------------------------------------------------------------------------------
# Argument collection: references ignore text and booleans, typed arguments convert them
# ------------------------------------------------------------------------------------------------------------


def _scalar_of(arg: object) -> object:
    if isinstance(arg, np.ndarray):
        return arg.ravel()[0] if arg.size else sh.EMPTY
    return arg


def _is_array_argument(arg: object, is_reference: bool) -> bool:
    # A reference or a multi-cell array: Excel counts only the numbers in it.  A 1x1 result of an expression
    # (-A1, 1/0) or a typed literal is a single value, which Excel converts.
    return isinstance(arg, np.ndarray) and (is_reference or arg.size != 1)


def _numbers_of(arguments: Iterable[tuple[bool, object]]) -> Iterator[float]:
    """The numbers SUM/MAX/MIN see: refs and arrays contribute numbers only, literals are converted."""
    for is_reference, arg in arguments:
        if _is_array_argument(arg, is_reference):
            for item in np.asarray(arg, dtype=object).ravel():
                if isinstance(item, XlError):
                    raise FoundError(err=item)
                if _is_number(item):
                    yield float(item)
            continue
        value = _scalar_of(arg)
        if value is sh.EMPTY:
            continue
        yield _to_number(value)


def _reference_aware(func: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap ``func(references, *values)``; ``references[i]`` tells whether argument i was a cell reference.

    Excel treats the same text differently in a reference (ignored by SUM) and typed in the formula
    (converted), and ``formulas`` hands functions plain arrays unless asked for the raw ``Ranges``.
    """
    # formulas' own error handling: FoundError → that error value, any other exception → #VALUE!.
    core = wrap_func(func, ranges=True)

    def wrapper(*args: Any) -> Any:
        references = tuple(isinstance(a, Ranges) for a in args)
        try:
            values, _ = parse_ranges(*args)
        except RangeValueError:
            # A range without values is a node formulas did not load; behave as formulas' own wrapper does.
            return sh.bypass(sh.NONE)
        return core(references, *values)

    return functools.update_wrapper(wrapper, func)


# ------------------------------------------------------------------------------------------------------------
# The corrected functions
# ------------------------------------------------------------------------------------------------------------


def _xl_sum(references: tuple[bool, ...], *args: object) -> float:
    # formulas adds text numbers found in ranges ("12.5" in C9 made 205 of 636 test cells wrong).
    return _excel_sum(_numbers_of(zip(references, args, strict=True)))


def _xl_extreme(references: tuple[bool, ...], *args: object, pick: Callable[[list[float]], float]) -> float:
    # formulas' MAX/MIN give #VALUE! when a referenced range holds text; Excel skips it (0 if nothing left).
    numbers = list(_numbers_of(zip(references, args, strict=True)))
    return pick(numbers) if numbers else 0.0


def _as_2d(arg: object) -> np.ndarray:
    array = np.asarray(arg, dtype=object)
    if array.ndim == 0:
        return array.reshape(1, 1)
    if array.ndim == 1:
        return array.reshape(1, -1)
    return array


def _number_or_zero(item: object) -> float:
    return float(item) if _is_number(item) else 0.0  # type: ignore[arg-type]


def _xl_sumproduct(*args: object) -> float:
    """SUMPRODUCT: same-shaped arrays, entries that are not numbers (text, TRUE, blank) count as 0.

    formulas converts text numbers ("12.5" → 12.5) and accepts arrays of different shapes with the same size.
    """
    arrays = [_as_2d(a) for a in args]
    shape = arrays[0].shape
    if any(a.shape != shape for a in arrays):
        raise FoundError(err=_VALUE)
    for array in arrays:
        for item in array.ravel():
            if isinstance(item, XlError):
                raise FoundError(err=item)
    columns = [[_number_or_zero(item) for item in array.ravel()] for array in arrays]
    products = [math.prod(row) for row in zip(*columns, strict=True)]
    return _excel_sum(products)


def _sum_selected(values: np.ndarray) -> float:
    # Accumulator of SUMIF/SUMIFS over the selected cells of the sum range: numbers only, as SUM of a range.
    return _excel_sum(_numbers_of([(True, np.asarray(values, dtype=object))]))


_CRITERION_OPERATORS: Final = ("<=", ">=", "<>", "=", "<", ">")
_WILDCARD: Final = re.compile(r"~[*?~]|[*?]")


def _wildcard_pattern(text: str) -> re.Pattern[str] | None:
    """Excel's * and ? (~ escapes them) as a whole-text, case-insensitive regex; None for plain text.

    formulas turns ? into ".?" (zero or one character), does not anchor the end and is case-sensitive.
    """
    if _WILDCARD.search(text) is None:
        return None
    parts: list[str] = []
    last = 0
    for m in _WILDCARD.finditer(text):
        parts.append(re.escape(text[last : m.start()]))
        token = m[0]
        parts.append(".*" if token == "*" else "." if token == "?" else re.escape(token[1]))
        last = m.end()
    parts.append(re.escape(text[last:]))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def _criterion(criterion: object) -> Callable[[object], bool]:
    """The cell test of a SUMIF/COUNTIF criterion, as LibreOffice applies it (checked cell by cell).

    A number matches numbers only; numeric text ("201", ">=5") matches numbers by value and, for "=", text by
    text ("201" counts both the code typed as a number and the code typed as text); other text compares with
    text only, case-insensitively, with * ? ~ wildcards for = and <>; "" matches blank and empty-text cells,
    "=" blank cells only, "<>" everything else; a blank criterion cell means 0.
    """
    if isinstance(criterion, XlError):
        raise FoundError(err=criterion)
    if criterion is sh.EMPTY:
        criterion = 0.0
    if _is_bool(criterion):
        flag = bool(criterion)
        return lambda v: _is_bool(v) and bool(v) is flag
    if _is_number(criterion):
        target = float(criterion)  # type: ignore[arg-type]
        return lambda v: _number_equals(v, target)
    text = str(criterion)
    operator = next((op for op in _CRITERION_OPERATORS if text.startswith(op)), "")
    operand = text[len(operator) :]
    if operator == "<>":
        matches = _criterion("=" + operand)
        return lambda v: not matches(v)
    if operand == "":
        if operator == "=":
            return lambda v: v is sh.EMPTY
        if operator == "":
            return lambda v: v is sh.EMPTY or (isinstance(v, str) and not isinstance(v, XlError) and v == "")
        return lambda v: False
    number = _text_to_number(operand)
    folded = operand.casefold()
    if number is not None:
        if operator in ("", "="):
            return lambda v: _number_equals(v, number) or (_is_text(v) and str(v).casefold() == folded)
        test = _COMPARATORS[operator]
        return lambda v: _is_number(v) and test(_compare(v, number))
    if operator in ("", "="):
        if folded in ("true", "false"):
            flag = folded == "true"
            return lambda v: (
                (_is_bool(v) and bool(v) is flag) or (_is_text(v) and str(v).casefold() == folded)
            )
        pattern = _wildcard_pattern(operand)
        if pattern is not None:
            return lambda v: _is_text(v) and pattern.fullmatch(str(v)) is not None
        return lambda v: _is_text(v) and str(v).casefold() == folded
    test = _COMPARATORS[operator]
    return lambda v: _is_text(v) and test(_compare(str(v), operand))


def _number_equals(value: object, target: float) -> bool:
    return _is_number(value) and _approx_equal(float(value), target)  # type: ignore[arg-type]


def _is_text(value: object) -> bool:
    # sh.EMPTY and error values are str subclasses in formulas; neither is text to Excel.
    return isinstance(value, str) and value is not sh.EMPTY and not isinstance(value, XlError)


def _conditional(criteria_range: object, criterion: object, sum_range: object | None) -> object:
    cells = _as_2d(criteria_range)
    values = cells if sum_range is None else _as_2d(sum_range)
    if values.shape != cells.shape:
        # Excel would resize sum_range from its top-left cell, reading cells we were not given.
        raise FoundError(err=_VALUE)

    def one(single: object) -> float:
        test = _criterion(single)
        # A criteria range holds few distinct values (blanks, a level column's 3/5/7): each is tested once.
        # Keyed by type as well (1, 1.0 and TRUE are equal keys but not equal to a criterion), floats by their
        # bits (-0.0 and 0.0).
        verdicts: dict[object, bool] = {}
        selected = []
        for cell, value in zip(cells.ravel().tolist(), values.ravel().tolist(), strict=True):
            kind = type(cell)
            key = (kind, cell.hex()) if isinstance(cell, float) else (kind, cell)
            try:
                verdict = verdicts.get(key)
                if verdict is None:
                    verdict = verdicts[key] = bool(test(cell))
            except TypeError:  # an unhashable cell
                verdict = bool(test(cell))
            if verdict:
                selected.append(value)
        if sum_range is None:
            return float(len(selected))
        return _excel_sum(_numbers_of([(True, np.asarray(selected, dtype=object))]))

    criteria = _as_2d(criterion)
    if criteria.size == 1:
        return one(criteria[0, 0])
    out = np.empty(criteria.shape, dtype=object)
    for index, single in np.ndenumerate(criteria):
        try:
            out[index] = one(single)
        except FoundError as ex:
            out[index] = ex.err
    return out.view(Array)


def _xl_sumif(criteria_range: object, criterion: object, sum_range: object | None = None) -> object:
    # Without sum_range SUMIF sums the criteria range itself.
    return _conditional(criteria_range, criterion, criteria_range if sum_range is None else sum_range)


def _xl_countif(criteria_range: object, criterion: object) -> object:
    return _conditional(criteria_range, criterion, None)


def _xl_n(references: tuple[bool, ...], value: object) -> float:
    # formulas' N returns TRUE/FALSE unchanged; Excel: N(TRUE)=1, N(text)=0.
    if isinstance(value, np.ndarray):
        if value.size != 1:
            # LibreOffice's answer; pre-dynamic-array Excel intersects, which the generator never relies on.
            raise FoundError(err=_VALUE)
        value = value.ravel()[0]
    if isinstance(value, XlError):
        raise FoundError(err=value)
    if _is_bool(value):
        return float(bool(value))
    if _is_number(value):
        return float(value)  # type: ignore[arg-type]
    return 0.0


def _xl_logical(references: tuple[bool, ...], *args: object, combine: Callable[[list[bool]], bool]) -> bool:
    """AND/OR: references count their booleans and numbers only; typed text is #VALUE! (formulas drops it)."""
    seen: list[bool] = []
    for is_reference, arg in zip(references, args, strict=True):
        if _is_array_argument(arg, is_reference):
            for item in np.asarray(arg, dtype=object).ravel():
                if isinstance(item, XlError):
                    raise FoundError(err=item)
                if _is_bool(item) or _is_number(item):
                    seen.append(bool(item))
            continue
        value = _scalar_of(arg)
        if isinstance(value, XlError):
            raise FoundError(err=value)
        if value is sh.EMPTY:
            continue
        if isinstance(value, str):
            raise FoundError(err=_VALUE)
        seen.append(bool(value))
    if not seen:
        raise FoundError(err=_VALUE)
    return combine(seen)


def _xl_left(text: object, count: object = 1.0) -> str:
    n = int(_to_number(count))
    if n < 0:
        raise FoundError(err=_VALUE)
    return _to_text(text)[:n]


def _xl_len(text: object) -> float:
    return float(len(_to_text(text)))


def _concatenate(x: object, y: object) -> str:
    return _to_text(x) + _to_text(y)


def _negate(x: object) -> float:
    return 0.0 - _to_number(x)


def _unary_plus(x: object) -> object:
    """formulas' tokenizer folds ``--x`` into ``+x``, so the double negation idiom SUMPRODUCT(--(A=1), C)
    lost its conversion of TRUE/FALSE to 1/0 and summed 0.  Excel's own unary plus changes nothing, so
    converting booleans and numeric text only differs for a bare ``=+A1`` on such a cell (never generated).
    """
    if _is_bool(x):
        return float(bool(x))
    if isinstance(x, str) and not isinstance(x, XlError):
        number = _text_to_number(x)
        return x if number is None else number
    return x


def _multiply(x: object, y: object) -> float:
    return _to_number(x) * _to_number(y)


def _divide(x: object, y: object) -> float:
    divisor = _to_number(y)
    if not divisor:
        raise FoundError(err=_ErrorOperand.errors["#DIV/0!"])
    return _to_number(x) / divisor


def _add(x: object, y: object) -> float:
    return _approx_add(_to_number(x), _to_number(y))


def _subtract(x: object, y: object) -> float:
    return _approx_sub(_to_number(x), _to_number(y))


def _round_with(rounding: str) -> Callable[[object, object], float]:
    def round_(value: object, digits: object) -> float:
        return excel_round(_to_number(value), _to_number(digits), rounding)

    return round_


def _xl_abs(value: object) -> float:
    return abs(_to_number(value)) + 0.0


# Comparison: Excel orders number < text < boolean, compares text case-insensitively, numbers approximately.
def _type_rank(value: object) -> int:
    if _is_bool(value):
        return 2
    if isinstance(value, str):
        return 1
    return 0


def _blank_as(other: object) -> object:
    # A blank compares as "" with text, FALSE with a boolean and 0 otherwise (blank=0, blank="" and
    # blank=FALSE are all TRUE; formulas compares blank with FALSE as 0 and answers FALSE).
    if isinstance(other, str):
        return ""
    if _is_bool(other):
        return False
    return 0.0


def _compare(x: object, y: object) -> int:
    if x is sh.EMPTY:
        x = _blank_as(y)
    if y is sh.EMPTY:
        y = _blank_as(x)
    rank_x, rank_y = _type_rank(x), _type_rank(y)
    if rank_x != rank_y:
        return -1 if rank_x < rank_y else 1
    if rank_x == 0:
        fx, fy = float(x), float(y)  # type: ignore[arg-type]
        if _approx_equal(fx, fy):
            return 0
        return -1 if fx < fy else 1
    if rank_x == 1:
        sx, sy = str(x).casefold(), str(y).casefold()
    else:
        sx, sy = bool(x), bool(y)  # type: ignore[assignment]
    return (sx > sy) - (sx < sy)


_COMPARATORS: Final[dict[str, Callable[[int], bool]]] = {
    "=": lambda c: c == 0,
    "<>": lambda c: c != 0,
    "<": lambda c: c < 0,
    "<=": lambda c: c <= 0,
    ">": lambda c: c > 0,
    ">=": lambda c: c >= 0,
}


def _comparison(test: Callable[[int], bool]) -> Callable[[object, object], bool]:
    def compare(x: object, y: object) -> bool:
        return test(_compare(x, y))

    return compare


_NA: Final = _ErrorOperand.errors["#N/A"]
_NUM: Final = _ErrorOperand.errors["#NUM!"]


def _stretch(array: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Excel's array expansion: a single row/column repeats, positions past a shorter array are #N/A."""
    if array.shape == (rows, cols):
        return array
    if array.shape[0] == 1:
        array = np.repeat(array, rows, axis=0)
    if array.shape[1] == 1:
        array = np.repeat(array, cols, axis=1)
    out = np.full((rows, cols), _NA, dtype=object)
    out[: array.shape[0], : array.shape[1]] = array[:rows, :cols]
    return out


def _elementwise(scalar: Callable[..., object]) -> Any:
    """Apply ``scalar`` to every position of its (expanded) array arguments, the way Excel does.

    formulas' ``wrap_ufunc`` does the same through ``np.vectorize`` with a generic error scan per element;
    SUMPRODUCT((LEN(r)=3)*(LEFT(r,3)=A8)*C8:C87) runs six of these over every row for every formula, and the
    generic path made that the largest cost of a nine-table workbook.
    """

    def apply(values: tuple[object, ...]) -> object:
        for value in values:
            if isinstance(value, XlError):
                return value  # the first error among the operands wins, left to right
        try:
            result = scalar(*values)
        except FoundError as ex:
            return ex.err
        except (ValueError, TypeError, ArithmeticError):
            return _VALUE
        if isinstance(result, float) and not math.isfinite(result):
            return _NUM
        return result

    def wrapper(*args: object) -> Any:
        arrays = [_as_2d(a) for a in args]
        rows = max(a.shape[0] for a in arrays)
        cols = max(a.shape[1] for a in arrays)
        if rows == cols == 1:
            return np.asarray([[apply(tuple(a[0, 0] for a in arrays))]], dtype=object).view(Array)
        columns = [_stretch(a, rows, cols).ravel().tolist() for a in arrays]
        out = np.empty(rows * cols, dtype=object)
        out[:] = [apply(values) for values in zip(*columns, strict=True)]
        return out.reshape(rows, cols).view(Array)

    functools.update_wrapper(wrapper, scalar)
    return wrap_func(wrapper)


_ORIGINALS: dict[str, Any] = {}


def _checked_vlookup(original: Callable[..., Any]) -> Callable[..., Any]:
    """VLOOKUP with Excel's check of col_index_num: below 1 is #VALUE! (formulas returned the key column)."""

    def vlookup(lookup: object, table: object, column: object, *rest: object) -> Any:
        try:
            value = _scalar_of(column.value if isinstance(column, Ranges) else column)
        except RangeValueError:
            return original(lookup, table, column, *rest)  # formulas' own handling of an unloaded range
        if not isinstance(value, XlError):
            try:
                index = int(_to_number(value))
            except (ValueError, FoundError):
                index = 0
            if index < 1:
                return np.asarray([[_VALUE]], dtype=object).view(Array)
        return original(lookup, table, column, *rest)

    return functools.update_wrapper(vlookup, original)


def _corrected_functions() -> dict[str, Any]:
    return {
        "SUM": _reference_aware(_xl_sum),
        "SUMPRODUCT": wrap_func(_xl_sumproduct),
        "SUMIF": wrap_func(_xl_sumif),
        "COUNTIF": wrap_func(_xl_countif),
        "SUMIFS": wrap_func(functools.partial(xfilters, _sum_selected)),
        "MAX": _reference_aware(functools.partial(_xl_extreme, pick=max)),
        "MIN": _reference_aware(functools.partial(_xl_extreme, pick=min)),
        "N": _reference_aware(_xl_n),
        "AND": _reference_aware(functools.partial(_xl_logical, combine=all)),
        "OR": _reference_aware(functools.partial(_xl_logical, combine=any)),
        "VLOOKUP": _checked_vlookup(_ORIGINALS.get("VLOOKUP") or function_registry()["VLOOKUP"]),
        "ROUND": _elementwise(_round_with(decimal.ROUND_HALF_UP)),
        "ROUNDUP": _elementwise(_round_with(decimal.ROUND_UP)),
        "ROUNDDOWN": _elementwise(_round_with(decimal.ROUND_DOWN)),
        "ABS": _elementwise(_xl_abs),
        "LEN": _elementwise(_xl_len),
        "LEFT": _elementwise(_xl_left),
    }


def _corrected_operators() -> dict[str, Any]:
    # Operands are coerced the Excel way: blank → 0 or "", "1,000" → 1000, "x" → #VALUE!.
    operators: dict[str, Any] = {
        "+": _elementwise(_add),
        "-": _elementwise(_subtract),
        "*": _elementwise(_multiply),
        "/": _elementwise(_divide),
        "U-": _elementwise(_negate),
        "U+": _elementwise(_unary_plus),
        "&": _elementwise(_concatenate),
    }
    for symbol, test in _COMPARATORS.items():
        operators[symbol] = _elementwise(_comparison(test))
    return operators


_INSTALLED: dict[str, Any] = {}

# ``formulas.get_functions()`` imports every function module; the statistics one imports scipy.stats (~0.6 s, half
# the start-up of a ``juesuan-xlsx verify`` process) although no whitelisted function lives there.  The registry
# below holds the modules that define the whitelist and imports the others the first time a name is missing.
_EAGER_MODULES: Final = (".info", ".logic", ".text", ".look")


class _LazyFunctions(collections.defaultdict):  # type: ignore[type-arg]
    """``formulas``' function registry, completed on first need with the modules it has not imported yet.

    Behaves as the registry ``formulas.get_functions()`` builds (a ``defaultdict`` whose default is formulas'
    ``not_implemented``): a missing name, a membership test or any enumeration first imports the remaining
    modules.  No function name is defined by two modules (``tests/test_fasteval.py`` checks it), so the result is
    the same registry whatever the order; entries already set (the corrections) are kept.
    """

    __slots__ = ()
    _pending: list[str] = []  # module names not imported yet (class-level: one registry per process)

    def _complete(self) -> bool:
        if not _LazyFunctions._pending:
            return False
        import importlib

        pending, _LazyFunctions._pending = _LazyFunctions._pending, []
        for name in pending:
            for key, func in importlib.import_module(name, "formulas.functions").FUNCTIONS.items():
                self.setdefault(key, func)
        return True

    def __missing__(self, key: Any) -> Any:
        if self._complete() and dict.__contains__(self, key):
            return dict.__getitem__(self, key)
        return super().__missing__(key)

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, key) or (self._complete() and dict.__contains__(self, key))

    def get(self, key: Any, default: Any = None) -> Any:
        return self[key] if key in self else default

    def __iter__(self) -> Iterator[Any]:
        self._complete()
        return super().__iter__()

    def __len__(self) -> int:
        self._complete()
        return super().__len__()

    def keys(self) -> Any:
        self._complete()
        return super().keys()

    def values(self) -> Any:
        self._complete()
        return super().values()

    def items(self) -> Any:
        self._complete()
        return super().items()

    def copy(self) -> Any:
        self._complete()
        return super().copy()


_REGISTRY_LOCK = threading.Lock()


def function_registry() -> Any:
    """``formulas.get_functions()``, installed lazily the first time (see :class:`_LazyFunctions`).

    If ``formulas`` has already built its full registry (someone called ``get_functions()`` before this module
    was imported), that one is used unchanged.
    """
    import formulas.functions as functions_module

    with _REGISTRY_LOCK:
        getter = functions_module.get_functions
        if not getattr(getter, "_juesuan_lazy", False) and getter.cache_info().currsize == 0:
            eager = [m for m in functions_module.SUBMODULES if m in _EAGER_MODULES]
            pending = [m for m in functions_module.SUBMODULES if m not in _EAGER_MODULES]

            @functools.lru_cache(None)
            def get_functions() -> _LazyFunctions:
                import importlib

                registry = _LazyFunctions(lambda: functions_module.not_implemented)
                for name in eager:
                    registry.update(importlib.import_module(name, "formulas.functions").FUNCTIONS)
                registry.update(functions_module.FUNCTIONS)
                _LazyFunctions._pending = pending
                return registry

            get_functions._juesuan_lazy = True  # type: ignore[attr-defined]
            functions_module.get_functions = get_functions
            if "get_functions" in vars(formulas):  # formulas caches its lazily imported attributes
                formulas.get_functions = get_functions
        return functions_module.get_functions()


class _SilentTqdm(types.ModuleType):
    """Stand-in for the ``tqdm`` module inside ``formulas.excel``: its progress bars would pollute the CLI."""

    def __init__(self) -> None:
        super().__init__("tqdm")
        import tqdm

        self.tqdm = functools.partial(tqdm.tqdm, disable=True)


def install_corrections() -> None:
    """Replace the wrong ``formulas`` implementations in its registries; safe to call any number of times.

    Functions live in ``formulas.get_functions()`` (the documented way to add or replace one), operators in
    ``formulas.functions.operators.OPERATORS``.  Both are looked up when a formula is compiled, so this must
    run before a model is loaded; it runs at import of this module.
    """
    if _INSTALLED:
        return
    registry = function_registry()
    _ORIGINALS.setdefault("VLOOKUP", registry["VLOOKUP"])
    for name, func in _corrected_functions().items():
        registry[name] = func
        _INSTALLED[name] = func
    for symbol, func in _corrected_operators().items():
        OPERATORS[symbol] = func
        _INSTALLED["operator " + symbol] = func
    import formulas.excel

    if not isinstance(formulas.excel.tqdm, _SilentTqdm):
        formulas.excel.tqdm = _SilentTqdm()


# ------------------------------------------------------------------------------------------------------------
# Scanning formulas without evaluating them
# ------------------------------------------------------------------------------------------------------------


class ScanIssue(StrEnum):
    """Why a formula (or defined name) is not evaluated."""

    DISALLOWED_FUNCTION = "disallowed-function"  # outside ALLOWED_FUNCTIONS
    EXTERNAL_REFERENCE = "external-reference"  # [1]Sheet!A1, '[x.xlsx]S'!A1, 'C:\path\[x.xlsx]S'!A1
    DYNAMIC_REFERENCE = "dynamic-reference"  # INDIRECT, OFFSET: the cells read cannot be known in advance
    WEB_FUNCTION = "web-function"  # WEBSERVICE, FILTERXML, RTD, CALL, ... reach outside the file
    DDE = "dde"  # cmd|'/c calc'!A0
    STRUCTURED_REFERENCE = "structured-reference"  # Table1[Column]
    THREE_D_REFERENCE = "3d-reference"  # Sheet1:Sheet3!A1
    UNDEFINED_NAME = "undefined-name"  # a name the workbook does not define globally
    ARRAY_FORMULA = "array-formula"  # multi-cell array formulas and data tables
    SYNTAX = "syntax"  # unbalanced quotes or brackets
    TOO_LARGE = "too-large"  # over the formula or range-cell budget


_DYNAMIC_FUNCTIONS: Final = frozenset({"INDIRECT", "OFFSET", "_XLFN.INDIRECT"})
_WEB_FUNCTIONS: Final = frozenset(
    {"WEBSERVICE", "FILTERXML", "RTD", "CALL", "REGISTER.ID", "HYPERLINK", "INFO", "CELL", "EXEC"}
)


@dataclass(frozen=True)
class ScanProblem:
    code: ScanIssue
    detail: str


@dataclass(frozen=True)
class Reference:
    """One cell or area a formula reads; ``sheet`` is None for the formula's own sheet."""

    sheet: str | None
    text: str
    min_row: int
    min_col: int
    max_row: int
    max_col: int

    @property
    def size(self) -> int:
        return (self.max_row - self.min_row + 1) * (self.max_col - self.min_col + 1)


@dataclass(frozen=True)
class FormulaScan:
    """What a formula uses, found by reading its text only."""

    text: str
    functions: frozenset[str]
    references: tuple[Reference, ...]
    names: frozenset[str]
    problems: tuple[ScanProblem, ...]

    @property
    def allowed(self) -> bool:
        return not self.problems

    @property
    def disallowed_functions(self) -> frozenset[str]:
        return frozenset(f for f in self.functions if f not in ALLOWED_FUNCTIONS)

    def has(self, code: ScanIssue) -> bool:
        return any(p.code is code for p in self.problems)

    @property
    def external_reference(self) -> bool:
        return self.has(ScanIssue.EXTERNAL_REFERENCE)

    @property
    def dynamic_reference(self) -> bool:
        return self.has(ScanIssue.DYNAMIC_REFERENCE)

    @property
    def web(self) -> bool:
        return self.has(ScanIssue.WEB_FUNCTION)

    @property
    def dde(self) -> bool:
        return self.has(ScanIssue.DDE)


_CELL = r"\$?[A-Za-z]{1,3}\$?[0-9]{1,7}"
_AREA = re.compile(
    rf"(?:{_CELL}(?::{_CELL})?|\$?[A-Za-z]{{1,3}}:\$?[A-Za-z]{{1,3}}|\$?[0-9]{{1,7}}:\$?[0-9]{{1,7}})(?![\w.(])"
)
_ROW_RANGE = re.compile(r"\$?[0-9]{1,7}:\$?[0-9]{1,7}(?![\w.(])")
_STRING = re.compile(r'"(?:[^"]|"")*"')
_QUOTED_SHEET = re.compile(r"'((?:[^']|'')*)'")
_ERROR_LITERAL = re.compile(r"#(?:NULL!|DIV/0!|VALUE!|REF!|NAME\?|NUM!|N/A|GETTING_DATA)", re.IGNORECASE)
_NUMBER = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_IDENTIFIER = re.compile(r"[^\W\d]?[\w.$\\]*", re.UNICODE)
_EXTERNAL_BOOK = re.compile(r"\[[^\]]*\]")
_PATH_LIKE = re.compile(r"^(?:[A-Za-z]:[\\/]|\\\\|/|[a-z][a-z0-9+.-]*://)", re.IGNORECASE)
_SPLIT_CELL = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")


def _area_bounds(text: str) -> tuple[int, int, int, int] | None:
    """(min_row, min_col, max_row, max_col) of A1, A1:B2, A:B or 1:2; None if out of the sheet."""
    parts = text.replace("$", "").upper().split(":")
    try:
        if len(parts) == 1:
            m = _SPLIT_CELL.fullmatch(parts[0])
            if m is None:
                return None
            row, col = int(m[2]), column_index_from_string(m[1])
            bounds = (row, col, row, col)
        elif parts[0].isdigit():
            r1, r2 = int(parts[0]), int(parts[1])
            bounds = (min(r1, r2), 1, max(r1, r2), _EXCEL_MAX_COL)
        elif parts[0].isalpha():
            c1, c2 = column_index_from_string(parts[0]), column_index_from_string(parts[1])
            bounds = (1, min(c1, c2), _EXCEL_MAX_ROW, max(c1, c2))
        else:
            a, b = _SPLIT_CELL.fullmatch(parts[0]), _SPLIT_CELL.fullmatch(parts[1])
            if a is None or b is None:
                return None
            r1, r2 = int(a[2]), int(b[2])
            c1, c2 = column_index_from_string(a[1]), column_index_from_string(b[1])
            bounds = (min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))
    except ValueError:
        return None
    if bounds[0] < 1 or bounds[2] > _EXCEL_MAX_ROW or bounds[1] < 1 or bounds[3] > _EXCEL_MAX_COL:
        return None
    return bounds


class _Scanner:
    """A small lexer for the parts of Excel's formula grammar that decide what a formula may touch.

    openpyxl's Tokenizer is not used: it rejects DDE formulas outright and reads ``A1:OFFSET(`` as one token.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.functions: set[str] = set()
        self.references: list[Reference] = []
        self.names: set[str] = set()
        self.problems: list[ScanProblem] = []

    def problem(self, code: ScanIssue, detail: str) -> None:
        item = ScanProblem(code, detail)
        if item not in self.problems:
            self.problems.append(item)

    def scan(self) -> FormulaScan:
        text = self.text
        pos = 1 if text.startswith("=") else 0
        while pos < len(text):
            pos = self.step(pos)
        for name in sorted(self.functions):
            if name in _DYNAMIC_FUNCTIONS:
                self.problem(ScanIssue.DYNAMIC_REFERENCE, name)
            elif name in _WEB_FUNCTIONS:
                self.problem(ScanIssue.WEB_FUNCTION, name)
            if name not in ALLOWED_FUNCTIONS:
                self.problem(ScanIssue.DISALLOWED_FUNCTION, name)
        return FormulaScan(
            text=text,
            functions=frozenset(self.functions),
            references=tuple(self.references),
            names=frozenset(self.names),
            problems=tuple(self.problems),
        )

    def step(self, pos: int) -> int:
        text = self.text
        char = text[pos]
        if char == '"':
            m = _STRING.match(text, pos)
            if m is None:
                self.problem(ScanIssue.SYNTAX, "unterminated string")
                return len(text)
            return m.end()
        if char == "'":
            m = _QUOTED_SHEET.match(text, pos)
            if m is None or not text.startswith("!", m.end()):
                self.problem(ScanIssue.SYNTAX, "unterminated sheet name")
                return len(text)
            return self.after_sheet(m[1].replace("''", "'"), m.end() + 1, text[pos : m.end()])
        if char == "[":
            return self.bracket(pos)
        if char == "|":
            self.problem(ScanIssue.DDE, text)
            return pos + 1
        if char == "#":
            m = _ERROR_LITERAL.match(text, pos)
            return m.end() if m else pos + 1
        if char.isdigit() or (char == "$" and text[pos + 1 : pos + 2].isdigit()) or char == ".":
            m = _ROW_RANGE.match(text, pos)
            if m is not None:
                self.add_reference(None, m[0])
                return m.end()
            m = _NUMBER.match(text, pos)
            return m.end() if m and m.end() > pos else pos + 1
        if char.isalpha() or char in "_\\$":
            return self.identifier(pos)
        return pos + 1

    def bracket(self, pos: int) -> int:
        text = self.text
        m = _EXTERNAL_BOOK.match(text, pos)
        if m is None:
            self.problem(ScanIssue.SYNTAX, "unbalanced [")
            return len(text)
        end = m.end()
        ident = _IDENTIFIER.match(text, end)
        after = ident.end() if ident else end
        if text.startswith("!", after):
            self.problem(ScanIssue.EXTERNAL_REFERENCE, text[pos:after])
            return self.after_sheet(None, after + 1, text[pos:after], external=True)
        self.problem(ScanIssue.STRUCTURED_REFERENCE, m[0])
        return end

    def identifier(self, pos: int) -> int:
        text = self.text
        m = _IDENTIFIER.match(text, pos)
        assert m is not None  # the pattern matches the empty string
        end = m.end()
        word = m[0]
        if not word:
            return pos + 1
        if text.startswith("(", end) and "$" not in word:
            self.functions.add(word.upper())
            return end + 1
        if text.startswith("!", end):
            return self.after_sheet(word, end + 1, word)
        if text.startswith("[", end):
            self.problem(ScanIssue.STRUCTURED_REFERENCE, word + "[")
            close = text.find("]", end)
            return len(text) if close < 0 else close + 1
        if text.startswith(":", end):
            # Sheet1:Sheet3!A1 is a 3-D reference; A:B and A1:B2 are areas.
            second = _IDENTIFIER.match(text, end + 1)
            if second is not None and second[0] and text.startswith("!", second.end()):
                if _AREA.fullmatch(f"{word}:{second[0]}") is None:
                    self.problem(ScanIssue.THREE_D_REFERENCE, text[pos : second.end()])
                    return self.after_sheet(None, second.end() + 1, text[pos : second.end()], external=True)
        area = _AREA.match(text, pos)
        if area is not None:
            self.add_reference(None, area[0])
            return area.end()
        if word.upper() in ("TRUE", "FALSE"):
            return end
        self.names.add(word.upper())
        return end

    def after_sheet(self, sheet: str | None, pos: int, prefix: str, external: bool = False) -> int:
        """Read what follows ``Sheet!``: an area, ``#REF!`` or a sheet-level name."""
        text = self.text
        if sheet is not None and not external:
            if "[" in sheet or _PATH_LIKE.match(sheet):
                self.problem(ScanIssue.EXTERNAL_REFERENCE, prefix)
                external = True
            elif ":" in sheet:
                self.problem(ScanIssue.THREE_D_REFERENCE, prefix)
                external = True
        m = _ERROR_LITERAL.match(text, pos)
        if m is not None:
            return m.end()
        area = _AREA.match(text, pos)
        if area is not None:
            if not external:
                self.add_reference(sheet, area[0])
            return area.end()
        ident = _IDENTIFIER.match(text, pos)
        end = ident.end() if ident and ident.end() > pos else pos
        if end > pos and not external:
            self.names.add(f"{sheet}!{text[pos:end]}".upper())
        return end

    def add_reference(self, sheet: str | None, area: str) -> None:
        bounds = _area_bounds(area)
        if bounds is None:
            self.problem(ScanIssue.SYNTAX, area)
            return
        self.references.append(Reference(sheet, area.replace("$", "").upper(), *bounds))


def scan_formula(text: str) -> FormulaScan:
    """Report what a formula (with or without its leading ``=``) uses, from its text, without evaluating it.

    >>> scan_formula("=SUM('公开03表'!C8:C87)").allowed
    True
    >>> scan_formula("=[1]Sheet1!A1+INDIRECT(\\"A1\\")").external_reference
    True
    """
    return _scan_formula(text)


# Returned workbooks repeat the template's formulas: a scan (immutable) is kept per text.
@functools.lru_cache(maxsize=16_384)
def _scan_formula(text: str) -> FormulaScan:
    return _Scanner(text).scan()


# ------------------------------------------------------------------------------------------------------------
# Workbook survey (openpyxl), cycle detection, evaluation
# ------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkbookScan:
    """Every formula of a workbook, scanned, plus the workbook-level reasons not to evaluate it."""

    sheets: tuple[str, ...]
    formulas: Mapping[CellKey, str]
    scans: Mapping[CellKey, FormulaScan]
    names: Mapping[str, FormulaScan]  # global defined names (what formulas compiles), by upper-case name
    problems: Mapping[CellKey, tuple[ScanProblem, ...]]  # per formula cell, including workbook-level ones
    name_problems: Mapping[str, tuple[ScanProblem, ...]]
    dimensions: Mapping[str, tuple[int, int]] = field(default_factory=dict)  # sheet → (max_row, max_column)

    @property
    def allowed(self) -> bool:
        return not self.problems and not self.name_problems


@dataclass
class Evaluation:
    """Result of :func:`evaluate_workbook`; every key is (sheet as in the workbook, "C9").

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


@contextlib.contextmanager
def _quiet_openpyxl() -> Iterator[None]:
    # Workbooks saved by Excel/WPS carry extensions openpyxl does not read ("Data Validation extension is not
    # supported"); they do not affect values, and under -W error they would abort the evaluation.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module=r"openpyxl(\.|$)")
        yield


def _formula_text(value: object) -> tuple[str | None, ScanProblem | None]:
    from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

    if isinstance(value, ArrayFormula):
        ref = (value.ref or "").replace("$", "")
        if ":" in ref and len(set(ref.split(":"))) > 1:
            return value.text, ScanProblem(ScanIssue.ARRAY_FORMULA, ref)
        return value.text, None
    if isinstance(value, DataTableFormula):
        return None, ScanProblem(ScanIssue.ARRAY_FORMULA, "data table")
    if isinstance(value, str):
        return value, None
    return None, None


def scan_workbook(
    path: str | os.PathLike[str],
    *,
    max_formulas: int = DEFAULT_MAX_FORMULAS,
    max_range_cells: int = DEFAULT_MAX_RANGE_CELLS,
    max_sheet_cells: int = DEFAULT_MAX_SHEET_CELLS,
) -> WorkbookScan:
    """Scan every formula and global defined name of a workbook with openpyxl; nothing is evaluated."""
    with _quiet_openpyxl():
        book = openpyxl.load_workbook(os.fspath(path), data_only=False, keep_links=False)
    try:
        return scan_book(
            book, max_formulas=max_formulas, max_range_cells=max_range_cells, max_sheet_cells=max_sheet_cells
        )
    finally:
        book.close()


def scan_book(
    book: Any,
    *,
    max_formulas: int = DEFAULT_MAX_FORMULAS,
    max_range_cells: int = DEFAULT_MAX_RANGE_CELLS,
    max_sheet_cells: int = DEFAULT_MAX_SHEET_CELLS,
) -> WorkbookScan:
    """:func:`scan_workbook` of a workbook already loaded by openpyxl (not read-only, formulas not data)."""
    sheets = tuple(book.sheetnames)
    names: dict[str, FormulaScan] = {}
    name_problems: dict[str, tuple[ScanProblem, ...]] = {}
    for defined in book.defined_names.values():
        if defined.hidden or defined.localSheetId is not None:
            continue  # formulas compiles only visible global names
        scan = scan_formula("=" + str(defined.value))
        names[defined.name.upper()] = scan
        if scan.problems:
            name_problems[defined.name] = scan.problems
    texts: dict[CellKey, str] = {}
    scans: dict[CellKey, FormulaScan] = {}
    problems: dict[CellKey, tuple[ScanProblem, ...]] = {}
    dimensions: dict[str, tuple[int, int]] = {}
    for ws in book.worksheets:
        dimensions[ws.title] = (ws.max_row, ws.max_column)
        # The stored cells only: iter_rows() would visit every position of the used rectangle.
        for (_row, _col), cell in sorted(ws._cells.items()):
            if cell.data_type != "f":
                continue
            text, special = _formula_text(cell.value)
            key = (ws.title, cell.coordinate)
            texts[key] = text or ""
            scan = scan_formula(text or "=")
            scans[key] = scan
            found = list(scan.problems) + ([special] if special else [])
            found += _name_problems(scan, names)
            if found:
                problems[key] = tuple(found)
    too_large = _budget_problem(scans, dimensions, max_formulas, max_range_cells, max_sheet_cells)
    if too_large is not None:
        for key in texts:
            problems[key] = (*problems.get(key, ()), too_large)
    return WorkbookScan(sheets, texts, scans, names, problems, name_problems, dimensions)


def _name_problems(scan: FormulaScan, names: Mapping[str, FormulaScan]) -> list[ScanProblem]:
    # formulas resolves only visible workbook-level names; anything else would silently evaluate wrongly.
    return [ScanProblem(ScanIssue.UNDEFINED_NAME, n) for n in sorted(scan.names) if n not in names]


def _budget_problem(
    scans: Mapping[CellKey, FormulaScan],
    dimensions: Mapping[str, tuple[int, int]],
    max_formulas: int,
    max_range_cells: int,
    max_sheet_cells: int,
) -> ScanProblem | None:
    """Refuse workbooks whose size would make evaluation slow (bounded time for files from many hands)."""
    if len(scans) > max_formulas:
        return ScanProblem(ScanIssue.TOO_LARGE, f"{len(scans)} formulas > {max_formulas}")
    positions = sum(rows * cols for rows, cols in dimensions.values())
    if positions > max_sheet_cells:
        return ScanProblem(ScanIssue.TOO_LARGE, f"sheets span {positions} cells > {max_sheet_cells}")
    upper_sheets = {sheet.upper(): sheet for sheet in dimensions}
    areas: set[tuple[str, int, int, int, int]] = set()
    for (sheet, _cell), scan in scans.items():
        for ref in scan.references:
            target = upper_sheets.get(ref.sheet.upper(), ref.sheet) if ref.sheet else sheet
            max_row, max_col = dimensions.get(target, (0, 0))
            # formulas clips whole rows/columns to the sheet's used area, so count what it will really load.
            areas.add(
                (
                    target,
                    ref.min_row,
                    ref.min_col,
                    min(ref.max_row, max(max_row, ref.min_row)),
                    min(ref.max_col, max(max_col, ref.min_col)),
                )
            )
    total = sum((r2 - r1 + 1) * (c2 - c1 + 1) for _sheet, r1, c1, r2, c2 in areas)
    if total > max_range_cells:
        return ScanProblem(ScanIssue.TOO_LARGE, f"{total} referenced cells > {max_range_cells}")
    return None


_CYCLES_CACHE: collections.OrderedDict[tuple[Any, ...], frozenset[CellKey]] = collections.OrderedDict()
_CYCLES_LOCK = threading.Lock()


def _find_cycles(survey: WorkbookScan) -> set[CellKey]:
    """Formula cells on a reference cycle (static dependencies, like Excel's circular-reference warning).

    The answer depends on the sheets, the formulas and the defined names only: it is kept for the next copy of
    the same template.
    """
    key = (
        survey.sheets,
        tuple(survey.formulas.items()),
        tuple(sorted((name, scan.text) for name, scan in survey.names.items())),
    )
    with _CYCLES_LOCK:
        found = _CYCLES_CACHE.get(key)
        if found is not None:
            _CYCLES_CACHE.move_to_end(key)
            return set(found)
    cycles = _find_cycles_uncached(survey)
    with _CYCLES_LOCK:
        _CYCLES_CACHE[key] = frozenset(cycles)
        while len(_CYCLES_CACHE) > 8:
            _CYCLES_CACHE.popitem(last=False)
    return cycles


def _find_cycles_uncached(survey: WorkbookScan) -> set[CellKey]:
    upper_sheets = {s.upper(): s for s in survey.sheets}
    by_column: dict[tuple[str, int], list[int]] = {}
    index: dict[CellKey, int] = {}
    nodes: list[CellKey] = []
    coords: list[tuple[str, int, int]] = []
    for key in survey.scans:
        sheet, cell = key
        m = _SPLIT_CELL.fullmatch(cell)
        if m is None:
            continue
        row, col = int(m[2]), column_index_from_string(m[1])
        index[key] = len(nodes)
        nodes.append(key)
        coords.append((sheet, row, col))
        by_column.setdefault((sheet, col), []).append(row)
    for rows in by_column.values():
        rows.sort()
    columns_of: dict[str, list[int]] = {}
    for sheet, col in by_column:
        columns_of.setdefault(sheet, []).append(col)
    for cols in columns_of.values():
        cols.sort()

    def targets(reference: Reference, own_sheet: str) -> Iterator[int]:
        sheet = upper_sheets.get(reference.sheet.upper(), reference.sheet) if reference.sheet else own_sheet
        cols = columns_of.get(sheet, [])
        lo, hi = bisect.bisect_left(cols, reference.min_col), bisect.bisect_right(cols, reference.max_col)
        for col in cols[lo:hi]:
            rows = by_column[(sheet, col)]
            first = bisect.bisect_left(rows, reference.min_row)
            last = bisect.bisect_right(rows, reference.max_row)
            for row in rows[first:last]:
                yield index[(sheet, f"{get_column_letter(col)}{row}")]

    name_refs = {name: scan.references for name, scan in survey.names.items()}
    edges: list[list[int]] = []
    for key in nodes:
        scan = survey.scans[key]
        refs = list(scan.references)
        for name in scan.names:
            refs.extend(name_refs.get(name, ()))
        edges.append(sorted({t for ref in refs for t in targets(ref, key[0])}))
    return {nodes[i] for component in _strongly_connected(edges) for i in component}


def _strongly_connected(edges: list[list[int]]) -> Iterator[list[int]]:
    """Tarjan's algorithm, iterative (a 5,000-cell chain would overflow Python's recursion limit).

    Yields only the components that are cycles: more than one node, or one node that reads itself.
    """
    counter = 0
    number: list[int] = [-1] * len(edges)
    low: list[int] = [0] * len(edges)
    on_stack: list[bool] = [False] * len(edges)
    stack: list[int] = []
    for root in range(len(edges)):
        if number[root] >= 0:
            continue
        work: list[tuple[int, int]] = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                number[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack[node] = True
            recurse = False
            for i in range(child, len(edges[node])):
                succ = edges[node][i]
                if number[succ] < 0:
                    work.append((node, i + 1))
                    work.append((succ, 0))
                    recurse = True
                    break
                if on_stack[succ]:
                    low[node] = min(low[node], number[succ])
            if recurse:
                continue
            if low[node] == number[node]:
                component: list[int] = []
                while True:
                    member = stack.pop()
                    on_stack[member] = False
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in edges[node]:
                    yield component
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])


_NODE_KEY = re.compile(r"^'\[[^\]]*\]((?:[^']|'')+)'!([A-Z]{1,3}[0-9]{1,7})$")


def _node_index(model: Any) -> dict[tuple[str, str], str]:
    """Map (SHEET upper-case, "C9") → the model's node id ("'[book.xlsx]SHEET'!C9")."""
    index: dict[tuple[str, str], str] = {}
    for node in model.dsp.data_nodes:
        if not isinstance(node, str) or isinstance(node, sh.Token):
            continue
        m = _NODE_KEY.match(node)
        if m is not None:
            index[(m[1].replace("''", "'"), m[2])] = node
    return index


def _input_value(value: object) -> np.ndarray:
    # A bare sh.EMPTY is schedula's own "no value" marker and breaks the dispatch: pass a 1x1 array, as
    # formulas stores cells.
    if value is None:
        value = sh.EMPTY
    elif isinstance(value, decimal.Decimal):
        value = float(value)
    cell = np.empty((1, 1), dtype=object)
    cell[0, 0] = value
    return cell


def _output_value(value: object) -> tuple[bool, object]:
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
    if _is_bool(value):
        return False, bool(value)
    if _is_number(value):
        number = float(value)  # type: ignore[arg-type]
        if not math.isfinite(number):
            return True, "#NUM!"
        return False, number + 0.0
    if isinstance(value, str):
        return False, value
    return True, NOT_COMPUTED_ERROR


@dataclass
class _CompiledModel:
    """A compiled ``formulas`` model and what is needed to feed it another file's values."""

    model: Any
    nodes: dict[tuple[str, str], str]  # (SHEET upper-case, "C9") → node id
    value_nodes: dict[str, tuple[str, str]]  # node id → (SHEET, "C9") for every non-formula cell node
    lock: threading.Lock = field(default_factory=threading.Lock)


# Returned workbooks of one template share every formula, and compiling them is most of the cost (the 2024
# template, 1,442 formulas: ~12 s to compile, ~2 s to calculate).  Compiled models are kept and fed the next
# file's values; each holds ~200 MB, so only two (say one per layout profile).
_MODEL_CACHE_SIZE: Final = 2
_MODELS: collections.OrderedDict[str, _CompiledModel] = collections.OrderedDict()
_MODELS_LOCK = threading.Lock()


def _model_key(survey: WorkbookScan) -> str:
    """Same key ⇒ same compiled model: same sheets and used areas, same formulas, same defined names."""
    payload = {
        "sheets": list(survey.sheets),
        "dimensions": sorted(survey.dimensions.items()),
        "formulas": sorted(f"{sheet}!{cell}={text}" for (sheet, cell), text in survey.formulas.items()),
        "names": sorted(f"{name}={scan.text}" for name, scan in survey.names.items()),
    }
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode("utf-8")).hexdigest()


def _compile(local: str) -> _CompiledModel:
    model = formulas.ExcelModel().loads(local).finish()
    nodes = _node_index(model)
    value_nodes = {}
    for node in model.dsp.default_values:
        m = _NODE_KEY.match(node) if isinstance(node, str) and not isinstance(node, sh.Token) else None
        if m is not None:
            value_nodes[node] = (m[1].replace("''", "'"), m[2])
    return _CompiledModel(model, nodes, value_nodes)


def _cell_values(local: str) -> dict[tuple[str, str], object]:
    """Every non-formula cell of the file as formulas itself would read it (its reader, its conversions)."""
    from formulas.excel.xlreader import load_workbook

    book = load_workbook(local, data_only=False)
    values: dict[tuple[str, str], object] = {}
    try:
        for ws in book.worksheets:
            sheet = ws.title.upper()
            for cell in ws._cells.values():
                value = cell.value
                if value is None or cell.data_type == "f":
                    continue
                if cell.data_type == "n" and isinstance(value, float):
                    value = round(value, 15)  # as formulas' ExcelModel.compile_cell
                values[(sheet, cell.coordinate)] = value
    finally:
        book.close()
    return values


def _compiled_model(
    local: str, survey: WorkbookScan, reuse: bool
) -> tuple[_CompiledModel, dict[str, object]]:
    """The model for ``local`` and the inputs that give it ``local``'s values (none when freshly compiled)."""
    if not reuse:
        return _compile(local), {}
    key = _model_key(survey)
    with _MODELS_LOCK:
        cached = _MODELS.get(key)
        if cached is not None:
            _MODELS.move_to_end(key)
    if cached is None:
        compiled = _compile(local)
        with _MODELS_LOCK:
            _MODELS[key] = compiled
            while len(_MODELS) > _MODEL_CACHE_SIZE:
                _MODELS.popitem(last=False)
        return compiled, {}
    values = _cell_values(local)
    # Every value node gets this file's value, a blank included: nothing of the first file may leak through.
    inputs: dict[str, object] = {
        node: _input_value(values.get(cell)) for node, cell in cached.value_nodes.items()
    }
    return cached, inputs


#: The evaluator :func:`evaluate_workbook` uses when its ``engine`` argument is not given: ``"fast"`` (each distinct
#: formula shape compiled once, :mod:`juesuan_xlsx.fasteval`) or ``"model"`` (the reference: the whole workbook
#: loaded into a ``formulas.ExcelModel``).  Both give identical results (``tests/test_fasteval.py``); set this to
#: ``"model"`` (or the environment variable ``JUESUAN_XLSX_ENGINE=model``) to run everything, ``verify`` included,
#: on the reference evaluator.
ENGINE: str = os.environ.get("JUESUAN_XLSX_ENGINE", "fast")
ENGINES: Final = ("fast", "model")


def evaluate_workbook(
    path: str | os.PathLike[str],
    *,
    inputs: Mapping[CellKey, object] | None = None,
    max_formulas: int = DEFAULT_MAX_FORMULAS,
    max_range_cells: int = DEFAULT_MAX_RANGE_CELLS,
    max_sheet_cells: int = DEFAULT_MAX_SHEET_CELLS,
    reuse_model: bool = True,
    engine: str | None = None,
    book: Any = None,
) -> Evaluation:
    """Compute every formula cell of the workbook at ``path`` the way Excel does.

    ``inputs`` overrides cell values before calculating ((sheet, "C9") → number, text, bool or None for a
    blank), e.g. to try a what-if without writing a file.  The file itself is never modified.

    A workbook with any formula outside :data:`ALLOWED_FUNCTIONS`, any external/dynamic reference or over the
    size budgets is not evaluated at all: the result has ``evaluated=False`` and lists the offending cells in
    ``skipped`` (and defined names in ``skipped_names``).  Cells on a reference cycle are in ``circular`` and
    have :data:`CIRCULAR_ERROR` in ``errors``, as does every cell computed from them (IFERROR catches it).

    ``engine`` (default :data:`ENGINE`) chooses the evaluator.  ``"fast"`` compiles each distinct formula shape
    once per process (and keeps it in a private on-disk cache, :mod:`juesuan_xlsx.fasteval`), then runs the
    compiled functions cell by cell in dependency order: ~0.2 s for a copy of the 2024 template.  ``"model"``
    is the reference: the workbook loaded into a ``formulas.ExcelModel``; with ``reuse_model`` a workbook whose
    sheets, used areas, formulas and names equal those of a recently evaluated one reuses its compiled model,
    fed with this file's values (about 2 s instead of 12 s).  Both run the same corrected ``formulas``
    functions and give identical results; the fast engine hands a workbook to the reference one whenever it is
    not certain to reproduce it exactly, and ``inputs`` or ``reuse_model=False`` always select the reference.
    ``book``, the file already read by :func:`juesuan_xlsx.book.load_book` (``verify`` reads it once for both),
    spares the fast engine a second read.  Thread-safe.
    """
    install_corrections()
    engine = ENGINE if engine is None else engine
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    budgets = {"max_formulas": max_formulas, "max_range_cells": max_range_cells, "max_sheet_cells": max_sheet_cells}
    if engine == "fast" and inputs is None and reuse_model:
        from . import fasteval

        fast = fasteval.evaluate(path, book=book, **budgets)
        if fast is not None:
            return fast
    with tempfile.TemporaryDirectory(prefix="juesuan-eval-") as tmp:
        # Scan and evaluate one private copy: the bytes checked are the bytes run, node ids become predictable
        # (fixed book name) and formulas resolves nothing relative to the user's folder.
        local = os.path.join(tmp, _BOOK_NAME)
        shutil.copyfile(os.fspath(path), local)
        survey = scan_workbook(local, **budgets)
        result = _unevaluated(survey)
        if not result.evaluated or not survey.formulas:
            return result
        result.circular = _find_cycles(survey)
        with _quiet_openpyxl(), np.errstate(all="ignore"):
            compiled, calc_inputs = _compiled_model(local, survey, reuse_model)
            nodes = compiled.nodes
            for sheet, cell in result.circular:
                node = nodes.get((sheet.upper(), cell))
                if node is not None:
                    # Imposing an error value breaks the cycle; it then propagates like any error value.
                    calc_inputs[node] = _input_value(_CIRCULAR)
            for (sheet, cell), value in (inputs or {}).items():
                node = nodes.get((sheet.upper(), cell.replace("$", "").upper()))
                if node is not None:  # a cell no formula reads cannot change any result
                    calc_inputs[node] = _input_value(value)
            with compiled.lock:  # one dispatch at a time per model
                solution = compiled.model.calculate(inputs=calc_inputs)
    outputs: dict[CellKey, object] = {}
    for key in survey.formulas:
        node = nodes.get((key[0].upper(), key[1]))
        if node is not None and node in solution:
            outputs[key] = solution[node]
    _fill_results(result, outputs)
    return result


def _unevaluated(survey: WorkbookScan) -> Evaluation:
    """The result before any calculation: refused (``evaluated=False``) or empty."""
    result = Evaluation(values={}, errors={}, circular=set(), formulas=dict(survey.formulas))
    if not survey.allowed:
        result.evaluated = False
        result.skipped = dict(survey.problems)
        result.skipped_names = dict(survey.name_problems)
    return result


def _fill_results(result: Evaluation, outputs: Mapping[CellKey, object]) -> None:
    """Sort each formula cell's output (a ``Ranges`` or an array, absent if not computed) into values/errors."""
    for key in result.formulas:
        if key in result.circular:
            result.errors[key] = CIRCULAR_ERROR
            continue
        if key not in outputs:
            result.errors[key] = NOT_COMPUTED_ERROR
            continue
        is_error, value = _output_value(outputs[key])
        if is_error:
            result.errors[key] = str(value)
        else:
            result.values[key] = value


install_corrections()
