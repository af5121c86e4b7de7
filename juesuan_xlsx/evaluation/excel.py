"""Excel's value semantics, and the ``formulas`` functions and operators reimplemented to follow them.

``formulas`` 1.3.4 disagrees with real spreadsheet applications in ways that matter for 部门决算 tables: numbers
stored as text are summed, ROUND(0.145, 2) is 0.14, ``0.1+0.2=0.3`` is FALSE, SUMIF's wildcards are wrong ...  This
module holds the corrected implementations — SUM, SUMPRODUCT, SUMIF/COUNTIF (criteria rewritten), MAX/MIN,
ROUND/ROUNDUP/ROUNDDOWN, N, AND/OR, LEN/LEFT, ABS, VLOOKUP's column check, and the operators + - * / unary -/+ &
= <> < <= > >= — as :func:`corrected_functions` and :func:`corrected_operators`; :mod:`.registry` installs them.

Where Excel and LibreOffice disagree (LibreOffice has no boolean type, matches "201" with 201 in VLOOKUP, ...)
Excel wins: the workbooks are filled in with Excel or WPS.  ``tests/test_evaluate.py`` lists each such case.
"""

from __future__ import annotations

import decimal
import functools
import math
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Final

import numpy as np
import schedula as sh
from formulas.errors import FoundError, RangeValueError
from formulas.functions import Array, parse_ranges, wrap_func, xfilters
from formulas.ranges import Ranges
from formulas.tokens.operand import Error as _ErrorOperand
from formulas.tokens.operand import XlError

__all__ = ["corrected_functions", "corrected_operators", "excel_number_text", "excel_round", "is_bool", "is_number"]


_VALUE: Final = _ErrorOperand.errors["#VALUE!"]


# Tuples, not ``bool | np.bool_``: a union written in the call builds a new object on every call, and these
# run for every cell of every range a SUM, SUMIF or MAX reads.
_BOOL_TYPES: Final = (bool, np.bool_)
_NUMBER_TYPES: Final = (int, float, np.integer, np.floating)


def is_number(value: object) -> bool:
    """Whether Excel sees a number (Python or numpy; never a boolean)."""
    # bool is an int subclass in Python but never a number in Excel.
    if isinstance(value, _BOOL_TYPES):
        return False
    return isinstance(value, _NUMBER_TYPES)


def is_bool(value: object) -> bool:
    """Whether Excel sees a boolean (Python or numpy)."""
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
    return float(value) if is_number(value) else None


def _to_number(value: object) -> float:
    """Coerce one operand of an arithmetic operator or numeric function argument (blank → 0, TRUE → 1)."""
    if value is sh.EMPTY:
        return 0.0
    if is_bool(value):
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
    if is_bool(value):
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
                if is_number(item):
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
    return float(item) if is_number(item) else 0.0  # type: ignore[arg-type]


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
    if is_bool(criterion):
        flag = bool(criterion)
        return lambda v: is_bool(v) and bool(v) is flag
    if is_number(criterion):
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
        return lambda v: is_number(v) and test(_compare(v, number))
    if operator in ("", "="):
        if folded in ("true", "false"):
            flag = folded == "true"
            return lambda v: (
                (is_bool(v) and bool(v) is flag) or (_is_text(v) and str(v).casefold() == folded)
            )
        pattern = _wildcard_pattern(operand)
        if pattern is not None:
            return lambda v: _is_text(v) and pattern.fullmatch(str(v)) is not None
        return lambda v: _is_text(v) and str(v).casefold() == folded
    test = _COMPARATORS[operator]
    return lambda v: _is_text(v) and test(_compare(str(v), operand))


def _number_equals(value: object, target: float) -> bool:
    return is_number(value) and _approx_equal(float(value), target)  # type: ignore[arg-type]


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
    if is_bool(value):
        return float(bool(value))
    if is_number(value):
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
                if is_bool(item) or is_number(item):
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
    if is_bool(x):
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
    if is_bool(value):
        return 2
    if isinstance(value, str):
        return 1
    return 0


def _blank_as(other: object) -> object:
    # A blank compares as "" with text, FALSE with a boolean and 0 otherwise (blank=0, blank="" and
    # blank=FALSE are all TRUE; formulas compares blank with FALSE as 0 and answers FALSE).
    if isinstance(other, str):
        return ""
    if is_bool(other):
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


def corrected_functions(vlookup: Callable[..., Any]) -> dict[str, Any]:
    """The corrected functions by name; ``vlookup`` is formulas' own VLOOKUP, which the corrected one wraps."""
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
        "VLOOKUP": _checked_vlookup(vlookup),
        "ROUND": _elementwise(_round_with(decimal.ROUND_HALF_UP)),
        "ROUNDUP": _elementwise(_round_with(decimal.ROUND_UP)),
        "ROUNDDOWN": _elementwise(_round_with(decimal.ROUND_DOWN)),
        "ABS": _elementwise(_xl_abs),
        "LEN": _elementwise(_xl_len),
        "LEFT": _elementwise(_xl_left),
    }


def corrected_operators() -> dict[str, Any]:
    """The corrected operators by formulas' symbol ("+", "U-", "&", "<=", ...)."""
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
