"""What the rules of one workbook share: the read, the plan it was generated from, the engine and its figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..codes import Dictionary
from ..contract import CHECK_SHEET, view_sheet
from ..engine import Engine, Figure, Outcome
from ..evaluation import Evaluation
from ..findings import Check, Finding, make
from ..model import Cell, CodeRow, CodeTable, Instance
from ..plan import Plan, plan_for
from ..reader import ReadResult
from ..spec import Spec


@dataclass
class Context:
    read: ReadResult
    dictionary: Dictionary
    plan_inst: Instance  # the instance the template was generated from, sized to the blocks as they are now
    plan: Plan
    engine: Engine
    evaluation: Evaluation | None = None
    inputs: dict[Cell, Decimal] = field(default_factory=dict)
    typed_over: set[Cell] = field(default_factory=set)
    intact: set[tuple[str, int, int]] = field(default_factory=set)  # planned formula cells left as planned
    figures: dict[Cell, Figure] = field(default_factory=dict)
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def spec(self) -> Spec:
        return self.read.spec

    def where(self, cell: Cell) -> tuple[str, str]:
        raw = self.read.cells[cell]
        return raw.sheet, raw.address

    def titles(self) -> dict[str, str | None]:
        """Planned sheet name → the sheet's title in this file (renamed sheets), for every table and the 校验."""
        titles = {t.sheet: self.read.sheets.get(t.id) for t in self.spec.tables}
        titles[CHECK_SHEET] = self.read.check_sheet
        for t in self.spec.tables:  # a 元 workbook's 万元 views
            if t.id in self.read.views:
                titles[view_sheet(t.sheet)] = self.read.views[t.id]
        return titles


def new_context(read: ReadResult, dictionary: Dictionary, evaluation: Evaluation | None) -> Context:
    plan_inst = _plan_instance(read)
    plan = plan_for(plan_inst, read.layouts, read.dictionary_size or len(dictionary.entries))
    return Context(read, dictionary, plan_inst, plan, Engine(read.inst), evaluation)


def _plan_instance(read: ReadResult) -> Instance:
    if read.mode != "free":
        return read.inst
    inst = Instance.free(read.spec)
    inst.weight, inst.unit = read.inst.weight, read.inst.unit
    for tid, (first, last) in read.blocks.items():
        inst.code_tables[tid] = CodeTable([CodeRow(f"#{i + 1}", None) for i in range(last - first + 1)], True)
    return inst


def finding(check: Check, where: tuple[str, str] | None = None, *, table: str | None = None,
            sheet: str | None = None, **args: Any) -> Finding:
    """A finding at (sheet, cell); ``sheet`` alone points at a whole sheet.  The cell address also goes into the
    message args as ``where``."""
    cell = None
    if where:
        sheet, cell = where
        args.setdefault("where", f"{sheet}!{cell}")
    return make(check, sheet=sheet, cell=cell, table=table, **args)
