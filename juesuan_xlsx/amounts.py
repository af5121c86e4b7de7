"""What a typed amount cell holds, as Excel sees it and as the accountant meant it."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from typing import Any

from openpyxl.utils.datetime import to_excel

_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，－＋", "0123456789.,-+")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")
CENT = Decimal("0.01")
# A typed float within this of a whole 分 is that 分: =0.3-0.22 is stored as 0.07999999999999999, shown by every
# spreadsheet as 0.08.  Far below a 分 and far above binary noise (a few units in the last place of a double,
# hence the relative part for large figures).
NOISE = Decimal("1e-9")
# The largest figure one department's table can plausibly hold, in 万元: 1 万亿元.  No single department's 部门决算
# comes near it (the largest central departments publish totals of some 千亿元, and all central-level 一般公共预算
# spending is about 3.8 万亿元 a year), and below it every figure with its 分 and the sum of thousands of them are
# exact in binary floating point (< 2⁵³ 分), so the workbook's formulas and the Decimal engine agree to the 分.
# A larger figure is an error with a unit hint (元 typed where 万元 is meant is 10,000 times too large).
LARGEST = Decimal(100_000_000)
YUAN_PER_WAN = Decimal(10_000)


@dataclass(frozen=True)
class Amount:
    """``value`` is what a SUM sees (text counts 0); ``meant`` is the number the text spells, if any."""

    value: Decimal
    kind: str  # blank | space | number | text-number | full-width | grouped | text | bool | date
    meant: Decimal | None = None

    @property
    def problem(self) -> bool:
        return self.kind not in ("blank", "number")


def parse_amount(raw: Any) -> Amount:
    if raw is None:
        return Amount(Decimal(0), "blank")
    if isinstance(raw, bool):  # SUM and SUMIF skip a logical value in a cell (Excel; the verifier follows it)
        return Amount(Decimal(0), "bool")
    if isinstance(raw, dt.datetime | dt.date | dt.time | dt.timedelta):
        # a number in a date format: every formula sees the serial number (45657 for 2024-12-31)
        return Amount(Decimal(repr(float(to_excel(raw)))), "date")
    if isinstance(raw, float) and not math.isfinite(raw):  # no spreadsheet cell holds one
        return Amount(Decimal(0), "text")
    if isinstance(raw, int | float):
        # repr gives the shortest text that round-trips: 203.08 stays 203.08, not 203.0800000000000125…
        return Amount(without_noise(Decimal(repr(raw))) if isinstance(raw, float) else Decimal(raw), "number")
    text = str(raw).strip()
    if not text:
        # "" is blank to every formula; spaces are not (the 校验 sheet's <>"" counts the cell as filled)
        return Amount(Decimal(0), "space" if str(raw) else "blank")
    plain = text.translate(_FULL_WIDTH).replace(" ", "").replace("\u3000", "")
    kind = "full-width" if plain != text.replace(" ", "").replace("\u3000", "") else "text-number"
    if _GROUPED.fullmatch(plain):
        plain, kind = plain.replace(",", ""), "grouped"
    if _NUMBER.fullmatch(plain):
        try:
            return Amount(Decimal(0), kind, Decimal(plain))
        except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
            pass
    return Amount(Decimal(0), "text")


KIND_TEXT = {
    "text-number": "是以文本形式保存的数字",
    "full-width": "使用了全角数字",
    "grouped": "是带千分位逗号的文字",
}


def cents(value: Decimal) -> Decimal:
    """Two decimals, rounded half-up, at whatever precision the figure needs (1e300 included)."""
    with localcontext() as ctx:
        ctx.prec = max(ctx.prec, value.adjusted() + 4)
        return value.quantize(CENT, rounding=ROUND_HALF_UP)


def to_wan(yuan: Decimal) -> Decimal:
    """元 → 万元 as the reporting software prints it and as ROUND(元/10000, 2) computes: half away from zero."""
    return cents(yuan / YUAN_PER_WAN)


def without_noise(value: Decimal) -> Decimal:
    """A float's binary noise dropped: within :data:`NOISE` (or a few units in its last place) of a whole 分, the
    分 (0.07999999999999999 → 0.08); anything else as it is."""
    rounded = cents(value)
    if rounded != value and abs(rounded - value) <= max(NOISE, abs(value) * Decimal("1e-15")):
        return rounded
    return value


def implausible(value: Decimal) -> bool:
    """Too large for any department's table in 万元 (:data:`LARGEST`)."""
    return abs(value) >= LARGEST


def decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def fmt(value: Decimal | float | int) -> str:
    """An amount as the report shows it: two decimals, more only when the figure has them."""
    d = value if isinstance(value, Decimal) else Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if d.is_finite() and abs(d) >= Decimal("1e15"):  # 1e300 as 1.00E+300, not three hundred digits
        return f"{d:.2E}"
    places = max(2, decimals(d))
    return f"{d:,.{places}f}"
