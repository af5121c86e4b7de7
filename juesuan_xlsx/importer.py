"""``juesuan-xlsx import``: the figures of a publication or another tool's workbook typed into a live workbook of ours.

The source is read as printed (:func:`juesuan_xlsx.verify.verify` → :class:`~juesuan_xlsx.disclosure.Disclosure`);
a free-entry template of the same year and layout is generated with every input figure typed in and every code
row listed (类/款/项 as printed), so its formulas recompute every total.  Each printed total that differs from what
the formulas compute is listed, so an accountant sees at once which totals of the old document did not tie.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from .disclosure import Disclosure
from .engine import Engine
from .errors import JuesuanError
from .generate import FilledRow, Filling, Options, generate
from .model import Cell, free_input_keys
from .verify import FileReport, Verification, verify


class ImportFailed(JuesuanError):
    """The source cannot be imported (not readable as the nine tables); the message is Chinese."""


@dataclass(frozen=True)
class TotalDiffers:
    """A printed total that the workbook's formulas compute differently."""

    cell: Cell
    where: str  # in the source's own terms
    printed: Decimal
    computed: Decimal

    @property
    def text(self) -> str:
        return (f"{self.where}：文件中印为 {self.printed:,.2f}，按公式计算为 {self.computed:,.2f}"
                f"（差 {self.printed - self.computed:,.2f}）")


@dataclass(frozen=True)
class ImportResult:
    output: Path
    source: Verification  # the source's own verification (its findings as printed)
    report: FileReport  # the new workbook's verification
    differs: tuple[TotalDiffers, ...]
    typed: int  # figures typed into the workbook


def import_source(path: str | Path, output: str | Path, *, overwrite: bool = False,
                  source: Verification | None = None) -> ImportResult:
    """Import ``path`` (pdf, docx, xlsx, xls, txt, html) into a new workbook ``output``."""
    verification = source if source is not None else verify(path)
    disclosure = verification.disclosure
    if disclosure is None:
        reason = "；".join(f.message for f in verification.report.findings if f.level.value == "error")
        if verification.read is not None:
            reason = "它已经是 juesuan-xlsx 的工作簿，直接填写即可（或用 new --like 沿用为下一年度）"
        raise ImportFailed(f"{path} 无法导入：{reason or '没有识别出九张表'}")
    filling, typed = filling_of(disclosure)
    written = generate(disclosure.spec, output, Options(dept=disclosure.dept, filling=filling),
                       overwrite=overwrite)
    return ImportResult(written, verification, verify(written).report, tuple(totals_that_differ(disclosure)),
                        typed)


def filling_of(disclosure: Disclosure) -> tuple[Filling, int]:
    """The input figures of a disclosure as a filling of a free-entry template, and how many there are."""
    spec = disclosure.spec
    grid, columns = free_input_keys(spec)
    numbers = disclosure.numbers()
    cells = {cell: numbers[cell] for cell in grid if cell in numbers}
    typed = len(cells)
    rows: dict[str, list[FilledRow]] = {}
    for table_id, cols in columns.items():
        ct = disclosure.inst.code_tables.get(table_id)
        items: list[FilledRow] = []
        for row in ct.rows if ct is not None else []:
            if row.code is None:
                continue
            amounts = {col: numbers[c] for col in cols if (c := Cell(table_id, row.key, col)) in numbers}
            typed += len(amounts)
            name = disclosure.code_names.get(row.code) or row.name or None
            if name is not None and name == (spec.gongneng.name(row.code) or ""):
                name = None  # the template's own lookup shows the same name, and stays live
            items.append(FilledRow(row.code, name, amounts))
        rows[table_id] = items
    return Filling(cells, rows), typed


def totals_that_differ(disclosure: Disclosure) -> list[TotalDiffers]:
    """Printed figures of formula cells that differ from what the formulas compute from the printed inputs."""
    engine = Engine(disclosure.inst)
    numbers = disclosure.numbers()
    inputs = {c: v for c, v in numbers.items() if c not in engine.formulas}
    figures = engine.compute(inputs)
    out: list[TotalDiffers] = []
    for cell in engine.order:
        printed = numbers.get(cell)
        if printed is None:
            continue
        computed = figures[cell].value if cell in figures else Decimal(0)
        if printed != computed:
            where = disclosure.where(cell)
            out.append(TotalDiffers(cell, str(where) if where is not None else str(cell), printed, computed))
    return out
