"""``summary``: one overview row per returned file, failing files first, totals, cached verification (issue 8)."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import os
import shutil
import stat
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

import juesuan_xlsx.summary as summary
from juesuan_xlsx.atomic import OutputExists
from juesuan_xlsx.summary import (
    FIGURES,
    HEADERS,
    UNREADABLE,
    SummaryError,
    SummaryResult,
    VerifyCache,
    csv_text,
    file_key,
    key_figures,
    summarise,
)
from juesuan_xlsx.verify import Verification, verify

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "seed-2024.xlsx"

SEED_FIGURES = {
    "income": Decimal("235.81"), "expenditure": Decimal("235.80"), "fiscal": Decimal("235.81"),
    "basic": Decimal("235.80"), "project": Decimal("0"), "personnel": Decimal("180.84"),
    "public": Decimal("54.99"), "sangong_budget": Decimal("0.2"), "sangong_actual": Decimal("0.08"),
}


@dataclass(frozen=True)
class Returns:
    folder: Path
    valid: Path
    damaged: Path
    foreign: Path
    empty: Path
    cache: Path
    before: dict[Path, tuple[str, int]]


def _fingerprint(path: Path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


@pytest.fixture(scope="module")
def returns(tmp_path_factory: pytest.TempPathFactory) -> Returns:
    folder = tmp_path_factory.mktemp("returns")
    valid = folder / "a-本级.xlsx"
    shutil.copyfile(SEED, valid)
    damaged = folder / "b-改过合计.xlsx"
    wb = openpyxl.load_workbook(SEED)
    wb["公开01表"]["C36"] = 999  # 收入总计 typed over its formula
    wb.save(damaged)
    sub = folder / "子目录"
    sub.mkdir()
    foreign = sub / "c-其实是文本.xlsx"
    foreign.write_text("单位,收入\n某某,1\n", encoding="utf-8")
    empty = folder / "d-空文件.xlsx"
    empty.write_bytes(b"")
    (folder / "说明.txt").write_text("不是报表", encoding="utf-8")  # not an .xlsx: not listed
    files = (valid, damaged, foreign, empty)
    return Returns(folder, valid, damaged, foreign, empty, tmp_path_factory.mktemp("cache"),
                   {p: _fingerprint(p) for p in files})


@pytest.fixture(scope="module")
def overview(returns: Returns, tmp_path_factory: pytest.TempPathFactory) -> SummaryResult:
    out = tmp_path_factory.mktemp("out") / "汇总表.xlsx"
    return summarise([returns.folder], out, jobs=1, cache_dir=returns.cache)


def counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count verifications made by the summary (in this process: jobs=1)."""
    calls: list[str] = []
    real: Callable[..., Verification] = getattr(summary, "verify")  # noqa: B009 - patched below

    def spy(path: Any, **kwargs: Any) -> Verification:
        calls.append(str(path))
        return real(path, **kwargs)

    monkeypatch.setattr(summary, "verify", spy)
    return calls


# --- rows, statuses, totals -------------------------------------------------------------------------------


def test_one_row_per_file_failing_first(returns: Returns, overview: SummaryResult) -> None:
    assert [(Path(r.file).name, r.status) for r in overview.rows] == [  # then by path: 子目录/… after d-…
        ("d-空文件.xlsx", UNREADABLE),
        ("c-其实是文本.xlsx", UNREADABLE),
        ("b-改过合计.xlsx", "有错误"),
        ("a-本级.xlsx", "通过"),
    ]
    assert overview.failing == 3
    assert overview.verified == 4 and overview.cached == 0


def test_figures_come_from_the_decimal_engine(returns: Returns, overview: SummaryResult) -> None:
    rows = {Path(r.file).name: r for r in overview.rows}
    valid = rows["a-本级.xlsx"]
    assert valid.figures == SEED_FIGURES
    assert valid.dept == "中共株洲市渌口区委机构编制委员会办公室" and valid.year == 2024
    assert (valid.errors, valid.warnings, valid.problem) == (0, 0, "")
    damaged = rows["b-改过合计.xlsx"]
    assert damaged.figures == {**SEED_FIGURES, "income": Decimal("999")}  # what the file shows
    assert damaged.errors == 3 and damaged.problem.startswith("I-公式被改写 公开01表!C36")
    for name in ("c-其实是文本.xlsx", "d-空文件.xlsx"):
        row = rows[name]
        assert row.figures is None and row.year is None and row.dept == ""
        assert row.errors >= 1 and row.problem


