"""``juesuan-xlsx export``: a verified workbook turned into the files a department publishes.

    export(path, "docx", Path("某某局2024年度部门决算.docx"))

Verification runs first; a workbook with errors is refused (:class:`ExportRefused`, carrying the report) unless
``force``, and then every output says 未通过校验 visibly (title suffix, first line, header of every page).  Every
file is written to a temporary name beside its target and moved into place in one step; an existing file is
never replaced unless ``overwrite``.  The input workbook is only read.

The year and layout are the workbook's own (its spec); every output is in that layout (Shanghai's titles, no
公开NN表 labels, its 合计 and column order, its document structure).  ``extra_codes`` (``--codes-file``) extends
the year's 功能分类 dictionary for the verification and for the names printed.

Every output prints 万元.  A workbook typed in 元 (``new --unit 元``) is published with each figure independently
rounded (ROUND(元/10000, 2), what its view sheets show), or with ``balanced`` by controlled rounding: every relation
of the spec holds exactly in print and the 尾数误差 note is left out; when no such rounding exists the export falls
back to independent rounding, keeps the note and lists every relation left with a 尾差 in ``Exported.warnings``
(:mod:`juesuan_xlsx.narrative.published`).
"""

from __future__ import annotations

import errno
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..atomic import OutputExists, atomic_output
from ..codes import CodeInfo
from ..contract import YUAN, read_marker
from ..findings import Level
from ..model import Cell
from ..narrative.inputs import NarrativeInputs
from ..narrative.published import NotInYuan, moved, published_values
from ..narrative.text import Section, generate_narrative, missing_inputs
from ..narrative.values import WorkbookValues
from ..rounding import Imbalance, Rounding, RoundingStatus
from ..verify import FileReport, Verification, verify
from .errors import BlankReturn, ExportError, ExportRefused, PdfFailed, PdfUnavailable
from .tables import STAMP, PubTable, publication_tables

__all__ = ["FORMATS", "STAMP", "BlankReturn", "ExportError", "ExportRefused", "Exported", "OutputExists",
           "PdfFailed", "PdfUnavailable", "default_output", "export", "export_report", "export_verified", "load",
           "missing"]

FORMATS = ("xlsx", "docx", "pdf", "csv", "json")
BLANK_CODE = "I-未填写金额"  # the verify finding of a return with no amount at all (juesuan_xlsx.checks.BLANK_RETURN)


@dataclass(frozen=True)
class Exported:
    """What an export wrote, and what a person publishing it must be told (the CLI prints ``warnings``)."""

    written: list[Path]
    stamped: bool  # every output says 未通过校验
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # information, not a problem (the CLI prints them as 提示): the rounding's solver line
    rounding: Rounding | None = None  # the controlled rounding of a balanced export


def default_output(path: str | Path, to: str) -> Path:
    """Where the CLI puts an export without -o: beside the workbook (csv: a folder of nine files)."""
    source = Path(path)
    if to == "csv":
        return source.with_name(f"{source.stem}-csv")
    if to == "xlsx":
        return source.with_name(f"{source.stem}-公开.xlsx")
    return source.with_suffix(f".{to}")


def load(path: str | Path, extra_codes: Mapping[str, CodeInfo] | None = None) -> tuple[WorkbookValues,
                                                                                       NarrativeInputs]:
    """Values of every amount cell and the 说明 inputs of a workbook; ``extra_codes`` extend the year's 功能分类
    dictionary that names the rows.  Raises :class:`ExportError` when the file cannot be read as a return."""
    verification = verify(path, extra_codes=extra_codes, evaluate=False)
    return _contents(verification)


def _contents(verification: Verification) -> tuple[WorkbookValues, NarrativeInputs]:
    if verification.values is None or verification.inputs is None:
        raise ExportError(f"{verification.report.path} 无法作为部门决算公开表读取：" +
                          "；".join(f.message for f in verification.report.findings[:3]))
    return verification.values, verification.inputs


