"""Random but plausible fillings of the 2024 template, for property tests in several engines."""

from __future__ import annotations

import random
from decimal import Decimal

from juesuan_xlsx.codes import ancestors
from juesuan_xlsx.generate import FilledRow, Filling
from juesuan_xlsx.model import Cell, Instance
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


# 项 of the 政府性基金 (07) and 国有资本经营 (08) tables; the 国资 ones are not in the partial dictionary (名称 未收录)
FUND_LEAVES = {"07": ("2070904", "2121999"), "08": ("2230105", "2230199")}


def with_fund_rows(spec: Spec, filling: Filling, seed: int) -> Filling:
    """``filling`` plus rows of 07 and 08: every input column of each 项 typed, 年末结转和结余 (where the layout has
    it) balanced against 年初 + 本年收入 − 本年支出, a 分 off (尾差) or more (不符); 类/款 rows typed as sums,
    now and then off by a 分 or more."""
    rng = random.Random(seed)
    formulas = Instance.free(spec).formula_cells()
    rows = dict(filling.rows)
    for table_id, leaves in FUND_LEAVES.items():
        table = spec.table(table_id)
        inputs = [c.key for c in table.columns if Cell(table_id, "#1", c.key) not in formulas]
        chosen = sorted(rng.sample(leaves, rng.randint(1, len(leaves))))
        codes = sorted({*chosen, *(a for c in chosen for a in ancestors(c))})
        leaf: dict[str, dict[str, Decimal]] = {}
        for code in chosen:
            amounts = {k: (rng.choice(HALF_CENTS) if rng.random() < 0.1 else Decimal(rng.randint(0, 500_000)) / 100)
                       for k in inputs}
            if "end" in amounts:
                spent = amounts["basic"] + amounts["project"]
                off = Decimal(rng.choice([0, 0, 0, 1, -1, 7])) / 100
                amounts["end"] = amounts["begin"] + amounts["income"] - spent + off
            leaf[code] = amounts
        items = []
        for code in codes:
            if code in leaf:
                items.append(FilledRow(code, None, dict(leaf[code])))
                continue
            sums: dict[str, Decimal | str] = {}
            for k in inputs:
                sums[k] = sum((v[k] for c, v in leaf.items() if c.startswith(code)), Decimal(0))
                if rng.random() < 0.1:
                    sums[k] = Decimal(str(sums[k])) + Decimal(rng.choice([1, -1, 3])) / 100
            items.append(FilledRow(code, None, sums))
        rows[table_id] = items
    return Filling(filling.cells, rows)
