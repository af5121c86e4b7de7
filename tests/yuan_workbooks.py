"""Workbooks in 元 (issue 17) built from the consistent random fillings of ``tests/yuan_fillings.py``.

The fillings come on a known-codes instance; the workbooks here are free-entry (the default of ``new --unit
元``): every code row listed in code order, its 类/款 rows typed with their exact sums, so every relation holds
exactly in 元 and verify finds nothing to say about relations.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

from juesuan_xlsx.amounts import CENT
from juesuan_xlsx.contract import YUAN
from juesuan_xlsx.engine import Engine
from juesuan_xlsx.generate import FilledRow, Filling, Options, generate
from juesuan_xlsx.model import Cell, Instance, free_input_keys
from juesuan_xlsx.narrative.inputs import NarrativeInputs
from juesuan_xlsx.spec import Spec

from .yuan_fillings import yuan_filling


def free_filling(spec: Spec, inst: Instance, engine: Engine, inputs: Mapping[Cell, Decimal]) -> Filling:
    """The figures of a known-codes instance typed into a free-entry template: grid inputs as they are, every
    input column of every code row (类/款 included) with its exact value."""
    figures = engine.compute(dict(inputs))
    grid, columns = free_input_keys(spec)
    cells: dict[Cell, Decimal | str] = {c: inputs[c] for c in grid if c in inputs}
    rows: dict[str, list[FilledRow]] = {}
    for table_id, cols in columns.items():
        ct = inst.code_tables.get(table_id)
        items = []
        for row in ct.rows if ct is not None else []:
            assert row.code is not None
            amounts: dict[str, Decimal | str] = {}
            for col in cols:
                fig = figures.get(Cell(table_id, row.key, col))
                value = fig.value if fig is not None else inputs.get(Cell(table_id, row.key, col), Decimal(0))
                amounts[col] = value.quantize(CENT)
            items.append(FilledRow(row.code, None, amounts))
        rows[table_id] = items
    return Filling(cells, rows)


def yuan_workbook(spec: Spec, seed: int, path: Path, *, dept: str = "元单位", unit: str = YUAN,
                  preset: Mapping[Cell, Decimal] | None = None, leaves: int | None = None,
                  funds: float = 0.6) -> tuple[Instance, Engine, dict[Cell, Decimal]]:
    """A consistent random 元 filling written as a free-entry workbook at ``path`` (``unit`` 万元: the same
    figures typed into a 万元 template, for tests that need one); returns the filling."""
    inst, engine, inputs = yuan_filling(spec, seed, leaves=leaves, funds=funds, preset=preset)
    write_workbook(spec, path, inst, engine, inputs, dept=dept, unit=unit)
    return inst, engine, inputs


def write_workbook(spec: Spec, path: Path, inst: Instance, engine: Engine, inputs: Mapping[Cell, Decimal], *,
                   dept: str, unit: str = YUAN, shuoming: NarrativeInputs | None = None) -> None:
    """A filling of a known-codes instance written as a free-entry workbook (and its 说明 sheet, if given)."""
    generate(spec, path, Options(dept=dept, filling=free_filling(spec, inst, engine, inputs), unit=unit,
                                 shuoming=shuoming))