def export(path: str | Path, to: str, output: Path, *, force: bool = False, overwrite: bool = False,
           extra_codes: Mapping[str, CodeInfo] | None = None, balanced: bool = False) -> list[Path]:
    """Export ``path`` to ``to`` (xlsx, docx, pdf, csv, json) at ``output`` (csv: a folder); the written paths.

    ``force`` exports a workbook with errors (stamped 未通过校验) or without any amount; ``overwrite`` replaces
    existing outputs.  ``extra_codes`` (a user's code list, :func:`juesuan_xlsx.codes.load_user_codes`) extends or
    overrides the year's 功能分类 dictionary, for the verification and for the names the outputs print.
    ``balanced`` (a 元 workbook only): the published 万元 figures by controlled rounding (see the module)."""
    return export_report(path, to, output, force=force, overwrite=overwrite, extra_codes=extra_codes,
                         balanced=balanced).written


def export_report(path: str | Path, to: str, output: Path, *, force: bool = False, overwrite: bool = False,
                  extra_codes: Mapping[str, CodeInfo] | None = None, balanced: bool = False) -> Exported:
    """:func:`export`, returning what was written together with the warnings to show (stamped outputs, a blank
    return exported anyway, （未填写） in the document, a balanced rounding that does not exist) and the notes
    (the controlled rounding's solver line)."""
    fmt = to.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ExportError(f"不支持导出为“{to}”。可选：{'、'.join(FORMATS)}")
    source = Path(path)
    output = Path(output)
    # before the slow part: an existing output, a missing folder or a missing LibreOffice is said at once
    _check_targets(source, [output], overwrite, folder=fmt == "csv")  # csv: a folder, its files checked below
    if balanced:  # the unit is in the file's properties: said before the slow part
        marker = read_marker(source)
        if marker is not None and marker.ours and marker.unit != YUAN:
            raise ExportError(_not_in_yuan(source))
    if fmt == "pdf":
        from .pdf import check_writer

        check_writer()
    verification = verify(source, extra_codes=extra_codes)
    return _export(verification, fmt, output, force=force, overwrite=overwrite, balanced=balanced)


def export_verified(verification: Verification, to: str, output: Path, *, force: bool = False,
                    overwrite: bool = False, balanced: bool = False) -> list[Path]:
    """:func:`export` of a workbook already verified (the file is not read again)."""
    return _export(verification, to, output, force=force, overwrite=overwrite, balanced=balanced).written


def _not_in_yuan(source: Path) -> str:
    return (f"{source} 是按万元填写的工作簿，各数的精确（元）金额未知，不能做受控舍入（--balanced）。"
            "请去掉 --balanced 按所填万元数导出；或用 juesuan-xlsx new --unit 元 生成按元填写的模板，"
            "填写后再加 --balanced 导出。")


