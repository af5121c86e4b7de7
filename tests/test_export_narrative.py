"""The 情况说明 rules (GUIDE §1), one test each, and the seed's own published mistakes, which the generator cannot make.

Scenarios are built with :func:`build_values` (the engine computes every total from the typed figures, as a
``--codes`` workbook would), so no workbook file is needed here; tests/test_export.py covers real workbooks.
"""

from __future__ import annotations

import re
import typing
from dataclasses import fields, replace
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from juesuan_xlsx.model import Cell
from juesuan_xlsx.narrative.inputs import ItemBudget, NarrativeInputs, input_fields
from juesuan_xlsx.narrative.shuoming import FIELDS, LAYOUT
from juesuan_xlsx.narrative.text import (
    MISSING_TEXT,
    Figure,
    Missing,
    change_parts,
    comparison_word,
    completion_parts,
    generate_narrative,
    missing_inputs,
    narrative_text,
    placeholders,
    share_parts,
)
from juesuan_xlsx.narrative.values import build_values
from juesuan_xlsx.spec import load_spec

D = Decimal
SPEC = load_spec(2024)


def fig(value: str | Decimal) -> Figure:
    return Figure(D(value), "万元", "cell", ())


def text(parts: list) -> str:
    return "".join(p if isinstance(p, str) else p.text for p in parts)


def half_up(value: Decimal) -> Decimal:
    return value.quantize(D("0.01"), rounding=ROUND_HALF_UP)


cents = st.integers(min_value=0, max_value=10**9).map(lambda c: D(c) / 100)

# -- the seed department, as build_values computes it (02/03/05 项 rows, 04 income, 06, 09) ----------------------

SEED_ROWS = [("2013201", "行政运行", D("203.08")), ("2080501", "行政单位离退休", D("0.12")),
             ("2080505", "机关事业单位基本养老保险缴费支出", D("16.90")), ("2210201", "住房公积金", D("15.70"))]
SEED_CELLS = {Cell("04", "inc1", "amt"): D("235.81"), Cell("09", "sg", "b_recept"): D("0.2"),
              Cell("09", "sg", "a_recept"): D("0.08"), Cell("06", "30101", "amt"): D("180.83"),
              Cell("06", "30201", "amt"): D("54.97")}

SEED_INPUTS = NarrativeInputs(
    duty="涉密部门不予公开。", organization="内设综合股等五个股室。",
    last_total=D("249.41"), reason_total="厉行节约，压缩开支", last_fiscal_total=D("249.41"),
    reason_fiscal="厉行节约，压缩开支", last_general=D("249.41"), reason_general="厉行节约，压缩开支",
    budget_general=D("224.09"), reason_budget="人员增加，人员经费增加",
    last_abroad=D(0), last_car_buy=D(0), last_car_run=D(0), last_reception=D("0.21"),
    reason_sangong="厉行节约，减少非必要的公务接待", reception_batches=1, reception_people=3,
    jiguan=D("54.97"), last_jiguan=D("117.30"), reason_jiguan="厉行节约，压缩开支",
    meeting_fee=D(0), training_fee=D(0), proc_goods=D(0), proc_works=D(0), proc_services=D(0), vehicles=0,
    perf_work="开展了整体支出绩效自评。", perf_result="自评得分98.78分。", perf_use="推动细化预算编制。",
)


def seed_values(rows=SEED_ROWS, cells=SEED_CELLS, extra=None):
    table_rows = {t: [(code, name, {"fiscal" if t == "02" else "basic": amount}) for code, name, amount in rows]
                  for t in ("02", "03", "05")}
    table_rows.update(extra or {})
    return build_values(SPEC, "某某局", cells, table_rows)


@pytest.fixture(scope="module")
def seed():
    return seed_values()


def sentences(values, inputs) -> str:
    return narrative_text(generate_narrative(values, inputs))


# -- shares ---------------------------------------------------------------------------------------------------------


def test_shares_are_rounded_half_up_not_truncated_nor_to_even():
    assert text(share_parts(fig("2"), fig("3"))) == "占66.67%"  # truncation would say 66.66
    assert text(share_parts(fig("1"), fig("800"))) == "占0.13%"  # 0.125: half-even would say 0.12
    assert text(share_parts(fig("1"), fig("8"))) == "占12.50%"  # always two decimals


def test_a_share_of_nothing_is_not_stated():
    assert share_parts(fig("0"), fig("0")) == []


# issue 15 #22: parts of one whole (人员经费 + 公用经费 = 基本支出) are apportioned by largest remainder


