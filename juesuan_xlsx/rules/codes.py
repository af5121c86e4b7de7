"""Rules on the 功能分类 codes of the code tables: format, duplicates, parents, the dictionary, the fund."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

from .. import checks
from ..codes import parent
from ..findings import Finding
from ..reader import excel_text
from ..spec import Spec
from .context import Context, finding

_SPACES = re.compile(r"\s+")
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_CODE = re.compile(r"[0-9]{3}([0-9]{2}){0,2}")  # not \d, which also takes ２ and other scripts' digits


def code_findings(ctx: Context) -> Iterator[Finding]:
    read, spec = ctx.read, ctx.spec
    for table in spec.tables:
        if table.kind != "codes" or table.id not in read.entries:
            continue
        sheet = read.sheets[table.id]
        first, last = read.blocks[table.id]
        seen: Counter[str] = Counter()
        # as the accountant reads them: a parent typed with a stray space is reported for its space, not missed
        codes_present = {code_text(r.code) for r in read.inst.code_tables[table.id].rows}
        for entry in read.entries[table.id]:
            where = (sheet, f"A{entry.row + 1}")
            code = code_text(entry.code)
            if not (first <= entry.row <= last):
                yield finding(checks.NOT_COVERED, where, table=table.id, value=code or "金额")
                continue
            if not code:
                yield finding(checks.AMOUNT_WITHOUT_CODE, where, table=table.id)
                continue
            seen[code] += 1
            if seen[code] == 2:
                yield finding(checks.DUPLICATE_CODE, where, table=table.id, code=code, label=table.display_name,
                              count=sum(1 for e in read.entries[table.id] if code_text(e.code) == code))
            half = code.translate(_FULL_WIDTH_DIGITS)
            if not _CODE.fullmatch(half):
                yield finding(checks.CODE_FORMAT, where, table=table.id, code=code)
                continue
            if half != code:
                yield finding(checks.CODE_FULL_WIDTH, where, table=table.id, value=code, code=half)
                continue
            spaced = excel_text(entry.code) != code
            if spaced:
                yield finding(checks.CODE_SPACE, where, table=table.id, value=excel_text(entry.code), code=code)
            if read.mode == "free" and not spaced and parent(code) and parent(code) not in codes_present:
                yield finding(checks.MISSING_PARENT, where, table=table.id, code=code, parent=parent(code))
            name = str(entry.name or "").strip()
            known = ctx.dictionary.get(code)
            if known is None:
                yield finding(checks.CODE_UNKNOWN, where, table=table.id, code=code, name=name, year=spec.year)
            elif name and norm_name(name) != norm_name(known.name) and not name.startswith("（"):
                # a name the code had before this year (20805 in 2025) is a note, any other name a warning
                check = checks.CODE_ALIAS if ctx.dictionary.is_alias(code, name) else checks.CODE_NAME
                yield finding(check, (sheet, f"B{entry.row + 1}"), table=table.id, code=code, name=name,
                              expected=known.name, year=spec.year)
            if table.fund == "一般" and ctx.dictionary.fund(code) == "基金":
                yield finding(checks.FUND_CODE_IN_05, where, table=table.id, code=code,
                              name=name or (known.name if known else ""), label=table.display_name,
                              target=fund_table(spec, "基金"))


def fund_table(spec: Spec, fund: str) -> str:
    """The name of the code table that holds one fund's codes (基金: 政府性基金预算财政拨款收入支出决算表)."""
    table = spec.fund_table(fund)
    return table.display_name if table is not None else ""


def code_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _SPACES.sub("", str(value))


def norm_name(name: str) -> str:
    return _SPACES.sub("", name).replace("(", "（").replace(")", "）")
