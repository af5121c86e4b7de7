"""Rule: the 说明 sheet holds what the narrative needs, without placeholders."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace

from .. import checks
from ..findings import Finding
from ..narrative.inputs import NarrativeInputs, label_of
from ..narrative.shuoming import find_sheet, input_cells
from ..narrative.text import Section, missing_inputs, placeholders
from ..narrative.values import WorkbookValues
from ..narrative_check import check_own_narrative
from ..narrative_check.catalogue import COUNT, VEHICLES
from ..narrative_check.counts import ITEMS
from .context import finding

# the 说明 inputs behind each item the count rules judge (narrative_check.counts.ITEMS)
COUNT_INPUTS = {ITEMS["recept"]: ("reception_batches", "reception_people"),
                ITEMS["abroad"]: ("abroad_groups", "abroad_people"),
                ITEMS["car_buy"]: ("car_bought",),
                ITEMS["car_count"]: ("car_count", "vehicles")}


def shuoming_findings(wb: object, inputs: NarrativeInputs, values: WorkbookValues,
                      sections: Sequence[Section]) -> Iterator[Finding]:
    """``sections``: the 情况说明 generated from ``values`` and ``inputs`` (what export would write)."""
    if find_sheet(wb) is None:
        yield finding(checks.SHUOMING_SHEET)
        return
    missing = missing_inputs(inputs, values, sections=sections)
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


def own_narrative_findings(wb: object, inputs: NarrativeInputs, published: WorkbookValues,
                           sections: Sequence[Section]) -> Iterator[Finding]:
    """What the 情况说明 ``export`` would write says against the tables, by the narrative checker's count rules:
    each contradiction at the 说明 cell that was typed (the level is the rule's: a contradiction is an error, an
    unusual fleet a warning)."""
    for found in check_own_narrative(published, inputs, sections):
        keys = COUNT_INPUTS.get(str(found.args.get("subject", "")))
        if found.code not in (COUNT.code, VEHICLES.code) or keys is None:  # the count rules, nothing else
            continue
        typed = [k for k in keys if getattr(inputs, k, None) is not None] or list(keys)
        cells = input_cells(wb, typed)
        where = cells.get(typed[0])
        sheet, _, address = (where or "").partition("!")
        labels = "、".join(label_of(k) for k in typed)
        detail = found.message.split("：「")[0] + "。"
        yield replace(finding(checks.SHUOMING_CONTRADICTS, (sheet, address) if where else None, label=labels,
                              detail=detail, **({} if where else {"where": "说明表"})), level=found.level)
