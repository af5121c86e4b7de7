"""Findings are data: every check has a stable code, a level, a Chinese message template and a description.

Modules declare their checks with :func:`define_check` at import time; the verifier, the report renderers and
``juesuan-xlsx rules`` all read the one registry.  Relations of the spec are turned into checks by
:mod:`juesuan_xlsx.spec` in the same way, so the catalogue is complete by construction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from .amounts import fmt


class Level(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"

    @property
    def zh(self) -> str:
        return {"error": "错误", "warning": "警告", "note": "提示"}[self.value]


@dataclass(frozen=True)
class Check:
    """One entry of the catalogue."""

    code: str
    level: Level
    title: str  # short Chinese title
    template: str  # Chinese message, str.format() with the finding's args
    description: str  # what it means and what to do (Chinese)
    category: str = "integrity"  # preflight | integrity | relation | evaluation | internal


@dataclass(frozen=True)
class Finding:
    """One problem found in one file (optionally at one cell)."""

    code: str
    level: Level
    message: str
    sheet: str | None = None
    cell: str | None = None
    table: str | None = None
    args: Mapping[str, Any] = field(default_factory=dict, hash=False)  # a plain dict: reports cross processes
    # a place in a published document, in its own terms ("第 7 页 支出决算表 行 2013201 列 基本支出")
    place: str | None = None
    # the numeric args as plain Decimal strings ("9595.01"), beside their display text in ``args`` ("9,595.01")
    values: Mapping[str, str] = field(default_factory=dict, hash=False)

    @property
    def where(self) -> str:
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.place or self.sheet or ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "level": self.level.value,
            "message": self.message,
            "sheet": self.sheet,
            "cell": self.cell,
            "table": self.table,
            "place": self.place,
            "args": {k: _jsonable(v) for k, v in self.args.items()},
            "values": dict(self.values),
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)


_REGISTRY: dict[str, Check] = {}


def define_check(
    code: str, level: Level, title: str, template: str, description: str, category: str = "integrity"
) -> Check:
    """Register a check; defining the same code twice with different content is a programming error.

    Except the wording of a relation (category ``relation``): its title and description are the spec's, in the
    table names of one layout (公开01表 in one, 收入支出决算总表 in another), so the same rule may be defined again
    in other words; the catalogue keeps the latest, the layout in use (``juesuan-xlsx rules --profile``)."""
    check = Check(code, level, title, template, description, category)
    existing = _REGISTRY.get(code)
    if existing is not None and existing != check and not (category == "relation" and _same_rule(existing, check)):
        raise ValueError(f"check {code} defined twice with different content")
    _REGISTRY[code] = check
    return check


def _same_rule(a: Check, b: Check) -> bool:
    """The same rule, perhaps in other words: code, level, message template and category agree."""
    return (a.code, a.level, a.template, a.category) == (b.code, b.level, b.template, b.category)


def catalogue() -> Mapping[str, Check]:
    return MappingProxyType(_REGISTRY)


def make(
    check: Check,
    *,
    sheet: str | None = None,
    cell: str | None = None,
    table: str | None = None,
    level: Level | None = None,
    place: str | None = None,
    **args: Any,
) -> Finding:
    """Build a finding from a catalogue entry; the message is the template filled with ``args`` (a template may
    also name {sheet} and {cell}, the finding's own place).  A Decimal arg is shown as an amount (9,595.01) and
    kept as a number in :attr:`Finding.values` (9595.01)."""
    values = {k: _plain(v) for k, v in args.items() if isinstance(v, Decimal)}
    args = {k: fmt(v) if isinstance(v, Decimal) else v for k, v in args.items()}
    message = check.template.format(**{"sheet": sheet or "", "cell": cell or "", **args})
    return Finding(
        code=check.code,
        level=level or check.level,
        message=message,
        sheet=sheet,
        cell=cell,
        table=table,
        args=dict(args),
        place=place,
        values=values,
    )


def _plain(value: Decimal) -> str:
    """A number for machines: no grouping, no exponent unless the figure is absurdly large (1E+300)."""
    return f"{value:f}" if value.is_finite() and abs(value) < Decimal("1e15") else str(value)