def test_totals_are_the_sums_of_the_readable_files(overview: SummaryResult) -> None:
    expected = {k: 2 * v for k, v in SEED_FIGURES.items()}
    expected["income"] = Decimal("235.81") + Decimal("999")
    assert overview.totals == expected
    assert overview.errors == sum(r.errors for r in overview.rows)
    assert overview.warnings == sum(r.warnings for r in overview.rows)


def test_key_figures_of_an_unreadable_file_are_none(returns: Returns) -> None:
    assert key_figures(verify(returns.foreign)) is None
    assert key_figures(verify(returns.empty)) is None


# --- the .xlsx table ----------------------------------------------------------------------------------------


def test_xlsx_output_sorts_filters_and_totals(overview: SummaryResult) -> None:
    wb = openpyxl.load_workbook(overview.output)
    ws = wb.active
    assert [c.value for c in ws[1]] == list(HEADERS)
    assert ws.freeze_panes == "B2"
    assert ws.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(HEADERS))}5"
    status_col = HEADERS.index("状态") + 1
    assert [ws.cell(r, status_col).value for r in range(2, 6)] == [UNREADABLE, UNREADABLE, "有错误", "通过"]
    income_col = HEADERS.index("收入总计") + 1
    assert ws.cell(5, income_col).value == pytest.approx(235.81)
    assert ws.cell(5, income_col).number_format == "#,##0.00"
    assert ws.cell(2, income_col).value is None  # an unreadable file: empty figures
    letter = openpyxl.utils.get_column_letter(income_col)
    assert ws.cell(6, income_col).value == f"=SUBTOTAL(109,{letter}2:{letter}5)"  # follows the filter
    assert ws.cell(6, 1).value == "合计（4 个文件）"
    cached = openpyxl.load_workbook(overview.output, data_only=True).active
    assert cached.cell(6, income_col).value == pytest.approx(1234.81)  # a correct cached value for every viewer
    widths = {k: v.width for k, v in ws.column_dimensions.items()}
    assert widths["A"] > 30 and widths[letter] > 10


# --- cache --------------------------------------------------------------------------------------------------


