"""The one-pass reader (:mod:`juesuan_xlsx.book`) gives, cell for cell, what the loads it replaces give.

``verify`` used to load each workbook twice with openpyxl (formulas, then cached values) and the evaluator read it
a third time with ``formulas``' reader.  :func:`juesuan_xlsx.book.load_book` reads it once; these tests hold it to
all three on the seed example, a generated template, a copy saved by LibreOffice, the damaged corpus (shared
formulas, text numbers, #REF!, cached values, an openpyxl re-save) and hand-made oddities (dates, inline strings,
``_xHHHH_`` escapes, merged cells, booleans, errors), and check that it declines what it does not reproduce.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import warnings
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter

from juesuan_xlsx.book import Book, load_book
from juesuan_xlsx.evaluation import cells as fasteval_cells

from . import corpus

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "seed-2024.xlsx"
GOLDEN = ROOT / "tests" / "golden" / "2024-central-free.xlsx"


def _comparable(value: Any) -> Any:
    if type(value).__name__ in ("ArrayFormula", "DataTableFormula"):
        return (type(value).__name__, str(getattr(value, "text", None)), getattr(value, "ref", None))
    return (type(value), value)


def assert_like_openpyxl(path: Path) -> Book:
    data = path.read_bytes()
    book = load_book(data)
    assert book is not None, f"{path.name}: declined"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full = openpyxl.load_workbook(io.BytesIO(data))
        cached = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    assert book.sheetnames == full.sheetnames
    assert book.properties.lastModifiedBy == full.properties.lastModifiedBy
    assert book.properties.modified == full.properties.modified
    assert [(p.name, p.value) for p in book.custom_doc_props] == [(p.name, p.value) for p in full.custom_doc_props]
    wrong = []
    for ws in full.worksheets:
        mine, mine_cached, theirs_cached = book[ws.title], book.cached[ws.title], cached[ws.title]
        assert mine.sheet_properties.codeName == ws.sheet_properties.codeName
        assert set(mine.values) == set(ws._cells), ws.title
        assert (mine.max_row, mine.max_column) == (ws.max_row, ws.max_column), ws.title
        for key, cell in ws._cells.items():
            if _comparable(mine.values[key]) != _comparable(cell.value):
                wrong.append(f"{ws.title}!{cell.coordinate}: {mine.values[key]!r} ≠ {cell.value!r}")
            if _comparable(mine_cached.values[key]) != _comparable(theirs_cached._cells[key].value):
                wrong.append(f"{ws.title}!{cell.coordinate} cached: {mine_cached.values[key]!r} ≠ "
                             f"{theirs_cached._cells[key].value!r}")
    assert not wrong, "\n".join(wrong[:20])
    return book


def assert_like_formulas_reader(path: Path, book: Book) -> None:
    """The evaluator's view equals what ``formulas``' own full load (its XlReader: raw dates, its shared-string
    decoding) gives, cell for cell."""
    from formulas.excel.xlreader import load_workbook

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = load_workbook(str(path), data_only=False)
    mine = fasteval_cells.from_book(book)
    assert mine.sheetnames == theirs.sheetnames
    names = theirs.defined_names
    assert sorted(mine.defined_names) == sorted(getattr(names, "keys", lambda: names)())
    assert len(mine._external_links) == len(theirs._external_links)
    for ours, other in zip(mine.worksheets, theirs.worksheets, strict=True):
        assert ours.title == other.title
        a = {k: (_comparable(c.value), c.data_type) for k, c in ours._cells.items()}
        b = {k: (_comparable(c.value), c.data_type) for k, c in other._cells.items()}
        assert a == b, [(k, a.get(k), b.get(k)) for k in set(a) | set(b) if a.get(k) != b.get(k)][:5]


@pytest.mark.parametrize("path", [SEED, GOLDEN], ids=["seed", "golden-template"])
def test_generated_workbooks(path: Path) -> None:
    book = assert_like_openpyxl(path)
    assert_like_formulas_reader(path, book)


@pytest.fixture(scope="module")
def corpus_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return corpus.build_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.mark.slow
def test_damaged_corpus(corpus_files: dict[str, Path]) -> None:
    for path in corpus_files.values():
        book = assert_like_openpyxl(path)
        assert_like_formulas_reader(path, book)


def test_saved_by_libreoffice(libreoffice: Any, tmp_path: Path) -> None:
    """LibreOffice writes shared formulas, its own styles and cached values of every type."""
    out = tmp_path / "out"
    subprocess.run(["soffice", "--headless", "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out),
                    str(SEED)], check=True, capture_output=True, timeout=180)
    path = out / SEED.name
    book = assert_like_openpyxl(path)
    assert_like_formulas_reader(path, book)


def _oddities(path: Path) -> Path:
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    ws = wb.add_worksheet("表")
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_datetime(0, 0, __import__("datetime").datetime(2024, 12, 31), date)
    ws.write_number(0, 1, 45000.5, date)
    ws.write_number(0, 2, 1e30, date)  # beyond the last date: openpyxl says #VALUE!, formulas keeps the number
    ws.write_string(1, 0, "_x0041_ 与 _x005F_x0042_")
    ws.write_boolean(1, 1, True)
    ws.write_formula(1, 2, "=1/0", None, "#DIV/0!")
    ws.write_formula(1, 3, '="文本"', None, "文本")
    ws.write_formula(1, 4, "=TRUE()", None, True)
    ws.merge_range(2, 0, 3, 2, "合并", None)
    ws.write_array_formula(4, 0, 5, 0, "{=A1:A2*1}")
    ws.write_number(6, 0, 0.1 + 0.2)
    wb.close()
    return path


def test_dates_strings_errors_merges_arrays(tmp_path: Path) -> None:
    path = _oddities(tmp_path / "odd.xlsx")
    book = assert_like_openpyxl(path)
    assert_like_formulas_reader(path, book)
    sheet = book["表"]
    assert sheet.cell(1, 1).value.year == 2024  # a date as openpyxl gives it …
    assert book.evaluator_overrides["表"][(1, 1)] == (45657.0, "n")  # … and its serial for the evaluator
    assert sheet.cell(3, 2).value is None and sheet.cell(3, 1).value == "合并"
    assert book.cached["表"].cell(2, 3).value == "#DIV/0!"


def _with_member(source: Path, target: Path, name: str, edit: Any) -> Path:
    with zipfile.ZipFile(source) as z:
        members = {n: z.read(n) for n in z.namelist()}
    members[name] = edit(members[name])
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in members.items():
            z.writestr(n, data)
    return target


def test_inline_strings_and_cells_without_references(tmp_path: Path) -> None:
    """Cells written by other programs: inline strings, ``<c>`` without ``r``, rows without ``r``."""
    base = _oddities(tmp_path / "odd.xlsx")

    def edit(xml: bytes) -> bytes:
        text = xml.decode()
        text = text.replace('<c r="A7"', '<c r="A7" t="inlineStr"', 1)
        text = text.replace("<v>0.3</v>", "<is><t>内联</t></is>", 1)
        text = text.replace('<row r="7"', "<row", 1)  # the row after 6
        return text.replace('<c r="B1"', "<c", 1).encode()

    path = _with_member(base, tmp_path / "inline.xlsx", "xl/worksheets/sheet1.xml", edit)
    book = assert_like_openpyxl(path)
    assert_like_formulas_reader(path, book)
    assert book["表"].cell(7, 1).value == "内联"


def test_comments_and_hyperlinks_are_left_to_openpyxl(tmp_path: Path) -> None:
    """openpyxl's full load creates or fills cells for these: the one-pass reader declines them."""
    for kind in ("comment", "link"):
        wb = xlsxwriter.Workbook(str(tmp_path / f"{kind}.xlsx"))
        ws = wb.add_worksheet()
        ws.write(0, 0, 1)
        if kind == "comment":
            ws.write_comment("C3", "批注")
        else:
            ws.write_url("B2", "https://example.org", string=None)
        wb.close()
        assert load_book((tmp_path / f"{kind}.xlsx").read_bytes()) is None, kind


