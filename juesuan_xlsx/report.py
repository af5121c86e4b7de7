"""Renderings of a verify report: Chinese text grouped by file and table, and JSON (the report's own dict)."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable

from .findings import Finding, Level
from .spec import SpecError, Table, load_spec
from .verify import FileReport, Report

_ORDER = {Level.ERROR: 0, Level.WARNING: 1, Level.NOTE: 2}


def to_json(report: Report) -> str:
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2)


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, size: int) -> str:
    return text + " " * max(0, size - width(text))


def _tables(file: FileReport) -> tuple[Table, ...]:
    """The tables of the file's spec ("2024/shanghai"), in their order; none when the spec was not read."""
    year, _, profile = (file.spec or "").partition("/")
    try:
        return load_spec(int(year), profile).tables
    except (ValueError, SpecError):
        return ()


def _table_key(finding: Finding, tables: tuple[Table, ...]) -> tuple[int, str]:
    """(place, heading) of a finding's group: the tables first, in the layout's order and named as it names them
    (公开01表 …, 上海格式 收入支出决算总表 …), then other sheets, then the file as a whole."""
    for i, table in enumerate(tables):
        if finding.table == table.id or (not finding.table and finding.sheet == table.sheet):
            return i, table.display_name
    if finding.table:
        return len(tables), f"公开{finding.table}表"
    return len(tables), finding.sheet or "文件"


def render_file(file: FileReport, *, notes: bool = True) -> list[str]:
    lines = [f"■ {file.path}" + (f"（{file.dept}）" if file.dept else "") + f"：{file.status}，"
             f"错误 {file.count(Level.ERROR)}，警告 {file.count(Level.WARNING)}，提示 {file.count(Level.NOTE)}"]
    shown = [f for f in file.findings if notes or f.level != Level.NOTE]
    tables = _tables(file)
    groups: dict[str, list[Finding]] = {}
    for finding in sorted(shown, key=lambda f: (_table_key(f, tables), _ORDER[f.level])):
        groups.setdefault(_table_key(finding, tables)[1], []).append(finding)
    for name, findings in groups.items():
        lines.append(f"  【{name}】")
        for f in findings:
            where = f"{f.where} " if f.where and not f.message.startswith(f.where) else ""
            lines.append(f"    {f.level.zh} {f.code} {where}{f.message}")
    return lines


def render_summary(files: Iterable[FileReport]) -> list[str]:
    rows = [("文件", "部门", "错误", "警告", "状态")]
    rows += [(f.path, f.dept or "-", str(f.count(Level.ERROR)), str(f.count(Level.WARNING)), f.status) for f in files]
    widths = [max(width(r[i]) for r in rows) for i in range(5)]
    out = ["汇总："]
    for row in rows:
        out.append("  " + "  ".join(pad(cell, widths[i]) for i, cell in enumerate(row)))
    return out


def to_text(report: Report, *, notes: bool = True) -> str:
    lines: list[str] = []
    for file in report.files:
        lines += render_file(file, notes=notes)
        lines.append("")
    if len(report.files) > 1:
        lines += render_summary(report.files)
    failed = sum(1 for f in report.files if not f.valid)
    lines.append(f"共 {len(report.files)} 个文件，{failed} 个有错误。" if report.files else "没有找到要校验的文件。")
    return "\n".join(lines)