def _export(verification: Verification, to: str, output: Path, *, force: bool, overwrite: bool,
            balanced: bool = False) -> Exported:
    fmt = to.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ExportError(f"不支持导出为“{to}”。可选：{'、'.join(FORMATS)}")
    report = verification.report
    source = Path(report.path)
    output = Path(output)
    if report.spec is None:  # not read at all (not a workbook, not our template, unsafe): nothing to force
        raise ExportError(f"{source} 无法作为部门决算公开表读取，不能导出：" +
                          "；".join(f.message for f in report.findings[:3]))
    if not report.valid and not force:
        raise ExportRefused(report)
    blank = BLANK_CODE in report.codes()
    if blank and not force:
        raise BlankReturn(report)
    values, inputs = _contents(verification)
    if values.unresolved and not force:
        cells = "、".join(sorted(values.where.get(c, str(c)) for c in values.unresolved)[:5])
        raise ExportError(f"{source} 中 {cells} 填的是公式，且没有保存计算结果，无法得知其金额。请在 Excel/WPS 中打开、"
                          "重算并保存，或改为直接填写数字；如确需导出草稿，请加 --force。")
    stamped = not report.valid or bool(values.unresolved)
    exact = values
    rounding: Rounding | None = None
    if verification.published is not None and not balanced:  # what verify already rounded for print
        values = verification.published
    else:
        try:
            values, rounding = published_values(values, verification.engine.equations if verification.engine
                                                else (), balanced=balanced)
        except NotInYuan:
            raise ExportError(_not_in_yuan(source)) from None
    tables = publication_tables(values)
    # the 情况说明, generated once for the document and for the list of its （未填写）
    sections = generate_narrative(values, inputs) if fmt in ("docx", "pdf") else []
    targets = [output / f"{t.file_stem}.csv" for t in tables] if fmt == "csv" else [output]
    if fmt == "csv":
        if output.is_dir():
            _check_targets(source, targets, overwrite)  # all or nothing: no file written when one exists
        output.mkdir(exist_ok=True)
    else:
        _check_targets(source, targets, overwrite)
    written = []
    for target, writer in zip(targets, _writers(fmt, values, inputs, stamped, tables, sections), strict=True):
        with atomic_output(target, overwrite=overwrite) as tmp:
            writer(tmp)
        written.append(target)
    warnings = _warnings(report, values, inputs, sections, stamped, blank)
    if rounding is not None:
        warnings += _rounding_warnings(rounding, exact)
    notes = (_rounding_note(rounding),) if rounding is not None else ()
    return Exported(written, stamped, warnings, notes, rounding)


def _rounding_note(rounding: Rounding) -> str:
    """The solver line: how long, how big, how many figures printed off their nearest rounding."""
    done = ("各表所有关系在公开的万元数上严格相等，已省略“尾数误差”注释" if not rounding.footnote_needed
            else "未能使所有关系严格相等，保留“尾数误差”注释")
    return (f"受控舍入：{rounding.variables} 个数可向上或向下取整，{rounding.constraints} 条关系，"
            f"求解用时 {rounding.seconds:.3f} 秒（HiGHS：{rounding.solver}）；"
            f"{moved(rounding)} 个数与逐数四舍五入（万元视图表）不同；{done}。")


def _rounding_warnings(rounding: Rounding, exact: WorkbookValues) -> tuple[str, ...]:
    """A balanced export that could not balance, said with every relation left with a 尾差 — never silently."""
    out = []
    broken = {id(i.equation) for i in rounding.inconsistent}
    if rounding.inconsistent:
        listed = "；".join(_imbalance(i, exact) for i in rounding.inconsistent)
        out.append(f"{exact.path} 有 {len(rounding.inconsistent)} 条关系在元上就不相等"
                   f"（报表本身不平，任何取整都不能使之相等）：{listed}。")
    gaps = [u for u in rounding.unbalanced if id(u.equation) not in broken]
    if rounding.status is not RoundingStatus.BALANCED:
        why = ("不存在使所有关系在万元上同时严格相等的取整" if rounding.solver == "infeasible"
               else f"未能在时限内求出使所有关系在万元上同时严格相等的取整（求解结果：{rounding.solver}）")
        out.append(f"{exact.path} {why}，已改为逐数四舍五入，各表保留“本套报表金额单位转换时可能存在尾数误差”的注释。"
                   f"在公开数上有尾差的关系 {len(gaps)} 条：" + "；".join(_imbalance(u, exact) for u in gaps) + "。")
    return tuple(out)


def _imbalance(imbalance: Imbalance, values: WorkbookValues) -> str:
    """One relation and its cells, named as the workbook shows them (公开03表!C9)."""
    cells = "、".join(dict.fromkeys(_where(cell, values) for cell in imbalance.cells))
    return (f"{imbalance.code}（{cells}）：{imbalance.left} 对 {imbalance.right}，"
            f"差 {imbalance.difference} {imbalance.unit}")


