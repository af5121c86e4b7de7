"""``juesuan-xlsx merge``: consolidate units' returns (汇总) into one department workbook.

Every input is verified first; an input with errors is refused (with its findings) unless ``force``.  The typed
figures of every input — the input cells of the grid tables and the amounts of the code tables — are read back
through the model, summed cell by cell in ``decimal.Decimal`` (code-table rows united by 功能分类 code), and a new
workbook of the same year and layout is generated from the sums, so every total, cross-table link and check is a
live formula again.  The 说明 sheet (what the narrative needs) is merged the same way: amounts and counts
summed, texts concatenated under each unit's name.  The result is verified before it is returned.

Units (issue 17): returns typed in 元 sum exactly into a 元 workbook (no rounding allowance at all); returns in
万元 into a 万元 workbook whose allowance widens with the number of returns (their rounding gaps add up).  A mix
gives a 万元 workbook: each 元 figure is rounded to 万元 on its own (``amounts.to_wan``, what the reporting
software prints) and its return counts as one more rounded source; a note says so.

Only input cells are taken.  A total the user typed over a formula is ignored (the new workbook recomputes it);
in a ``--codes`` workbook the 类/款 rows are formulas, so their values are computed from the 项 rows in Decimal
and typed into the (free-entry) result, where 类/款 rows are typed figures checked against their children.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from .amounts import KIND_TEXT, parse_amount, to_wan
from .atomic import OutputExists
from .checks import BLANK_RETURN
from .contract import UNKNOWN_NAME, WAN, YUAN, read_marker
from .engine import Engine
from .errors import JuesuanError
from .findings import Level
from .generate import FilledRow, Filling, Options, generate
from .model import Cell, free_input_keys
from .narrative.inputs import FIELDS, ItemBudget, NarrativeInputs
from .narrative.shuoming import read_shuoming_sheet
from .reader import ReadResult, read_workbook
from .spec import Spec, load_spec
from .summary import Inspection, VerifyCache, file_key, inspect_files
from .verify import FileReport, Verification, expand_paths, skipped_note


class MergeError(JuesuanError, ValueError):
    """The merge cannot be made; the message is Chinese and says why."""


class InputsHaveErrors(MergeError):
    """Inputs whose verification found errors; ``reports`` holds their reports."""

    def __init__(self, reports: Sequence[FileReport]) -> None:
        self.reports = list(reports)
        super().__init__(errors_message(self.reports))


class DuplicateInputs(MergeError):
    """The same return (the same content) or the same 部门 given twice: its figures would be counted twice."""

    def __init__(self, lines: Sequence[str]) -> None:
        self.lines = list(lines)
        super().__init__("同一份报表或同一部门的报表出现了不止一次，汇总会重复计算，未汇总"
                         "（确需汇总请加 --ignore-errors）：\n" + "\n".join(f"  {line}" for line in self.lines))


class MixedInputs(MergeError):
    """Inputs of different years or layouts; ``specs`` maps each file to its "YEAR/PROFILE"."""

    def __init__(self, specs: Mapping[str, str]) -> None:
        self.specs = dict(specs)
        lines = [f"  {path}：{_describe_spec(spec)}" for path, spec in self.specs.items()]
        super().__init__("输入文件的年度或表样不一致，不能汇总：\n" + "\n".join(lines))


@dataclass(frozen=True)
class MergeResult:
    output: Path
    spec: str  # "YEAR/PROFILE"
    dept: str
    sources: tuple[str, ...]  # the input files, as given, in order
    inputs: tuple[FileReport, ...]  # their verification reports
    report: FileReport  # the verification of the merged workbook
    rows: Mapping[str, int]  # code table id → rows in the merged workbook
    notes: tuple[str, ...] = ()  # what was left out or taken specially (forced inputs, duplicates, …)
    forced: tuple[str, ...] = ()  # inputs with errors that were merged because of ``force``
    unit: str = WAN  # what the merged workbook's figures are typed in: 元 only when every input was in 元

    @property
    def valid(self) -> bool:
        return self.report.valid


def _describe_spec(spec: str | None) -> str:
    if not spec:
        return "不是本工具的模板或无法读取"
    year, _, profile = spec.partition("/")
    return f"{year} 年 {profile} 格式"


def errors_message(reports: Iterable[FileReport]) -> str:
    lines = ["以下输入文件有错误，不能汇总（请先改正；确需汇总请加 --ignore-errors）："]
    for report in reports:
        errors = [f for f in report.findings if f.level == Level.ERROR]
        lines.append(f"■ {report.path}" + (f"（{report.dept}）" if report.dept else "") + f"：错误 {len(errors)} 个")
        for f in errors:
            where = f"{f.where} " if f.where and not f.message.startswith(f.where) else ""
            lines.append(f"    {f.code} {where}{f.message}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------------------


@dataclass
class _Sums:
    """Running sums; a cell or amount stays absent (blank) until some input has a figure there."""

    cells: dict[Cell, Decimal] = dataclasses.field(default_factory=dict)
    rows: dict[str, dict[str, dict[str, Decimal]]] = dataclasses.field(default_factory=dict)  # table → code → col
    names: dict[str, dict[str, str]] = dataclasses.field(default_factory=dict)  # table → code → typed name

    def add_cell(self, cell: Cell, value: Decimal) -> None:
        self.cells[cell] = self.cells.get(cell, Decimal(0)) + value

    def add_row(self, table: str, code: str, col: str | None, value: Decimal) -> None:
        amounts = self.rows.setdefault(table, {}).setdefault(code, {})
        if col is not None:
            amounts[col] = amounts.get(col, Decimal(0)) + value

    def in_wan(self) -> _Sums:
        """The same figures, each rounded from 元 to 万元 on its own (as the reporting software prints them)."""
        return _Sums({cell: to_wan(v) for cell, v in self.cells.items()},
                     {t: {code: {col: to_wan(v) for col, v in amounts.items()} for code, amounts in rows.items()}
                      for t, rows in self.rows.items()},
                     {t: dict(names) for t, names in self.names.items()})

    def absorb(self, other: _Sums) -> None:
        """Add another unit's sums (a code's name: the first unit's that gave one)."""
        for cell, value in other.cells.items():
            self.add_cell(cell, value)
        for table, rows in other.rows.items():
            for code, amounts in rows.items():
                self.add_row(table, code, None, Decimal(0))
                for col, value in amounts.items():
                    self.add_row(table, code, col, value)
        for table, names in other.names.items():
            mine = self.names.setdefault(table, {})
            for code, name in names.items():
                mine.setdefault(code, name)