def test_unreadable_parts_decline(tmp_path: Path) -> None:
    broken = _with_member(SEED, tmp_path / "broken.xlsx", "xl/worksheets/sheet3.xml", lambda xml: xml[:5000])
    assert load_book(broken.read_bytes()) is None
    assert load_book(b"not a zip") is None


def test_reading_never_creates_cells() -> None:
    book = load_book(SEED.read_bytes())
    assert book is not None
    sheet = book.worksheets[1]
    before = (len(sheet.values), sheet.max_row)
    assert sheet.cell(5000, 50).value is None
    assert list(sheet.iter_rows(min_row=4990, max_row=4991, max_col=2)) == [(None, None), (None, None)]
    assert (len(sheet.values), sheet.max_row) == before
    assert sheet["A1"].value == sheet.cell(1, 1).value


def test_the_reader_uses_it_and_the_evaluator_shares_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from juesuan_xlsx import reader
    from juesuan_xlsx.evaluation import evaluate_workbook

    read = reader.read_workbook(SEED)
    assert isinstance(read.book, Book) and read.wb is read.book
    copy = tmp_path / "gone.xlsx"
    shutil.copyfile(SEED, copy)
    read_copy = reader.read_workbook(copy)
    copy.unlink()  # the evaluator must not read the file again
    shared = evaluate_workbook(copy, book=read_copy.book)
    again = evaluate_workbook(SEED)
    assert shared.values == again.values and shared.errors == again.errors
    monkeypatch.setattr(reader, "load_book", lambda data: None)
    slow = reader.read_workbook(SEED)
    assert slow.book is None and type(slow.wb).__name__ == "Workbook"
    assert {c: (r.formula, r.value, r.cached) for c, r in slow.cells.items()} == {
        c: (r.formula, r.value, r.cached) for c, r in read.cells.items()
    }
