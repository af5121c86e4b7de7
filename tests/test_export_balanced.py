"""Publishing a 元 workbook (issue 17 #2): always 万元; ``--balanced`` prints controlled-rounded figures under which
every relation of the spec holds exactly, without the 尾数误差 note; when none exists the export falls back to
independent rounding, keeps the note and says which relations keep a 尾差."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import juesuan_xlsx.narrative.published as published_module
from juesuan_xlsx.amounts import CENT, YUAN_PER_WAN, to_wan
from juesuan_xlsx.api import export_file
from juesuan_xlsx.cli import run
from juesuan_xlsx.contract import WAN, YUAN
from juesuan_xlsx.engine import Engine, Status
from juesuan_xlsx.export import Exported, ExportError, export_report, export_verified
from juesuan_xlsx.export import _export as export_one
from juesuan_xlsx.export.tables import publication_tables, without_note
from juesuan_xlsx.findings import Level
from juesuan_xlsx.model import Cell, Equation, Instance, Ref
from juesuan_xlsx.narrative.inputs import LAYOUT, ItemBudget, NarrativeInputs
from juesuan_xlsx.narrative.published import NotInYuan, published_values
from juesuan_xlsx.narrative.values import WorkbookValues
from juesuan_xlsx.rounding import RoundingStatus, exact_figures, imbalances, round_figures
from juesuan_xlsx.spec import Address, Relation, load_spec
from juesuan_xlsx.verify import Verification, verify

from .yuan_fillings import WEB, full_workbook, outcomes, web_preset, yuan_filling
from .yuan_workbooks import write_workbook

SPECS = [(2024, "central"), (2024, "shanghai"), (2025, "central"), (2025, "shanghai")]
DEPT = "市审计局"
# warnings a random filling earns that have nothing to do with rounding: its invented 国资 项 are not in the
# (partial) 功能分类 dictionary
UNRELATED = frozenset({"C-未收录科目", "S-未知科目"})
FOOTNOTE = "尾数误差"


# --------------------------------------------------------------------------------------------------------------
# 元 workbooks from random consistent fillings


def exact_yuan_workbook(spec_year: int, profile: str, seed: int, path: Path, *, leaves: int | None = None,
                  preset: dict[Cell, Decimal] | None = None, full: bool = False,
                  shuoming: bool = False) -> dict[tuple[str, str, str], Decimal]:
    """A 元 workbook (``new --unit 元``, free-entry rows) typed with a random consistent filling (and with
    ``shuoming`` every 说明 input filled); returns the exact 元 figure of every amount cell by (table, row code or
    grid key, column), which is how the workbook read back names them."""
    spec = load_spec(spec_year, profile)
    if full:
        inst, engine, inputs = full_workbook(spec, seed)
    else:
        inst, engine, inputs = yuan_filling(spec, seed, leaves=leaves, preset=preset)
    exact = exact_figures(inst, inputs, engine)
    inputs_sheet = counts_of(every_input(inst), exact) if shuoming else None
    write_workbook(spec, path, inst, engine, inputs, dept=DEPT, shuoming=inputs_sheet)
    return {named(inst, cell): value for cell, value in exact.items()}


def every_input(inst: Instance) -> NarrativeInputs:
    """Every 说明 input filled (texts, 万元 amounts, counts), a 年初预算 for each 项 of 公开05表."""
    filled = {f.key: "本项已填写。" if f.kind == "text" else Decimal("1.00") if f.kind == "amount" else 1
              for f in LAYOUT if f.key}
    items = tuple(ItemBudget(r.code, Decimal("10.00"), "预算调整。") for r in inst.code_tables["05"].rows
                  if r.code and len(r.code) == 7)
    return NarrativeInputs(**filled, items=items)  # type: ignore[arg-type]


def counts_for(inputs: NarrativeInputs, printed: Callable[[str], Decimal]) -> NarrativeInputs:
    """The 说明's counts (团组, 批次, 车辆) an accountant types for these figures: one where the 三公 item (its column
    of 公开09表) prints above 0.00 — a count with no money behind it, or money with no count, is a contradiction
    (S-说明与表矛盾 at verify, N-次数不符 in the narrative checker)."""

    def count(col: str) -> int:
        return 1 if printed(col) else 0

    return replace(inputs, abroad_groups=count("a_abroad"), abroad_people=count("a_abroad"),
                   reception_batches=count("a_recept"), reception_people=count("a_recept"),
                   car_bought=count("a_car_buy"), car_count=count("a_car_run"), vehicles=count("a_car_run"))


def counts_of(inputs: NarrativeInputs, exact: dict[Cell, Decimal]) -> NarrativeInputs:
    """:func:`counts_for` the exact 元 figures, as each prints on its own."""
    return counts_for(inputs, lambda col: to_wan(exact.get(Cell("09", "sg", col), Decimal(0))))


def counts_as_printed(inputs: NarrativeInputs, values: WorkbookValues) -> NarrativeInputs:
    """:func:`counts_for` the figures as published."""
    return counts_for(inputs, lambda col: values.amount("09", "sg", col))


def named(inst: Instance, cell: Cell) -> tuple[str, str, str]:
    table = inst.code_tables.get(cell.table)
    if table is None or cell.row == "sum":
        return (cell.table, cell.row, cell.col)
    code = next(r.code for r in table.rows if r.key == cell.row)
    return (cell.table, code or cell.row, cell.col)


def exact_of(verification: Verification) -> dict[Cell, Decimal]:
    """Every amount cell of the read workbook in 元 (what verify computed)."""
    assert verification.values is not None and verification.values.unit == YUAN
    return dict(verification.values.cells)


def holds_exactly(engine: Engine, figures: dict[Cell, Decimal]) -> list[tuple[str, Decimal, Decimal]]:
    """The relations broken on ``figures`` taken as exact (no 尾差 allowance at all)."""
    return [(o.equation.relation.code, o.left, o.right) for o in outcomes(engine, figures) if o.status is not Status.OK]


def docx_text(path: Path) -> str:
    doc = Document(str(path))
    texts = [p.text for p in doc.paragraphs]
    texts += [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join(texts)


def rounding_notes(report) -> list[str]:  # noqa: ANN001 - a FileReport
    return [f.message for f in report.findings if f.level == Level.NOTE and "尾差" in f.message]


@pytest.mark.parametrize(("year", "profile"), SPECS)
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_a_balanced_export_ties_every_relation_exactly(tmp_path_factory, year, profile, seed):
    folder = tmp_path_factory.mktemp("balanced")
    book = folder / "yuan.xlsx"
    exact_by_name = exact_yuan_workbook(year, profile, seed, book, shuoming=True)
    verification = verify(book, evaluate=False)
    report = verification.report
    assert report.valid and not rounding_notes(report), report.flatten("code", "message")
    assert not [f for f in report.findings if f.code not in UNRELATED], report.flatten("code", "message")
    assert verification.engine is not None and verification.read is not None
    exact = exact_of(verification)
    assert {named(verification.read.inst, c): v for c, v in exact.items() if v} == {
        k: v for k, v in exact_by_name.items() if v}, "the workbook holds the filling"

    values, rounding = published_values(verification.values, verification.engine.equations, balanced=True)

    assert rounding is not None and rounding.status is RoundingStatus.BALANCED, [str(u) for u in rounding.unbalanced]
    assert values.unit == WAN and not values.footnote
    # every relation of the spec holds exactly on the published figures
    assert holds_exactly(verification.engine, dict(values.cells)) == []
    assert imbalances(verification.engine.equations, values.cells) == []
    # each figure is its exact value rounded down or up: within 0.01 万元
    for cell, printed in values.cells.items():
        assert abs(printed - exact[cell] / YUAN_PER_WAN) < CENT, cell
        assert printed == printed.quantize(CENT)
    # every table row was rebuilt from the published cells
    for tid, tv in values.tables.items():
        for row in tv.rows:
            for col, amount in row.amounts.items():
                assert amount == values.cells.get(Cell(tid, row.key, col), Decimal(0)), (tid, row.key, col)
    # deterministic
    again, _ = published_values(verification.values, verification.engine.equations, balanced=True)
    assert again.cells == values.cells

    first, second, document = folder / "a.xlsx", folder / "b.xlsx", folder / "a.docx"
    exported = _export(verification, "xlsx", first)
    _export(verification, "xlsx", second)
    assert first.read_bytes() == second.read_bytes()
    assert exported.rounding is not None and exported.rounding.published == rounding.published
    assert not exported.warnings and len(exported.notes) == 1 and "求解用时" in exported.notes[0]
    assert verification.inputs is not None
    verification.inputs = counts_as_printed(verification.inputs, values)
    _export(verification, "docx", document)

    # the published tables read back: every relation ties, so no 尾差 note (a tables-only file has no 情况说明:
    # the narrative checker's N- findings are about that, not about figures)
    printed = verify(first)
    assert printed.disclosure is not None
    assert not rounding_notes(printed.report), rounding_notes(printed.report)
    assert not [f for f in printed.report.findings if f.level == Level.ERROR and not f.code.startswith("N-")], \
        printed.report.flatten("code", "message")
    text = docx_text(document)
    assert FOOTNOTE not in text
    # the whole document read back: tables and 情况说明 agree to the 分 (narrative_check), nothing to note
    read_back = verify(document)
    assert read_back.disclosure is not None
    # and its tables print exactly the published figures (万元, read back from the document)
    assert verification.read is not None
    expected = {named(verification.read.inst, c): v for c, v in values.cells.items()}
    numbers = read_back.disclosure.numbers()
    assert numbers, "the document's tables were read"
    for cell, number in numbers.items():
        assert number == expected[named(read_back.disclosure.inst, cell)], cell
    assert not [f for f in read_back.report.findings if f.code not in UNRELATED], read_back.report.flatten(
        "code", "message")


def _export(verification: Verification, to: str, output: Path) -> Exported:
    return export_one(verification, to, output, force=False, overwrite=False, balanced=True)


def test_export_verified_takes_balanced(tmp_path):
    book = tmp_path / "yuan.xlsx"
    exact_yuan_workbook(2024, "central", 11, book)
    verification = verify(book, evaluate=False)
    written = export_verified(verification, "json", tmp_path / "b.json", balanced=True)
    data = json.loads(written[0].read_text(encoding="utf-8"))
    assert data["unit"] == "万元"


# --------------------------------------------------------------------------------------------------------------
# the 万元 figures of an ordinary export


def test_a_yuan_workbook_exports_in_wan_by_default(tmp_path, capsys):
    """1,234,567.89 元 prints as 123.46 万元 — in every format, independently rounded, the note kept."""
    budget = Cell("09", "sg", "b_abroad")
    book = tmp_path / "yuan.xlsx"
    exact_yuan_workbook(2024, "central", 3, book, preset={budget: Decimal("1234567.89")})
    assert run(["export", str(book), "--to", "json", "-o", str(tmp_path / "d.json")]) == 0
    assert run(["export", str(book), "--to", "xlsx", "-o", str(tmp_path / "d.xlsx")]) == 0
    assert run(["export", str(book), "--to", "docx", "-o", str(tmp_path / "d.docx")]) == 0
    err = capsys.readouterr().err
    assert "受控舍入" not in err  # no rounding was chosen: nothing to report

    data = json.loads((tmp_path / "d.json").read_text(encoding="utf-8"))
    assert data["unit"] == "万元"
    table = next(t for t in data["tables"] if t["id"] == "09")
    assert table["rows"][0]["values"]["b_abroad"] == "123.46"
    wb = openpyxl.load_workbook(tmp_path / "d.xlsx")
    numbers = [c.value for row in wb["公开09表"].iter_rows() for c in row if isinstance(c.value, float)]
    assert 123.46 in numbers and 1234567.89 not in numbers
    assert "单位：万元" in [c.value for row in wb["公开09表"].iter_rows() for c in row]
    text = docx_text(tmp_path / "d.docx")
    assert FOOTNOTE in text and "1234567.89" not in text and "1,234,567.89" not in text

    # every amount is the 元 figure's ROUND(元/10000, 2): what the workbook's own 万元 view sheets show
    verification = verify(book, evaluate=False)
    assert verification.values is not None and verification.engine is not None
    values, rounding = published_values(verification.values, verification.engine.equations)
    assert rounding is None and values.unit == WAN and values.footnote
    assert values.cells == {c: to_wan(v) for c, v in verification.values.cells.items()}
    assert values.amount("09", "sg", "b_abroad") == Decimal("123.46")


# --------------------------------------------------------------------------------------------------------------
# no balanced rounding exists: said, never silent




def web_equations() -> list[Equation]:
    """An odd cycle no rounding can satisfy (a + b = b + c = a + c = 0.01 with a, b, c ∈ {0.00, 0.01})."""
    out = []
    for code, (lhs, rhs) in WEB.items():
        relation = Relation(code, f"{lhs} = Σ", Level.ERROR, "check", "eq", (Address.parse(lhs),),
                            tuple(Address.parse(a) for a in rhs))
        left = Cell(*lhs.split("."))
        out.append(Equation(relation, (Ref(left),), tuple(Ref(Cell(*a.split("."))) for a in rhs), "check", "eq",
                            left))
    return out


def test_an_impossible_balance_falls_back_and_lists_every_gap(tmp_path, monkeypatch, capsys):
    book = tmp_path / "yuan.xlsx"
    exact_yuan_workbook(2024, "central", 7, book, preset=web_preset())

    def with_the_web(exact, equations, **kwargs):  # noqa: ANN001, ANN202
        return round_figures(exact, [*equations, *web_equations()], **kwargs)

    monkeypatch.setattr(published_module, "round_figures", with_the_web)
    exported = export_report(book, "docx", tmp_path / "b.docx", balanced=True)

    assert exported.rounding is not None and exported.rounding.status is RoundingStatus.FALLBACK
    assert exported.rounding.solver == "infeasible"
    [warning] = [w for w in exported.warnings if "尾差" in w]
    assert "不存在使所有关系在万元上同时严格相等的取整" in warning and "逐数四舍五入" in warning
    assert "本套报表金额单位转换时可能存在尾数误差" in warning
    for code in WEB:
        assert code in warning
    # each listed with its cells as the workbook names them
    assert "W-出国（公开09表!" in warning and "公开06表!" in warning
    assert "0.01 对 0.02，差 -0.01 万元" in warning
    listed = {u.code for u in exported.rounding.unbalanced}
    assert set(WEB) <= listed and all(code in warning for code in listed)
    # independent rounding, and the note kept in every table that has it
    assert exported.rounding.published == {c: to_wan(v) for c, v in exported.rounding.exact.items()}
    text = docx_text(tmp_path / "b.docx")
    assert text.count(FOOTNOTE) == 9
    assert "未能使所有关系严格相等" in exported.notes[0]

    # the CLI prints it as a warning
    assert run(["export", str(book), "--to", "xlsx", "--balanced", "-o", str(tmp_path / "b.xlsx")]) == 0
    err = capsys.readouterr().err
    assert "警告：" in err and "W-接待" in err and "提示：受控舍入" in err


def test_a_yuan_workbook_that_does_not_balance_is_said_too(tmp_path):
    """A forced export of 元 books one 分 off: the relation is reported as broken in 元, and the note kept."""
    book = tmp_path / "yuan.xlsx"
    exact_yuan_workbook(2024, "central", 5, book)
    wb = openpyxl.load_workbook(book)
    verification = verify(book, evaluate=False)
    assert verification.read is not None
    where = verification.read.where(Cell("01", "exp_end", "amt"))
    sheet, address = where.split("!")
    wb[sheet][address].value = (wb[sheet][address].value or 0) + 0.01
    wb.save(book)
    with pytest.raises(ExportError):
        export_report(book, "json", tmp_path / "x.json", balanced=True)
    exported = export_report(book, "docx", tmp_path / "x.docx", balanced=True, force=True)
    assert exported.stamped and exported.rounding is not None
    assert [i.code for i in exported.rounding.inconsistent] == ["T01-收支平衡"]
    [said] = [w for w in exported.warnings if "在元上就不相等" in w]
    assert "T01-收支平衡（公开01表!" in said and "差 -0.01 元" in said
    assert FOOTNOTE in docx_text(tmp_path / "x.docx")


# --------------------------------------------------------------------------------------------------------------
# the command line and the library faces


def test_balanced_on_a_wan_workbook_is_a_usage_error(tmp_path, capsys):
    book = tmp_path / "wan.xlsx"
    assert run(["new", "2024", "-o", str(book)]) == 0
    capsys.readouterr()
    target = tmp_path / "w.xlsx"
    assert run(["export", str(book), "--to", "xlsx", "--balanced", "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：") and "万元" in err and "--balanced" in err and "new --unit 元" in err
    assert not target.exists()
    with pytest.raises(ExportError, match="精确（元）金额未知"):
        export_file(book, "xlsx", target, balanced=True)


def test_published_values_refuses_balanced_wan_figures(tmp_path):
    book = tmp_path / "wan.xlsx"
    assert run(["new", "2024", "-o", str(book)]) == 0
    verification = verify(book, evaluate=False)
    assert verification.values is not None and verification.values.unit == WAN
    values, rounding = published_values(verification.values, ())
    assert values is verification.values and rounding is None
    with pytest.raises(NotInYuan):
        published_values(verification.values, (), balanced=True)


def test_balanced_export_of_a_yuan_workbook_prints_the_solver_line(tmp_path, capsys):
    book = tmp_path / "yuan.xlsx"
    exact_yuan_workbook(2025, "shanghai", 21, book)
    target = tmp_path / "b.docx"
    assert run(["export", str(book), "--to", "docx", "--balanced", "-o", str(target)]) == 0
    captured = capsys.readouterr()
    assert "尾差" not in captured.err  # the only warning is the 说明 not filled in
    [line] = [line for line in captured.err.splitlines() if line.startswith("提示：受控舍入")]
    assert "求解用时" in line and "秒" in line and "个数与逐数四舍五入" in line and "已省略" in line
    assert f"已导出：{target}" in captured.out
    assert FOOTNOTE not in docx_text(target)
    # the library face gives the same figures
    export_file(book, "json", tmp_path / "b.json", balanced=True)
    export_file(book, "json", tmp_path / "d.json")
    balanced = json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))
    default = json.loads((tmp_path / "d.json").read_text(encoding="utf-8"))
    assert balanced["unit"] == default["unit"] == "万元"


def test_the_full_workbook_balances_within_a_second(tmp_path):
    """All nine tables, about a hundred code rows (issue 17's benchmark size): the solver well within 1 s."""
    book = tmp_path / "full.xlsx"
    exact_yuan_workbook(2024, "central", 0, book, full=True)
    verification = verify(book, evaluate=False)
    assert verification.report.valid and verification.values is not None and verification.engine is not None
    values, rounding = published_values(verification.values, verification.engine.equations, balanced=True)
    assert rounding is not None and rounding.status is RoundingStatus.BALANCED
    assert rounding.seconds < 1.0, rounding.seconds
    assert holds_exactly(verification.engine, dict(values.cells)) == []


# --------------------------------------------------------------------------------------------------------------
# the note itself


def test_the_rounding_note_is_left_out_and_the_rest_renumbered():
    note = "本套报表金额单位转换时可能存在尾数误差。"
    numbered = ("注：1.本表反映部门本年度的总收支。", f"    2.{note}")
    assert without_note(numbered, note) == ("注：本表反映部门本年度的总收支。",)
    assert without_note(("注：本表反映收入。", note), note) == ("注：本表反映收入。",)
    assert without_note(("注：1.甲。", "2.乙。", f"3.{note}"), note) == ("注：1.甲。", "2.乙。")
    assert without_note(("注：本表反映收入。",), note) == ("注：本表反映收入。",)


def test_only_a_balanced_rounding_drops_the_note(tmp_path):
    book = tmp_path / "yuan.xlsx"
    exact_yuan_workbook(2024, "central", 2, book)
    verification = verify(book, evaluate=False)
    assert verification.values is not None and verification.engine is not None
    plain, _ = published_values(verification.values, verification.engine.equations)
    balanced, _ = published_values(verification.values, verification.engine.equations, balanced=True)
    rounding_note = verification.values.spec.rounding_note
    assert all(any(rounding_note in n for n in t.notes) for t in publication_tables(plain))
    assert not any(rounding_note in n for t in publication_tables(balanced) for n in t.notes)
