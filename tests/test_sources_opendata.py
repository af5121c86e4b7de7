"""Our csv and json exports read back as sources (issue 13 #7), and the reader bugs the round trip found."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from juesuan_xlsx.cli import run
from juesuan_xlsx.export import export
from juesuan_xlsx.generate import Options, generate
from juesuan_xlsx.sources import SourceError, read_source
from juesuan_xlsx.sources.opendata import is_csv_export
from juesuan_xlsx.spec import load_spec
from juesuan_xlsx.verify import expand_paths, verify

from .fillings import random_filling

DEPT = "测试局"


@pytest.fixture(scope="module")
def forced(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A 2024 workbook with errors (stamped exports) in each layout, exported to xlsx, csv and json."""
    root = tmp_path_factory.mktemp("opendata")
    out: dict[str, Path] = {}
    for profile in ("central", "shanghai"):
        spec = load_spec(2024, profile)
        folder = root / profile
        folder.mkdir()
        workbook = folder / f"{DEPT}2024年度部门决算.xlsx"
        generate(spec, workbook, Options(dept=DEPT, filling=random_filling(spec, 5)))
        out[f"{profile}.workbook"] = workbook
        for fmt in ("xlsx", "csv", "json"):
            target = folder / (f"{DEPT}2024年度部门决算-csv" if fmt == "csv" else f"out.{fmt}")
            export(workbook, fmt, target, force=True)
            out[f"{profile}.{fmt}"] = target
    return out


# -- reader bugs the round trip found ------------------------------------------------------------------------


def test_stamped_xlsx_export_keeps_its_dept_line(forced: dict[str, Path]) -> None:
    """A forced export prints the 未通过校验 line between the title and the 部门： line; that line ended the
    captions, so 部门：测试局 was taken for the table's first row and the 部门 was not recognised."""
    d = read_source(forced["central.xlsx"])
    assert d.dept == DEPT
    assert not any(code == "S-部门未识别" for code, _, _ in d.problems)


def test_shanghai_xlsx_export_takes_its_dept_from_the_title_property(tmp_path: Path) -> None:
    """Shanghai's layout prints no 部门： line: the 部门 is in the workbook's title property
    ("2024年度测试局部门决算公开表"), which was read for the year but not for the 部门."""
    spec = load_spec(2025, "shanghai")
    workbook = tmp_path / "wb.xlsx"
    generate(spec, workbook, Options(dept=DEPT, filling=random_filling(spec, 3)))
    export(workbook, "xlsx", tmp_path / "out.xlsx", force=True)
    d = read_source(tmp_path / "out.xlsx")
    assert (d.dept, d.year, d.spec.profile) == (DEPT, 2025, "shanghai")


# -- csv -------------------------------------------------------------------------------------------------------


def test_a_csv_folder_is_one_publication(forced: dict[str, Path]) -> None:
    for profile in ("central", "shanghai"):
        folder = forced[f"{profile}.csv"]
        assert is_csv_export(folder) and not is_csv_export(folder.parent)
        d = read_source(folder)
        assert d.source_kind == "csv" and d.missing_tables == []
        assert (d.year, d.spec.profile, d.dept) == (2024, profile, DEPT)  # from the folder's name
        assert "9 个文件" in d.how
        where = next(iter(d.figures.values())).where
        assert where.sheet is not None and where.sheet.endswith(".csv") and where.cell and where.column
        assert any(p.text.startswith("未通过校验") for p in d.paragraphs)  # the stamp line kept, once
        assert sum(p.text.startswith("未通过校验") for p in d.paragraphs) == 1


def test_one_csv_file_is_read_alone(forced: dict[str, Path]) -> None:
    d = read_source(forced["central.csv"] / "公开05表.csv")
    assert [t.id for t in d.spec.tables if t.id not in d.missing_tables] == ["05"]
    assert any(code == "S-年度未识别" for code, _, _ in d.problems)  # a single csv names no year
    assert str(next(iter(d.figures.values())).where).startswith("公开05表.csv!")


def test_a_renamed_csv_folder_loses_year_and_dept_and_says_so(forced: dict[str, Path], tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "tables"
    shutil.copytree(forced["central.csv"], copy)
    d = read_source(copy)
    codes = {code for code, _, _ in d.problems}
    assert {"S-年度未识别", "S-部门未识别"} <= codes


def test_verify_and_import_of_a_csv_folder(forced: dict[str, Path], tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    folder = forced["central.csv"]
    report = verify(folder).report
    assert report.kind == "csv" and report.spec == "2024/central"
    assert "P-文件夹" not in report.codes()
    assert run(["import", str(folder), "-o", str(tmp_path / "back.xlsx")]) == 0
    assert "CSV" in capsys.readouterr().out
    assert (tmp_path / "back.xlsx").exists()
    # named, the folder is one source; found inside a folder of returns, it is an output of ours, skipped
    assert expand_paths([folder]) == [folder]
    skipped: list[Path] = []
    found = expand_paths([folder.parent], skipped)
    assert folder in skipped and not any(p.suffix == ".csv" for p in found)


def test_a_folder_that_is_no_csv_export_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(SourceError, match="文件夹"):
        read_source(tmp_path)
    assert "P-文件夹" in verify(tmp_path).report.codes()


# -- json ------------------------------------------------------------------------------------------------------


def test_json_export_is_read_by_its_keys(forced: dict[str, Path]) -> None:
    for profile in ("central", "shanghai"):
        d = read_source(forced[f"{profile}.json"])
        assert (d.source_kind, d.year, d.spec.profile, d.dept) == ("json", 2024, profile, DEPT)
        assert d.missing_tables == [] and d.problems == []
        report = verify(forced[f"{profile}.json"]).report
        assert report.kind == "json" and "R-无法读取来源" not in report.codes()


@pytest.mark.parametrize(("text", "expected"), [
    ("{", "不是有效的 JSON"),
    ("[1, 2]", "没有找到部门决算公开表"),  # not an object: not taken for json, read as text
    ('{"a": 1}', "不是 juesuan-xlsx 导出"),
    ('{"schema": "juesuan-xlsx/export/1.0", "year": 1999, "profile": "central", "tables": []}', "没有这一表样"),
    ('{"schema": "juesuan-xlsx/export/1.0", "year": 2024, "profile": "central", "tables": 5}', "tables"),
    ('{"schema": "juesuan-xlsx/export/1.0", "year": 2024, "profile": "central", "tables": [7]}', "不是对象"),
    ('{"schema": "juesuan-xlsx/export/1.0", "year": 2024, "profile": "central", '
     '"tables": [{"id": "01", "rows": [{"key": "x"}]}]}', "缺少 values"),
    ("{" * 100_000, "JSON"),
])
def test_hostile_json_is_a_chinese_error(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "x.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SourceError, match=expected) as caught:
        read_source(path)
    assert "内部错误" not in caught.value.message


def test_json_figures_that_are_not_amounts_are_unreadable_not_zero(forced: dict[str, Path], tmp_path: Path) -> None:
    data = json.loads(forced["central.json"].read_text(encoding="utf-8"))
    row = data["tables"][0]["rows"][0]
    column = next(iter(row["values"]))
    row["values"][column] = "决算数"
    data["tables"][0]["rows"].append({"key": "nonsense", "values": {}})
    path = tmp_path / "x.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    d = read_source(path)
    codes = [code for code, _, _ in d.problems]
    assert "S-数字无法识别" in codes and "S-行无法识别" in codes
    assert len(d.unreadable()) == 1