def test_shares_of_one_whole_add_up_to_100_percent():
    from juesuan_xlsx.narrative.text import whole_shares

    # the seed: 180.84 and 54.99 of 235.81 round, each on its own, to 76.69% + 23.32% = 100.01%
    said = [text(share) for share in whole_shares([fig("180.84"), fig("54.99")], "占基本支出的")]
    assert said == ["占基本支出的76.68%", "占基本支出的23.32%"]
    assert [text(share) for share in whole_shares([fig("1"), fig("1"), fig("1")])] == ["占33.34%", "占33.33%",
                                                                                       "占33.33%"]
    assert whole_shares([fig("0"), fig("0")]) == [[], []]


@given(st.lists(cents, min_size=2, max_size=8).filter(lambda parts: sum(parts) > 0))
def test_apportioned_shares_always_add_up_to_exactly_100(parts):
    from juesuan_xlsx.narrative.text import apportion

    shares = apportion(parts)
    assert sum(shares) == 100
    total = sum(parts)
    assert all(abs(share - part / total * 100) < D("0.01") for share, part in zip(shares, parts, strict=True))


def test_the_seeds_basic_expenditure_shares_add_up_to_100_percent():
    said = sentences(seed_values(), NarrativeInputs())
    shares = re.findall(r"[人公][员用]经费[\d.]+万元，占基本支出的(\d+\.\d{2})%", said)
    assert len(shares) == 2 and sum(D(s) for s in shares) == 100, shares


@given(whole=cents.filter(lambda v: v > 0), data=st.data())
def test_share_is_100_only_for_the_whole_and_0_only_for_nothing(whole, data):
    part = data.draw(st.integers(min_value=0, max_value=int(whole * 100)).map(lambda c: D(c) / 100))
    said = text(share_parts(fig(part), fig(whole)))
    match = re.fullmatch(r"占(不足|超过)?(\d+\.\d{2})%", said)
    assert match, said
    bound, number = match.group(1), D(match.group(2))
    exact = part / whole * 100
    if part == whole:
        assert said == "占100.00%"
    elif part == 0:
        assert said == "占0.00%"
    elif bound == "不足":
        assert number == D("0.01") and 0 < exact < D("0.005")
    elif bound == "超过":
        assert number == D("99.99") and D("99.995") <= exact < 100
    else:
        assert number == half_up(exact) and number not in (0, 100)


def test_seed_mistake_share_of_100_percent_for_a_class_that_is_not_the_whole(seed):
    """The seed: 一般公共服务（类）支出235.81万元，占100 % — its table says 203.08 of 235.81."""
    said = sentences(seed, SEED_INPUTS)
    assert "一般公共服务（类）支出203.08万元，占86.12%" in said
    structure = said.split("主要用于以下方面：", 1)[1].split("\n", 1)[0]
    assert "100" not in structure


# -- completion rates and 大于/小于/等于 -----------------------------------------------------------------------------


def test_seed_mistake_completion_of_100_percent_for_235_81_against_224_09(seed):
    assert text(completion_parts(fig("235.81"), fig("224.09"))) == "完成年初预算的105.23%"
    said = sentences(seed, SEED_INPUTS)
    assert "年初预算为224.09万元，支出决算为235.80万元，完成年初预算的105.23%。决算数大于年初预算数" in said
    assert "完成年初预算的100%" not in said


def test_no_completion_rate_when_the_budget_is_zero():
    assert text(completion_parts(fig("12.00"), fig("0"))) == "年初预算数为零，不计算完成率"
    assert text(completion_parts(fig("0"), fig("0"))) == "年初预算数和决算数均为零"
    assert completion_parts(fig("12.00"), Missing("budget_general", "x")) == []


def test_seed_mistake_completion_of_0_percent_for_a_zero_budget(seed):
    """The seed: 因公出国（境）费支出预算为0万元，支出决算为0万元，完成预算的0%."""
    said = sentences(seed, SEED_INPUTS)
    assert "因公出国（境）费支出预算为0.00万元，支出决算为0.00万元，预算数和决算数均为零" in said
    assert not re.search(r"完成(年初)?预算的0(\.00)?%", said)


@given(actual=cents, budget=cents.filter(lambda v: v > 0))
def test_completion_rate_and_comparison_word_follow_the_numbers(actual, budget):
    said = text(completion_parts(fig(actual), fig(budget)))
    assert said == f"完成年初预算的{half_up(actual / budget * 100):.2f}%"
    word = comparison_word(actual, budget)
    assert word == ("大于" if actual > budget else "小于" if actual < budget else "等于")