@dataclass(frozen=True)
class MergePart:
    """What one unit's workbook adds to the merge, taken while it is verified (in the worker)."""

    year: int
    profile: str
    dept: str
    sums: _Sums
    notes: tuple[str, ...]
    shuoming: NarrativeInputs
    unit: str = WAN  # what its figures are typed in (WAN or YUAN)


def merge_part(verification: Verification) -> MergePart | None:
    """:class:`MergePart` of a verified workbook (run in the batch worker: the file is not read again)."""
    read, inputs = verification.read, verification.inputs
    if read is None or inputs is None:
        return None
    return _part_of(read, inputs, verification.report.path)


def _part_of(read: ReadResult, inputs: NarrativeInputs, label: str) -> MergePart:
    grid, columns = free_input_keys(read.spec)
    sums = _Sums()
    notes: list[str] = []
    _accumulate(read, sums, grid, columns, label, notes)
    return MergePart(read.spec.year, read.spec.profile, read.dept, sums, tuple(notes), inputs, read.inst.unit)


def _typed_inputs(read: ReadResult, engine: Engine, label: str, notes: list[str]) -> dict[Cell, Decimal]:
    """The typed figures of one workbook, as its own formulas see them."""
    inputs: dict[Cell, Decimal] = {}
    for cell, raw in read.cells.items():
        where = f"{raw.sheet}!{raw.address}"
        if raw.formula is None:
            amount = parse_amount(raw.value)
            if cell in engine.formulas:
                if amount.kind != "blank":
                    notes.append(f"{label} {where}：公式被改写为数值 {raw.value}，未采用，按公式重新计算")
                continue
            if amount.kind in KIND_TEXT or amount.kind in ("text", "bool"):
                notes.append(f"{label} {where}：“{raw.value}”不是数字金额，按 0 计（与原表公式一致）")
            if amount.kind != "blank":
                inputs[cell] = amount.value
        elif cell not in engine.formulas:  # the user's own formula in an input cell: its saved result
            amount = parse_amount(raw.cached)
            if amount.kind == "number":
                inputs[cell] = amount.value
                notes.append(f"{label} {where}：输入单元格中是公式 ={raw.formula}，取其保存的计算结果 {amount.value}")
            else:
                notes.append(f"{label} {where}：输入单元格中是公式 ={raw.formula}，没有保存的计算结果，按 0 计")
    return inputs


