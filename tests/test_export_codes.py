"""``export --codes-file`` (and ``export(..., extra_codes=...)``): the user's code list extends the year's 功能分类
dictionary for the verification that precedes the export and for the names the outputs print."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from juesuan_xlsx.cli import run
from juesuan_xlsx.codes import CodeInfo, load_user_codes
from juesuan_xlsx.export import ExportRefused, export
from juesuan_xlsx.filling import load_fill_file
from juesuan_xlsx.generate import FilledRow, Filling, Options, generate
from juesuan_xlsx.plan import UNKNOWN_NAME
from juesuan_xlsx.spec import load_spec

SEED = Path(__file__).resolve().parent.parent / "examples" / "seed-2024.toml"


def seed_with(path: Path, code: str, name: str | None) -> Path:
    """The seed's 2024 central workbook (free entry) with its 2013201 行政运行 rows typed as ``code`` ``name``."""
    spec = load_spec(2024)
    data = load_fill_file(SEED, spec)
    rows = {t: [FilledRow(code, name, r.amounts) if r.code == "2013201" else r for r in rs]
            for t, rs in data.filling.rows.items()}
    return generate(spec, path, Options(dept=data.dept, filling=Filling(data.filling.cells, rows),
                                        shuoming=data.shuoming))


def names_in_json(path: Path, code: str) -> set[str]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {r["name"] for t in data["tables"] for r in t["rows"] if r["code"] == code}


@pytest.fixture(scope="module")
def unknown(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2013250 is not in the shipped 2024 dictionary; its name cell is the template's lookup (no name typed)."""
    return seed_with(tmp_path_factory.mktemp("unknown") / "unknown.xlsx", "2013250", None)


@pytest.fixture(scope="module")
def renamed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2013201 typed with a local name the shipped dictionary does not know: C-科目名称不符 without a codes file."""
    return seed_with(tmp_path_factory.mktemp("renamed") / "renamed.xlsx", "2013201", "机关行政运行")


def test_names_of_codes_the_dictionary_lacks_come_from_the_codes_file(unknown: Path, tmp_path: Path):
    (plain,) = export(unknown, "json", tmp_path / "plain.json")
    assert names_in_json(plain, "2013250") == {""}  # nothing to print without a dictionary entry
    extra = {"2013250": CodeInfo("2013250", "机构编制事务")}
    (named,) = export(unknown, "json", tmp_path / "named.json", extra_codes=extra)
    assert names_in_json(named, "2013250") == {"机构编制事务"}
    paths = export(unknown, "csv", tmp_path / "csv", extra_codes=extra)
    rows = list(csv.reader(paths[4].read_text(encoding="utf-8-sig").splitlines()))
    assert ["2013250", "机构编制事务", "203.08", "203.08", "0.00"] in rows
    assert UNKNOWN_NAME not in paths[4].read_text(encoding="utf-8-sig")


def test_the_verification_before_the_export_uses_the_codes_file(renamed: Path, tmp_path: Path):
    with pytest.raises(ExportRefused) as caught:
        export(renamed, "json", tmp_path / "refused.json")
    assert "C-科目名称不符" in caught.value.report.codes()
    extra = {"2013201": CodeInfo("2013201", "机关行政运行")}  # the department's dictionary says so
    (path,) = export(renamed, "json", tmp_path / "ok.json", extra_codes=extra)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["verified"] is True and names_in_json(path, "2013201") == {"机关行政运行"}


def test_cli_export_codes_file(renamed: Path, unknown: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    codes = tmp_path / "codes.csv"
    codes.write_text("编码,名称\n2013201,机关行政运行\n2013250,机构编制事务\n", encoding="utf-8-sig")
    assert run(["export", str(renamed), "--to", "json", "-o", str(tmp_path / "a.json")]) == 1
    assert "C-科目名称不符" in capsys.readouterr().out
    assert run(["export", str(renamed), "--to", "json", "-o", str(tmp_path / "a.json"), "--codes-file",
                str(codes)]) == 0
    assert names_in_json(tmp_path / "a.json", "2013201") == {"机关行政运行"}
    assert run(["export", str(unknown), "--to", "json", "-o", str(tmp_path / "b.json"), "--codes-file",
                str(codes)]) == 0
    assert names_in_json(tmp_path / "b.json", "2013250") == {"机构编制事务"}
    bad = tmp_path / "bad.csv"
    bad.write_text("2013201\n", encoding="utf-8")
    capsys.readouterr()
    assert run(["export", str(renamed), "--to", "json", "-o", str(tmp_path / "c.json"), "--codes-file",
                str(bad)]) == 2
    assert "读取科目文件失败" in capsys.readouterr().err and not (tmp_path / "c.json").exists()


def test_a_codes_file_may_give_earlier_names(tmp_path: Path):
    codes = tmp_path / "codes.tsv"
    codes.write_text("2219899\t其他超长期特别国债安排的支出\t基金\t其他住房保障支出|住房保障其他支出\n",
                     encoding="utf-8")
    (info,) = load_user_codes(codes).values()
    assert (info.fund, info.aliases) == ("基金", ("其他住房保障支出", "住房保障其他支出"))
