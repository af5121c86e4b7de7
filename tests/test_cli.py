"""`juesuan-xlsx new`: every option and every bad argument; messages are Chinese, exit status 2, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import openpyxl
import pytest

from juesuan_xlsx.cli import run


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_new_default_name(in_tmp, capsys):
    assert run(["new", "2024"]) == 0
    assert (in_tmp / "2024年部门决算公开表.xlsx").is_file()
    assert "已生成" in capsys.readouterr().out


def test_new_dept_and_output(in_tmp):
    assert run(["new", "2024", "--dept", "某某局", "-o", "a.xlsx"]) == 0
    wb = openpyxl.load_workbook(in_tmp / "a.xlsx")
    assert wb["公开01表"]["A3"].value == "部门：" and wb["公开01表"]["B3"].value == "某某局"


def test_new_profile_explicit(in_tmp):
    assert run(["new", "2024", "--profile", "central", "-o", "p.xlsx"]) == 0


def test_new_codes(in_tmp, capsys):
    assert run(["new", "2024", "--codes", "2013201，2080505 2210201", "-o", "c.xlsx"]) == 0
    ws = openpyxl.load_workbook(in_tmp / "c.xlsx")["公开05表"]
    assert [ws.cell(r, 1).value for r in range(8, 11)] == ["201", "20132", "2013201"]


def test_new_codes_unknown_name_is_a_hint(in_tmp, capsys):
    assert run(["new", "2024", "--codes", "2139999", "-o", "u.xlsx"]) == 0
    assert "2139999" in capsys.readouterr().err


def test_new_codes_file(in_tmp):
    (in_tmp / "codes.csv").write_text("2139999,其他农林水支出\n", encoding="utf-8")
    assert run(["new", "2024", "--codes", "2139999", "--codes-file", "codes.csv", "-o", "f.xlsx"]) == 0
    ws = openpyxl.load_workbook(in_tmp / "f.xlsx")["公开03表"]
    assert ws["B10"].value == "其他农林水支出"


def test_force_and_refusal(in_tmp, capsys):
    assert run(["new", "2024", "-o", "x.xlsx"]) == 0
    before = (in_tmp / "x.xlsx").read_bytes()
    assert run(["new", "2024", "-o", "x.xlsx", "--dept", "别的"]) == 2
    assert "已存在" in capsys.readouterr().err and (in_tmp / "x.xlsx").read_bytes() == before
    assert run(["new", "2024", "-o", "x.xlsx", "--dept", "别的", "--force"]) == 0
    assert (in_tmp / "x.xlsx").read_bytes() != before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["new", "2023"], "不支持 2023 年"),
        (["new", "2024", "--profile", "shanghai2"], "不支持"),
        (["new", "abc"], "应为整数"),
        (["new"], "缺少参数 YEAR"),
        (["new", "2024", "--codes", "12x"], "格式不对"),
        (["new", "2024", "--codes", ","], "没有给出任何科目编码"),
        (["new", "2024", "--codes-file", "missing.csv"], "读取科目文件失败"),
        (["new", "2024", "--bogus"], "没有选项 --bogus"),
        (["new", "2024", "-o", "no/such/dir/x.xlsx"], "无法写入"),
        (["nosuch"], "没有命令"),
    ],
)
def test_bad_arguments(in_tmp, capsys, args, message):
    assert run(args) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_help_is_chinese(capsys):
    assert run(["new", "--help"]) == 0
    out = capsys.readouterr().out
    assert "用法" in out and "选项" in out and "--codes" in out


def test_version(capsys):
    assert run(["--version"]) == 0
    assert "juesuan-xlsx" in capsys.readouterr().out


def test_console_script_exit_status(in_tmp):
    """The real entry point, as a user runs it (fresh process)."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run([sys.executable, "-m", "juesuan_xlsx.cli", "new", "1999"], capture_output=True,
                          text=True, env=env)
    assert done.returncode == 2
    assert done.stderr.startswith("错误：")