def _typed_name(read: ReadResult, table_id: str, row: int) -> str | None:
    value = read.raw_value(read.sheets.get(table_id), row, 1)
    if not isinstance(value, str) or value.startswith("="):
        return None
    name = value.strip()
    return name if name and name != UNKNOWN_NAME else None


def _accumulate(read: ReadResult, sums: _Sums, grid: list[Cell], columns: Mapping[str, list[str]], label: str,
                notes: list[str]) -> None:
    engine = Engine(read.inst)
    inputs = _typed_inputs(read, engine, label, notes)
    # typed-over formula cells are left out of the inputs: every formula is recomputed from the typed figures
    figures = engine.compute(inputs)
    for cell in grid:
        fig = figures.get(cell)
        if fig is not None:
            sums.add_cell(cell, fig.value)
    dictionary = read.spec.gongneng
    for table_id, cols in columns.items():
        table = read.spec.table(table_id)
        ct = read.inst.code_tables.get(table_id)
        entries = {e.key: e for e in read.entries.get(table_id, [])}
        used = set()
        seen: set[str] = set()
        for row in ct.rows if ct is not None else []:
            code = row.code
            if code is None:
                continue
            used.add(row.key)
            if code in seen:
                notes.append(f"{label} {table.display_name}：科目 {code} 出现多次，金额已合并")
            seen.add(code)
            sums.add_row(table_id, code, None, Decimal(0))
            for col in cols:
                cell = Cell(table_id, row.key, col)
                fig = figures.get(cell)
                if fig is None or (cell in engine.formulas and fig.k == 0):
                    continue  # blank, or a --codes 类/款 total over blank rows
                sums.add_row(table_id, code, col, fig.value)
            names = sums.names.setdefault(table_id, {})
            entry = entries.get(row.key)
            if code not in names and entry is not None:
                name = _typed_name(read, table_id, entry.row)
                if name is None and dictionary.get(code) is None:
                    name = read.dictionary_sheet.get(code) or None  # the workbook's own dictionary addition
                if name is not None:
                    names[code] = name
        for entry in read.entries.get(table_id, []):
            if entry.key not in used:
                notes.append(f"{label} {table.display_name} 第 {entry.row + 1} 行：没有科目编码或不在合计范围内，"
                             "未汇总")


def _join_texts(texts: Sequence[tuple[str, str]]) -> str | None:
    """Texts that cannot be summed: one as it is, several each under its unit's name."""
    given = [(unit, text) for unit, text in texts if text]
    if not given:
        return None
    if len({text for _, text in given}) == 1:
        return given[0][1]
    return "\n".join(f"{unit}：{text}" for unit, text in given)


def merge_shuoming(parts: Sequence[tuple[str, Any]]) -> Any:
    """The 说明 inputs of several units (``(unit name, NarrativeInputs)``) as one department's.

    Amounts and counts are summed (absent where no unit filled them); texts are concatenated under each unit's
    name; the per-项 年初预算 rows are united by code, budgets summed, reasons concatenated.
    """

    values: dict[str, Any] = {}
    for spec in FIELDS:
        got = [(unit, getattr(inputs, spec.key)) for unit, inputs in parts]
        if spec.kind == "text":
            values[spec.key] = _join_texts([(unit, v) for unit, v in got if isinstance(v, str)])
        else:
            numbers = [v for _, v in got if v is not None]
            values[spec.key] = sum(numbers[1:], numbers[0]) if numbers else None
    budgets: dict[str, list[Decimal]] = {}
    reasons: dict[str, list[tuple[str, str]]] = {}
    for unit, inputs in parts:
        for item in inputs.items:
            budgets.setdefault(item.code, [])
            reasons.setdefault(item.code, [])
            if item.budget is not None:
                budgets[item.code].append(item.budget)
            if item.reason:
                reasons[item.code].append((unit, item.reason))
    items = tuple(ItemBudget(code, sum(budgets[code], Decimal(0)) if budgets[code] else None,
                             _join_texts(reasons[code])) for code in sorted(budgets))
    return NarrativeInputs(**values, items=items)