def test_equal_budget_asks_no_reason_and_says_equal():
    values = seed_values()
    inputs = replace(SEED_INPUTS, budget_general=D("235.80"), reason_budget=None)
    said = sentences(values, inputs)
    assert "完成年初预算的100.00%。决算数等于年初预算数。" in said
    assert ("reason_budget", "决算数与年初预算数差异的主要原因") not in missing_inputs(inputs, values)


def test_per_item_budgets_zero_budget_and_reasons():
    inputs = replace(SEED_INPUTS, items=(ItemBudget("2013201", D("0")), ItemBudget("2080501", D("0.12")),
                                         ItemBudget("2080505", D("20"), "缴费基数调整"),
                                         ItemBudget("2210201", D("15"))))
    values = seed_values()
    said = sentences(values, inputs)
    assert ("一般公共服务支出（类）组织事务（款）行政运行（项）：年初预算为0.00万元，支出决算为203.08万元，"
            "年初预算数为零，不计算完成率。决算数大于年初预算数的主要原因是：（未填写）。") in said
    assert ("行政单位离退休（项）：年初预算为0.12万元，支出决算为0.12万元，完成年初预算的100.00%。"
            "决算数等于年初预算数。") in said
    assert "完成年初预算的84.50%。决算数小于年初预算数的主要原因是：缴费基数调整。" in said
    missing = dict(missing_inputs(inputs, values))
    assert "reason:2013201" in missing and "reason:2210201" in missing
    assert "reason:2080501" not in missing and "reason:2080505" not in missing


def test_per_item_sentences_are_opt_in():
    said = sentences(seed_values(), SEED_INPUTS)
    assert "（项）" not in said
    inputs = replace(SEED_INPUTS, items=(ItemBudget("2013201", D("200")),))
    values = seed_values()
    said = sentences(values, inputs)
    assert said.count("（项）") == 4  # every 项 of 公开05表 once any is listed
    assert "budget:2080501" in dict(missing_inputs(inputs, values))


# -- year on year -----------------------------------------------------------------------------------------------

CHANGE = re.compile(r"与上年持平|与上年相比(增加|减少)(\d+\.\d{2})万元"
                    r"(（上年为0\.00万元，不计算增长率）|，(增长|下降)(不足)?(\d+\.\d{2})%)")


@settings(max_examples=300)
@given(current=cents, previous=cents)
def test_change_sentence_grammar_and_words_follow_the_numbers(current, previous):
    said = text(change_parts(fig(current), fig(previous)))
    match = CHANGE.fullmatch(said)
    assert match, said
    assert "增减" not in said
    diff = current - previous
    if diff == 0:
        assert said == "与上年持平"
        return
    assert match.group(1) == ("增加" if diff > 0 else "减少")
    assert D(match.group(2)) == abs(diff)
    if previous == 0:
        assert match.group(3).startswith("（上年为0.00万元")
        return
    assert match.group(4) == ("增长" if diff > 0 else "下降")
    rate = abs(diff) / previous * 100
    if match.group(5):
        assert half_up(rate) == 0 and D(match.group(6)) == D("0.01")
    else:
        assert D(match.group(6)) == half_up(rate)


def test_flat_only_on_an_exact_zero_difference():
    assert text(change_parts(fig("100.00"), fig("100.00"))) == "与上年持平"
    assert text(change_parts(fig("100000.01"), fig("100000.00"))) == "与上年相比增加0.01万元，增长不足0.01%"


def test_no_growth_of_100_percent_from_a_zero_base():
    said = text(change_parts(fig("5.00"), fig("0")))
    assert said == "与上年相比增加5.00万元（上年为0.00万元，不计算增长率）"
    assert "%" not in said


def test_seed_mistake_garbled_change_sentence(seed):
    """The seed: 机关运行经费支出54.97万元，比上年决算数增减少62.33 万元，降低11.8% (62.33 of 117.30 is 53.14%)."""
    said = sentences(seed, SEED_INPUTS)
    assert "机关运行经费支出54.97万元，与上年相比减少62.33万元，下降53.14%，主要原因是：厉行节约，压缩开支。" in said
    assert "增减" not in said


def test_missing_previous_year_is_visible_and_listed(seed):
    inputs = replace(SEED_INPUTS, last_total=None)
    said = sentences(seed, inputs)
    assert f"与上年相比：上年数{MISSING_TEXT}。" in said.split("\n")[1]
    assert ("last_total", "上年收、支总计") in missing_inputs(inputs, seed)


