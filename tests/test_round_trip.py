"""Issue 13 #7, round trip as a property: every export format of ours (xlsx, docx, pdf, csv, json), read back as a
source, gives exactly the figures exported — for random fillings, in both layouts and both years.

Two kinds of filling per layout and year:
* ``random_filling`` (tests/fillings.py) typed in 万元: text numbers, half-cent figures, deliberate 尾差 and 不符,
  so the workbook has errors and is exported with ``force`` (every output stamped 未通过校验);
* a consistent 元 filling (tests/yuan_workbooks.py): a valid workbook, exported unforced, its figures published
  in 万元 each rounded independently.

What the export printed is the published ``WorkbookValues`` the export itself computes (its ``cells``), laid out
by ``publication_tables`` as every writer lays them out: code rows without any amount are left out (the json
keeps them), and a zero prints blank except in totals and the 三公 table (xlsx, docx and pdf; csv and json print
0.00).  Read back, every printed figure must be there with its exact Decimal (a blank as a blank), nothing else,
and the year, layout and 部门 recognised; ``import`` of each export gives a workbook whose typed inputs are the
exported ones.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from juesuan_xlsx.contract import YUAN
from juesuan_xlsx.disclosure import Disclosure, Kind
from juesuan_xlsx.export import default_output, export_verified, load
from juesuan_xlsx.export.tables import publication_tables
from juesuan_xlsx.generate import Options, generate
from juesuan_xlsx.importer import import_source
from juesuan_xlsx.model import Cell, free_input_keys
from juesuan_xlsx.narrative.published import published_values
from juesuan_xlsx.narrative.values import WorkbookValues
from juesuan_xlsx.sources import read_source
from juesuan_xlsx.spec import SUM_ROW, load_spec
from juesuan_xlsx.verify import Verification, verify

from .fillings import random_filling
from .yuan_workbooks import yuan_workbook

LAYOUTS = [(2024, "central"), (2024, "shanghai"), (2025, "central"), (2025, "shanghai")]
FORCED_SEEDS = (11, 12, 13)  # random 万元 fillings with errors, exported with force
YUAN_SEEDS = (21, 22)  # consistent 元 fillings, exported unforced
PDF_CASES = {("forced", 11), ("yuan", 21)}  # LibreOffice takes ~3 s a document: one of each kind
IMPORTED = {("forced", 11), ("yuan", 21)}  # an import generates and verifies a workbook (~1 s): one of each kind
FAST = ("xlsx", "docx", "csv", "json")
DEPT = "测试局"

Key = tuple[str, str, str]  # table, row key (grid) or code (code rows) or "sum", column


@dataclass
class Case:
    kind: str  # forced | yuan
    seed: int
    year: int
    profile: str
    workbook: Path
    verification: Verification
    published: WorkbookValues

    @property
    def id(self) -> str:
        return f"{self.year}-{self.profile}-{self.kind}{self.seed}"


def _case(root: Path, kind: str, seed: int, year: int, profile: str) -> Case:
    spec = load_spec(year, profile)
    folder = root / f"{year}-{profile}-{kind}{seed}"
    folder.mkdir()
    workbook = folder / f"{DEPT}{year}年度部门决算.xlsx"
    if kind == "forced":
        generate(spec, workbook, Options(dept=DEPT, filling=random_filling(spec, seed)))
    else:
        yuan_workbook(spec, seed, workbook, dept=DEPT)
    verification = verify(workbook)
    assert verification.values is not None and verification.engine is not None
    assert verification.report.valid == (kind == "yuan"), [f.message for f in verification.report.findings[:5]]
    if kind == "yuan":
        assert verification.values.unit == YUAN
    published, _ = published_values(verification.values, verification.engine.equations)
    return Case(kind, seed, year, profile, workbook, verification, published)


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[tuple[str, int, int, str], Case]]:
    root = tmp_path_factory.mktemp("round-trip")

    class Lazy(dict[tuple[str, int, int, str], Case]):
        def __missing__(self, key: tuple[str, int, int, str]) -> Case:
            self[key] = _case(root, *key)
            return self[key]

    yield Lazy()


def _export(case: Case, fmt: str) -> Path:
    out = default_output(case.workbook, fmt) if fmt == "csv" else case.workbook.with_name(f"out.{fmt}")
    if not out.exists():
        export_verified(case.verification, fmt, out, force=case.kind == "forced")
    return out


# -- what the export printed, and what was read back -------------------------------------------------------


def printed(values: WorkbookValues, fmt: str) -> dict[Key, Decimal | None]:
    """Every figure the export printed, keyed by table, row and column: a Decimal, or None for a blank."""
    out: dict[Key, Decimal | None] = {}
    if fmt == "json":  # every row of every table, zeros as 0.00
        for tid, tv in values.tables.items():
            for row in tv.rows:
                key = row.code if row.key != SUM_ROW and row.code else row.key
                for col, amount in row.amounts.items():
                    out[(tid, key, col)] = amount
        return out
    for pt in publication_tables(values):
        for row in pt.rows:
            code = next((c.text for c in row.cells if c.role == "code"), "")
            for c in row.cells:
                if c.cell is None or c.amount is None:
                    continue
                key = code if c.cell.row.startswith("#") else c.cell.row
                blank = fmt != "csv" and c.display == ""
                out[(c.cell.table, key, c.cell.col)] = None if blank else c.amount
    return out


def read_back(disclosure: Disclosure) -> dict[Key, Decimal | None]:
    """Every figure read, keyed as :func:`printed`: NUMBER as its Decimal, BLANK as None (anything else fails)."""
    codes = {(tid, row.key): row.code for tid, ct in disclosure.inst.code_tables.items() for row in ct.rows}
    out: dict[Key, Decimal | None] = {}
    for cell, figure in disclosure.figures.items():
        assert figure.kind in (Kind.NUMBER, Kind.BLANK), (cell, figure)
        assert str(figure.where), (cell, figure)  # every figure says where it was printed
        key = codes[(cell.table, cell.row)] or "" if cell.row.startswith("#") else cell.row
        assert key not in (None, ""), cell
        assert (cell.table, key, cell.col) not in out, ("read twice", cell)
        out[(cell.table, str(key), cell.col)] = figure.value if figure.kind is Kind.NUMBER else None
    return out


def typed_inputs(values: WorkbookValues) -> dict[Key, Decimal]:
    """The input figures of a free-entry workbook (grid inputs, every input column of every code row), keyed
    as :func:`printed`, zeros left out (a code row without any amount is not printed, nor imported)."""
    grid, columns = free_input_keys(values.spec)
    out: dict[Key, Decimal] = {}
    for cell in grid:
        out[(cell.table, cell.row, cell.col)] = values.cells.get(cell, Decimal(0))
    for tid, cols in columns.items():
        for row in values.tables[tid].code_rows:
            for col in cols:
                out[(tid, str(row.code), col)] = values.cells.get(Cell(tid, row.key, col), Decimal(0))
    return {k: v for k, v in out.items() if v != 0}


def _differences(expected: dict[Key, Decimal | None], got: dict[Key, Decimal | None]) -> list[str]:
    out = [f"{k}: printed {expected[k]}, read {got.get(k, '(nothing)')}" for k in expected
           if k not in got or got[k] != expected[k] or type(got[k]) is not type(expected[k])]
    out += [f"{k}: read {got[k]}, not printed" for k in got if k not in expected]
    return out


def _need_writer() -> None:
    from juesuan_xlsx.export.pdf import check_writer

    try:
        check_writer()
    except Exception as exc:  # noqa: BLE001 - no LibreOffice Writer here: skip as the other pdf tests do
        pytest.skip(f"LibreOffice Writer not available: {exc}")


# -- the property --------------------------------------------------------------------------------------------

PARAMS = [pytest.param(kind, seed, year, profile, fmt, id=f"{year}-{profile}-{kind}{seed}-{fmt}",
                       marks=[pytest.mark.libreoffice, pytest.mark.slow] if fmt == "pdf" else [])
          for year, profile in LAYOUTS
          for kind, seeds in (("forced", FORCED_SEEDS), ("yuan", YUAN_SEEDS))
          for seed in seeds
          for fmt in (*FAST, "pdf") if fmt != "pdf" or (kind, seed) in PDF_CASES]


@pytest.mark.parametrize(("kind", "seed", "year", "profile", "fmt"), PARAMS)
def test_every_export_reads_back_exactly(cases: dict[tuple[str, int, int, str], Case], kind: str, seed: int,
                                         year: int, profile: str, fmt: str) -> None:
    if fmt == "pdf":
        _need_writer()
    case = cases[(kind, seed, year, profile)]
    out = _export(case, fmt)
    disclosure = read_source(out)
    assert (disclosure.year, disclosure.spec.profile, disclosure.dept) == (year, profile, DEPT), disclosure.how
    assert disclosure.missing_tables == [] and disclosure.unchecked_tables == []
    assert disclosure.source_kind == fmt
    expected = printed(case.published, fmt)
    differences = _differences(expected, read_back(disclosure))
    assert not differences, f"{case.id} {fmt}: " + "; ".join(differences[:10])
    assert not disclosure.problems, disclosure.problems


IMPORT_PARAMS = [p for p in PARAMS if (p.values[0], p.values[1]) in IMPORTED]


@pytest.mark.parametrize(("kind", "seed", "year", "profile", "fmt"), IMPORT_PARAMS)
def test_every_export_imports_back_to_its_inputs(cases: dict[tuple[str, int, int, str], Case], kind: str,
                                                 seed: int, year: int, profile: str, fmt: str) -> None:
    """``import`` of an export: a workbook of ours, same year and layout, whose typed inputs are the exported
    ones (a code row without any amount is neither printed nor imported)."""
    if fmt == "pdf":
        _need_writer()
    case = cases[(kind, seed, year, profile)]
    out = _export(case, fmt)
    imported = import_source(out, out.parent / f"imported-{fmt}.xlsx")
    assert imported.unit != YUAN  # every export prints 万元
    values, _ = load(imported.output)
    assert values.spec.key == case.published.spec.key and values.dept == DEPT
    assert typed_inputs(values) == typed_inputs(case.published)


def test_the_cases_cover_both_layouts_years_and_every_format() -> None:
    covered = {(p.values[2], p.values[3], p.values[4]) for p in PARAMS}
    assert {(y, p, f) for y, p in LAYOUTS for f in (*FAST, "pdf")} <= covered
    assert len(PARAMS) == len(LAYOUTS) * ((len(FORCED_SEEDS) + len(YUAN_SEEDS)) * len(FAST) + len(PDF_CASES))
