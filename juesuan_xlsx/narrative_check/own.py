"""Our own 情况说明 checked like anybody's: the text ``export`` would write for a workbook's figures and its 说明
sheet, read back as a publication and put through the same catalogue (issue 14, "one definition of the rules").

The exporter computes every share and rate from the tables, so what can still contradict them is what the
accountant typed into the 说明 sheet — counts above all: "接待1批次" beside a 公务接待费 of 0.00.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..disclosure import Disclosure, Kind, Paragraph, Printed, Where
from ..findings import Finding
from ..model import Instance
from ..narrative.inputs import NarrativeInputs
from ..narrative.text import Section, generate_narrative, narrative_text
from ..narrative.values import WorkbookValues
from ..spec import SUM_ROW
from .check import check_narrative


def as_publication(values: WorkbookValues, text: str) -> Disclosure:
    """Published figures (万元) and a narrative text as a :class:`Disclosure`: the tables as printed, one paragraph
    a line (its place: the line number)."""
    inst = Instance.fixed(values.spec, {t: [(r.code or "", r.name) for r in tv.code_rows]
                                        for t, tv in values.tables.items() if tv.table.kind == "codes"})
    figures = {cell: Printed(v, Kind.NUMBER, f"{v:.2f}", Where(table=cell.table)) for cell, v in values.cells.items()
               if cell.table not in inst.code_tables or cell.row.startswith("#") or cell.row == SUM_ROW}
    paragraphs = [Paragraph(line, Where(line=i + 1)) for i, line in enumerate(text.splitlines())]
    return Disclosure(values.spec, inst, figures=figures, paragraphs=paragraphs, dept=values.dept,
                      year=values.year, source_kind="ours")


def check_own_narrative(values: WorkbookValues, inputs: NarrativeInputs,
                        sections: Sequence[Section] | None = None) -> list[Finding]:
    """The findings on the 情况说明 ``export`` would write from ``values`` (the published 万元 figures) and
    ``inputs`` (the 说明 sheet); ``sections``: that text when the caller has already generated it."""
    text = narrative_text(sections if sections is not None else generate_narrative(values, inputs))
    return check_narrative(as_publication(values, text))
