"""Rule: the 说明 sheet holds what the narrative needs, without placeholders."""

from __future__ import annotations

from collections.abc import Iterator

from .. import checks
from ..findings import Finding
from ..narrative.inputs import NarrativeInputs
from ..narrative.shuoming import find_sheet, input_cells
from ..narrative.text import missing_inputs, placeholders
from ..narrative.values import WorkbookValues
from .context import finding


def shuoming_findings(wb: object, inputs: NarrativeInputs, values: WorkbookValues) -> Iterator[Finding]:
    if find_sheet(wb) is None:
        yield finding(checks.SHUOMING_SHEET)
        return
    missing = missing_inputs(inputs, values)
    shown = placeholders(inputs)
    cells = input_cells(wb, [key for key, _ in missing] + [key for key, _, _ in shown])
    for key, label in missing:
        where = cells.get(key)
        sheet, _, address = (where or "").partition("!")
        yield finding(checks.SHUOMING_MISSING, (sheet, address) if where else None, label=label,
                      **({} if where else {"where": "说明表"}))
    for key, _label, text in shown:
        where = cells.get(key)
        sheet, _, address = (where or "").partition("!")
        yield finding(checks.SHUOMING_PLACEHOLDER, (sheet, address) if where else None, text=text,
                      **({} if where else {"where": "说明表"}))