def _filling(spec: Spec, sums: _Sums) -> Filling:
    rows: dict[str, list[FilledRow]] = {}
    for table_id, per_code in sums.rows.items():
        names = sums.names.get(table_id, {})
        items = []
        for code in sorted(per_code):  # code order: 类 before its 款 before its 项
            name = names.get(code)
            if name is not None and name == (spec.gongneng.name(code) or ""):
                name = None  # the template's own lookup shows the same name, and stays live
            items.append(FilledRow(code, name, dict(per_code[code])))
        rows[table_id] = items
    return Filling(dict(sums.cells), rows)


def merge(paths: Iterable[str | Path], output: str | Path, *, dept: str | None = None, force: bool = False,
          overwrite: bool = False, jobs: int | None = None, cache_dir: str | Path | None = None,
          use_cache: bool = True, progress: bool = False) -> MergeResult:
    """Merge the units' workbooks ``paths`` (files, or folders of .xlsx files) into a new workbook ``output``.

    Raises :class:`MixedInputs` (different year or layout), :class:`InputsHaveErrors` (unless ``force``),
    :class:`MergeError` (nothing to merge, unreadable inputs, output among the inputs) and
    :class:`~juesuan_xlsx.atomic.OutputExists` (unless ``overwrite``).  Inputs are never written.
    """
    output = Path(output)
    given = [Path(p) for p in paths]
    out_real = os.path.realpath(output)
    if any(os.path.realpath(p) == out_real for p in given):
        raise MergeError(f"输出文件不能同时是输入文件：{output}")
    notes: list[str] = []
    files: list[Path] = []
    skipped: list[Path] = []
    for path in expand_paths(given, skipped):
        if os.path.realpath(path) == out_real:
            notes.append(f"{path}：是本次的输出文件，未作为输入")
            continue
        files.append(path)
    if (note := skipped_note(skipped)) is not None:
        notes.append(note)
    if not files:
        raise MergeError("没有找到要汇总的 .xlsx 文件")
    if output.exists() and not overwrite:
        raise OutputExists(f"文件已存在：{output}（如需覆盖请加 --force）")

    markers = {str(p): (m.raw if (m := read_marker(p)) is not None else "") for p in files}
    if len({m for m in markers.values() if m}) > 1:
        raise MixedInputs(markers)

    cache = VerifyCache(cache_dir) if use_cache else None
    inspections = inspect_files(files, jobs=jobs, cache=cache, progress=progress, extract=merge_part)
    failing = [i.report for i in inspections if not i.report.valid]
    if failing and not force:
        raise InputsHaveErrors(failing)
    unreadable = [i.report for i in inspections if i.report.spec is None]
    if unreadable:
        raise MergeError("以下文件无法读取，即使加 --ignore-errors 也不能汇总：\n" + "\n".join(
            f"  {r.path}：{_first_error(r)}" for r in unreadable))
    specs = {i.report.path: i.report.spec or "" for i in inspections}
    if len(set(specs.values())) > 1:
        raise MixedInputs(specs)
    duplicates = _duplicates(inspections)
    if duplicates and not force:
        raise DuplicateInputs(duplicates)
    notes.extend(f"{line}：已重复计入汇总" for line in duplicates)
    # a blank template adds nothing, and must not widen the rounding allowance of the sum (Options.sources)
    blank = [i for i in inspections if BLANK_RETURN.code in i.report.codes()]
    notes.extend(f"{i.path}：没有填写任何金额（空白模板），未计入汇总" for i in blank)
    used = [i for i in inspections if i not in blank]
    if not used:
        raise MergeError("输入文件都没有填写任何金额（空白模板），没有可汇总的内容")

    parts: list[MergePart] = []
    for inspection in used:
        part: MergePart | None = inspection.extra
        if part is None:  # a cached verification: the file is read now, once
            read = read_workbook(inspection.path)
            if inspection.key is not None and file_key(inspection.path) != inspection.key:
                raise MergeError(f"{inspection.path} 在汇总过程中被修改，请在文件不再变动后重新汇总")
            part = _part_of(read, read_shuoming_sheet(read.wb), str(inspection.path))
        parts.append(part)
    unit = YUAN if all(p.unit == YUAN for p in parts) else WAN
    if unit == WAN and any(p.unit == YUAN for p in parts):
        notes.append(_mixed_units_note([i.path for i, p in zip(used, parts, strict=True) if p.unit == YUAN],
                                       len(parts)))
    sums = _Sums()
    spec: Spec | None = None
    depts: list[str] = []
    shuoming: list[tuple[str, Any]] = []
    for inspection, part in zip(used, parts, strict=True):
        if spec is None:
            spec = load_spec(part.year, part.profile)
        depts.append(part.dept)
        sums.absorb(part.sums.in_wan() if part.unit != unit else part.sums)
        notes.extend(part.notes)
        shuoming.append((part.dept or inspection.path.stem, part.shuoming))
    assert spec is not None
    if dept is None:
        distinct = {d for d in depts if d}
        dept = distinct.pop() if len(distinct) == 1 else ""
        if len(set(depts)) > 1:
            notes.append("各输入文件的部门名称不同，汇总表的部门名称留空（可用 --dept 指定）")
    sources = tuple(str(i.path) for i in used)
    options = Options(dept=dept, filling=_filling(spec, sums), shuoming=merge_shuoming(shuoming), unit=unit,
                      sources=sources)
    generate(spec, output, options, overwrite=overwrite)
    checked = inspect_files([output], jobs=1, cache=cache)[0].report
    if not failing and not checked.valid and unit == WAN:  # in 元 the sum of consistent returns is consistent
        _explain_accumulation(checked, spec, len(used), notes)
    return MergeResult(
        output=output, spec=spec.key, dept=dept, sources=sources, inputs=tuple(i.report for i in inspections),
        report=checked, rows={t: len(r) for t, r in sums.rows.items()}, notes=tuple(notes),
        forced=tuple(r.path for r in failing), unit=unit,
    )


