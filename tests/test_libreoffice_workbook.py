"""The generated workbook in a real spreadsheet application: headless LibreOffice over UNO.

Every formula value LibreOffice computes must equal what the spec computes in Decimal
(:func:`juesuan_xlsx.verify.expected_formula_values`), cell by cell, the 校验 sheet included.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl.utils import get_column_letter

from juesuan_xlsx.filling import load_fill_file
from juesuan_xlsx.generate import Options, generate
from juesuan_xlsx.layout import layout_all
from juesuan_xlsx.model import Instance
from juesuan_xlsx.rules.agreement import same_value
from juesuan_xlsx.spec import load_spec
from juesuan_xlsx.verify import expected_formula_values, verify_file

pytestmark = pytest.mark.libreoffice
ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "seed-2024.xlsx"
SEED = ROOT / "examples" / "seed-2024.toml"


def _disagreements(doc, path: Path) -> list[str]:
    computed = doc.get_all_formula_cells()
    expected = expected_formula_values(path)
    assert expected, "no planned formula found"
    out = []
    for key, want in expected.items():
        assert key in computed, f"{key} is not a formula in LibreOffice"
        got = computed[key][1]
        if not same_value(got, want):
            out.append(f"{key[0]}!{key[1]}: LibreOffice {got!r}, spec {want!r}")
    return out


def test_seed_example_computes_in_libreoffice_as_in_the_spec(libreoffice):
    with libreoffice.open(EXAMPLE) as doc:
        assert _disagreements(doc, EXAMPLE) == []
        values = doc.get_values("公开01表", ["C36", "F36"])
        assert values == {"C36": pytest.approx(235.81), "F36": pytest.approx(235.80)}


def test_blank_template_opens_computed_not_stale_zeros(libreoffice, tmp_path):
    path = tmp_path / "blank.xlsx"
    generate(load_spec(2024, "central"), path)
    with libreoffice.open(path) as doc:
        assert _disagreements(doc, path) == []
        # text results exist only if LibreOffice computed the formulas on load (a stale cache would be 0)
        assert doc.get_values("校验", ["A2", "H5"]) == {"A2": "不符 0 项，尾差 0 项", "H5": "相符"}


def test_locked_formula_cells_refuse_typing(libreoffice, tmp_path):
    path = tmp_path / "blank.xlsx"
    generate(load_spec(2024, "central"), path)
    with libreoffice.open(path) as doc:
        assert doc.is_protected("公开01表")
        assert doc.try_set_value("公开01表", "C33", 1.0) is False  # 本年收入合计: a formula
        assert doc.try_set_value("公开04表", "C7", 1.0) is True  # 一般公共预算财政拨款收入: an input
        assert doc.try_set_value("公开02表", "C8", 5.0) is False  # a row's 本年收入合计: a formula


def _seed_inputs() -> dict[str, dict[str, object]]:
    """The seed's figures as an accountant types them into the blank template: sheet → {cell: value}."""
    spec = load_spec(2024, "central")
    data = load_fill_file(SEED, spec)
    layouts = layout_all(Instance.free(spec))
    typed: dict[str, dict[str, object]] = {}
    for cell, value in data.filling.cells.items():
        row, col = layouts[cell.table].cells[cell]
        typed.setdefault(spec.table(cell.table).sheet, {})[f"{get_column_letter(col + 1)}{row + 1}"] = float(value)
    for table_id, rows in data.filling.rows.items():
        lay = layouts[table_id]
        sheet = typed.setdefault(spec.table(table_id).sheet, {})
        for i, item in enumerate(rows):
            r = lay.entry_first + i + 1
            sheet[f"A{r}"] = item.code  # text, as the template formats the code column
            for key, value in item.amounts.items():
                sheet[f"{get_column_letter(lay.value_col(key) + 1)}{r}"] = float(value)
    return typed


def test_seed_typed_through_libreoffice_verifies_like_the_library_filled_example(libreoffice, tmp_path):
    blank = tmp_path / "blank.xlsx"
    generate(load_spec(2024, "central"), blank, Options(dept="中共株洲市渌口区委机构编制委员会办公室"))
    saved = tmp_path / "typed-in-libreoffice.xlsx"
    with libreoffice.open(blank) as doc:
        for sheet, values in _seed_inputs().items():
            doc.set_values(sheet, values)
        doc.recalculate()
        doc.save_xlsx(saved)
    with libreoffice.open(saved) as doc:
        assert _disagreements(doc, saved) == []
    ours = verify_file(EXAMPLE)
    theirs = verify_file(saved)
    # the library writes empty cached values on purpose (LibreOffice saves its results); the 说明 texts are typed
    # only into the library-filled example (tables are what this test types through LibreOffice)
    ignore = {"E-无计算结果", "S-说明未填写"}
    assert sorted(f for f in ours.flatten("code", "where", "level") if f[0] not in ignore) == \
        sorted(f for f in theirs.flatten("code", "where", "level") if f[0] not in ignore)
    assert theirs.valid


def test_row_inserted_inside_a_block_by_libreoffice_is_reported(libreoffice, tmp_path):
    """LibreOffice grows every range over the block, but the new row has none of the per-row formulas: verify
    names each missing formula on that row and the relation it breaks, and nothing disagrees internally."""
    saved = tmp_path / "inserted.xlsx"
    with libreoffice.open(EXAMPLE) as doc:
        doc.insert_rows("公开03表", 10, 1)  # above 1-based row 10, inside the entry block
        doc.set_values("公开03表", {"A10": "2013202", "D10": 5.0, "D8": 208.08, "D9": 208.08})
        doc.recalculate()
        assert doc.get_values("公开03表", ["C7"]) == {"C7": pytest.approx(240.80)}  # the 合计 still grows
        doc.save_xlsx(saved)
    report = verify_file(saved)
    errors = {(f.code, f.where) for f in report.findings if f.level.value == "error"}
    assert {("I-缺少公式", f"公开03表!{c}10") for c in "CIJK"} <= errors
    assert ("T03-支出合计", "公开03表!C10") in errors
    assert not any(f.code.startswith("X-内部") for f in report.findings)