def test_reason_is_asked_only_when_the_figures_differ(seed):
    inputs = replace(SEED_INPUTS, last_total=D("235.81"), reason_total=None)
    said = sentences(seed, inputs)
    assert "收入总计与上年持平。" in said
    assert "reason_total" not in dict(missing_inputs(inputs, seed))
    inputs = replace(SEED_INPUTS, reason_total=None)
    assert "主要原因是：（未填写）" in sentences(seed, inputs).split("\n")[1]
    assert "reason_total" in dict(missing_inputs(inputs, seed))


# -- totals, structure, funds ---------------------------------------------------------------------------------------


def test_income_and_expenditure_totals_named_apart_when_they_differ(seed):
    first = sentences(seed, SEED_INPUTS).split("\n")[1]
    assert first.startswith("2024年度收入总计235.81万元，支出总计235.80万元。收入总计与上年相比减少13.60万元")
    balanced = seed_values(cells={**SEED_CELLS, Cell("04", "inc1", "amt"): D("235.80")})
    assert sentences(balanced, SEED_INPUTS).split("\n")[1].startswith("2024年度收、支总计235.80万元。")


def test_zero_items_are_named_without_a_share(seed):
    said = sentences(seed, SEED_INPUTS)
    assert ("其中：财政拨款收入235.81万元，占100.00%。"
            "本年没有上级补助收入、事业收入、经营收入、附属单位上缴收入和其他收入。") in said


def test_fund_tables_with_figures_are_described():
    values = seed_values(extra={"07": [("2296002", "用于社会福利的彩票公益金支出",
                                        {"income": D("10"), "project": D("8"), "end": D("2")})]})
    said = sentences(values, SEED_INPUTS)
    assert ("政府性基金预算财政拨款年初结转和结余0.00万元，本年收入10.00万元，本年支出8.00万元"
            "（其中：基本支出0.00万元，项目支出8.00万元），年末结转和结余2.00万元。") in said
    assert "没有使用国有资本经营预算财政拨款安排的支出" in said


# -- missing inputs and placeholders --------------------------------------------------------------------------------


def test_every_missing_input_is_visible_and_listed(seed):
    empty = NarrativeInputs()
    sections = generate_narrative(seed, empty)
    shown = [m for s in sections for p in s.paragraphs for m in p.missing]
    listed = missing_inputs(empty, seed)
    assert {(m.field, m.label) for m in shown} <= set(listed)
    assert narrative_text(sections).count(MISSING_TEXT) == len(shown)
    known = {f.key for f in FIELDS}
    assert all(key in known or key.split(":")[0] in ("budget", "reason") for key, _ in listed)
    assert [k for k, _ in missing_inputs(SEED_INPUTS, seed)] == []


def test_missing_inputs_without_values_lists_required_fields():
    listed = dict(missing_inputs(NarrativeInputs()))
    assert set(listed) == {f.key for f in FIELDS if f.required}
    assert missing_inputs(replace(SEED_INPUTS, attachments="附件")) == [
        (f.key, f.label) for f in FIELDS if f.required and getattr(SEED_INPUTS, f.key) is None]


PLACEHOLDER = re.compile(r"XX|xx|××|X%|……|\?\?|【|\{")


@pytest.mark.parametrize("inputs", [NarrativeInputs(), SEED_INPUTS], ids=["empty", "seed"])
def test_seed_mistake_no_placeholder_is_ever_generated(seed, inputs):
    said = sentences(seed, inputs)
    assert not PLACEHOLDER.search(said)


def test_placeholders_left_in_user_text_are_reported():
    inputs = replace(SEED_INPUTS, perf_work="一般公共预算项目1个，占一般公共预算支出总额的XX%。",
                     perf_result="绩效目标完成情况：一是……；二是……。")
    found = placeholders(inputs)
    assert [(k, t) for k, _, t in found] == [("perf_work", "XX"), ("perf_result", "……")]
    assert placeholders(SEED_INPUTS) == []


# -- the 说明 layout matches the inputs ----------------------------------------------------------------------------


def test_shuoming_layout_covers_every_input_once_with_the_right_kind():
    keys = [f.key for f in FIELDS]
    assert sorted(keys) == sorted(input_fields()) and len(set(keys)) == len(keys)
    labels = [f.label for f in LAYOUT]
    assert len(set(labels)) == len(labels)
    hints = typing.get_type_hints(NarrativeInputs)
    kinds = {"amount": Decimal, "integer": int, "text": str}
    for f in FIELDS:
        assert hints[f.key] == kinds[f.kind] | None, f.key
    assert {f.name for f in fields(NarrativeInputs)} == {*keys, "items"}
