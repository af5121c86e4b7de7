"""第三部分 情况说明, generated from the tables' figures plus the 说明 sheet, so that it cannot contradict them.

Every number in a generated sentence is a :class:`Figure`: a workbook cell, a 说明 input, or a figure derived from
those (a sum, a share, a completion rate, a year-on-year difference or rate), formatted by :meth:`Figure.text`
alone.  A test can therefore trace each number of the text back to its cells.  Rules (GUIDE §1):

* shares and rates have two decimals, rounded half-up in ``decimal.Decimal`` (never truncated, never float);
  a non-zero share that rounds to 0.00% is written 不足0.01%, a part that is not the whole but rounds to 100.00%
  is written 超过99.99%, so "占100%" is said only of the whole;
* 增加/减少/持平 and 大于/小于/等于 are chosen from the numbers; 持平 and 等于 only on an exact 0 difference;
* no 完成率 when the 预算 is 0, no growth rate from a zero base (the sentence says 上年为0.00万元 instead);
* a missing 说明 input is written （未填写） and listed by :func:`missing_inputs`; nothing is invented, and no
  placeholder (XX%, ……) is ever produced.

Which sections there are, their order and titles are the layout's (``[document]`` of the spec, see
:mod:`.document`): the seed's thirteen for ``central``, the Shanghai template's eleven for ``shanghai``.  What a
block says follows the spec too: the fund tables are found by their ``fund`` and told by the columns they have,
the 经济分类 类 of 人员经费/公用经费 are read from 06's formulas.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from ..amounts import CENT, cents
from ..model import Cell
from ..spec import SUM_ROW, chinese_ordinal
from .document import DocumentSpec, document_spec
from .inputs import FIELDS, NarrativeInputs, label_of
from .values import WorkbookValues

HUNDRED = Decimal(100)
GAP = Decimal("0.001")  # parts within 0.1% of a total make it up but for a rounding gap between tables
MISSING_TEXT = "（未填写）"


# ---------------------------------------------------------------------------------------------------------------
# the parts of a sentence

FigureOp = Literal["cell", "input", "sum", "ratio", "share", "diff", "change", "below", "above"]


@dataclass(frozen=True)
class Figure:
    """A number in the text and where it comes from.

    op ``cell``: ``sources`` = (Cell,); ``input``: (field name,); ``sum``: Figures added; ``ratio``: (a, b) →
    a ÷ b × 100; ``share``: (a, b) → a ÷ b × 100 rounded down or up to the cent, b the sum of parts whose shares
    add up to 100.00 (:func:`whole_shares`); ``diff``: (a, b) → |a − b|; ``change``: (a, b) → |a − b| ÷ |b| × 100;
    ``below`` / ``above``: (a, b) with a ÷ b × 100 strictly between 0 and the value / between the value and 100
    (不足0.01%, 超过99.99%).
    """

    value: Decimal
    unit: str  # 万元, %, 个, 人次, 辆, 次, 批次, 人
    op: FigureOp
    sources: tuple[object, ...] = ()

    @property
    def text(self) -> str:
        if self.unit in ("万元", "%"):
            return f"{cents(self.value):.2f}"
        return f"{int(self.value)}"


@dataclass(frozen=True)
class Missing:
    """An input the sentence needs and the 说明 sheet does not have: shown as （未填写）."""

    field: str
    label: str

    @property
    def text(self) -> str:
        return MISSING_TEXT


@dataclass(frozen=True)
class UserText:
    """Text typed by the user in the 说明 sheet, reproduced as is (not generated, so not traced)."""

    field: str
    value: str

    @property
    def text(self) -> str:
        return self.value


Part = str | Figure | Missing | UserText


def _text(part: Part) -> str:
    return part if isinstance(part, str) else part.text


@dataclass(frozen=True)
class Paragraph:
    parts: tuple[Part, ...]
    style: Literal["body", "subheading"] = "body"

    @property
    def text(self) -> str:
        return "".join(_text(p) for p in self.parts)

    @property
    def figures(self) -> list[Figure]:
        return [p for p in self.parts if isinstance(p, Figure)]

    @property
    def missing(self) -> list[Missing]:
        return [p for p in self.parts if isinstance(p, Missing)]


@dataclass(frozen=True)
class Section:
    title: str
    paragraphs: tuple[Paragraph, ...]

    @property
    def text(self) -> str:
        return "\n".join([self.title, *(p.text for p in self.paragraphs)])


def narrative_text(sections: Iterable[Section]) -> str:
    return "\n".join(s.text for s in sections)


# ---------------------------------------------------------------------------------------------------------------
# figures and phrases (pure functions: the rules live here and are tested one by one)


def percent(value: Decimal) -> Decimal:
    """A share or rate: two decimals, rounded half-up."""
    return cents(value)


def sum_figure(figures: Sequence[Figure], unit: str = "万元") -> Figure:
    total = sum((f.value for f in figures), Decimal(0))
    return Figure(total, unit, "sum", tuple(figures))


def share_parts(part: Figure, whole: Figure, lead: str = "占") -> list[Part]:
    """"占12.34%"; nothing when the whole is 0 (no share of nothing)."""
    if whole.value == 0:
        return []
    exact = part.value / whole.value * HUNDRED
    rounded = percent(exact)
    if part.value != 0 and rounded == 0:
        return [lead, "不足", Figure(CENT, "%", "below", (part, whole)), "%"]
    if part.value != whole.value and rounded == HUNDRED:
        return [lead, "超过", Figure(HUNDRED - CENT, "%", "above", (part, whole)), "%"]
    return [lead, Figure(rounded, "%", "ratio", (part, whole)), "%"]


def apportion(parts: Sequence[Decimal]) -> list[Decimal]:
    """Percentages (two decimals) of parts that make one whole, adding up to exactly 100.00: each exact share is
    rounded down to the cent and the cents left over go to the largest remainders (ties: the earlier part).
    ``parts`` are not negative and add up to more than 0."""
    total = sum(parts, Decimal(0))
    exact = [part * 10000 / total for part in parts]
    cents_ = [int(e) for e in exact]  # exact ≥ 0: int() rounds down
    order = sorted(range(len(parts)), key=lambda i: (-(exact[i] - cents_[i]), i))
    for i in order[:10000 - sum(cents_)]:
        cents_[i] += 1
    return [Decimal(c) / 100 for c in cents_]


def whole_shares(items: Sequence[Figure], lead: str = "占", printed: Figure | None = None) -> list[list[Part]]:
    """The shares of parts that together make one whole (人员经费 and 公用经费 of 基本支出, the items of a total),
    apportioned by largest remainder so that the printed shares add up to exactly 100.00% — rounding each on its
    own can print 76.69% + 23.32% = 100.01%.  They are shares of the parts' sum (the whole they make, even where
    the total ``printed`` beside them differs by a rounding gap between tables, at most :data:`GAP` of it);
    parts that do not make up ``printed`` get their half-up shares of it (:func:`share_parts`).  不足0.01% and
    超过99.99% as in :func:`share_parts`.  No share at all when the parts add up to 0 or one is negative."""
    whole = sum_figure(list(items))
    if whole.value <= 0 or any(f.value < 0 for f in items):
        return [[] for _ in items]
    if printed is not None and abs(whole.value - printed.value) > max(CENT, printed.value * GAP):
        return [share_parts(fig, printed, lead) for fig in items]
    out: list[list[Part]] = []
    for fig, value in zip(items, apportion([f.value for f in items]), strict=True):
        if fig.value != 0 and value == 0:
            out.append([lead, "不足", Figure(CENT, "%", "below", (fig, whole)), "%"])
        elif fig.value != whole.value and value == HUNDRED:
            out.append([lead, "超过", Figure(HUNDRED - CENT, "%", "above", (fig, whole)), "%"])
        else:
            out.append([lead, Figure(value, "%", "share", (fig, whole)), "%"])
    return out


def amount_parts(figure: Figure | Missing, unit: str = "万元") -> list[Part]:
    """"12.34万元", or "（未填写）万元"."""
    return [figure, unit]


def change_parts(current: Figure, previous: Figure | Missing) -> list[Part]:
    """Year on year: 增加/减少 x万元 and 增长/下降 y%; 持平 only on an exact 0 difference; no rate from a 0 base."""
    if isinstance(previous, Missing):
        return ["上年数", previous]
    diff = current.value - previous.value
    if diff == 0:
        return ["与上年持平"]
    word, rate_word = ("增加", "增长") if diff > 0 else ("减少", "下降")
    amount = Figure(abs(diff), "万元", "diff", (current, previous))
    if previous.value == 0:
        return ["与上年相比", word, amount, "万元（上年为", previous, "万元，不计算增长率）"]
    exact = abs(diff) / abs(previous.value) * HUNDRED
    rounded = percent(exact)
    if rounded == 0:
        rate: list[Part] = ["不足", Figure(CENT, "%", "below", (amount, previous)), "%"]
    else:
        rate = [Figure(rounded, "%", "change", (current, previous)), "%"]
    return ["与上年相比", word, amount, "万元，", rate_word, *rate]


def comparison_word(actual: Decimal, budget: Decimal) -> str:
    """大于 / 小于 / 等于, from the numbers."""
    if actual > budget:
        return "大于"
    if actual < budget:
        return "小于"
    return "等于"


def completion_parts(actual: Figure, budget: Figure | Missing, what: str = "年初预算") -> list[Part]:
    """"完成年初预算的105.23%"; none when the 预算 is 0 (no rate of nothing) or not filled in."""
    if isinstance(budget, Missing):
        return []
    if budget.value == 0:
        if actual.value == 0:
            return [f"{what}数和决算数均为零"]
        return [f"{what}数为零，不计算完成率"]
    rate = percent(actual.value / budget.value * HUNDRED)
    return [f"完成{what}的", Figure(rate, "%", "ratio", (actual, budget)), "%"]


def reason_parts(actual: Figure, budget: Figure | Missing, reason: Part | None, what: str = "年初预算数") -> list[Part]:
    """"决算数大于年初预算数的主要原因是：…。", or "决算数等于年初预算数。" (no reason asked for)."""
    if isinstance(budget, Missing):
        return []
    word = comparison_word(actual.value, budget.value)
    if word == "等于":
        return [f"决算数等于{what}。"]
    return [f"决算数{word}{what}的主要原因是：", *( [reason] if reason is not None else []), "。"]


def sentence(*clauses: Sequence[Part]) -> list[Part]:
    """Clauses joined by "，" and closed by "。"; empty clauses are left out (no "，。")."""
    out: list[Part] = []
    for clause in (c for c in clauses if c):
        if out:
            out.append("，")
        out += clause
    return [*out, "。"]


def _end(parts: list[Part]) -> list[Part]:
    """Close a sentence with one 。 (user text may already end with one)."""
    last = parts[-1] if parts else ""
    text = _text(last)
    if text.endswith(("。", "！", "？")):
        return parts
    return [*parts, "。"]


# ---------------------------------------------------------------------------------------------------------------
# the generator


def generate_narrative(values: WorkbookValues, inputs: NarrativeInputs,
                       document: DocumentSpec | None = None) -> list[Section]:
    """The sections of 第三部分, as the layout's ``[document]`` lists them (the seed's thirteen by default)."""
    doc = document or document_spec(values.spec.year, values.spec.profile)
    return _Narrative(values, inputs).sections(doc)


def missing_inputs(inputs: NarrativeInputs, values: WorkbookValues | None = None, *,
                   sections: Sequence[Section] | None = None) -> list[tuple[str, str]]:
    """(field, Chinese label) of every 说明 input the document needs and does not have.

    With ``values`` exactly the （未填写） of the generated document (plus 部门职责/机构设置 for 第一部分; a reason
    is needed only where the numbers differ, a 项's 年初预算数 only for the 项 of 公开05表) — ``sections``: that
    document when the caller has already generated it.  Without ``values``, every required field that is empty.
    """
    found: list[tuple[str, str]] = []
    if values is None:
        for spec in FIELDS:
            if spec.required and getattr(inputs, spec.key) is None:
                found.append((spec.key, spec.label))
        return found
    for key in ("duty", "organization"):
        if getattr(inputs, key) is None:
            found.append((key, label_of(key)))
    for section in sections if sections is not None else generate_narrative(values, inputs):
        for paragraph in section.paragraphs:
            for miss in paragraph.missing:
                if (miss.field, miss.label) not in found:
                    found.append((miss.field, miss.label))
    return found


class _Narrative:
    def __init__(self, values: WorkbookValues, inputs: NarrativeInputs) -> None:
        self.v, self.i = values, inputs
        self.year = values.year
        self.y = f"{values.year}年度"

    # -- sources ---------------------------------------------------------------------------------------------
    def cell(self, table: str, row: str, col: str) -> Figure:
        cell = Cell(table, row, col)
        return Figure(self.v.amount(table, row, col), "万元", "cell", (cell,))

    def input(self, key: str, unit: str = "万元") -> Figure | Missing:
        value = getattr(self.i, key)
        if value is None:
            return Missing(key, label_of(key))
        return Figure(Decimal(value), unit, "input", (key,))

    def inputs_sum(self, keys: Sequence[str]) -> Figure | Missing:
        """Σ of input figures; missing when any is."""
        parts = [self.input(k) for k in keys]
        missing = [p for p in parts if isinstance(p, Missing)]
        if missing:
            return Missing(missing[0].field, missing[0].label)
        return sum_figure([p for p in parts if isinstance(p, Figure)])

    def text(self, key: str) -> UserText | Missing:
        value = getattr(self.i, key)
        if value is None or not str(value).strip():
            return Missing(key, label_of(key))
        return UserText(key, str(value).strip())

    def user_paragraphs(self, key: str, optional: bool = False) -> list[Paragraph]:
        part = self.text(key)
        if isinstance(part, Missing):
            return [] if optional else [Paragraph((part,))]
        return [Paragraph((UserText(key, line.strip()),)) for line in part.value.splitlines() if line.strip()]

    def reason(self, key: str) -> UserText | Missing:
        return self.text(key)

    # -- sections --------------------------------------------------------------------------------------------
    def sections(self, doc: DocumentSpec) -> list[Section]:
        out = []
        blocks = self.blocks()
        for i, spec in enumerate(doc.sections):
            paragraphs: list[Paragraph] = []
            for block in spec.blocks:
                if block.heading:
                    paragraphs.append(Paragraph((block.heading,), "subheading"))
                paragraphs += blocks[block.name]()
            title = doc.text(spec.title, self.year, self.v.dept)
            out.append(Section(f"{chinese_ordinal(i + 1)}、{title}", tuple(paragraphs)))
        return out

    def blocks(self) -> dict[str, Callable[[], list[Paragraph]]]:
        """Every paragraph generator by its name in ``[document]`` (document.BLOCKS)."""
        return {"total": self.s_total, "income": self.s_income, "expense": self.s_expense, "fiscal": self.s_fiscal,
                "general": self.s_general, "basic": self.s_basic, "sangong": self.s_sangong, "funds": self.s_funds,
                "fund": self.s_fund, "soe": self.s_soe, "jiguan": self.s_jiguan,
                "general_spending": self.s_general_spending, "procurement": self.s_procurement,
                "assets": self.s_assets, "performance": self.s_performance}

    def _totals_sentence(self, lead: str, income: Figure, expense: Figure) -> list[Part]:
        """One 收、支总计 when the two are equal; both, and which one the comparison is about, when not."""
        if income.value == expense.value:
            return [f"{self.y}{lead}收、支总计", income, "万元。"]
        return [f"{self.y}{lead}收入总计", income, "万元，支出总计", expense, "万元。收入总计"]

    def _yoy(self, current: Figure, last_key: str, reason_key: str) -> list[Part]:
        previous = self.input(last_key)
        parts = change_parts(current, previous)
        if isinstance(previous, Missing):
            return ["与上年相比：", *parts, "。"]
        if current.value == previous.value:
            return [*parts, "。"]
        return [*parts, "，主要原因是：", *_end([self.reason(reason_key)])]

    def s_total(self) -> list[Paragraph]:
        income, expense = self.cell("01", "inc_grand", "amt"), self.cell("01", "exp_grand", "amt")
        parts = self._totals_sentence("", income, expense) + self._yoy(income, "last_total", "reason_total")
        return [Paragraph(tuple(parts))]

    def _structure(self, lead: str, total: Figure, items: list[tuple[str, Figure]]) -> list[Part]:
        """"…合计x万元，其中：A y万元，占z%；…。本年没有B和C。" (zero items named, not given a share)."""
        parts: list[Part] = [lead, total, "万元"]
        if total.value == 0:
            return [*parts, "。"]
        used = [(name, fig) for name, fig in items if fig.value != 0]
        unused = [name for name, fig in items if fig.value == 0]
        parts.append("，其中：")
        shares = whole_shares([fig for _, fig in used], printed=total)  # parts of one total: 100.00% in all
        for k, ((name, fig), share) in enumerate(zip(used, shares, strict=True)):
            parts += [("；" if k else ""), name, fig, "万元", "，", *share]
        parts.append("。")
        if unused:
            named = unused[0] if len(unused) == 1 else f"{'、'.join(unused[:-1])}和{unused[-1]}"
            parts.append(f"本年没有{named}。")
        return parts

    def s_income(self) -> list[Paragraph]:
        total = self.cell("01", "inc_total", "amt")
        fiscal = sum_figure([self.cell("01", f"inc{k}", "amt") for k in (1, 2, 3)])
        rows = self.v.spec.table("01").grid_rows()
        items = [("财政拨款收入", fiscal)] + [(_strip_ordinal(rows[f"inc{k}"].label), self.cell("01", f"inc{k}", "amt"))
                                        for k in range(4, 9)]
        parts = self._structure(f"{self.y}收入合计", total, items)
        return [Paragraph(tuple(parts))]

    def s_expense(self) -> list[Paragraph]:
        table = self.v.spec.table("03")
        total = self.cell("03", SUM_ROW, "total")
        items = [(c.title, self.cell("03", SUM_ROW, c.key)) for c in table.columns if c.key != "total"]
        parts = self._structure(f"{self.y}支出合计", total, items)
        return [Paragraph(tuple(parts))]

    def s_fiscal(self) -> list[Paragraph]:
        income, expense = self.cell("04", "inc_grand", "amt"), self.cell("04", "exp_grand", "total")
        parts = self._totals_sentence("财政拨款", income, expense)
        parts += self._yoy(income, "last_fiscal_total", "reason_fiscal")
        return [Paragraph(tuple(parts))]

    def s_general(self) -> list[Paragraph]:
        out: list[Paragraph] = []
        general = self.cell("05", SUM_ROW, "total")
        whole = self.cell("01", "exp_total", "amt")
        share = share_parts(general, whole, "占本年支出合计的")
        out.append(Paragraph(("（一）一般公共预算财政拨款支出决算总体情况",), "subheading"))
        parts: list[Part] = [f"{self.y}一般公共预算财政拨款支出", general, "万元"]
        parts += (["，", *share, "。"] if share else ["。"])
        parts += self._yoy(general, "last_general", "reason_general")
        out.append(Paragraph(tuple(parts)))

        out.append(Paragraph(("（二）一般公共预算财政拨款支出决算结构情况",), "subheading"))
        table = self.v.tables["05"]
        classes = [r for r in table.code_rows if r.level == 1 and r.amounts.get("total", 0) != 0]
        if general.value == 0 or not classes:
            out.append(Paragraph((f"{self.y}没有一般公共预算财政拨款支出。",)))
        else:
            parts = [f"{self.y}一般公共预算财政拨款支出", general, "万元，主要用于以下方面："]
            for k, row in enumerate(classes):
                fig = self.cell("05", row.key, "total")
                parts += [("；" if k else ""), f"{_class_phrase(row.name)}", fig, "万元", "，",
                          *share_parts(fig, general)]
            parts.append("。")
            out.append(Paragraph(tuple(parts)))

        out.append(Paragraph(("（三）一般公共预算财政拨款支出决算具体情况",), "subheading"))
        budget = self._general_budget()
        parts = sentence([f"{self.y}一般公共预算财政拨款支出年初预算为", *amount_parts(budget)],
                         ["支出决算为", general, "万元"], completion_parts(general, budget))
        parts += reason_parts(general, budget, self.reason("reason_budget"))
        out.append(Paragraph(tuple(parts)))
        # per 项 (opt-in: once the 说明 sheet lists any 项, every 项 of 公开05表 needs its 年初预算数)
        for row in table.code_rows if self.i.items else ():
            if row.level != 3 or (row.amounts.get("total", 0) == 0 and self.i.item(row.code or "") is None):
                continue
            out.append(Paragraph(tuple(self._item_sentence(row.key, row.code or "", row.name))))
        return out

    def _general_budget(self) -> Figure | Missing:
        if self.i.budget_general is not None:
            return self.input("budget_general")
        codes = [r.code for r in self.v.tables["05"].code_rows if r.level == 3 and r.code]
        items = [self.i.item(c) for c in codes]
        if codes and all(i is not None and i.budget is not None for i in items):
            return sum_figure([Figure(Decimal(i.budget), "万元", "input", (f"budget:{i.code}",))
                               for i in items if i is not None and i.budget is not None])
        return self.input("budget_general")

    def _item_sentence(self, key: str, code: str, name: str) -> list[Part]:
        table = self.v.tables["05"]
        names = []
        for length, level in ((3, "类"), (5, "款")):
            parent = table.by_code(code[:length])
            parent_name = parent.name if parent is not None else (self.v.dictionary.name(code[:length]) or "")
            names.append(f"{parent_name}（{level}）")
        names.append(f"{name}（项）")
        actual = self.cell("05", key, "total")
        item = self.i.item(code)
        label = f"年初预算数：{code} {name}"
        budget: Figure | Missing
        if item is None or item.budget is None:
            budget = Missing(f"budget:{code}", label)
        else:
            budget = Figure(Decimal(item.budget), "万元", "input", (f"budget:{code}",))
        reason: UserText | Missing
        if item is not None and item.reason:
            reason = UserText(f"reason:{code}", item.reason.strip())
        else:
            reason = Missing(f"reason:{code}", f"决算数与年初预算数差异的原因：{code} {name}")
        parts = sentence(["".join(names), "：年初预算为", *amount_parts(budget)], ["支出决算为", actual, "万元"],
                         completion_parts(actual, budget))
        return parts + reason_parts(actual, budget, reason)

    def s_basic(self) -> list[Paragraph]:
        basic = self.cell("05", SUM_ROW, "basic")
        personnel, public = self.cell("06", "personnel", "amt"), self.cell("06", "public", "amt")
        parts: list[Part] = [f"{self.y}一般公共预算财政拨款基本支出", basic, "万元"]
        if basic.value == 0 and personnel.value == 0 and public.value == 0:
            return [Paragraph((*parts, "。"))]
        parts.append("，其中：")
        # 人员经费 + 公用经费 make 基本支出: their shares add up to 100.00% (not 76.69% + 23.32%)
        shares = whole_shares([personnel, public], "占基本支出的", basic) if basic.value else [[], []]
        for k, (label, fig, classes) in enumerate((("人员经费", personnel, self._cost_classes("personnel")),
                                                    ("公用经费", public, self._cost_classes("public")))):
            parts += [("；" if k else ""), label, fig, "万元"]
            share = shares[k]
            if share:
                parts += ["，", *share]
            main = self._main_items(classes)
            if main:
                parts.append(f"，主要包括{'、'.join(main)}")
        parts.append("。")
        return [Paragraph(tuple(parts))]

    def _cost_classes(self, key: str) -> tuple[str, ...]:
        """The 经济分类 类 that add up to 公开06表's ``key`` row (人员经费合计 / 公用经费合计), read from the spec's
        formula for it: 302+307+310+399 in the central layout, 302+310 in Shanghai's."""
        for rel in self.v.spec.relations:
            if rel.mode == "formula" and [str(a) for a in rel.lhs] == [f"06.{key}.amt"]:
                return tuple(a.row for a in rel.rhs if a.table == "06")
        return ()

    def _main_items(self, classes: tuple[str, ...], limit: int = 5) -> list[str]:
        """The largest non-zero 款 of 公开06表 under the given 类 (names only: the table has the amounts)."""
        rows = [r for r in self.v.tables["06"].rows
                if r.code and len(r.code) == 5 and r.code[:3] in classes and r.amounts.get("amt", 0) > 0]
        rows.sort(key=lambda r: (-r.amounts["amt"], r.code or ""))
        return [r.name for r in rows[:limit]]

    def s_sangong(self) -> list[Paragraph]:
        out: list[Paragraph] = []
        def c(col: str) -> Figure:
            return self.cell("09", "sg", col)

        out.append(Paragraph(("（一）“三公”经费财政拨款支出决算总体情况说明",), "subheading"))
        last_total = self.inputs_sum(("last_abroad", "last_car_buy", "last_car_run", "last_reception"))
        out.append(Paragraph(tuple(self._sangong_sentence(
            f"{self.y}“三公”经费财政拨款支出", c("b_total"), c("a_total"), last_total, True))))
        out.append(Paragraph(("（二）“三公”经费财政拨款支出决算具体情况说明",), "subheading"))
        parts = self._sangong_sentence("因公出国（境）费支出", c("b_abroad"), c("a_abroad"),
                                       self.input("last_abroad"), False)
        if c("a_abroad").value != 0 or self.i.abroad_groups is not None or self.i.abroad_people is not None:
            parts += ["全年安排因公出国（境）团组", *self._count("abroad_groups", "个"), "，累计",
                      *self._count("abroad_people", "人次"), "。"]
        out.append(Paragraph(tuple(parts)))
        last_car = self.inputs_sum(("last_car_buy", "last_car_run"))
        out.append(Paragraph(tuple(self._sangong_sentence("公务用车购置及运行维护费支出", c("b_car"), c("a_car"),
                                                          last_car, False))))
        parts = self._sangong_sentence("其中：公务用车购置费支出", c("b_car_buy"), c("a_car_buy"),
                                       self.input("last_car_buy"), False)
        if c("a_car_buy").value != 0 or self.i.car_bought is not None:
            parts += ["本年购置公务用车", *self._count("car_bought", "辆"), "。"]
        out.append(Paragraph(tuple(parts)))
        parts = self._sangong_sentence("公务用车运行维护费支出", c("b_car_run"), c("a_car_run"),
                                       self.input("last_car_run"), False)
        if c("a_car_run").value != 0 or self.i.car_count is not None:
            parts += ["年末公务用车保有量", *self._count("car_count", "辆"), "。"]
        out.append(Paragraph(tuple(parts)))
        parts = self._sangong_sentence("公务接待费支出", c("b_recept"), c("a_recept"), self.input("last_reception"),
                                       False)
        if c("a_recept").value != 0 or self.i.reception_batches is not None or self.i.reception_people is not None:
            parts += ["全年国内公务接待", *self._count("reception_batches", "批次"), "、",
                      *self._count("reception_people", "人次")]
            if self.i.reception_note:
                parts += ["，主要是", UserText("reception_note", self.i.reception_note.strip().rstrip("。"))]
            parts.append("。")
        out.append(Paragraph(tuple(parts)))
        return out

    def _count(self, key: str, unit: str) -> list[Part]:
        return [self.input(key, unit), unit]

    def _sangong_sentence(self, lead: str, budget: Figure, actual: Figure, last: Figure | Missing,
                          with_reason: bool) -> list[Part]:
        parts: list[Part] = [lead, "预算为", budget, "万元，支出决算为", actual, "万元，",
                             *completion_parts(actual, budget, "预算")]
        change = change_parts(actual, last)
        parts += ["；", *(["与上年相比："] if isinstance(last, Missing) else []), *change, "。"]
        if with_reason:
            parts += reason_parts(actual, budget, self.reason("reason_sangong"), "预算数")
        return parts

    def s_funds(self) -> list[Paragraph]:
        """Both fund tables in one section (the seed's 八、)."""
        return self.s_fund() + self.s_soe()

    def s_fund(self) -> list[Paragraph]:
        return [self._fund_paragraph("基金", "政府性基金")]

    def s_soe(self) -> list[Paragraph]:
        return [self._fund_paragraph("国资", "国有资本经营")]

    def _fund_paragraph(self, fund: str, what: str) -> Paragraph:
        """The 合计 of the code table restricted to ``fund``, told by the columns the layout gives it: with 年初/本年
        收入/年末 columns (公开07表; 上海格式的国有资本经营预算表 too) the carry-over sentence, else the
        expenditure only (通用格式的公开08表)."""
        table = self.v.spec.fund_table(fund)
        assert table is not None, fund  # only asked for the funds the layout's document lists
        keys = {c.key for c in table.columns}
        carried = {"begin", "income", "end"} <= keys
        spent = "exp_total" if "exp_total" in keys else "total"
        if self.v.tables[table.id].empty:
            if carried:
                return Paragraph((f"本部门{self.y}没有{what}预算财政拨款收入，"
                                  f"也没有使用{what}预算财政拨款安排的支出。",))
            return Paragraph((f"本部门{self.y}没有使用{what}预算财政拨款安排的支出。",))

        def c(col: str) -> Figure:
            return self.cell(table.id, SUM_ROW, col)

        split: list[Part] = (["万元（其中：基本支出", c("basic"), "万元，项目支出", c("project"), "万元）"]
                             if {"basic", "project"} <= keys else ["万元"])
        if carried:
            return Paragraph((f"{self.y}{what}预算财政拨款年初结转和结余", c("begin"), "万元，本年收入", c("income"),
                              "万元，本年支出", c(spent), *split, "，年末结转和结余", c("end"), "万元。"))
        return Paragraph((f"{self.y}{what}预算财政拨款支出", c(spent), *split, "。"))

    def s_jiguan(self) -> list[Paragraph]:
        current = self.input("jiguan")
        parts: list[Part] = [f"本部门{self.y}机关运行经费支出", *amount_parts(current)]
        if isinstance(current, Figure):
            parts += ["，", *self._yoy(current, "last_jiguan", "reason_jiguan")]
        else:
            parts.append("。")
        return [Paragraph(tuple(parts))]

    def s_general_spending(self) -> list[Paragraph]:
        parts: list[Part] = [f"{self.y}本部门开支会议费", *amount_parts(self.input("meeting_fee"))]
        parts += self._optional_counts((("meeting_count", "召开会议", "次"), ("meeting_people", "参会", "人次")))
        parts += ["；开支培训费", *amount_parts(self.input("training_fee"))]
        parts += self._optional_counts((("training_count", "举办培训", "次"), ("training_people", "参训", "人次")))
        parts.append("。")
        return [Paragraph(tuple(parts))]

    def _optional_counts(self, spec: Sequence[tuple[str, str, str]]) -> list[Part]:
        parts: list[Part] = []
        for key, lead, unit in spec:
            if getattr(self.i, key) is not None:
                parts += ["，", lead, *self._count(key, unit)]
        return parts

    def s_procurement(self) -> list[Paragraph]:
        keys = ("proc_goods", "proc_works", "proc_services")
        items = [self.input(k) for k in keys]
        total = self.inputs_sum(keys)
        parts: list[Part] = [f"本部门{self.y}政府采购支出总额", *amount_parts(total)]
        names = ("政府采购货物支出", "政府采购工程支出", "政府采购服务支出")
        if isinstance(total, Missing):
            parts += ["，其中："]
            for k, (name, fig) in enumerate(zip(names, items, strict=True)):
                parts += [("、" if k else ""), name, *amount_parts(fig)]
            parts.append("。")
        elif total.value == 0:
            parts.append("。")
        else:
            parts.append("，其中：")
            for k, (name, fig) in enumerate(zip(names, items, strict=True)):
                assert isinstance(fig, Figure)
                parts += [("、" if k else ""), name, fig, "万元"]
            parts.append("。")
            for key, label in (("proc_sme", "授予中小企业合同金额"), ("proc_micro", "其中授予小微企业合同金额")):
                fig = self.input(key)
                if isinstance(fig, Figure):
                    parts += [label, fig, "万元，", *share_parts(fig, total, "占政府采购支出总额的"), "。"]
        return [Paragraph(tuple(parts))]

    def s_assets(self) -> list[Paragraph]:
        vehicles = self.input("vehicles", "辆")
        parts: list[Part] = [f"截至{self.year}年12月31日，本部门（单位）"]
        if isinstance(vehicles, Missing):
            parts += ["车辆数", vehicles, "。"]
        elif vehicles.value == 0:
            parts.append("无车辆。")
        else:
            parts += ["共有车辆", vehicles, "辆"]
            if self.i.vehicles_detail:
                parts += ["，", UserText("vehicles_detail", self.i.vehicles_detail.strip().rstrip("。"))]
            parts.append("。")
        out = [Paragraph(tuple(parts))]
        out += self.user_paragraphs("assets_note", optional=True)
        return out

    def s_performance(self) -> list[Paragraph]:
        out: list[Paragraph] = []
        for title, key in (("（一）绩效评价工作开展情况", "perf_work"), ("（二）绩效评价结果", "perf_result"),
                           ("（三）评价结果应用情况", "perf_use")):
            out.append(Paragraph((title,), "subheading"))
            out += self.user_paragraphs(key)
        return out


def _strip_ordinal(label: str) -> str:
    """"四、上级补助收入" → "上级补助收入"."""
    head, sep, tail = label.partition("、")
    return tail if sep and all(ch in "一二三四五六七八九十" for ch in head) else label


def _class_phrase(name: str) -> str:
    """"一般公共服务支出" → "一般公共服务（类）支出" (the seed's wording)."""
    name = _strip_ordinal(name)
    return f"{name[:-2]}（类）支出" if name.endswith("支出") else f"{name}（类）"


# placeholders a draft leaves behind (the seed published "占一般公共预算支出总额的XX%" and "一是……；二是……")
_PLACEHOLDER = re.compile(r"[XxＸｘ×]{2,}|…{2,}|\.{6,}|[?？]{2,}|【[^】]*】|\{[^}]*\}")


def placeholders(inputs: NarrativeInputs) -> list[tuple[str, str, str]]:
    """(field, label, what was found) for 说明 text that still holds a placeholder (XX, ××, ……, 【…】)."""
    found = []
    for spec in FIELDS:
        value = getattr(inputs, spec.key)
        if isinstance(value, str):
            match = _PLACEHOLDER.search(value)
            if match:
                found.append((spec.key, spec.label, match.group(0)))
    for item in inputs.items:
        if item.reason and (match := _PLACEHOLDER.search(item.reason)):
            found.append((f"reason:{item.code}", f"决算数与年初预算数差异的原因：{item.code}", match.group(0)))
    return found
