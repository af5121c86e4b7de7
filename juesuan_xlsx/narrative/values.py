"""Every amount of a workbook as the publication shows it: the engine's figures with two decimals, in the unit the
workbook is typed in (``WorkbookValues.unit``; a 元 workbook's figures become 万元 for print through
:func:`juesuan_xlsx.narrative.published.published_values`).

Inputs are the typed figures exactly as the verifier reads them (a blank cell is 0, a number stored as text counts
0 as in a SUM — the verifier reports it as an error, so an unforced export never meets one); formula cells get the
value the spec's equation gives (:class:`juesuan_xlsx.engine.Engine`), never a cached value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..amounts import cents
from ..codes import Dictionary, expand_codes
from ..contract import UNKNOWN_NAME, WAN
from ..engine import Engine, Figure
from ..model import Cell, Instance
from ..spec import SUM_ROW, Spec, Table

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class ValueRow:
    """One row of a table: a code-table row (``sum`` or ``#i``) or a grid row (its spec key)."""

    key: str
    code: str | None
    name: str
    amounts: Mapping[str, Decimal]  # column key → the workbook's unit (WorkbookValues.unit), two decimals
    line: int | None = None

    @property
    def level(self) -> int:
        """0 合计 / grid row, 1 类, 2 款, 3 项 (by the length of the 功能分类 code)."""
        if self.key == SUM_ROW or self.code is None:
            return 0
        return {3: 1, 5: 2, 7: 3}.get(len(self.code), 0)

    @property
    def zero(self) -> bool:
        return all(v == 0 for v in self.amounts.values())


@dataclass(frozen=True)
class TableValues:
    table: Table
    rows: tuple[ValueRow, ...]  # code tables: the 合计 row first, then the rows as typed; grid: spec order

    def row(self, key: str) -> ValueRow:
        for row in self.rows:
            if row.key == key:
                return row
        raise KeyError(f"{self.table.id}.{key}")

    def by_code(self, code: str) -> ValueRow | None:
        return next((r for r in self.rows if r.code == code and r.key != SUM_ROW), None)

    @property
    def code_rows(self) -> tuple[ValueRow, ...]:
        return tuple(r for r in self.rows if r.key != SUM_ROW)

    @property
    def empty(self) -> bool:
        """No amount anywhere (公开07/08表 of most departments)."""
        return all(r.zero for r in self.rows)


@dataclass(frozen=True)
class WorkbookValues:
    path: Path
    spec: Spec
    dept: str
    tables: Mapping[str, TableValues]
    cells: Mapping[Cell, Decimal]  # every amount cell, two decimals, in ``unit``
    where: Mapping[Cell, str] = field(default_factory=dict)  # cell → "公开03表!C9"
    typed_over: frozenset[Cell] = frozenset()  # formula cells the user typed a figure into
    # input cells holding a formula of the user's: the value its application last saved is used ...
    formula_inputs: frozenset[Cell] = frozenset()
    # ... and these had none (never recalculated): they count 0, and export() refuses them unless forced
    unresolved: frozenset[Cell] = frozenset()
    # the 功能分类 names printed: the year's dictionary, extended by a --codes-file (None: the spec's own)
    names: Dictionary | None = None
    # what ``cells`` are in: 万元 (a 万元 workbook, and every publication), or 元 (a 元 workbook as read)
    unit: str = WAN
    # whether the printed tables need the spec's rounding note (本套报表金额单位转换时可能存在尾数误差): always for
    # independently rounded figures; not for a controlled rounding under which every relation holds in print
    footnote: bool = True

    @property
    def dictionary(self) -> Dictionary:
        return self.names if self.names is not None else self.spec.gongneng

    @property
    def year(self) -> int:
        return self.spec.year

    @property
    def profile(self) -> str:
        return self.spec.profile

    def amount(self, table: str, row: str, col: str) -> Decimal:
        """A cell's value; a cell the workbook does not have (a code not used) is 0."""
        return self.cells.get(Cell(table, row, col), ZERO)

    def with_cells(self, cells: Mapping[Cell, Decimal], *, unit: str, footnote: bool) -> WorkbookValues:
        """The same workbook with other figures for its cells (every row of every table rebuilt from ``cells``;
        a cell missing from it is 0), in ``unit``."""
        tables = {
            tid: replace(tv, rows=tuple(
                replace(row, amounts={k: cells.get(Cell(tid, row.key, k), ZERO) for k in row.amounts})
                for row in tv.rows))
            for tid, tv in self.tables.items()}
        return replace(self, tables=tables, cells={c: cells.get(c, ZERO) for c in self.cells}, unit=unit,
                       footnote=footnote)


def build_values(spec: Spec, dept: str, cells: Mapping[Cell, Decimal] | None = None,
                 rows: Mapping[str, Sequence[tuple[str, str, Mapping[str, Decimal]]]] | None = None) -> WorkbookValues:
    """Values without a workbook (tests, previews): grid inputs by cell, code-table 项 rows as (code, name,
    {column: amount}); 类/款 rows, totals and cross-table cells are computed by the engine as in a ``--codes``
    template.  Names of the added 类/款 rows come from the spec's dictionary."""
    rows = rows or {}
    per_table: dict[str, list[tuple[str, str]]] = {}
    typed: dict[str, dict[str, Mapping[str, Decimal]]] = {}
    for table in spec.tables:
        if table.kind != "codes":
            continue
        given = {code: (name, amounts) for code, name, amounts in rows.get(table.id, ())}
        codes = expand_codes(given)
        per_table[table.id] = [(c, given[c][0] if c in given else spec.gongneng.name(c) or "") for c in codes]
        typed[table.id] = {c: given[c][1] for c in given}
    inst = Instance.fixed(spec, per_table)
    inputs: dict[Cell, Decimal] = dict(cells or {})
    for tid, ct in inst.code_tables.items():
        for row in ct.rows:
            for col, value in typed[tid].get(row.code or "", {}).items():
                inputs[Cell(tid, row.key, col)] = Decimal(value)
    engine = Engine(inst)
    formulas = engine.formulas
    figures = engine.compute({c: v for c, v in inputs.items() if c not in formulas})
    return assemble(spec, dept, inst, figures, {}, Path(""), frozenset())


def assemble(spec: Spec, dept: str, inst: Instance, figures: Mapping[Cell, Figure], where: Mapping[Cell, str],
              path: Path, typed_over: frozenset[Cell], dictionary: Dictionary | None = None) -> WorkbookValues:
    names = dictionary or spec.gongneng
    cells: dict[Cell, Decimal] = {}
    for cell in inst.value_cells():
        fig = figures.get(cell)
        cells[cell] = cents(fig.value) if fig is not None else ZERO
    where = {cell: w for cell, w in where.items() if cell in cells}
    tables: dict[str, TableValues] = {}
    for table in spec.tables:
        if table.kind == "grid":
            rows = tuple(
                ValueRow(key, row.code, row.label.strip(), {c: cells.get(Cell(table.id, key, c), ZERO)
                                                            for c in row.values}, row.line)
                for key, row in table.grid_rows().items())
        else:
            keys = [c.key for c in table.columns]
            ct = inst.code_tables.get(table.id)
            code_rows = ct.rows if ct is not None else []
            total = ValueRow(SUM_ROW, None, "合计", {k: cells.get(Cell(table.id, SUM_ROW, k), ZERO) for k in keys})
            rows = (total, *(
                ValueRow(r.key, r.code, _name(r.name, r.code, names),
                         {k: cells.get(Cell(table.id, r.key, k), ZERO) for k in keys})
                for r in code_rows))
        tables[table.id] = TableValues(table, rows)
    return WorkbookValues(path, spec, dept, tables, cells, where, typed_over, names=dictionary)


def _name(typed: Any, code: str | None, names: Dictionary) -> str:
    """The name the workbook shows (typed, or the lookup's cached value), else the dictionary's; an earlier name
    of a renamed code (an alias: 2024's 行政事业单位养老支出 in a 2025 workbook) is printed as this year's name."""
    text = str(typed or "").strip()
    if text and text != UNKNOWN_NAME:
        return names.official_name(code, text) if code else text
    return (names.name(code) if code else None) or text