def _where(cell: Cell, values: WorkbookValues) -> str:
    return values.where.get(cell) or str(cell)


def _warnings(report: FileReport, values: WorkbookValues, inputs: NarrativeInputs, sections: Sequence[Section],
              stamped: bool, blank: bool) -> tuple[str, ...]:
    """What the person publishing must know and the outputs alone do not say loudly enough."""
    out = []
    if stamped:
        errors = report.count(Level.ERROR)
        why = f"有 {errors} 个错误" if errors else "有填写公式而没有计算结果的单元格"
        out.append(f"{report.path} 未通过校验（{why}），导出的文件已标注“未通过校验”，不能作为正式公开文件。")
    if blank:
        out.append(f"{report.path} 没有填写任何金额，导出的各表全是空白或 0。")
    if not values.dept:
        out.append(f"{report.path} 没有填写部门名称，导出的文件中显示“（部门名称未填写）”。")
    if sections:  # a document with a 情况说明 (docx, pdf)
        gaps = missing_inputs(inputs, values, sections=sections)
        if gaps:
            names = "、".join(label for _, label in gaps[:5]) + ("等" if len(gaps) > 5 else "")
            out.append(f"情况说明中有 {len(gaps)} 项“（未填写）”（{names}），请在“说明”表中填写后重新导出。")
    return tuple(out)


def _check_targets(source: Path, targets: list[Path], overwrite: bool, *, folder: bool = False) -> None:
    """Refuse early: missing folder, the input itself, a directory where a file goes, an existing file."""
    for target in targets:
        parent = target.parent if str(target.parent) else Path(".")
        if not parent.is_dir():  # OSErrors the CLI already words in Chinese (目录不存在…)
            raise FileNotFoundError(errno.ENOENT, "目录不存在", str(parent))
        if target.exists() and target.resolve() == source.resolve():
            raise ExportError(f"输出文件不能与输入文件相同：{target}")
        if folder:
            if target.exists() and not target.is_dir():
                raise NotADirectoryError(errno.ENOTDIR, "导出 csv 需要给出一个目录（九张表各一个文件）", str(target))
            continue
        if target.is_dir():
            raise IsADirectoryError(errno.EISDIR, "这是一个目录", str(target))
        if target.exists() and not overwrite:
            raise OutputExists(f"文件已存在：{target}（如需覆盖请加 --force）")


def _writers(fmt: str, values: WorkbookValues, inputs: NarrativeInputs, stamped: bool,
             tables: list[PubTable], sections: Sequence[Section]) -> list[Callable[[Path], None]]:
    if fmt == "xlsx":
        from .xlsx import write_xlsx

        return [lambda p: write_xlsx(values, p, stamped=stamped)]
    if fmt == "json":
        from .csv_json import write_json

        return [lambda p: write_json(values, p, inputs, stamped=stamped)]
    if fmt == "csv":
        return [functools.partial(_csv_writer, t, stamped) for t in tables]
    from .docx import write_docx

    if fmt == "docx":
        return [lambda p: write_docx(values, inputs, sections, p, stamped=stamped)]

    def to_pdf(p: Path) -> None:
        import tempfile

        from .pdf import docx_to_pdf

        with tempfile.TemporaryDirectory(prefix="juesuan-export-") as tmp:
            docx = Path(tmp) / "document.docx"
            write_docx(values, inputs, sections, docx, stamped=stamped)
            docx_to_pdf(docx, p)

    return [to_pdf]


def _csv_writer(table: PubTable, stamped: bool, path: Path) -> None:
    from .csv_json import write_csv

    write_csv(table, path, stamped=stamped)


def missing(path: str | Path, extra_codes: Mapping[str, CodeInfo] | None = None) -> list[tuple[str, str]]:
    """The 说明 inputs a workbook's document would show as （未填写）."""
    values, inputs = load(path, extra_codes)
    return missing_inputs(inputs, values)
