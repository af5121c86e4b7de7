"""Random but plausible fillings of the 2024 template, for property tests in several engines."""

from __future__ import annotations

import random
from decimal import Decimal

from juesuan_xlsx.codes import ancestors
from juesuan_xlsx.generate import FilledRow, Filling
from juesuan_xlsx.model import Cell
from juesuan_xlsx.spec import Spec

HALF_CENTS = [Decimal("0.145"), Decimal("1.005"), Decimal("2.675"), Decimal("0.005"), Decimal("10.125")]


def _amount(rng: random.Random) -> Decimal | str:
    roll = rng.random()
    if roll < 0.08:
        return rng.choice(HALF_CENTS)
    value = Decimal(rng.randint(0, 5_000_000)) / 100
    if roll < 0.12:
        return f"{value}"  # a number typed as text
    return value


def random_filling(spec: Spec, seed: int) -> Filling:
    rng = random.Random(seed)
    leaves = [c for c, info in spec.gongneng.entries.items() if len(c) == 7 and info.fund == "一般"]
    chosen = sorted(rng.sample(leaves, rng.randint(1, 8)))
    codes = sorted({*chosen, *(a for c in chosen for a in ancestors(c))})
    rows: dict[str, list[FilledRow]] = {}
    for table_id in ("02", "03", "05"):
        table = spec.table(table_id)
        inputs = [c.key for c in table.columns if c.key != "total"]
        leaf_amounts = {c: {k: _amount(rng) if rng.random() < 0.5 else Decimal(0) for k in inputs} for c in chosen}
        items = []
        for code in codes:
            kids = [c for c in chosen if c.startswith(code)]
            amounts: dict[str, Decimal | str] = {}
            for k in inputs:
                total = sum((v[k] for c in kids for v in [leaf_amounts[c]] if isinstance(v[k], Decimal)), Decimal(0))
                amounts[k] = leaf_amounts[code][k] if code in leaf_amounts else total
                if code not in leaf_amounts and rng.random() < 0.1:
                    amounts[k] = total + Decimal(rng.choice([1, -1, 3])) / 100  # a 尾差 or a 不符
            items.append(FilledRow(code, None, amounts))
        rows[table_id] = items
    cells: dict[Cell, Decimal | str] = {}
    for table in spec.tables:
        if table.kind != "grid":
            continue
        for key, row in table.grid_rows().items():
            for col in row.values:
                cell = Cell(table.id, key, col)
                if rng.random() < 0.4:
                    cells[cell] = _amount(rng)
    return Filling(cells, rows)
