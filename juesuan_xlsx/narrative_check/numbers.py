"""Stated numbers and the allowance for rounded figures, in ``decimal.Decimal``.

A figure printed with 2 decimals stands for the interval [v − 0.005, v + 0.005] (GUIDE §1, XBRL Calculations
1.1); a number stated in the narrative with d decimals stands for [s − ½·10⁻ᵈ, s + ½·10⁻ᵈ] (it was rounded, not
truncated).  A share, rate or completion a ÷ b is consistent when the interval the narrative states meets the
interval of a ÷ b over the figures' intervals (a and b > 0, so its ends are (a−) ÷ (b+) and (a+) ÷ (b−)).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)
HALF_CENT = Decimal("0.005")


@dataclass(frozen=True)
class Stated:
    """A number as the narrative writes it."""

    value: Decimal
    decimals: int
    text: str

    @property
    def half(self) -> Decimal:
        """Half a unit of the last digit stated: the rounding interval's half width."""
        return Decimal(5).scaleb(-self.decimals - 1)

    @property
    def low(self) -> Decimal:
        return self.value - self.half

    @property
    def high(self) -> Decimal:
        return self.value + self.half


def stated(text: str) -> Stated:
    clean = text.replace(",", "").replace("，", "").strip()
    _, _, frac = clean.partition(".")
    return Stated(Decimal(clean), len(frac), text.strip())


def round_to(value: Decimal, decimals: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Interval:
    low: Decimal
    high: Decimal

    def meets(self, other: Interval) -> bool:
        return self.low <= other.high and other.low <= self.high

    def __str__(self) -> str:
        return f"[{round_to(self.low, 4)}, {round_to(self.high, 4)}]"


def figure(value: Decimal, half: Decimal = HALF_CENT) -> Interval:
    return Interval(value - half, value + half)


def ratio(a: Interval, b: Interval) -> Interval | None:
    """a ÷ b × 100 over the intervals (a ≥ 0, b > 0 assumed); None when b may be 0."""
    if b.low <= 0:
        return None
    lo = max(a.low, Decimal(0)) / b.high * HUNDRED
    hi = a.high / b.low * HUNDRED
    return Interval(lo, hi)


def claimed_interval(s: Stated, bound: str = "") -> Interval:
    """不足 s%: (0, s); 超过 s%: (s, 100); else the rounding interval of s."""
    if bound == "不足":
        return Interval(Decimal(0), s.value)
    if bound == "超过":
        return Interval(s.value, HUNDRED)
    return Interval(s.low, s.high)
