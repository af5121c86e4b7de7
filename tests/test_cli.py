"""`juesuan-xlsx new`: every option and every bad argument; messages are Chinese, exit status 2, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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


# -- issue 15 #16/#17: every usage error is one Chinese line, exit status 2; wrong output names are refused --------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["new", "2024", "-o", "outdir"], "“outdir”是一个目录"),
        (["summary", "."], "缺少选项 -o"),
        (["verify", "-j", "0", "x.xlsx"], "-j 应为 1 到 64 之间的整数，实际为 0"),
        (["verify", "-j", "abc", "x.xlsx"], "-j 应为整数"),
        (["export", "x.xlsx", "--to", "odt"], "--to 的值“odt”无效，可选：xlsx、docx、pdf、csv、json"),
        (["export", ".", "--to", "xlsx"], "“.”是一个目录"),
        (["new", "2024", "--codes-file", "missing.csv"], "读取科目文件失败：missing.csv：文件或目录不存在"),
        (["new", "2024", "-o", "r1.xlsx/a.xlsx"], "路径中有一段不是目录"),
        (["verify", "missing.xlsx"], "找不到文件或目录：missing.xlsx"),
        (["summary", "missing", "-o", "x.csv"], "找不到文件或目录：missing"),
        (["merge", "missing.xlsx", "-o", "m.xlsx"], "找不到文件或目录：missing.xlsx"),
        (["export", "missing.xlsx", "--to", "json"], "找不到文件或目录：missing.xlsx"),
        (["new", "2024", "-o", "a.xls"], "输出文件应以 .xlsx 结尾"),
        (["new", "2024", "-o", "a.csv"], "输出文件应以 .xlsx 结尾"),
        (["new", "2024", "-o", "a"], "输出文件应以 .xlsx 结尾"),
        (["new", "2024", "-o", "-"], "不能是“-”"),
        (["new", "2024", "-o", ""], "不能为空"),
        (["export", "x.xlsx", "--to", "docx", "-o", "out.pdf"], "输出文件应以 .docx 结尾"),
        (["export", "x.xlsx", "--to", "csv", "-o", "out.csv"], "应为一个目录"),
        (["merge", "x.xlsx", "-o", "m.csv"], "输出文件应以 .xlsx 结尾"),
        (["summary", "x.xlsx", "-o", "s.txt"], "输出文件应以 .xlsx 或 .csv 结尾"),
        (["verify", "--annotate", "r1.xlsx", "x.xlsx"], "“r1.xlsx”是一个文件"),
    ],
)
def test_usage_errors_are_one_chinese_line_with_status_2(in_tmp, capsys, args, message):
    (in_tmp / "outdir").mkdir()
    (in_tmp / "r1.xlsx").write_bytes(b"")
    (in_tmp / "x.xlsx").write_bytes(b"")
    assert run(args) == 2
    captured = capsys.readouterr()
    err = captured.err
    assert message in err
    assert err.startswith("错误：") and err.count("\n") == 1, err  # one line
    assert not any(word in err for word in ("Invalid", "Error", "Usage", "Errno", "Traceback")), err
    assert sorted(p.name for p in in_tmp.iterdir()) == ["outdir", "r1.xlsx", "x.xlsx"]  # nothing written


def test_profile_and_export_format_are_case_insensitive(in_tmp, capsys):
    assert run(["new", "2024", "--profile", "SHANGHAI", "-o", "sh.xlsx", "--dept", "某某局"]) == 0
    assert "上海格式" in capsys.readouterr().out
    assert run(["rules", "--profile", "Shanghai"]) == 0


def test_bare_command_prints_the_help_not_an_error(capsys):
    assert run([]) == 0
    captured = capsys.readouterr()
    assert "用法" in captured.out and "new" in captured.out
    assert "错误" not in captured.err + captured.out


# -- issue 15 #22: a department name longer than a document property holds ----------------------------------------


def test_long_dept_is_written_without_a_library_warning(in_tmp):
    name = "某" * 300
    done = subprocess.run([sys.executable, "-W", "error", "-m", "juesuan_xlsx.cli", "new", "2024", "--dept", name,
                           "-o", "long.xlsx"], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    wb = openpyxl.load_workbook(in_tmp / "long.xlsx")
    assert wb["公开01表"]["B3"].value == name


# -- issue 15 #6: the 部门 is an input cell, read back, and its absence is a warning ------------------------------


def test_dept_typed_in_the_template_is_read_back_and_warned_when_empty(in_tmp, capsys):
    assert run(["new", "2024", "-o", "t.xlsx"]) == 0
    wb = openpyxl.load_workbook(in_tmp / "t.xlsx")
    ws = wb["公开01表"]
    assert ws["A3"].value == "部门：" and not ws["B3"].protection.locked  # an input beside the label
    capsys.readouterr()
    assert run(["verify", "t.xlsx"]) == 0
    assert "I-部门未填写 公开01表!B3" in capsys.readouterr().out
    ws["B3"] = "某某局"
    wb.save(in_tmp / "t.xlsx")
    assert run(["verify", "--json", "t.xlsx"]) == 0
    out = capsys.readouterr().out
    assert '"dept": "某某局"' in out and "I-部门未填写" not in out


# -- issue 15 #9: --like takes 上年数 only from last year's consistent, filled return, in its own layout ------------

SEED = os.path.join(os.path.dirname(__file__), "..", "examples", "seed-2024.xlsx")


def test_like_refuses_what_cannot_give_last_years_figures(in_tmp, capsys):
    assert run(["new", "2024", "--like", SEED, "-o", "same.xlsx"]) == 2  # the same year
    assert "应给出上一年度（2023 年）的报表" in capsys.readouterr().err
    assert run(["new", "2025", "-o", "later.xlsx"]) == 0
    assert run(["new", "2024", "--like", "later.xlsx", "-o", "x.xlsx"]) == 2  # a later year
    assert "是 2025 年的" in capsys.readouterr().err
    wb = openpyxl.load_workbook(SEED)
    wb["公开01表"]["C36"] = 1  # a total typed over: errors
    wb.save(in_tmp / "bad.xlsx")
    assert run(["new", "2025", "--like", "bad.xlsx", "-o", "x.xlsx"]) == 2
    assert "个错误，其数字不能作为上年数" in capsys.readouterr().err
    assert run(["new", "2024", "-o", "blank.xlsx"]) == 0
    assert run(["new", "2025", "--like", "blank.xlsx", "-o", "x.xlsx"]) == 2
    assert "没有填写任何金额" in capsys.readouterr().err
    assert not (in_tmp / "x.xlsx").exists() and not (in_tmp / "same.xlsx").exists()


def test_like_continues_in_last_years_layout_and_says_when_told_otherwise(in_tmp, capsys):
    from juesuan_xlsx.filling import load_fill_file
    from juesuan_xlsx.generate import Options, generate
    from juesuan_xlsx.spec import load_spec

    shanghai = load_spec(2024, "shanghai")
    data = load_fill_file(os.path.join(os.path.dirname(SEED), "seed-2024.toml"), shanghai)
    generate(shanghai, in_tmp / "sh.xlsx", Options(dept="上海某局", filling=data.filling))
    assert run(["new", "2025", "--like", "sh.xlsx", "-o", "a.xlsx"]) == 0
    assert "上海格式" in capsys.readouterr().out  # no --profile: last year's layout
    assert run(["new", "2025", "--like", "sh.xlsx", "--profile", "central", "-o", "b.xlsx"]) == 0
    assert "注意：上年报表是上海格式（shanghai），新模板按通用格式（central）生成" in capsys.readouterr().err


# -- issue 15 #19: interrupts end with 130/143, no traceback, no worker left, no temporary file ---------------------

ENV = {**os.environ, "PYTHONIOENCODING": "utf-8"}


def _children(pid):
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        kids.append(int(entry))
            except OSError:
                pass
    return kids


def _running(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture
def many(in_tmp):
    folder = in_tmp / "回收"
    folder.mkdir()
    data = Path(SEED).read_bytes()
    for i in range(24):
        (folder / f"{i:02d}.xlsx").write_bytes(data)
    return folder


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads worker processes from /proc")
@pytest.mark.parametrize(("how", "args", "status"), [
    ("SIGTERM", ["verify", "回收", "-j", "2"], 143),
    ("SIGINT", ["summary", "回收", "-o", "s.xlsx", "--no-cache", "-j", "2"], 130),  # Ctrl-C: the whole group
])
def test_interrupt_stops_the_workers_and_exits_conventionally(many, in_tmp, how, args, status):
    import signal
    import time

    proc = subprocess.Popen([sys.executable, "-m", "juesuan_xlsx.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=ENV, start_new_session=True)
    workers = []
    deadline = time.monotonic() + 60
    while len(workers) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
        workers = _children(proc.pid)
    assert len(workers) == 2, "the workers did not start"
    time.sleep(0.5)
    if how == "SIGINT":
        os.killpg(proc.pid, signal.SIGINT)
    else:
        proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == status
    assert err.strip().endswith("已中止。")
    assert "Traceback" not in err and "Exception ignored" not in err, err
    deadline = time.monotonic() + 10
    while any(_running(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_running(w) for w in workers), "a worker outlived the command"
    assert not (in_tmp / "s.xlsx").exists()


SLOW = r'''
import sys, time
import {module} as target
real = target.{name}
def slow(*args, **kwargs):
    print("writing", flush=True)
    time.sleep(60)
    return real(*args, **kwargs)
target.{name} = slow
import juesuan_xlsx.cli
juesuan_xlsx.cli.main()
'''


@pytest.mark.parametrize(("module", "name", "args"), [
    ("juesuan_xlsx.generate", "_Writer", ["new", "2024", "-o", "a.xlsx"]),
    ("juesuan_xlsx.export.xlsx", "write_xlsx", ["export", SEED, "--to", "xlsx", "-o", "a.xlsx"]),
])
def test_sigterm_while_writing_leaves_no_temporary_file(in_tmp, module, name, args):
    import signal

    code = SLOW.format(module=module, name=name)
    if name == "_Writer":  # slow down the writing itself, after the temporary file exists
        code = code.replace("real = target._Writer", "real = target._Writer.write").replace(
            "target._Writer = slow", "target._Writer.write = slow")
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=ENV, cwd=in_tmp)
    assert proc.stdout.readline().strip() == "writing"
    assert [p.name for p in in_tmp.iterdir() if p.name.endswith(".tmp")]  # the temporary file is there
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143 and "已中止。" in err and "Traceback" not in err
    assert list(in_tmp.iterdir()) == []  # no temporary file, no partial output


# -- issue 15 #20: a full disk is one Chinese line, exit 2, nothing left behind -------------------------------------


@pytest.fixture
def full_disk(tmp_path, monkeypatch):
    """A 64 KB tmpfs when this runs as root and may mount one; otherwise xlsxwriter's zip writes fail with ENOSPC
    (monkeypatched).  Yields (folder, how)."""
    import errno
    import tempfile

    folder = tmp_path / "tiny"
    folder.mkdir()
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    mounted = os.geteuid() == 0 and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)], capture_output=True).returncode == 0
    if mounted:  # all but 4 KB taken: no workbook fits
        (folder / "filler").write_bytes(b"\0" * 60 * 1024)
    else:
        import zipfile

        import xlsxwriter.workbook

        class FullZip(zipfile.ZipFile):
            def writestr(self, *args, **kwargs):
                raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(xlsxwriter.workbook, "ZipFile", FullZip)
    yield folder, temp, "tmpfs" if mounted else "monkeypatch"
    if mounted:
        subprocess.run(["umount", str(folder)], check=False)


@pytest.mark.parametrize("args", [["new", "2024"], ["export", SEED, "--to", "xlsx"], ["summary", SEED]])
def test_full_disk_is_one_chinese_line_and_leaves_nothing(full_disk, capsys, args):
    folder, temp, _how = full_disk
    out = folder / "a.xlsx"
    assert run([*args, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：无法写入") and "磁盘空间不足" in err and err.count("\n") == 1, err
    assert [p.name for p in folder.iterdir() if p.name != "filler"] == [] and list(temp.iterdir()) == []
