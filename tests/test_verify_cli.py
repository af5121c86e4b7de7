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
    # issue 15 #16: a file named on the command line that does not exist is a usage error (one Chinese line)
    assert run(["verify", str(tmp_path / "empty-dir-does-not-exist" / "x.xlsx")]) == 2
    assert "找不到文件或目录" in capsys.readouterr().err
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


# -- issue 15 #5: a blank template is not a return ------------------------------------------------------------------


def test_blank_template_is_a_warning_not_a_clean_pass(tmp_path, capsys):
    blank = tmp_path / "b.xlsx"
    assert run(["new", "2024", "-o", str(blank), "--dept", "某某局"]) == 0
    capsys.readouterr()
    assert run(["verify", str(blank)]) == 0  # a warning: the exit status is about errors
    assert "I-未填写金额" in capsys.readouterr().out
    assert run(["verify", "--strict", str(blank)]) == 1
    assert "I-未填写金额" not in verify_file(EXAMPLE).codes()


# -- issue 15 #14: a flood is said once, under its cause; a deleted row is called deleted ---------------------------


def test_formulas_pasted_as_values_are_said_once_under_their_cause(tmp_path, capsys):
    from juesuan_xlsx.evaluation import evaluate_workbook

    pasted = tmp_path / "pasted.xlsx"
    computed = evaluate_workbook(EXAMPLE).values  # what "paste values only" leaves in every formula cell
    wb = openpyxl.load_workbook(EXAMPLE)
    for (sheet, address), value in computed.items():
        cell = wb[sheet][address]
        if sheet != "校验" and isinstance(cell.value, str) and cell.value.startswith("="):
            cell.value = value if value != "" else None
    wb.save(pasted)
    assert run(["verify", str(pasted)]) == 1
    out = capsys.readouterr().out
    assert "【主要原因】" in out and "公式已被粘贴为数值或被清除" in out
    assert "行只因公式被粘贴成的数值" in out  # the rows of zeros are explained, not listed one by one
    assert len(out.splitlines()) < 40, out
    report = verify_file(pasted)  # the library report and --json keep every cell
    assert report.codes().count("I-公式被改写") > 500


@pytest.mark.libreoffice
@pytest.mark.parametrize(("row", "label"), [(20, "十四、资源勘探工业信息等支出"), (7, "一、一般公共预算财政拨款收入")])
def test_a_deleted_row_is_reported_as_deleted(libreoffice, tmp_path, row, label):
    """Deleted in LibreOffice as a user does (references adjust): one finding that says so, no flood of changed
    formulas below it, no internal error."""
    deleted = tmp_path / "deleted.xlsx"
    with libreoffice.open(EXAMPLE) as doc:
        doc.unprotect("公开01表")
        doc.component.Sheets.getByName("公开01表").Rows.removeByIndex(row - 1, 1)
        doc.save_xlsx(deleted)
    report = verify_file(deleted)
    rows = [f for f in report.findings if f.code == "R-行已删除"]
    assert any(label in f.message for f in rows), report.codes()
    assert "X-内部不一致" not in report.codes()
    assert report.codes().count("I-公式被修改") == 0


# -- issue 15 #15: no English library lines; a deleted 字典 sheet is an error -------------------------------------


def test_renamed_sheet_prints_no_library_log_lines(tmp_path):
    import os
    import subprocess
    import sys

    renamed = tmp_path / "renamed.xlsx"
    wb = openpyxl.load_workbook(EXAMPLE)
    wb["公开01表"].title = "收支总表"  # openpyxl leaves the other sheets' formulas pointing at 公开01表
    wb.save(renamed)
    done = subprocess.run([sys.executable, "-m", "juesuan_xlsx.cli", "verify", str(renamed)], capture_output=True,
                          text=True, timeout=300, env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    assert done.returncode == 1
    assert done.stderr == "", done.stderr[:500]
    assert "I-错误值" in done.stdout


def test_deleted_dictionary_sheet_is_an_error(tmp_path):
    missing = tmp_path / "nodict.xlsx"
    wb = openpyxl.load_workbook(EXAMPLE)
    del wb["字典"]
    wb.save(missing)
    report = verify_file(missing)
    assert not report.valid and "R-缺少字典表" in report.codes()


# -- issue 15 #22: a progress bar is for a terminal; a log gets a plain line now and then ----------------------------


def test_progress_in_a_log_has_no_carriage_returns(tmp_path, capsys, monkeypatch):
    from juesuan_xlsx import batch

    monkeypatch.setattr(batch, "LOG_STEP", 2)
    files = []
    for i in range(4):
        files.append(tmp_path / f"{i}.xlsx")
        shutil.copy(EXAMPLE, files[-1])
    assert run(["verify", "-j", "1", *map(str, files)]) == 0
    err = capsys.readouterr().err  # captured: not a terminal
    assert "\r" not in err
    assert err.splitlines() == ["校验中 2/4", "校验中 4/4"]
