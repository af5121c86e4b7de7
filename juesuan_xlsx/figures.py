"""Every amount of a read workbook as the publication shows it (:class:`~juesuan_xlsx.narrative.values.WorkbookValues`).

Inputs are the typed figures exactly as the verifier reads them (a blank cell is 0, a number stored as text counts
0 as in a SUM — the verifier reports it as an error, so an unforced export never meets one); formula cells get the
value the spec's equation gives (:class:`juesuan_xlsx.engine.Engine`), never a cached value.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from .amounts import parse_amount
from .codes import Dictionary
from .engine import Engine
from .model import Cell
from .narrative.values import WorkbookValues, assemble
from .reader import ReadResult, read_workbook, typed_figures


def workbook_values(path: str | Path, dictionary: Dictionary | None = None) -> WorkbookValues:
    """Read a workbook and compute every amount (no verification: run :func:`verify_file` for that)."""
    return values_from_read(read_workbook(path), dictionary)


def typed_inputs(read: ReadResult, engine: Engine) -> tuple[dict[Cell, Decimal], set[Cell]]:
    """The typed figures and the formula cells typed over (the verifier's own reading, without its findings)."""
    inputs, typed_over, _ = typed_figures(read, engine.formulas)
    return inputs, typed_over


def formula_inputs(read: ReadResult, engine: Engine) -> tuple[dict[Cell, Decimal], set[Cell]]:
    """Input cells where the user typed a formula (=58.56, =A1+A2): their saved (cached) numeric value.

    The verifier counts such a cell as 0 (it evaluates the formula for other purposes only); a publication must
    not print 0 where the accountant's workbook shows 58.56, so the value the spreadsheet application saved is
    used, and a cell without one is reported (unresolved).
    """
    found: dict[Cell, Decimal] = {}
    unresolved: set[Cell] = set()
    for cell, raw in read.cells.items():
        if raw.formula is None or cell in engine.formulas:
            continue
        amount = parse_amount(raw.cached)
        if amount.kind == "number":
            found[cell] = amount.value
        else:
            unresolved.add(cell)
    return found, unresolved


def values_from_read(read: ReadResult, dictionary: Dictionary | None = None,
                     engine: Engine | None = None) -> WorkbookValues:
    """``dictionary`` names the 功能分类 rows (the spec's own by default; export --codes-file extends it);
    ``engine``, the one already built for ``read.inst`` (verify has it), spares building another."""
    engine = engine or Engine(read.inst)
    inputs, typed_over = typed_inputs(read, engine)
    from_formulas, unresolved = formula_inputs(read, engine)
    figures = engine.compute({**inputs, **from_formulas}, typed_over)
    where = {cell: read.where(cell) for cell in read.cells}
    values = assemble(read.spec, read.dept, read.inst, figures, where, Path(read.path), frozenset(typed_over),
                       dictionary)
    return replace(values, formula_inputs=frozenset(from_formulas), unresolved=frozenset(unresolved),
                   unit=read.inst.unit)


