"""Guards from real parsers' failures (GUIDE §1, parser traps): each is refused or reported, never passed.

Open-source parsers of these tables have satisfied their accounting identities while reading wrong numbers:
the 栏次 row "1 2 3 … 12" (7 = 1 + 3 + 3), year columns and list numbers read as money, header words in an
amount column read as 0, a column shifted by one row, a table in 元 instead of 万元.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path

from juesuan_xlsx.disclosure import Disclosure, Kind
from juesuan_xlsx.model import Cell
from juesuan_xlsx.sources import read_source

from .sources_helpers import DEPT, PrintedTable, Style, seed_tables, seed_truth, write_xlsx


def tables(**changes: PrintedTable) -> list[PrintedTable]:
    """The seed's tables, some replaced."""
    out = seed_tables()
    return [changes.get(f"t{t.id}", t) for t in out]


def table(tid: str) -> PrintedTable:
    return copy.deepcopy(next(t for t in seed_tables() if t.id == tid))


def problem_codes(d: Disclosure) -> list[str]:
    return [code for code, _, _ in d.problems]


def web_copy(path: Path, printed: list[PrintedTable], *, lanci_label: bool = True) -> Path:
    """The tables as text pasted from a web page: one row a line, cells separated by tabs."""
    lines = [f"{DEPT}2024年度部门决算"]
    for t in printed:
        lines += [t.title, f"公开{t.id}表", f"部门：{DEPT}\t\t单位：万元"]
        for hrow in t.header:
            cells: list[str] = []
            for text, cs, _ in hrow:
                if text.replace(" ", "") == "栏次" and not lanci_label:
                    text = ""
                cells += [text] + [""] * (cs - 1)
            lines.append("\t".join(cells))
        lines += ["\t".join(row) for row in t.rows]
        lines += t.notes + [""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def test_lanci_row_without_its_label_is_not_read(tmp_path: Path) -> None:
    """The numbering row printed as bare "1 2 3 … 7" (no 栏次 word): still header, never figures."""
    d = read_source(web_copy(tmp_path / "copy.txt", seed_tables(), lanci_label=False))
    truth = seed_truth()
    got = {c: (p.value if p.kind is Kind.NUMBER else None) for c, p in d.figures.items() if c in truth}
    assert got == truth
    lanci_lines = {p.where.line for c, p in d.figures.items() if p.text in {str(i) for i in range(1, 13)}
                   and c.table in ("02", "03", "07", "09")}
    assert lanci_lines == set()


def test_empty_three_public_table_is_not_its_lanci_row(tmp_path: Path) -> None:
    """09 with nothing under "1 … 12": blanks, not 1 … 12 (where 合计 7 = 出国 8 + 车 9 + 接待 12 - … would
    never be checked, and 3 = 4 + 5 − 6 … would pass by accident)."""
    t09 = table("09")
    t09.rows = [[""] * 12]
    d = read_source(write_xlsx(tmp_path / "2024.xlsx", tables(t09=t09)))
    sangong = {c.col: p for c, p in d.figures.items() if c.table == "09"}
    assert len(sangong) == 12 and {p.kind for p in sangong.values()} == {Kind.BLANK}
    assert d.problems == []


def test_list_numbers_and_year_columns_are_never_money(tmp_path: Path) -> None:
    """A 序号 column in front and a 年度 column at the end of 02: their 1, 2, 3 … and 2024 are not figures."""
    t02 = table("02")
    t02.header = [[("序号", 1, 3)] + t02.header[0] + [("年度", 1, 3)], t02.header[1], t02.header[2]]
    t02.rows = [[str(i)] + row + ["2024"] for i, row in enumerate(t02.rows, 1)]
    d = read_source(write_xlsx(tmp_path / "2024.xlsx", tables(t02=t02)))
    truth = {c: v for c, v in seed_truth().items() if c.table == "02"}
    got = {c: (p.value if p.kind is Kind.NUMBER else None) for c, p in d.figures.items() if c.table == "02"}
    assert got == truth
    assert [r.code for r in d.inst.code_tables["02"].rows][:3] == ["201", "20132", "2013201"]
    assert not any(p.value == 2024 for p in d.figures.values())


def test_a_bare_year_in_an_amount_cell_is_reported(tmp_path: Path) -> None:
    t03 = table("03")
    t03.rows[1][3] = "2024"  # 201 基本支出
    d = read_source(write_xlsx(tmp_path / "2024.xlsx", tables(t03=t03), Style(numbers=False)))
    assert ("S-疑似年份", d.figures[Cell("03", "#1", "basic")].where, {"table": "支出决算表", "text": "2024"}) \
        in d.problems


def test_header_words_in_an_amount_column_are_unreadable_not_zero(tmp_path: Path) -> None:
    t05 = table("05")
    t05.rows[1][3] = "基本支出"  # a header word where 201's 基本支出 should be
    t05.rows[2][4] = "—"  # a dash: does not apply
    d = read_source(write_xlsx(tmp_path / "2024.xlsx", tables(t05=t05)))
    word = d.figures[Cell("05", "#1", "basic")]
    assert (word.kind, word.value, word.text) == (Kind.UNREADABLE, None, "基本支出")
    assert ("S-数字无法识别", word.where, {"table": "一般公共预算财政拨款支出决算表", "text": "基本支出"}) in d.problems
    dash = d.figures[Cell("05", "#2", "project")]
    assert (dash.kind, dash.value) == (Kind.DASH, None)
    assert d.unreadable() == {Cell("05", "#1", "basic")}
    assert Cell("05", "#1", "basic") not in d.numbers()


def test_repeated_header_rows_are_skipped(tmp_path: Path) -> None:
    """A table continued on a new page repeats its header (and 栏次) rows: they are not data."""
    t03 = table("03")
    repeated = [["项    目", "", "本年支出合计", "基本支出", "项目支出", "上缴上级支出", "经营支出",
                 "对附属单位补助支出"],
                ["功能分类科目编码", "科目名称", "", "", "", "", "", ""],
                ["栏次", "", "1", "2", "3", "4", "5", "6"]]
    t03.rows = t03.rows[:4] + repeated + t03.rows[4:]
    d = read_source(write_xlsx(tmp_path / "2024.xlsx", tables(t03=t03)))
    truth = {c: v for c, v in seed_truth().items() if c.table == "03"}
    got = {c: (p.value if p.kind is Kind.NUMBER else None) for c, p in d.figures.items() if c.table == "03"}
    assert got == truth and d.problems == []


def test_a_column_shifted_by_one_row_is_reported(tmp_path: Path) -> None:
    """03's 基本支出 printed one row down: every figure sits a row below its code, the last one on a row with
    no code at all.  The sums of the column alone could not tell; the row labels can."""
    t03 = table("03")
    basic = [row[3] for row in t03.rows[1:]]
    for row, value in zip(t03.rows[1:], [""] + basic[:-1], strict=True):
        row[3] = value
    t03.rows.append(["", "", "", basic[-1], "", "", "", ""])
    d = read_source(write_xlsx(tmp_path / "2024.xlsx", tables(t03=t03)))
    assert ("S-疑似错行", None, {"table": "支出决算表", "column": "基本支出", "direction": "下"}) in d.problems
    orphan = [(code, str(w)) for code, w, _ in d.problems if code == "S-数字无对应行"]
    assert orphan == [("S-数字无对应行", "公开03表!D18")]  # the row under 2210201
    assert "S-疑似错行" not in [c for c, _, a in d.problems if a.get("column") != "基本支出"]


def test_a_table_in_yuan_is_converted_exactly(tmp_path: Path) -> None:
    """05 printed in 元 (单位：元): figures divided by 10000 in Decimal, and said so."""
    style = Style(unit=lambda t: "元" if t.id == "05" else "万元")
    d = read_source(write_xlsx(tmp_path / "2024.xlsx", seed_tables(), style))
    total = d.figures[Cell("05", "sum", "total")]
    assert (total.value, total.text) == (Decimal("235.81"), "2358100")
    assert {c: p.value for c, p in d.figures.items() if c.table == "05" and p.kind is Kind.NUMBER} == \
        {c: v for c, v in seed_truth().items() if c.table == "05" and v is not None}
    assert ("S-单位换算", d.figures[Cell("05", "sum", "total")].where.__class__(sheet="公开05表", cell="A1"),
            {"table": "一般公共预算财政拨款支出决算表", "unit": "元", "factor": "10000"}) in d.problems
    assert d.unit == "万元"


def test_a_table_in_yuan_under_a_wanyuan_line_is_reported(tmp_path: Path) -> None:
    t03 = table("03")
    for row in t03.rows:
        row[2:] = [str(Decimal(v) * 10000) if v else "" for v in row[2:]]
    d = read_source(write_xlsx(tmp_path / "2024.xlsx", tables(t03=t03)))
    assert ("S-疑似单位为元", None, {"table": "支出决算表", "ratio": "10,000"}) in d.problems


def test_a_whole_document_in_yuan(tmp_path: Path) -> None:
    d = read_source(write_xlsx(tmp_path / "2024.xlsx", seed_tables(), Style(unit=lambda t: "元")))
    assert d.unit == "元"
    assert d.figures[Cell("06", "30217", "amt")].value == Decimal("0.08")
    assert sum(1 for code, _, _ in d.problems if code == "S-单位换算") == 9
    assert "S-疑似单位为元" not in problem_codes(d)