def _mixed_units_note(in_yuan: Sequence[Path], units: int) -> str:
    """Why a merge of 元 and 万元 returns is a 万元 workbook, and what became of the 元 figures."""
    names = "、".join(str(p) for p in in_yuan[:5]) + ("等" if len(in_yuan) > 5 else "")
    return (f"{len(in_yuan)} 个输入文件按元填写（{names}），其余按万元填写：汇总表按万元生成。按元填写的金额已逐项"
            "四舍五入换算为万元（即报表软件打印的数），与按万元填写的报表一样各有尾差，允许尾差按 "
            f"{units} 个文件放宽。如需按元精确汇总，请各单位都用按元填写的报表（new --unit 元）。")


def _explain_accumulation(report: FileReport, spec: Spec, units: int, notes: list[str]) -> None:
    """Every input was consistent, the sum is not: the units' rounding gaps added up (GUIDE §1, 尾差)."""
    codes = {r.code for r in spec.relations}
    relations = [f for f in report.findings if f.level == Level.ERROR and f.code in codes]
    if relations:
        notes.append(
            f"汇总表有 {len(relations)} 处关系超出允许尾差，而各输入文件都相符：各单位的万元金额分别四舍五入，"
            f"{units} 个文件相加后，每个汇总金额的尾差最多可达 {units} × 0.005 万元，超过按单张报表计算的允许范围。"
            "请用元级数据核对这些关系涉及的金额并调整。")


def _first_error(report: FileReport) -> str:
    for f in report.findings:
        if f.level == Level.ERROR:
            return f.message
    return "无法读取"


def _duplicates(inspections: Sequence[Inspection]) -> list[str]:
    """The same file, the same content under two names, or two returns of the same 部门: counted twice, almost
    always a mistake (one line each)."""
    by_content: dict[str, list[str]] = {}
    by_dept: dict[str, dict[str, str]] = {}  # 部门 → content → first file
    for i in inspections:
        key = i.key.sha256 if i.key is not None else os.path.abspath(i.path)
        by_content.setdefault(key, []).append(str(i.path))
        if i.report.dept:
            by_dept.setdefault(i.report.dept, {}).setdefault(key, str(i.path))
    lines = [f"内容相同的文件（出现 {len(names)} 次）：{'、'.join(dict.fromkeys(names))}"
             for names in by_content.values() if len(names) > 1]
    lines += [f"部门名称同为“{dept}”的不同文件：{'、'.join(files.values())}"
              for dept, files in by_dept.items() if len(files) > 1]
    return lines


__all__ = ["DuplicateInputs", "InputsHaveErrors", "MergeError", "MergeResult", "MixedInputs", "errors_message", "merge",
           "merge_shuoming"]
