"""Renderings of a verify report: Chinese text grouped by file and table, and JSON (the report's own dict)."""

from __future__ import annotations

import json
import re
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


# a flood of findings with one cause is said once (issue 15 #14): formulas pasted over as values or cleared
FORMULA_GONE = ("I-公式被改写", "I-缺少公式")
CAUSE_MIN = 20  # this many formula cells gone: a paste or a clearing, not a slip
SAME_MAX = 10  # more findings of one code in one table: the first few, then a count
SAME_SHOWN = 5
_ADDRESS = re.compile(r"([A-Z]+)(\d+)$")


def _row_of(finding: Finding) -> tuple[str, str] | None:
    match = _ADDRESS.match(finding.cell or "")
    return (finding.sheet or "", match[2]) if match else None


def _causes(findings: list[Finding]) -> tuple[list[str], set[int]]:
    """Lines naming the cause of a flood, and the findings (by id) it explains."""
    gone = [f for f in findings if f.code in FORMULA_GONE]
    if len(gone) < CAUSE_MIN:
        return [], set()
    rows = {r for f in gone if (r := _row_of(f)) is not None}
    followers = [f for f in findings if f.code == "C-金额无科目" and _row_of(f) in rows]
    per_sheet: dict[str, int] = {}
    for f in gone:
        per_sheet[f.sheet or ""] = per_sheet.get(f.sheet or "", 0) + 1
    spread = "、".join(f"{sheet} {n:,} 个" for sheet, n in per_sheet.items())
    examples = "、".join(f.where for f in gone[:3])
    codes = "/".join(sorted({f.code for f in gone}))
    lines = [f"    错误 {codes} 公式已被粘贴为数值或被清除：{len(gone):,} 个公式单元格（{spread}），如 {examples}。"
             "请改用新生成的模板重新填写（只在浅黄色单元格中输入），"
             "或从模板中复制这些公式恢复；--json 和 --annotate 列出每一个单元格。"]
    if followers:
        lines.append(f"    错误 C-金额无科目 其中 {len(followers):,} 行只因公式被粘贴成的数值（如 0）而显示"
                     "“有金额但没有科目编码”，恢复公式后即消失。")
    return lines, {id(f) for f in (*gone, *followers)}


def _compact(findings: list[Finding]) -> list[Finding | str]:
    """Findings of one table; a code repeated more than :data:`SAME_MAX` times shows its first few and a count."""
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.code] = counts.get(f.code, 0) + 1
    out: list[Finding | str] = []
    seen: dict[str, int] = {}
    for f in findings:
        seen[f.code] = seen.get(f.code, 0) + 1
        if counts[f.code] <= SAME_MAX or seen[f.code] <= SAME_SHOWN:
            out.append(f)
        elif seen[f.code] == SAME_SHOWN + 1:
            rest = counts[f.code] - SAME_SHOWN
            out.append(f"    {f.level.zh} {f.code} ……另有 {rest:,} 处同类问题（--json 列出全部）")
    return out


def render_file(file: FileReport, *, notes: bool = True) -> list[str]:
    lines = [f"■ {file.path}" + (f"（{file.dept}）" if file.dept else "") + f"：{file.status}，"
             f"错误 {file.count(Level.ERROR)}，警告 {file.count(Level.WARNING)}，提示 {file.count(Level.NOTE)}"]
    shown = [f for f in file.findings if notes or f.level != Level.NOTE]
    cause, explained = _causes(shown)
    if cause:
        lines += ["  【主要原因】", *cause]
        shown = [f for f in shown if id(f) not in explained]
    tables = _tables(file)
    groups: dict[str, list[Finding]] = {}
    for finding in sorted(shown, key=lambda f: (_table_key(f, tables), _ORDER[f.level])):
        groups.setdefault(_table_key(finding, tables)[1], []).append(finding)
    for name, findings in groups.items():
        lines.append(f"  【{name}】")
        for f in _compact(findings):
            if isinstance(f, str):
                lines.append(f)
                continue
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
