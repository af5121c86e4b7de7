"""Every formula of a workbook, with its place: what the generator writes and what the verifier expects.

One function decides the formula text of every cell (amount cells, the per-row helpers and status of
free-entry tables, the 校验 sheet), given an instance of the spec and where its cells sit.  The generator writes
the plan; the verifier renders the plan for the rows it read back and compares it with the workbook's formulas.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field

from xlsxwriter.utility import quote_sheetname, xl_col_to_name

from .contract import CHECK_SHEET, DICT_SHEET, UNKNOWN_NAME, YUAN, view_sheet
from .layout import TableLayout
from .model import Cell, Equation, Instance, support
from .spec import SUM_ROW
from .xlformula import Renderer, join_max

CHECK_FIRST_ROW = 4  # 0-based: title, summary, blank, header, then the lines
CHECK_HERE = "校验"  # not a table id: every reference from the 校验 sheet carries its sheet name


@dataclass(frozen=True)
class Planned:
    sheet: str
    row: int
    col: int
    text: str  # formula without the leading "="
    style: str  # the generator's format key
    cell: Cell | None = None  # the logical amount cell, for amount formulas
    equation: Equation | None = None
    editable: bool = False  # a default the user may type over (科目名称 lookup)
    view_of: Cell | None = None  # a 元 workbook's 万元 view: ROUND(this 元 cell / 10000, 2)


@dataclass(frozen=True)
class CheckLine:
    row: int
    number: int
    codes: str
    description: str
    hint: str
    equation: Equation | None  # None: the per-row summary line of a free-entry table
    table: str | None = None


@dataclass
class Plan:
    formulas: dict[tuple[str, int, int], Planned] = field(default_factory=dict)
    check_lines: list[CheckLine] = field(default_factory=list)
    summary_row: int = 1
    equations: list[Equation] = field(default_factory=list)  # the instance's equations the plan was made from
    defining: dict[Cell, Equation] = field(default_factory=dict)  # formula cell → its equation

    def add(self, item: Planned) -> None:
        self.formulas[(item.sheet, item.row, item.col)] = item


_PLANS: OrderedDict[Hashable, Plan] = OrderedDict()
_PLANS_LOCK = threading.Lock()
_MAX_PLANS = 16


def plan_for(inst: Instance, layouts: dict[str, TableLayout], dictionary_size: int) -> Plan:
    """:func:`make_plan`, remembered: a batch of returns of one template has a handful of distinct plans (the
    same blocks at the same places), and making one is a fifth of a verify.  The plan is shared: read only."""
    key = _plan_key(inst, layouts, dictionary_size)
    with _PLANS_LOCK:
        plan = _PLANS.get(key)
        if plan is not None:
            _PLANS.move_to_end(key)
            return plan
    plan = make_plan(inst, layouts, dictionary_size)
    with _PLANS_LOCK:
        _PLANS[key] = plan
        while len(_PLANS) > _MAX_PLANS:
            _PLANS.popitem(last=False)
    return plan


def _plan_key(inst: Instance, layouts: dict[str, TableLayout], dictionary_size: int) -> Hashable:
    """Everything :func:`make_plan` reads: the instance's rows and weight, where each cell sits, the 字典 size."""
    rows = tuple((tid, ct.parents_typed, tuple((r.key, r.code, r.name) for r in ct.rows))
                 for tid, ct in inst.code_tables.items())
    places = tuple((tid, lay.table.sheet, lay.data_row, lay.end_row, lay.sum_last, lay.status_col, lay.level_col,
                    lay.parent_col, tuple(lay.cells.items()), tuple(lay.code_rows.items()))
                   for tid, lay in layouts.items())
    return inst.spec.key, inst.weight, inst.unit, dictionary_size, rows, places


