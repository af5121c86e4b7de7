"""A printed cell's text as a figure: a number, nothing, a dash, or something unreadable — four different things.

    parse_amount("2,940.05")  -> (Kind.NUMBER, Decimal("2940.05"))
    parse_amount("")          -> (Kind.BLANK, None)
    parse_amount("—")         -> (Kind.DASH, None)
    parse_amount("决算数")     -> (Kind.UNREADABLE, None)   # a header word is never 0

Arithmetic is Decimal from the printed digits (a workbook's float is read through its shortest repr and rounded
to 6 decimals, enough for 元 amounts turned into 万元).
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from ..disclosure import Kind

# thousands separators only in their proper places: 1,234,567.89
_NUMBER = re.compile(r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[-+]?\.\d+")
_DASHES = frozenset("-—–－―─‐‑‒/／\\_＿~～")
_SPACES = re.compile(r"\s+")
_FLOAT_PLACES = Decimal("0.000001")
# a workbook cell holding a formula whose result was never saved: read as UNREADABLE, reported once per file
UNCOMPUTED = "（公式，无保存的计算结果）"


def squeeze(text: str) -> str:
    """Text with every kind of space removed (ideographic and no-break spaces included) and NFKC folded."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text))


def parse_amount(text: str) -> tuple[Kind, Decimal | None]:
    """The kind and value of one printed amount (see the module docstring)."""
    s = squeeze(text)
    if not s:
        return Kind.BLANK, None
    if all(ch in _DASHES for ch in s):
        return Kind.DASH, None
    negative = False
    if s.startswith("(") and s.endswith(")"):  # accounting negative (12.30)
        negative, s = True, s[1:-1]
    if _NUMBER.fullmatch(s) is None:
        return Kind.UNREADABLE, None
    try:
        value = Decimal(s.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid literals
        return Kind.UNREADABLE, None
    return Kind.NUMBER, -value if negative else value


def float_amount(value: float | int) -> Decimal:
    """A workbook's numeric cell as Decimal: 235.81 stays 235.81, 235.80999999999997 becomes 235.81."""
    if isinstance(value, bool):
        return Decimal(int(value))
    if isinstance(value, int):
        return Decimal(value)
    exact = Decimal(repr(value))
    if exact == exact.to_integral_value():
        return exact.quantize(Decimal(1))  # 2358100.0 → 2358100
    exponent = exact.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -6:
        exact = exact.quantize(_FLOAT_PLACES)
        return exact.quantize(Decimal(1)) if exact == exact.to_integral_value() else exact.normalize()
    return exact


def is_integer_text(text: str) -> bool:
    """Digits only (a 行次, 栏次, 序号 or a year, never an amount with decimals)."""
    s = squeeze(text)
    return s.isascii() and s.isdigit()


def plain(value: Decimal) -> str:
    """A Decimal as plain text without exponent (for messages)."""
    return format(value, "f")
