"""Issue 14: the narrative checker on the seed's own mistakes, on our generated narratives and their mutations."""

from __future__ import annotations

import random
import re
from decimal import Decimal
from pathlib import Path

import pytest

from juesuan_xlsx.disclosure import Disclosure, Kind, Paragraph, Printed, Where
from juesuan_xlsx.findings import Finding, Level
from juesuan_xlsx.model import Instance
from juesuan_xlsx.narrative.inputs import NarrativeInputs
from juesuan_xlsx.narrative.text import generate_narrative, narrative_text
from juesuan_xlsx.narrative.values import WorkbookValues, build_values
from juesuan_xlsx.narrative_check import check_narrative
from juesuan_xlsx.spec import load_spec

from .fillings import random_filling

SEED = Path("/work/shared/seed/000_d1da4f3a8c0b1cbc.txt")

INPUTS = NarrativeInputs(
    duty="负责本区编制工作。", organization="内设综合股等五个股室。",
    last_total=Decimal("249.41"), reason_total="厉行节约", last_fiscal_total=Decimal("249.41"),
    reason_fiscal="厉行节约", last_general=Decimal("0"), reason_general="厉行节约",
    budget_general=Decimal("224.09"), reason_budget="人员增加",
    last_abroad=Decimal(0), last_car_buy=Decimal(0), last_car_run=Decimal("1.5"), last_reception=Decimal("0.21"),
    reason_sangong="厉行节约", reception_batches=1, reception_people=3, abroad_groups=1, abroad_people=2,
    car_bought=1, car_count=2,
    jiguan=Decimal("54.97"), last_jiguan=Decimal("117.30"), reason_jiguan="厉行节约",
    meeting_fee=Decimal(0), training_fee=Decimal(0), proc_goods=Decimal(0), proc_works=Decimal(0),
    proc_services=Decimal(0), vehicles=0,
    perf_work="开展了整体支出绩效自评。", perf_result="自评得分98.78分。", perf_use="推动细化预算编制。",
)


def values_for(year: int, profile: str, seed: int) -> WorkbookValues:
    """A random valid filling (tests/fillings.py): its 项 rows and grid inputs, every total computed."""
    spec = load_spec(year, profile)
    filling = random_filling(spec, seed)
    rows = {t: [(r.code, "", {k: Decimal(str(v)) for k, v in r.amounts.items()}) for r in items if len(r.code) == 7]
            for t, items in filling.rows.items()}
    cells = {c: Decimal(str(v)) for c, v in filling.cells.items()}
    return build_values(spec, "测试局", cells, rows)


def disclosure_of(values: WorkbookValues, text: str) -> Disclosure:
    inst = Instance.fixed(values.spec, {t: [(r.code or "", r.name) for r in tv.code_rows]
                                        for t, tv in values.tables.items() if tv.table.kind == "codes"})
    figures = {}
    for cell, v in values.cells.items():
        if cell.table in inst.code_tables and cell.row.startswith("#") is False and cell.row != "sum":
            continue
        figures[cell] = Printed(v, Kind.NUMBER, f"{v:.2f}", Where(table=cell.table))
    paragraphs = [Paragraph(line, Where(line=i + 1)) for i, line in enumerate(text.splitlines())]
    return Disclosure(values.spec, inst, figures=figures, paragraphs=paragraphs, dept=values.dept,
                      year=values.year, source_kind="ours")


def generated(year: int, profile: str, seed: int) -> tuple[WorkbookValues, str]:
    values = values_for(year, profile, seed)
    return values, narrative_text(generate_narrative(values, INPUTS))


def codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


# -- the seed: GUIDE §1's mistakes, each at its sentence, nothing else at error level ---------------------------


@pytest.fixture(scope="module")
def seed_findings() -> list[Finding]:
    from juesuan_xlsx.sources import read_source

    return check_narrative(read_source(str(SEED)))


def test_the_seeds_published_mistakes_are_found_at_their_sentences(seed_findings: list[Finding]) -> None:
    found = {(f.code, f.place) for f in seed_findings}
    assert ("N-占比不符", "第 1613 行") in found  # 一般公共服务 "占100%" that is 86.12%
    assert ("N-完成率不符", "第 1615 行") in found  # 完成年初预算的100% for 235.81 ÷ 224.09
    assert ("N-用语错乱", "第 1631 行") in found  # 增减少62.33万元
    assert ("N-占位符", "第 1640 行") in found  # XX%
    share = next(f for f in seed_findings if f.code == "N-占比不符")
    assert "86.12%" in share.message and "占100 %" in share.message