def make_plan(inst: Instance, layouts: dict[str, TableLayout], dictionary_size: int) -> Plan:
    equations = inst.equations()
    formulas = inst.formula_cells(equations)
    render = Renderer(layouts, inst.weight)
    plan = Plan(equations=equations, defining=formulas)
    spec = inst.spec
    for cell, eq in formulas.items():
        lay = layouts[cell.table]
        if cell not in lay.cells:
            continue
        row, col = lay.cells[cell]
        style = "total" if cell.row == SUM_ROW else "formula"
        plan.add(Planned(lay.table.sheet, row, col, render.sum(eq.rhs, cell.table), style, cell, eq))
    per_row: dict[tuple[str, str], list[Equation]] = {}
    for eq in equations:
        if eq.per_row is not None and eq.anchor is not None:
            per_row.setdefault((eq.per_row, eq.anchor.row), []).append(eq)
    dict_range = f"{quote_sheetname(DICT_SHEET)}!$A$2:$B${dictionary_size + 1}"
    for table in spec.tables:
        lay = layouts[table.id]
        ct = inst.code_tables.get(table.id)
        if ct is None:
            continue
        sheet = table.sheet
        for code_row in ct.rows:
            if code_row.code is not None:
                continue
            r = lay.code_rows[code_row.key]
            code = f'$A{r + 1}&""'
            plan.add(Planned(sheet, r, 1, f'IF({code}="","",IFERROR(VLOOKUP({code},{dict_range},2,FALSE),'
                                          f'"{UNKNOWN_NAME}"))', "input_text", editable=True))
            if lay.level_col is not None and lay.parent_col is not None:
                plan.add(Planned(sheet, r, lay.level_col, f"LEN({code})", "text"))
                plan.add(Planned(sheet, r, lay.parent_col, f'IF(LEN({code})>3,LEFT({code},LEN({code})-2),"")',
                                 "text"))
            if lay.status_col is not None:
                text = row_status(per_row.get((table.id, code_row.key), []), code, render, formulas, inst, table.id)
                plan.add(Planned(sheet, r, lay.status_col, text, "status"))
    _check_sheet(plan, inst, layouts, equations, formulas, render)
    if inst.unit == YUAN:
        _views(plan, inst, layouts)
    return plan


def _views(plan: Plan, inst: Instance, layouts: dict[str, TableLayout]) -> None:
    """A 元 workbook's 万元 view: each amount cell of each table, at the same place on the table's view sheet,
    rounded on its own — what the reporting software prints (``export --balanced`` prints better).  Only the rows
    the instance has: a reader's layout keeps a placeholder row under an empty fixed table's 合计."""
    for lay in layouts.values():
        source = quote_sheetname(lay.table.sheet)
        view = view_sheet(lay.table.sheet)
        ct = inst.code_tables.get(lay.table.id)
        rows = {SUM_ROW, *(r.key for r in ct.rows)} if ct is not None else None
        for cell, (row, col) in lay.cells.items():
            if rows is not None and cell.row not in rows:
                continue
            style = "view_total" if cell.row == SUM_ROW else "view"
            text = f"ROUND({source}!{xl_col_to_name(col)}{row + 1}/10000,2)"
            plan.add(Planned(view, row, col, text, style, view_of=cell))


def status(eq: Equation, render: Renderer, formulas: dict[Cell, Equation], inst: Instance, here: str) -> str:
    """0 相符 / 1 尾差 / 2 不符 for one equation, as formula text seen from sheet ``here``."""
    left, right = render.sum(eq.lhs, here), render.sum(eq.rhs, here)
    if eq.row_allowance:
        return render.row_status_number(left, right, render.row_count([*eq.lhs, *eq.rhs], here), eq.kind)
    if eq.kind == "implies":
        return render.implies_number(left, right)
    atoms = support(eq.lhs, formulas, inst) + support(eq.rhs, formulas, inst)
    return render.status_number(left, right, render.count_typed(atoms, here), eq.kind)


def row_status(eqs: list[Equation], code: str, render: Renderer, formulas: dict[Cell, Equation], inst: Instance,
               here: str) -> str:
    """The worst status of a free-entry row: hierarchy for 类/款 rows, the other per-row checks for every code."""
    hierarchy = [status(eq, render, formulas, inst, here) for eq in eqs if eq.relation.kind == "hierarchy"]
    others = [status(eq, render, formulas, inst, here) for eq in eqs if eq.relation.kind != "hierarchy"]
    parts = []
    if hierarchy:
        parts.append(f'IF(OR({code}="",LEN({code})=7),0,{join_max(hierarchy)})')
    if others:
        parts.append(f'IF({code}="",0,{join_max(others)})')
    return join_max(parts) if parts else "0"


