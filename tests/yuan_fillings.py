"""Random but consistent fillings in 元 (issue 17): every relation of the spec holds exactly on the exact figures.

Only input cells are drawn; the engine computes every formula cell.  The check-mode relations that are not
formulas are made to hold by construction, in the order the figures flow:
  06 items → 05 基本支出 (split among the 一般 项) → 03 ≥ 05/07/08 per 项 → 04 per fund (年初 + 本年收入 =
  本年支出 + 年末, 07/08 sums) → 02 财政拨款收入 = 04 本年收入 → 01 收支平衡 → 09 决算 ≥ its 06 items, and 0
  where its 06 item is 0 (a 09 figure with no 06 counterpart is a warning to confirm).
Amounts mix zeros, whole hundreds of 元 (exact in 万元), …50 元 (a half: a tie) and arbitrary 分.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from decimal import Decimal

from juesuan_xlsx.codes import ancestors
from juesuan_xlsx.engine import Engine, Figure, Outcome
from juesuan_xlsx.model import Cell, Instance, Ref
from juesuan_xlsx.spec import Spec

ZERO = Decimal(0)
FUND_TABLE = {"一般": "05", "基金": "07", "国资": "08"}


def amount(rng: random.Random, high: int = 2_000_000, zero: float = 0.15) -> Decimal:
    """元 with two decimals: 0, a multiple of 100 元, a multiple of 50 元 (a tie), or any 分."""
    roll = rng.random()
    if roll < zero:
        return ZERO
    if roll < zero + 0.1:
        return Decimal(rng.randint(1, high // 100) * 100)
    if roll < zero + 0.2:
        return Decimal(rng.randint(0, high // 100) * 100 + 50)
    return Decimal(rng.randint(1, high * 100)).scaleb(-2)


def split(rng: random.Random, total: Decimal, n: int) -> list[Decimal]:
    """``total`` (元, two decimals, ≥ 0) split into ``n`` non-negative parts in whole 分."""
    fen = int(total * 100)
    cuts = sorted(rng.randint(0, fen) for _ in range(n - 1))
    bounds = [0, *cuts, fen]
    return [Decimal(b - a).scaleb(-2) for a, b in zip(bounds, bounds[1:], strict=False)]


def choose_leaves(spec: Spec, rng: random.Random, n: int, funds: float = 0.6) -> list[str]:
    """``n`` 一般 项 codes under the layout's 类 rows; with chance ``funds`` some 基金 ones, and with chance
    ``funds`` × ⅔ invented 国资 ones (223, the 国有资本经营预算支出 类, has no 项 in the dictionary)."""
    classes = set(spec.class_codes)
    general = [c for c, i in spec.gongneng.entries.items() if len(c) == 7 and i.fund == "一般" and c[:3] in classes]
    fund = [c for c, i in spec.gongneng.entries.items() if len(c) == 7 and i.fund == "基金" and c[:3] in classes]
    chosen = set(rng.sample(general, min(n, len(general))))
    if rng.random() < funds:
        chosen.update(rng.sample(fund, rng.randint(1, len(fund))))
    if (rng.random() < funds * 2 / 3 or funds >= 1) and "223" in classes:
        chosen.update(rng.sample(["2230101", "2230102", "2230201"], rng.randint(1, 2)))
    return sorted(chosen)


def instance(spec: Spec, leaves: list[str]) -> Instance:
    """Known codes: 02/03 every leaf with its 类/款; 05/07/08 the leaves of their fund with their 类/款 (a 类 with
    项 of two funds is in both tables)."""
    per_table: dict[str, list[tuple[str, str]]] = {}
    for table in spec.tables:
        if table.kind != "codes":
            continue
        mine = [c for c in leaves if table.fund is None or spec.gongneng.fund(c) == table.fund]
        codes = sorted({*mine, *(a for c in mine for a in ancestors(c))})
        per_table[table.id] = [(c, spec.gongneng.name(c) or "") for c in codes]
    return Instance.fixed(spec, per_table)


def yuan_filling(spec: Spec, seed: int, leaves: int | None = None, funds: float = 0.6,
                 preset: Mapping[Cell, Decimal] | None = None) -> tuple[Instance, Engine, dict[Cell, Decimal]]:
    """A known-codes instance, its engine and consistent input figures in 元; ``preset`` 06 and 09 items are
    taken as given instead of drawn (a 09 决算 item must stay at least its 06 counterpart)."""
    preset = preset or {}
    rng = random.Random(seed)
    codes = choose_leaves(spec, rng, leaves if leaves is not None else rng.randint(1, 8), funds)
    inst = instance(spec, codes)
    engine = Engine(inst)
    inputs: dict[Cell, Decimal] = {}

    def total(cell: Cell) -> Decimal:
        return engine.compute(inputs)[cell].value

    def row_of(table: str, code: str) -> str:
        return next(r.key for r in inst.code_tables[table].rows if r.code == code)

    def put(table: str, code: str, col: str, value: Decimal) -> None:
        inputs[Cell(table, row_of(table, code), col)] = value

    # 06: every item drawn; its 人员经费 + 公用经费 is the 05 基本支出 to split among the 一般 项
    for cell in inst.table_cells(spec.table("06")):
        if cell not in engine.formulas:
            inputs[cell] = preset.get(cell, amount(rng, 300_000, zero=0.4))
    basic = total(Cell("06", "personnel", "amt")) + total(Cell("06", "public", "amt"))
    general = [c for c in codes if spec.gongneng.fund(c) == "一般"]
    for code, part in zip(general, split(rng, basic, len(general)), strict=True):
        put("05", code, "basic", part)
        put("05", code, "project", amount(rng))
    fund_cols = {t: {c.key for c in spec.table(t).columns} for t in ("07", "08")}
    for code in codes:
        table = FUND_TABLE[spec.gongneng.fund(code)]
        if table == "05":
            continue
        put(table, code, "basic", amount(rng))
        put(table, code, "project", amount(rng))
        if "begin" in fund_cols[table]:  # 07, and 08 in the Shanghai layout: 年初 + 本年收入 = 本年支出 + 年末
            spent = inputs[Cell(table, row_of(table, code), "basic")] + inputs[Cell(table, row_of(table, code),
                                                                                   "project")]
            begin, end = amount(rng), amount(rng)
            income = spent + end - begin
            if income < 0:
                end, income = end - income, ZERO
            put(table, code, "begin", begin)
            put(table, code, "income", income)
            put(table, code, "end", end)
    # 03: each 项 at least what the fund tables spend on it
    for code in codes:
        table = FUND_TABLE[spec.gongneng.fund(code)]
        for col in ("basic", "project"):
            put("03", code, col, inputs[Cell(table, row_of(table, code), col)] + amount(rng, 500_000, zero=0.5))
        for col in ("upper", "operating", "subsidy"):
            put("03", code, col, amount(rng, 300_000, zero=0.6))
    # 02: every source drawn
    for code in codes:
        for col in ("fiscal", "superior", "business", "operating", "affiliated", "other"):
            inputs[Cell("02", row_of("02", code), col)] = amount(rng, zero=0.5 if col != "fiscal" else 0.1)
    # 04: each fund balances; 基金 (and Shanghai's 国资) from its table's sums
    sums = engine.compute(inputs)

    def column_sum(table: str, col: str) -> Decimal:
        fig = sums.get(Cell(table, "sum", col))
        return fig.value if fig is not None else ZERO

    inputs[Cell("04", "begin_fund", "amt")] = column_sum("07", "begin")
    inputs[Cell("04", "inc2", "amt")] = column_sum("07", "income")
    inputs[Cell("04", "end", "fund")] = column_sum("07", "end")
    if "begin" in fund_cols["08"]:
        inputs[Cell("04", "begin_soe", "amt")] = column_sum("08", "begin")
        inputs[Cell("04", "inc3", "amt")] = column_sum("08", "income")
        inputs[Cell("04", "end", "soe")] = column_sum("08", "end")
    else:
        begin, end = amount(rng), amount(rng)
        income = column_sum("08", "total") + end - begin
        if income < 0:
            end, income = end - income, ZERO
        inputs[Cell("04", "begin_soe", "amt")] = begin
        inputs[Cell("04", "inc3", "amt")] = income
        inputs[Cell("04", "end", "soe")] = end
    begin, end = amount(rng), amount(rng)
    income = column_sum("05", "total") + end - begin
    if income < 0:
        end, income = end - income, ZERO
    # 02 财政拨款收入 = 04 本年收入合计: the gap goes to one 项's 财政拨款, or to the 一般 年末 when negative
    fiscal = inputs[Cell("04", "inc2", "amt")] + inputs[Cell("04", "inc3", "amt")] + income
    gap = fiscal - column_sum("02", "fiscal")
    if gap >= 0:
        cell = Cell("02", row_of("02", rng.choice(codes)), "fiscal")
        inputs[cell] += gap
    else:
        end, income = end - gap, income - gap
    inputs[Cell("04", "begin_gen", "amt")] = begin
    inputs[Cell("04", "inc1", "amt")] = income
    inputs[Cell("04", "end", "gen")] = end
    # 01: 收入总计 = 支出总计
    inputs[Cell("01", "inc_surplus", "amt")] = amount(rng, 200_000, zero=0.6)
    inputs[Cell("01", "exp_dist", "amt")] = amount(rng, 200_000, zero=0.6)
    inputs[Cell("01", "inc_begin", "amt")] = amount(rng, zero=0.3)
    sums = engine.compute(inputs)
    end = (sums[Cell("01", "inc_total", "amt")].value + inputs[Cell("01", "inc_surplus", "amt")]
           + inputs[Cell("01", "inc_begin", "amt")] - sums[Cell("01", "exp_total", "amt")].value
           - inputs[Cell("01", "exp_dist", "amt")])
    if end < 0:
        inputs[Cell("01", "inc_begin", "amt")] -= end
        end = ZERO
    inputs[Cell("01", "exp_end", "amt")] = end
    # 09: 预算 drawn; each 决算 item at least its 06 counterpart
    for cell in inst.table_cells(spec.table("09")):
        if cell not in engine.formulas:
            inputs[cell] = amount(rng, 100_000, zero=0.4)
    for eq in engine.equations:
        if eq.kind == "ge" and eq.relation.code.startswith("X-09"):
            (left,), (right,) = eq.lhs, eq.rhs
            assert isinstance(left, Ref) and isinstance(right, Ref)
            inputs[left.cell] = inputs.get(right.cell, ZERO) + amount(rng, 50_000, zero=0.5)
    for eq in engine.equations:
        if eq.kind == "implies":
            (left,), (right,) = eq.lhs, eq.rhs
            assert isinstance(left, Ref) and isinstance(right, Ref)
            if not inputs.get(right.cell):
                inputs[left.cell] = ZERO
    inputs.update((cell, value) for cell, value in preset.items() if cell.table == "09")
    return inst, engine, inputs


def full_workbook(spec: Spec, seed: int = 0) -> tuple[Instance, Engine, dict[Cell, Decimal]]:
    """All nine tables with about a hundred code rows in 02/03 (every 一般 and 基金 项 of the dictionary, a 国资
    one) — the size issue 17's benchmark asks for."""
    return yuan_filling(spec, seed, leaves=10_000, funds=1.0)


# -- a web of relations no rounding can satisfy (the fallback tests) ------------------------------------------

WEB = {  # three 06 items of 50 元 (0.005 万元 each) and three 09 figures of 100 元 that must each be a pair of them
    "W-出国": ("09.sg.a_abroad", ("06.30212.amt", "06.30217.amt")),
    "W-接待": ("09.sg.a_recept", ("06.30217.amt", "06.30231.amt")),
    "W-用车": ("09.sg.a_car_run", ("06.30212.amt", "06.30231.amt")),
}


def web_preset() -> dict[Cell, Decimal]:
    """The 元 figures of :data:`WEB`: 50 元 for each 06 item, 100 元 for each 09 figure."""
    preset = {Cell(*a.split(".")): Decimal(50) for _, rhs in WEB.values() for a in rhs}
    preset.update({Cell(*lhs.split(".")): Decimal(100) for lhs, _ in WEB.values()})
    return preset


def outcomes(engine: Engine, figures: Mapping[Cell, Decimal]) -> list[Outcome]:
    """The project's own judge on figures taken as exact (weight 0: no 尾差 allowance at all)."""
    return engine.check_all({cell: Figure(value, 0) for cell, value in figures.items()})