def test_the_seed_has_no_other_error(seed_findings: list[Finding]) -> None:
    mistakes = {"第 1613 行", "第 1615 行", "第 1631 行", "第 1640 行"}
    others = [f for f in seed_findings if f.level is Level.ERROR and f.place not in mistakes]
    assert others == []


# -- our own narratives: no finding, and each mutation found with its code -------------------------------------


@pytest.mark.parametrize("year", [2024, 2025])
@pytest.mark.parametrize("profile", ["central", "shanghai"])
@pytest.mark.parametrize("seed", range(6))
def test_a_generated_narrative_passes(year: int, profile: str, seed: int) -> None:
    values, text = generated(year, profile, seed)
    findings = check_narrative(disclosure_of(values, text))
    assert findings == [], [f.message for f in findings]


def _mutate(text: str, pattern: str, repl: str, rng: random.Random) -> str | None:
    hits = list(re.finditer(pattern, text))
    if not hits:
        return None
    m = rng.choice(hits)
    new = m.expand(repl) if "\\" in repl else repl
    return text[:m.start()] + new + text[m.end():]


def _bump(m: re.Match[str]) -> str:
    return f"{Decimal(m.group(1)) + Decimal('7.00'):.2f}"


MUTATIONS: list[tuple[str, str]] = [("share", "N-占比不符"), ("direction", "N-增减方向不符"),
                                    ("percent", "N-缺百分号"), ("placeholder", "N-占位符"),
                                    ("class", "N-金额不符"), ("previous", "N-上年数不符"), ("swap", "N-金额不符")]


def mutate(kind: str, text: str, rng: random.Random) -> str | None:
    if kind == "share":
        hits = list(re.finditer(r"占(\d+\.\d{2})%", text))
        hits = [h for h in hits if Decimal(h.group(1)) < 90]
        if not hits:
            return None
        m = rng.choice(hits)
        return text[:m.start(1)] + f"{Decimal(m.group(1)) + 5:.2f}" + text[m.end(1):]
    if kind == "direction":
        m = re.search(r"(增加|减少)(\d+\.\d{2}万元，)(增长|下降)", text)
        if not m:
            return None
        other = "减少" if m.group(1) == "增加" else "增加"
        return text[:m.start(1)] + other + text[m.end(1):]
    if kind == "percent":
        return _mutate(text, r"(占\d+\.\d{2})%", r"\1", rng)
    if kind == "placeholder":
        return _mutate(text, r"占\d+\.\d{2}%", "占XX%", rng)
    if kind == "class":
        m = re.search(r"（类）(?:支出)?(\d+\.\d{2})万元", text)
        if not m:
            return None
        return text[:m.start(1)] + _bump(m) + text[m.end(1):]
    if kind == "previous":
        m = re.search(r"上年为(\d+\.\d{2})万元", text)
        if not m:
            return None
        return text[:m.start(1)] + _bump(m) + text[m.end(1):]
    if kind == "swap":
        m = re.search(r"基本支出(\d+\.\d{2})万元，占\d+\.\d{2}%；项目支出(\d+\.\d{2})万元", text)
        if not m or m.group(1) == m.group(2):
            return None
        return text[:m.start(1)] + m.group(2) + text[m.end(1):m.start(2)] + m.group(1) + text[m.end(2):]
    raise AssertionError(kind)


@pytest.mark.parametrize(("kind", "code"), MUTATIONS)
@pytest.mark.parametrize("profile", ["central", "shanghai"])
def test_each_mutation_is_found_with_its_code(kind: str, code: str, profile: str) -> None:
    tried = 0
    for seed in range(40):
        values, text = generated(2024, profile, seed)
        mutated = mutate(kind, text, random.Random(seed))
        if mutated is None or mutated == text:
            continue
        tried += 1
        found = codes(check_narrative(disclosure_of(values, mutated)))
        assert code in found, (kind, found)
        if tried >= 4:
            break
    assert tried, f"no narrative to mutate for {kind}"


def test_an_unfinished_sentence_is_one_finding_however_many_ellipses() -> None:
    from juesuan_xlsx.narrative_check.defects import text_defects

    text = "一是……；二是……；三是……。另一句XX%与YY%。"
    found = text_defects([Paragraph(text, Where(line=7))], 2024)
    assert [(f.code, f.args["claimed"]) for f in found] == [("N-占位符", "XX"), ("N-省略号", "……")]
    assert all(f.place == str(Where(line=7)) for f in found)
