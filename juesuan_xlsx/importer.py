"""``juesuan-xlsx import``: the figures of a publication or another tool's workbook typed into a live workbook of ours.

The source is read as printed (:func:`juesuan_xlsx.verify.verify` → :class:`~juesuan_xlsx.disclosure.Disclosure`);
a free-entry template of the same year and layout is generated with every input figure typed in and every code
row listed (类/款/项 as printed), so its formulas recompute every total.  Each printed total that differs from what
the formulas compute is listed, so an accountant sees at once which totals of the old document did not tie.

Units (issue 17): a source whose every table is printed in 元 (the national reporting software's .xls exports
often are; ``sources.recognise`` reads each table's 单位： line and converts to 万元 exactly) becomes a workbook
typed in 元 — the figures as the source printed them, every relation exact, a 万元 view per table.  Anything
else (万元, 千元, or tables in different units) becomes a 万元 workbook as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from .amounts import YUAN_PER_WAN
from .contract import WAN, YUAN
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
    unit: str = WAN  # what printed and computed are in (the imported workbook's unit)

    @property
    def text(self) -> str:
        unit = " 元" if self.unit == YUAN else ""  # 万元, the unit of every publication, goes without saying
        return (f"{self.where}：文件中印为 {self.printed:,.2f}，按公式计算为 {self.computed:,.2f}"
                f"（差 {self.printed - self.computed:,.2f}{unit}）")


@dataclass(frozen=True)
class ImportResult:
    output: Path
    source: Verification  # the source's own verification (its findings as printed)
    report: FileReport  # the new workbook's verification
    differs: tuple[TotalDiffers, ...]
    typed: int  # figures typed into the workbook
    unit: str = WAN  # what the workbook's figures are typed in: 元 when the whole source is printed in 元


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
    unit = source_unit(disclosure)
    filling, typed = filling_of(disclosure, unit)
    written = generate(disclosure.spec, output, Options(dept=disclosure.dept, filling=filling, unit=unit),
                       overwrite=overwrite)
    return ImportResult(written, verification, verify(written).report, tuple(totals_that_differ(disclosure, unit)),
                        typed, unit)


def source_unit(disclosure: Disclosure) -> str:
    """元 when every table the source holds is printed in 元 (each was converted from 元, nothing else was), so
    its figures are the exact ones; else 万元."""
    present = sum(1 for t in disclosure.spec.tables if t.id not in disclosure.missing_tables)
    converted = [args.get("unit") for code, _, args in disclosure.problems if code == "S-单位换算"]
    if present and len(converted) == present and all(u == YUAN for u in converted):
        return YUAN
    return WAN


def _numbers(disclosure: Disclosure, unit: str) -> dict[Cell, Decimal]:
    """The disclosure's figures in ``unit`` (they are kept in 万元, converted exactly from what was printed)."""
    numbers = disclosure.numbers()
    if unit != YUAN:
        return numbers
    return {cell: _in_yuan(value) for cell, value in numbers.items()}


def _in_yuan(wan: Decimal) -> Decimal:
    """万元 back to the 元 printed: two decimals when that is exact (it is for what was printed in 分)."""
    yuan = wan * YUAN_PER_WAN
    cents = yuan.quantize(Decimal("0.01"))
    return cents if cents == yuan else yuan.normalize()


def filling_of(disclosure: Disclosure, unit: str = WAN) -> tuple[Filling, int]:
    """The input figures of a disclosure (in ``unit``) as a filling of a free-entry template, and how many."""
    spec = disclosure.spec
    grid, columns = free_input_keys(spec)
    numbers = _numbers(disclosure, unit)
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


def totals_that_differ(disclosure: Disclosure, unit: str = WAN) -> list[TotalDiffers]:
    """Printed figures of formula cells that differ from what the formulas compute from the printed inputs (in
    ``unit``)."""
    engine = Engine(disclosure.inst)
    numbers = _numbers(disclosure, unit)
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
            out.append(TotalDiffers(cell, str(where) if where is not None else str(cell), printed, computed,
                                    unit))
    return out
