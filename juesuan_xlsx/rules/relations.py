"""Rule: every relation of the spec, judged in Decimal with the rounding allowance (GUIDE §1, Calculations 1.1).

The same judgement for a workbook (findings at cells) and for a :class:`~juesuan_xlsx.disclosure.Disclosure`
read from a publication (findings at pages, tables, rows and columns as printed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .. import checks
from ..engine import Outcome, Status
from ..findings import Finding, Level, make
from ..model import Cell, Ref, Term
from ..spec import SUM_ROW
from .context import Context

Locate = Callable[[Cell], str | None]  # a cell's place as the report names it ("公开03表!C9", "第 7 页 …")


def relation_findings(ctx: Context) -> Iterator[Finding]:
    """Findings of a workbook's relations; an intact formula is exact by construction (the agreement check covers
    it), so a formula equation is reported only where its cell was typed over."""
    read = ctx.read
    typed_over = {c for c in ctx.engine.formulas if c in read.cells and read.cells[c].formula is None}

    def locate(cell: Cell) -> str | None:
        raw = read.cells.get(cell)
        return f"{raw.sheet}!{raw.address}" if raw is not None else None

    for outcome in ctx.outcomes:
        eq = outcome.equation
        if outcome.status == Status.OK or (eq.mode == "formula" and eq.target not in typed_over):
            continue
        anchor = eq.anchor
        raw = read.cells.get(anchor) if anchor is not None else None
        args = relation_args(outcome, locate)
        if raw is not None:
            args.setdefault("where", f"{raw.sheet}!{raw.address}")
        yield make(checks.relation_check(eq.relation), sheet=raw.sheet if raw else None,
                   cell=raw.address if raw else None, table=anchor.table if anchor else None,
                   level=_level(outcome), **args)


def outcome_findings(outcomes: Iterable[Outcome], locate: Locate) -> Iterator[Finding]:
    """Findings of relations judged on printed figures (every figure a rounded one), placed by ``locate``."""
    for outcome in outcomes:
        if outcome.status == Status.OK:
            continue
        anchor = outcome.equation.anchor
        place = locate(anchor) if anchor is not None else None
        args = relation_args(outcome, locate)
        if place:
            args.setdefault("where", place)
        yield make(checks.relation_check(outcome.equation.relation), place=place,
                   table=anchor.table if anchor else None, level=_level(outcome), **args)


def _level(outcome: Outcome) -> Level:
    return Level.NOTE if outcome.status == Status.ROUNDING else outcome.equation.relation.level


def relation_args(outcome: Outcome, locate: Locate) -> dict[str, Any]:
    eq = outcome.equation
    rel = eq.relation
    where_left = _describe_side(eq.lhs, locate)
    labels = {"eq": ("表中", "按关系应为 "), "le": ("表中", "不应超过 "), "ge": ("表中", "不应小于 "),
              "implies": ("表中", "对应金额为 ")}[eq.kind]
    title = rel.title + (f"（科目 {eq.code}）" if eq.code else "")
    if eq.anchor is not None and eq.anchor.row == SUM_ROW and rel.for_rows:
        title += "（合计行）"
    rounding = outcome.status == Status.ROUNDING
    verdict = "，在允许范围内，是万元四舍五入造成的尾差" if rounding else "，超出允许范围"
    return {
        "title": title, "left": outcome.left, "right": outcome.right, "diff": outcome.difference,
        "allowed": outcome.allowed, "left_label": labels[0] + (f"（{where_left}）" if where_left else "") + "为 ",
        "right_label": labels[1], "hint": "" if rounding else rel.hint,
        "verdict": "，请确认" if eq.kind == "implies" else verdict,
        "status": outcome.status.value, "k": outcome.k,
    }


def _describe_side(terms: Iterable[Term], locate: Locate) -> str:
    places = [p for t in terms if isinstance(t, Ref) and (p := locate(t.cell))]
    return places[0] if len(places) == 1 else ""
