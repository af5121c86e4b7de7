"""`new`: the generated workbook, part by part, against the spec it is a view of."""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from juesuan_xlsx.atomic import OutputExists
from juesuan_xlsx.generate import CHECK_SHEET, Options, build_instance, generate
from juesuan_xlsx.layout import layout_all
from juesuan_xlsx.spec import load_spec
from juesuan_xlsx.xlformula import Renderer

GOLDEN = Path(__file__).parent / "golden"
FIXED_CODES = ("2013201", "2080501", "2080505", "2210201", "2070904")


@pytest.fixture(scope="module")
def spec():
    return load_spec(2024, "central")


@pytest.fixture(scope="module", params=["free", "fixed"])
def generated(request, spec, tmp_path_factory):
    options = Options(dept="测试局", codes=FIXED_CODES if request.param == "fixed" else None)
    path = tmp_path_factory.mktemp(request.param) / "t.xlsx"
    generate(spec, path, options)
    inst = build_instance(spec, options)
    return path, inst, openpyxl.load_workbook(path)


def test_sheets_in_order_with_stable_markers(generated, spec):
    _, _, wb = generated
    assert wb.sheetnames == ["填表说明", *[t.sheet for t in spec.tables], "说明", CHECK_SHEET, "字典"]
    for table in spec.tables:
        ws = wb[table.sheet]
        assert ws.sheet_properties.codeName == table.codename
        assert table.label in [c.value for c in ws[2]]
    props = {p.name: p.value for p in wb.custom_doc_props}
    assert props["juesuan-xlsx"] == "2024/central"
    assert wb["字典"].sheet_state == "hidden"


def test_every_formula_cell_is_the_spec_formula(generated, spec):
    _, inst, wb = generated
    layouts = layout_all(inst)
    render = Renderer(layouts)
    formulas = inst.formula_cells()
    assert formulas
    for cell, eq in formulas.items():
        row, col = layouts[cell.table].cells[cell]
        target = wb[spec.table(cell.table).sheet].cell(row + 1, col + 1)
        assert target.value == "=" + render.sum(eq.rhs, cell.table), cell
        assert target.protection.locked, cell


def test_inputs_unlocked_tinted_validated_and_formulas_locked(generated, spec):
    _, inst, wb = generated
    layouts = layout_all(inst)
    formulas = inst.formula_cells()
    for table in spec.tables:
        ws = wb[table.sheet]
        assert ws.protection.sheet and not ws.protection.password
        validated = {str(c) for dv in ws.data_validations.dataValidation for rng in dv.sqref.ranges for c in [rng]}
        for cell, (row, col) in layouts[table.id].cells.items():
            target = ws.cell(row + 1, col + 1)
            if cell in formulas:
                assert isinstance(target.value, str) and target.value.startswith("=")
            else:
                assert not target.protection.locked, cell
                assert target.fill.fgColor.rgb.endswith("FFF2CC"), cell
                assert target.number_format == "#,##0.00"
                assert target.coordinate in validated, cell


def test_every_relation_is_a_formula_or_a_live_check(generated, spec):
    """Walk the spec: each relation appears as a formula cell, a 校验 line or a per-row 校验 column."""
    _, inst, wb = generated
    equations = inst.equations()
    formulas = inst.formula_cells(equations)
    check_codes = {c for row in wb[CHECK_SHEET].iter_rows(min_row=5, max_col=2, values_only=True) if row[1]
                   for c in str(row[1]).split("、")}
    for relation in spec.relations:
        eqs = [e for e in equations if e.relation is relation]
        if not eqs:  # a relation over rows that this instance does not have (e.g. fixed codes without 07 rows)
            assert relation.kind in ("hierarchy", "le") or relation.for_rows, relation.code
            continue
        for eq in eqs:
            if eq.mode == "formula":
                assert formulas[eq.target] is eq
            else:
                assert relation.code in check_codes, relation.code


def test_formulas_have_empty_cached_values(generated):
    """A default LibreOffice computes a formula only when its cached value is empty (GUIDE §2)."""
    path, _, _ = generated
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/sheet"):
                xml = zf.read(name).decode()
                for cell in re.findall(r"<c [^>]*>(?:(?!</c>).)*<f>(?:(?!</c>).)*</c>", xml):
                    assert re.search(r"<v>[^<]+</v>", cell) is None, cell[:200]


