"""`juesuan-xlsx verify` and `rules` from the command line: exit status, JSON = library report, batches."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest

from juesuan_xlsx.cli import run
from juesuan_xlsx.report import to_json
from juesuan_xlsx.verify import Report, verify_file

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "seed-2024.xlsx"


@pytest.fixture(scope="module")
def example_report():
    return verify_file(EXAMPLE)


def test_example_verifies_without_error(example_report):
    assert example_report.valid, [f.message for f in example_report.findings if f.level.value == "error"]
    notes = [f for f in example_report.findings if f.level.value == "note"]
    # the seed's own rounding gaps: 235.81 printed against 235.80 summed from its 类, 06 against 05 basic
    assert {f.code for f in notes} >= {"T01-收支平衡", "X-05基本支出-06"}
    assert all("尾差" in f.message or "允许尾差" in f.message for f in notes)


def test_json_equals_the_library_report(example_report, capsys):
    assert run(["verify", "--json", "-j", "1", str(EXAMPLE)]) == 0
    printed = json.loads(capsys.readouterr().out)
    library = json.loads(to_json(Report([example_report])))
    for file in (*printed["files"], *library["files"]):
        file.pop("seconds")
    assert printed == library
    assert printed["schema"] == "juesuan-xlsx/verify/1.1"


def test_text_report_names_cells_and_exit_status(tmp_path, capsys):
    bad = tmp_path / "bad.xlsx"
    shutil.copy(EXAMPLE, bad)
    wb = openpyxl.load_workbook(bad)
    wb["公开04表"]["C7"] = 300  # 一般公共预算财政拨款收入: now more than every expenditure
    wb.save(bad)
    assert run(["verify", "-j", "1", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "公开04表!C7" in out or "公开04表" in out
    assert "T04-一般公共预算结转" in out and "错误" in out


def test_folder_of_mixed_files_goes_on_after_bad_ones(tmp_path, capsys):
    shutil.copy(EXAMPLE, tmp_path / "a.xlsx")
    (tmp_path / "b.xlsx").write_text("编码,名称\n", encoding="utf-8")
    (tmp_path / "c.xls").write_bytes(b"")
    (tmp_path / "notes.txt").write_text("ignored", encoding="utf-8")
    assert run(["verify", "-j", "2", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "P-文本文件" in out and "P-空文件" in out and "汇总" in out
    assert "Traceback" not in out


def test_strict_turns_warnings_into_errors(tmp_path):
    path = tmp_path / "w.xlsx"
    shutil.copy(EXAMPLE, path)
    wb = openpyxl.load_workbook(path)  # openpyxl drops every cached value: a warning, not an error
    wb.save(path)
    assert run(["verify", "-j", "1", str(path)]) == 0
    assert run(["verify", "-j", "1", "--strict", str(path)]) == 1


def test_annotate_writes_a_marked_copy_and_leaves_the_original(tmp_path, capsys):
    bad = tmp_path / "bad.xlsx"
    shutil.copy(EXAMPLE, bad)
    wb = openpyxl.load_workbook(bad)
    wb["公开06表"]["C7"] = "58.56 "
    wb.save(bad)
    before = bad.read_bytes()
    out_dir = tmp_path / "标注"
    assert run(["verify", "-j", "1", "--annotate", str(out_dir), str(bad)]) == 1
    assert bad.read_bytes() == before
    marked = openpyxl.load_workbook(out_dir / "bad.标注.xlsx")["公开06表"]["C7"]
    assert marked.comment is not None and "I-文本数字" in marked.comment.text
    assert run(["verify", "-j", "1", "--annotate", str(out_dir), str(bad)]) == 2  # exists: not overwritten
    assert run(["verify", "-j", "1", "--annotate", str(out_dir), "--force", str(bad)]) == 1


def test_usage_errors(capsys, tmp_path):
    assert run(["verify"]) == 2
    assert run(["verify", str(tmp_path / "empty-dir-does-not-exist" / "x.xlsx")]) == 1  # a finding, not a usage error
    (tmp_path / "empty").mkdir()
    assert run(["verify", str(tmp_path / "empty")]) == 2
    assert "没有找到" in capsys.readouterr().err


def test_rules_lists_the_catalogue(capsys):
    assert run(["rules"]) == 0
    out = capsys.readouterr().out
    for code in ("P-旧版XLS", "I-公式被改写", "T01-收支平衡", "X-04一般公共预算-05合计", "E-缓存值过期"):
        assert code in out
    assert run(["rules", "--json"]) == 0
    rules = json.loads(capsys.readouterr().out)
    assert {"code", "level", "title", "description", "template", "category"} <= set(rules[0])
