"""Rule: every formula the template planned is still there, as planned (not typed over, changed or cleared)."""

from __future__ import annotations

import functools
import re

from openpyxl.utils import get_column_letter

from .. import checks
from ..findings import Finding
from ..plan import Planned
from .context import Context, finding

_SPACES = re.compile(r"\s+")


def formula_findings(ctx: Context) -> list[Finding]:
    """Compare every planned formula with the workbook; record in ``ctx.intact`` the planned cells left intact."""
    read = ctx.read
    titles = ctx.titles()
    renames = {actual: planned for planned, actual in titles.items() if actual and actual != planned}
    found: list[Finding] = []
    for key, item in ctx.plan.formulas.items():
        title = titles.get(item.sheet)
        if title is None:
            continue
        raw_value = read.raw_value(title, item.row, item.col)
        where = (title, f"{get_column_letter(item.col + 1)}{item.row + 1}")
        if isinstance(raw_value, str) and raw_value.startswith("="):
            actual = normal(raw_value[1:], renames) if renames else normal_plain(raw_value[1:])
            if actual == normal_plain(item.text):
                ctx.intact.add(key)
            elif not item.editable:
                found.append(finding(checks.FORMULA_CHANGED, where, table=table_of(item), actual=raw_value[1:],
                                     expected=item.text))
        elif item.editable:
            continue  # a typed 科目名称 over the lookup default
        elif raw_value is None or raw_value == "":
            found.append(finding(checks.FORMULA_MISSING, where, table=table_of(item), expected=short(item.text)))
        else:
            found.append(finding(checks.OVERWRITTEN, where, table=table_of(item), expected=short(item.text),
                                 value=raw_value))
    return found


def table_of(item: Planned) -> str | None:
    return item.cell.table if item.cell is not None else None


def normal(text: str, renames: dict[str, str]) -> str:
    """Formula text compared modulo $, spaces, case and sheet-name quoting; renamed sheets mapped back."""
    for actual, planned in renames.items():
        text = text.replace(f"'{actual}'!", f"{planned}!").replace(f"{actual}!", f"{planned}!")
    text = re.sub(r"'([^'!]+)'!", r"\1!", text)
    return _SPACES.sub("", text.replace("$", "")).upper()


@functools.lru_cache(maxsize=16384)
def normal_plain(text: str) -> str:
    """:func:`normal` without renamed sheets, remembered (the same template formulas come in every file)."""
    return normal(text, {})


def short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
