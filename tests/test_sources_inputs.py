"""Files as they arrive: sniffed by their bytes, hostile or odd ones refused with a Chinese message or read with
a problem said — never a traceback, always in bounded time and memory."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from juesuan_xlsx.disclosure import Kind
from juesuan_xlsx.model import Cell
from juesuan_xlsx.sources import PROBLEMS, SourceError, message, read_source

from .sources_helpers import (
    DEPT,
    PrintedTable,
    Style,
    convert_to_xls,
    ole_file,
    ole_with_macros,
    seed_tables,
    seed_truth,
    write_xlsx,
)

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "seed-2024.xlsx"


@pytest.mark.parametrize(("content", "expected"), [
    (b"", "文件是空的"),
    (b"\x00\x01\x02\x03" * 100, "无法识别的文件类型"),
    (b"PK\x03\x04garbage", "文件已损坏"),
    (b"just some words\nno tables here\n", "没有找到部门决算公开表"),
])
def test_unreadable_files(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "x.xlsx"  # the extension says nothing
    path.write_bytes(content)
    with pytest.raises(SourceError, match=expected):
        read_source(path)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="无法打开文件"):
        read_source(tmp_path / "none.pdf")
    with pytest.raises(SourceError, match="不是文件"):
        read_source(tmp_path)


def test_docx_zip_bomb_is_refused_from_its_central_directory(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b" " * (40 * 1024 * 1024))
    assert bomb.stat().st_size < 200_000
    with pytest.raises(SourceError, match="压缩炸弹"):
        read_source(bomb)


def test_a_zip_that_is_no_office_file(tmp_path: Path) -> None:
    path = tmp_path / "a.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(SourceError, match="不是 .xlsx 或 .docx"):
        read_source(path)


@pytest.mark.parametrize(("streams", "expected"), [
    ([("EncryptionInfo", b"x"), ("EncryptedPackage", b"y")], "打开密码"),  # a password-protected .xlsx
    ([("WordDocument", b"x")], r"旧版 Word 文档（\.doc）"),
    ([("Something", b"x")], "无法识别的 Office 文件"),
])
def test_ole_files_that_are_not_xls(tmp_path: Path, streams: list[tuple[str, bytes]], expected: str) -> None:
    path = tmp_path / "x.xls"
    path.write_bytes(ole_file(streams))
    with pytest.raises(SourceError, match=expected):
        read_source(path)


@pytest.mark.libreoffice
def test_xls_with_macros_is_read_for_values_only(tmp_path: Path) -> None:
    from xlrd.compdoc import CompDoc

    xls = convert_to_xls(write_xlsx(tmp_path / "m2024.xlsx", seed_tables()), tmp_path)
    if xls is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    stream = CompDoc(xls.read_bytes(), logfile=io.StringIO()).get_named_stream("Workbook")
    with_macros = tmp_path / "宏2024.xls"
    with_macros.write_bytes(ole_with_macros(stream))
    d = read_source(with_macros)
    assert d.problems == [("S-宏已忽略", None, {})]
    assert d.figures[Cell("06", "30217", "amt")].value == seed_truth()[Cell("06", "30217", "amt")]


def test_xlsm_macros_are_never_run(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "a2024.xlsx", seed_tables())
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 not really")
    d = read_source(path)
    assert ("S-宏已忽略", None, {}) in d.problems
    assert d.missing_tables == []


def test_fifty_sheets(tmp_path: Path) -> None:
    """The nine tables among 41 other sheets (with data of their own): bounded, and the others listed."""
    import openpyxl

    path = write_xlsx(tmp_path / "fifty2024.xlsx", seed_tables())
    wb = openpyxl.load_workbook(path)
    for i in range(41):
        ws = wb.create_sheet(f"附表{i + 1}")
        ws.append([f"第{i + 1}张附表"])
        for r in range(200):
            ws.append([r, f"项目{r}", r * 1.5, r * 2.5])
    ws = wb["附表1"]
    ws["A1"] = "政府采购情况表"
    wb.save(path)
    d = read_source(path)
    assert d.missing_tables == [] and len(d.unchecked_tables) == 41
    assert d.unchecked_tables[0] == "政府采购情况表"
    assert "50 张工作表，识别 9 张表" in d.how


def test_a_far_away_cell_does_not_make_the_sheet_huge(tmp_path: Path) -> None:
    import openpyxl

    path = write_xlsx(tmp_path / "far2024.xlsx", seed_tables())
    wb = openpyxl.load_workbook(path)
    wb["公开02表"]["A1048576"] = "x"
    wb["公开02表"]["XFD1"] = "y"
    wb.save(path)
    d = read_source(path)
    assert d.figures[Cell("02", "#3", "total")].value == seed_truth()[Cell("02", "#3", "total")]


def test_all_nine_tables_stacked_in_one_sheet(tmp_path: Path) -> None:
    import openpyxl

    single = tmp_path / "one2024.xlsx"
    wb = openpyxl.load_workbook(write_xlsx(tmp_path / "nine2024.xlsx", seed_tables()))
    out = openpyxl.Workbook()
    target = out.active
    target.title = "部门决算表"
    for ws in wb.worksheets:
        offset = target.max_row + 1 if target.max_row > 1 else 0
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    target.cell(cell.row + offset, cell.column, cell.value)
        for merged in ws.merged_cells.ranges:
            target.merge_cells(start_row=merged.min_row + offset, start_column=merged.min_col,
                               end_row=merged.max_row + offset, end_column=merged.max_col)
        target.cell(target.max_row + 1, 1, None)
    out.save(single)
    d = read_source(single)
    assert d.missing_tables == []
    assert {c: (p.value if p.kind is Kind.NUMBER else None) for c, p in d.figures.items() if c in seed_truth()} \
        == seed_truth()


def test_missing_tables_and_tables_not_among_the_nine(tmp_path: Path) -> None:
    procurement = PrintedTable("10", "政府采购情况表", [[("项目", 1, 1), ("金额", 1, 1)]], [["货物", "1.00"]])
    printed = [t for t in seed_tables() if t.id not in ("07", "08")] + [procurement]
    d = read_source(write_xlsx(tmp_path / "a2024.xlsx", printed, Style(label=False)))
    assert d.missing_tables == ["07", "08"]
    assert d.unchecked_tables == ["政府采购情况表"]


def test_label_and_title_that_disagree(tmp_path: Path) -> None:
    printed = seed_tables()
    d = read_source(write_xlsx(tmp_path / "a2024.xlsx", printed,
                               Style(sheet_name=lambda t: f"Sheet{t.id}")))
    assert d.problems == []
    swapped = tmp_path / "b2024.xlsx"
    write_xlsx(swapped, printed)
    import openpyxl

    wb = openpyxl.load_workbook(swapped)
    wb["公开03表"]["H2"] = "公开02表"  # a copy-paste slip in the label line
    wb.save(swapped)
    d = read_source(swapped)
    assert [(c, a["label"], a["title"]) for c, _, a in d.problems] == [("S-表号与标题不符", "公开02表", "支出决算表")]
    assert d.missing_tables == []


def test_extra_column_with_figures_is_said(tmp_path: Path) -> None:
    t01 = next(t for t in seed_tables() if t.id == "01")
    t01.header = [h + ([("上年数", 1, 1)] if i == 1 else [("", 1, 1)]) for i, h in enumerate(t01.header)]
    t01.header[0][-1] = ("", 1, 1)
    t01.rows = [row + ["12.00"] for row in t01.rows]
    printed = [t01] + [t for t in seed_tables() if t.id != "01"]
    d = read_source(write_xlsx(tmp_path / "x2024.xlsx", printed, Style(numbers=False)))
    extra = [(str(w), a["column"]) for c, w, a in d.problems if c == "S-多余列"]
    assert extra == [("公开01表!G7", "上年数")]
    assert d.figures[Cell("01", "inc1", "amt")].value == seed_truth()[Cell("01", "inc1", "amt")]


def test_gb18030_text(tmp_path: Path) -> None:
    seed = Path(__file__).parent / "fixtures" / "sources" / "seed-2024.txt"
    path = tmp_path / "seed.txt"
    path.write_bytes(seed.read_text(encoding="utf-8").encode("gb18030"))
    d = read_source(path)
    assert d.dept == DEPT and d.figures[Cell("06", "30217", "amt")].value == seed_truth()[Cell("06", "30217",
                                                                                                  "amt")]


def test_our_own_workbook_without_its_properties() -> None:
    """A workbook of ours that lost its custom properties is found by its sheets' code names and labels; its
    typed figures are read, and formulas never computed by a spreadsheet program are unreadable, said once."""
    d = read_source(EXAMPLE)
    assert (d.year, d.spec.profile, d.dept, d.missing_tables) == (2024, "central", DEPT, [])
    assert d.figures[Cell("06", "30217", "amt")].value == seed_truth()[Cell("06", "30217", "amt")]
    assert d.figures[Cell("02", "sum", "total")].kind is Kind.UNREADABLE
    assert [c for c, _, _ in d.problems] == ["S-公式无缓存值"]


def test_every_problem_code_has_a_message() -> None:
    import re

    sources = Path(__file__).resolve().parents[1] / "juesuan_xlsx" / "sources"
    used = set()
    for path in sources.glob("*.py"):
        used |= set(re.findall(r'"(S-[^"]+)"', path.read_text(encoding="utf-8")))
    assert used == set(PROBLEMS), used ^ set(PROBLEMS)
    assert message("S-页数超限", {"pages": 2000, "read": 150}) == "PDF 共 2000 页，只读取了前 150 页"


def test_damaged_files_never_end_in_an_internal_error(tmp_path: Path) -> None:
    """Seeded random damage (bytes flipped, cut, lines replaced) to each kind of source: a SourceError with a
    message, or a reading with problems — never an error of the reader itself."""
    import random

    from juesuan_xlsx.sources import INTERNAL

    from .sources_helpers import write_docx, write_html

    fixtures = Path(__file__).parent / "fixtures" / "sources"
    originals = {"xlsx": write_xlsx(tmp_path / "a2024.xlsx", seed_tables()).read_bytes(),
                 "docx": write_docx(tmp_path / "a.docx", seed_tables()).read_bytes(),
                 "html": write_html(tmp_path / "a.html", seed_tables()).read_bytes(),
                 "txt": (fixtures / "seed-2024.txt").read_bytes(),
                 "pdf": (fixtures / "putuo-2024-tables.pdf").read_bytes()}
    rng = random.Random(13)
    for i in range(60):
        kind = list(originals)[i % len(originals)]
        data = bytearray(originals[kind])
        if kind in ("txt", "html") and i % 2:
            lines = data.decode("utf-8").split("\n")
            for _ in range(rng.randint(1, 40)):
                lines[rng.randrange(len(lines))] = rng.choice(["", "\t", "\t1", "\t合计", "\t2024", "\t—",
                                                              "公开03表", "单位：元", "<td>", "</table>"])
            data = bytearray("\n".join(lines).encode())
        elif i % 3 == 0:
            data = data[: rng.randrange(1, len(data))]
        else:
            for _ in range(rng.randint(1, 20)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        path = tmp_path / f"damaged{i}.{kind}"
        path.write_bytes(bytes(data))
        try:
            read_source(path)
        except SourceError as exc:
            assert INTERNAL not in exc.message, (path.name, exc.message)