def test_unchanged_files_are_not_verified_again(returns: Returns, overview: SummaryResult, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    calls = counting(monkeypatch)
    again = summarise([returns.folder], tmp_path / "again.xlsx", jobs=1, cache_dir=returns.cache)
    assert calls == []
    assert again.cached == 4 and again.verified == 0
    assert [(r.file, r.status, r.figures, r.errors, r.warnings, r.problem) for r in again.rows] == \
        [(r.file, r.status, r.figures, r.errors, r.warnings, r.problem) for r in overview.rows]
    assert again.totals == overview.totals


def test_a_changed_file_is_verified_again(returns: Returns, overview: SummaryResult, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    foreign = tmp_path / "changed" / "x.xlsx"
    foreign.parent.mkdir()
    foreign.write_text("第一版", encoding="utf-8")
    summarise([foreign.parent], tmp_path / "1.csv", jobs=1, cache_dir=returns.cache)
    calls = counting(monkeypatch)
    summarise([foreign.parent], tmp_path / "2.csv", jobs=1, cache_dir=returns.cache)
    assert calls == []
    stat_before = foreign.stat()
    foreign.write_text("第二版", encoding="utf-8")  # same size, new content
    os.utime(foreign, ns=(stat_before.st_atime_ns, stat_before.st_mtime_ns))  # even with the old mtime
    summarise([foreign.parent], tmp_path / "3.csv", jobs=1, cache_dir=returns.cache)
    assert calls == [str(foreign)]
    os.utime(foreign, ns=(stat_before.st_atime_ns, stat_before.st_mtime_ns + 10**9))  # touched only
    summarise([foreign.parent], tmp_path / "4.csv", jobs=1, cache_dir=returns.cache)
    assert calls == [str(foreign)] * 2


def test_a_corrupt_cache_entry_is_ignored(returns: Returns, overview: SummaryResult, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    store = VerifyCache(returns.cache)
    entry = store.entry_path(os.path.abspath(returns.foreign))
    assert entry.is_file()
    entry.write_text("{not json", encoding="utf-8")
    calls = counting(monkeypatch)
    again = summarise([returns.folder], tmp_path / "again.csv", jobs=1, cache_dir=returns.cache)
    assert calls == [str(returns.foreign)]
    assert [r.status for r in again.rows] == [r.status for r in overview.rows]
    json.loads(entry.read_text(encoding="utf-8"))  # rewritten


def test_the_cache_is_private_json_keyed_by_content_and_version(returns: Returns, overview: SummaryResult) -> None:
    assert stat.S_IMODE(returns.cache.stat().st_mode) == 0o700
    entries = list(returns.cache.glob("verify-*.json"))
    assert len(entries) >= 4
    for entry in entries:
        data = json.loads(entry.read_text(encoding="utf-8"))
        assert set(data["key"]) == {"path", "size", "mtime_ns", "sha256", "version", "code"}
        assert stat.S_IMODE(entry.stat().st_mode) & 0o077 == 0
    store = VerifyCache(returns.cache)
    key = file_key(returns.valid)
    assert key is not None and store.get(key) is not None
    assert store.get(dataclasses.replace(key, version="99.0")) is None
    assert store.get(dataclasses.replace(key, sha256="0" * 64)) is None


def test_the_default_cache_lives_under_xdg_cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    store = VerifyCache()
    assert store.directory == tmp_path / "xdg" / "juesuan-xlsx" and store.enabled
    assert stat.S_IMODE(store.directory.stat().st_mode) == 0o700


# --- csv, safety, inputs ------------------------------------------------------------------------------------


def test_csv_output_with_bom_and_guarded_text(returns: Returns, overview: SummaryResult, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copyfile(returns.foreign, tmp_path / "=HYPERLINK(1).xlsx")
    shutil.copyfile(returns.valid, tmp_path / "@本级.xlsx")
    result = summarise(["=HYPERLINK(1).xlsx", "@本级.xlsx"], "汇总表.csv", jobs=1, cache_dir=returns.cache)
    raw = (tmp_path / "汇总表.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == list(HEADERS)
    assert [r[0] for r in rows[1:]] == ["'=HYPERLINK(1).xlsx", "'@本级.xlsx", "合计（2 个文件）"]
    income = HEADERS.index("收入总计")
    assert rows[1][income] == "" and rows[2][income] == "235.81" and rows[3][income] == "235.81"
    assert rows[2][HEADERS.index("年度")] == "2024"
    assert len(result.rows) == 2


def test_csv_text_guard() -> None:
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert csv_text(text) == "'" + text
    assert csv_text("某某局") == "某某局"
    assert csv_text("") == ""


def test_parallel_workers_give_the_same_rows(returns: Returns, tmp_path: Path) -> None:
    result = summarise([returns.foreign, returns.empty], tmp_path / "p.csv", jobs=2, use_cache=False)
    assert [(Path(r.file).name, r.status) for r in result.rows] == [
        ("d-空文件.xlsx", UNREADABLE), ("c-其实是文本.xlsx", UNREADABLE)]


def test_refusals(returns: Returns, overview: SummaryResult, tmp_path: Path) -> None:
    with pytest.raises(OutputExists):
        summarise([returns.folder], overview.output, cache_dir=returns.cache)
    with pytest.raises(SummaryError, match=".xlsx 或 .csv"):
        summarise([returns.folder], tmp_path / "汇总.txt", cache_dir=returns.cache)
    (tmp_path / "空").mkdir()
    with pytest.raises(SummaryError, match="没有找到"):
        summarise([tmp_path / "空"], tmp_path / "汇总.csv", cache_dir=returns.cache)


def test_an_output_inside_the_folder_is_not_summarised(returns: Returns, overview: SummaryResult,
                                                       tmp_path: Path) -> None:
    folder = tmp_path / "回收"
    folder.mkdir()
    shutil.copyfile(returns.foreign, folder / "x.xlsx")
    out = folder / "汇总表.xlsx"
    summarise([folder], out, jobs=1, cache_dir=returns.cache)
    again = summarise([folder], out, jobs=1, cache_dir=returns.cache, overwrite=True)
    assert [Path(r.file).name for r in again.rows] == ["x.xlsx"]


def test_inputs_are_never_modified(returns: Returns, overview: SummaryResult, tmp_path: Path) -> None:
    summarise([returns.folder], tmp_path / "again.csv", jobs=1, cache_dir=returns.cache)
    assert {p: _fingerprint(p) for p in returns.before} == returns.before
    assert sorted(p.name for p in returns.folder.rglob("*")) == sorted(
        ["a-本级.xlsx", "b-改过合计.xlsx", "子目录", "c-其实是文本.xlsx", "d-空文件.xlsx", "说明.txt"])


def test_figures_columns_match_the_brief() -> None:
    assert [title for _, title, _ in FIGURES] == [
        "收入总计", "支出总计", "财政拨款", "基本支出", "项目支出", "人员经费", "公用经费",
        "三公经费预算", "三公经费决算"]
    assert HEADERS[:3] == ("文件", "部门", "年度") and HEADERS[-4:] == ("错误数", "警告数", "状态", "主要问题")


# --- issue 15 #8: figures of different years are never added; the same 部门 twice is said -------------------------


def test_totals_never_add_different_years_and_the_same_dept_twice_is_said(tmp_path: Path) -> None:
    from juesuan_xlsx.cli import run

    folder = tmp_path / "回收"
    folder.mkdir()
    shutil.copyfile(SEED, folder / "a-2024.xlsx")
    assert run(["new", "2025", "-o", str(folder / "b-2025.xlsx"), "--dept", "别的局"]) == 0
    wb = openpyxl.load_workbook(folder / "b-2025.xlsx")
    wb["公开04表"]["C7"] = 10  # 一般公共预算财政拨款收入 of 2025
    wb.save(folder / "b-2025.xlsx")
    result = summarise([folder], tmp_path / "s.csv", jobs=1, use_cache=False)
    assert result.totals == {}  # no all-years total
    assert sorted(result.totals_by_year) == [2024, 2025]
    assert result.totals_by_year[2024]["income"] == SEED_FIGURES["income"]
    assert result.totals_by_year[2025]["fiscal"] == Decimal("10")
    assert any("不同年度" in n for n in result.notes)
    lines = list(csv.reader(io.StringIO((tmp_path / "s.csv").read_text(encoding="utf-8-sig"))))
    assert [line[0] for line in lines[-2:]] == ["合计（2024 年，1 个文件）", "合计（2025 年，1 个文件）"]
    xlsx = summarise([folder], tmp_path / "s.xlsx", jobs=1, use_cache=False)
    ws = openpyxl.load_workbook(xlsx.output).active
    assert ws.cell(4, 1).value == "合计（2024 年，1 个文件）" and ws.cell(5, 1).value == "合计（2025 年，1 个文件）"
    assert str(ws.cell(4, HEADERS.index("收入总计") + 1).value).startswith("=SUMIF($C$2:$C$3,2024,")

    shutil.copyfile(SEED, folder / "c-副本.xlsx")  # the same 部门 in a second file
    again = summarise([folder], tmp_path / "s2.csv", jobs=1, use_cache=False)
    assert any("出现在 2 个文件中" in n and "a-2024.xlsx" in n and "c-副本.xlsx" in n for n in again.notes)


# --- issue 15 #21: outputs of this tool found in a folder are not returns ------------------------------------------


def test_outputs_of_this_tool_are_skipped_in_folders_and_said_once(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from juesuan_xlsx.cli import run

    folder = tmp_path / "回收"
    folder.mkdir()
    shutil.copyfile(SEED, folder / "a.xlsx")
    assert run(["verify", str(folder), "--annotate", str(folder)]) == 0  # a.标注.xlsx
    assert run(["summary", str(folder), "-o", str(folder / "总览.xlsx")]) == 0
    assert run(["export", str(folder / "a.xlsx"), "--to", "xlsx"]) == 0  # a-公开.xlsx
    assert sorted(p.name for p in folder.iterdir()) == ["a-公开.xlsx", "a.xlsx", "a.标注.xlsx", "总览.xlsx"]
    capsys.readouterr()
    assert run(["verify", str(folder)]) == 0
    captured = capsys.readouterr()
    assert captured.err.count("跳过 3 个本工具写出的文件") == 1
    assert "共 1 个文件" in captured.out
    result = summarise([folder], tmp_path / "s.csv", jobs=1, use_cache=False)
    assert [Path(r.file).name for r in result.rows] == ["a.xlsx"]
    assert any("跳过 3 个" in n for n in result.notes)
    assert run(["verify", str(folder / "a.标注.xlsx")]) in (0, 1)  # named explicitly: verified as asked