def _check_sheet(plan: Plan, inst: Instance, layouts: dict[str, TableLayout], equations: list[Equation],
                 formulas: dict[Cell, Equation], render: Renderer) -> None:
    r = CHECK_FIRST_ROW
    number = 1
    for eq in equations:
        if eq.mode != "check" or eq.per_row is not None:
            continue
        line = r + 1
        plan.add(Planned(CHECK_SHEET, r, 3, render.sum(eq.lhs, CHECK_HERE), "formula", equation=eq))
        plan.add(Planned(CHECK_SHEET, r, 4, render.sum(eq.rhs, CHECK_HERE), "formula", equation=eq))
        if eq.kind != "implies":  # a pair to confirm has no difference and no rounding allowance
            atoms = support(eq.lhs, formulas, inst) + support(eq.rhs, formulas, inst)
            plan.add(Planned(CHECK_SHEET, r, 5, f"ROUND(D{line}-E{line},2)", "formula"))
            plan.add(Planned(CHECK_SHEET, r, 6, f"J{line}*0.005", "tolerance"))
            plan.add(Planned(CHECK_SHEET, r, 9, render.count_typed(atoms, CHECK_HERE), "text"))
        plan.add(Planned(CHECK_SHEET, r, 10, render.status_number(f"D{line}", f"E{line}", f"J{line}", eq.kind),
                         "text", equation=eq))
        plan.add(Planned(CHECK_SHEET, r, 7, render.status_text(f"K{line}"), "text"))
        plan.check_lines.append(CheckLine(r, number, eq.relation.code, describe(eq, inst), eq.relation.hint, eq))
        r += 1
        number += 1
    for table in inst.spec.tables:
        lay = layouts[table.id]
        if lay.status_col is None:
            continue
        codes = "、".join(sorted({eq.relation.code for eq in equations if eq.per_row == table.id}))
        letter = xl_col_to_name(lay.status_col)
        rng = f"{quote_sheetname(table.sheet)}!${letter}${lay.entry_first + 1}:${letter}${lay.entry_last + 1}"
        plan.add(Planned(CHECK_SHEET, r, 10, f"MAX({rng})", "text"))
        plan.add(Planned(CHECK_SHEET, r, 7, render.status_text(f"K{r + 1}"), "text"))
        rules, hints = _per_row_rules(equations, table.id)
        plan.check_lines.append(CheckLine(
            r, number, codes, f"{table.display_name}逐行：{rules}（不符的行见该表“校验”列）",
            f"请按该表“校验”列标出的行{hints}", None, table.id))
        r += 1
        number += 1
    last = r  # 1-based number of the last line
    plan.add(Planned(CHECK_SHEET, plan.summary_row, 0,
                     f'"不符 "&SUMPRODUCT((K{CHECK_FIRST_ROW + 1}:K{last}=2)*1)&" 项，尾差 "'
                     f'&SUMPRODUCT((K{CHECK_FIRST_ROW + 1}:K{last}=1)*1)&" 项"', "summary"))


def _per_row_rules(equations: list[Equation], table_id: str) -> tuple[str, str]:
    """What a free-entry table's 校验 column checks on each row, and what to do: the hierarchy first, then each
    other per-row relation by its title and hint (02 and 03 have only the hierarchy; 05/07/08 also 不超过 03)."""
    rules: dict[str, str] = {}
    for eq in sorted((eq for eq in equations if eq.per_row == table_id), key=lambda e: e.relation.kind != "hierarchy"):
        if eq.relation.kind == "hierarchy":
            rules.setdefault("类、款行 = 下级科目之和", "，核对类、款金额与下级科目之和。")
        else:
            rules.setdefault(eq.relation.title, eq.relation.hint)
    return "；".join(rules), "".join(rules.values())


def describe(eq: Equation, inst: Instance) -> str:
    """The relation's title, with the code or column it was instantiated for."""
    title = eq.relation.title
    if eq.anchor is not None and eq.anchor.table in inst.code_tables and eq.anchor.row == SUM_ROW \
            and eq.relation.for_rows:  # a per-row relation instantiated on the 合计 row too
        return f"{title}（合计行）"
    if eq.anchor is not None and eq.anchor.table in inst.code_tables and eq.anchor.row.startswith("#"):
        ct = inst.code_tables[eq.anchor.table]
        code = next((r.code for r in ct.rows if r.key == eq.anchor.row), None)
        if code:
            return f"{title}（科目 {code}）"
    if eq.relation.each_col and eq.anchor is not None:
        return f"{title}（{inst.spec.table(eq.anchor.table).column_title(eq.anchor.col)}）"
    return title