def test_print_setup_and_panes(generated, spec):
    _, _, wb = generated
    for table in spec.tables:
        ws = wb[table.sheet]
        assert ws.page_setup.orientation == "landscape"
        assert ws.page_setup.paperSize == 9
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows
        assert ws.freeze_panes


def test_defined_names_for_key_cells(generated):
    _, _, wb = generated
    assert wb.defined_names["T01_inc_grand_amt"].attr_text.endswith("$C$36")
    assert "T03_sum_total" in wb.defined_names


def test_fixed_codes_rows_and_funds(spec, tmp_path):
    path = tmp_path / "f.xlsx"
    generate(spec, path, Options(codes=FIXED_CODES))
    wb = openpyxl.load_workbook(path)
    def codes(sheet):
        rows = wb[sheet].iter_rows(min_row=8, max_col=1, values_only=True)
        return [r[0] for r in rows if r[0] and r[0][0].isdigit()]
    assert codes("公开03表") == ["201", "20132", "2013201", "207", "20709", "2070904", "208", "20805", "2080501",
                               "2080505", "221", "22102", "2210201"]
    assert "2070904" not in codes("公开05表") and "2070904" in codes("公开07表")
    assert codes("公开08表") == []
    ws = wb["公开03表"]
    assert ws["C8"].value.startswith("=") and ws["D8"].value.startswith("=")  # 类 row 201: formulas
    assert ws["D10"].value is None and not ws["D10"].protection.locked  # 项 row: input


def test_deterministic_and_golden(spec, tmp_path):
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    generate(spec, a, Options(dept="测试局"))
    generate(spec, b, Options(dept="测试局"))
    assert a.read_bytes() == b.read_bytes()
    golden = GOLDEN / "2024-central-free.xlsx"
    if os.environ.get("JUESUAN_UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(exist_ok=True)
        golden.write_bytes(a.read_bytes())
    volatile = {"docProps/app.xml", "docProps/core.xml", "docProps/custom.xml"}
    with zipfile.ZipFile(golden) as want, zipfile.ZipFile(a) as got:
        assert sorted(want.namelist()) == sorted(got.namelist())
        for name in want.namelist():
            if name not in volatile:
                assert want.read(name) == got.read(name), f"{name} differs from the golden file " \
                    "(set JUESUAN_UPDATE_GOLDEN=1 to accept a deliberate change)"


def test_existing_file_kept_without_overwrite(spec, tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"precious")
    with pytest.raises(OutputExists):
        generate(spec, path)
    assert path.read_bytes() == b"precious"
    generate(spec, path, overwrite=True)
    assert path.read_bytes()[:2] == b"PK"
    assert [p.name for p in tmp_path.iterdir()] == ["x.xlsx"]  # no temporary file left behind


def test_a_class_with_items_of_two_funds_heads_both_fund_tables() -> None:
    """207 with a 一般 项 (2070101) and a 基金 项 (2070904): each fund table needs the 类 row its 项 add up to,
    else 公开07表's 合计 misses the 基金 part and X-07本年收入-04 fails on a correct filling."""
    inst = build_instance(load_spec(2024, "central"), Options(codes=("2070101", "2070904", "2013201")))
    codes = {t: [r.code for r in ct.rows] for t, ct in inst.code_tables.items()}
    assert codes["05"] == ["201", "20132", "2013201", "207", "20701", "2070101"]
    assert codes["07"] == ["207", "20709", "2070904"]
    assert codes["08"] == []


@pytest.mark.parametrize("codes", [("2013201",), ("2013201", "2070904")])
def test_a_yuan_template_with_fixed_rows_verifies_without_formula_findings(tmp_path: Path,
                                                                           codes: tuple[str, ...]) -> None:
    """An empty fund table of a --codes 元 workbook: its 万元 view has no row the generator did not write."""
    from juesuan_xlsx.findings import Level
    from juesuan_xlsx.verify import verify

    path = generate(load_spec(2024, "central"), tmp_path / "y.xlsx", Options(codes=codes, unit="元"))
    report = verify(path).report
    assert report.count(Level.ERROR) == 0, [f.message for f in report.findings if f.level == Level.ERROR]
    assert not [f for f in report.findings if f.code.startswith("I-") and f.code != "I-未填写金额"
                and f.code != "I-部门未填写"]
