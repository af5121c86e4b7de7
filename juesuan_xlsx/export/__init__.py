"""``juesuan-xlsx export``: a verified workbook turned into the files a department publishes.

    export(path, "docx", Path("某某局2024年度部门决算.docx"))

Verification runs first; a workbook with errors is refused (:class:`ExportRefused`, carrying the report) unless
``force``, and then every output says 未通过校验 visibly (title suffix, first line, header of every page).  Every
file is written to a temporary name beside its target and moved into place in one step; an existing file is
never replaced unless ``overwrite``.  The input workbook is only read.

The year and layout are the workbook's own (its spec); every output is in that layout (Shanghai's titles, no
公开NN表 labels, its 合计 and column order, its document structure).  ``extra_codes`` (``--codes-file``) extends
the year's 功能分类 dictionary for the verification and for the names printed.
"""

from __future__ import annotations

import errno
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..atomic import OutputExists, atomic_output
from ..codes import CodeInfo
from ..findings import Level
from ..narrative.inputs import NarrativeInputs
from ..narrative.text import generate_narrative, missing_inputs
from ..narrative.values import WorkbookValues
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
           extra_codes: Mapping[str, CodeInfo] | None = None) -> list[Path]:
    """Export ``path`` to ``to`` (xlsx, docx, pdf, csv, json) at ``output`` (csv: a folder); the written paths.

    ``force`` exports a workbook with errors (stamped 未通过校验) or without any amount; ``overwrite`` replaces
    existing outputs.  ``extra_codes`` (a user's code list, :func:`juesuan_xlsx.codes.load_user_codes`) extends or
    overrides the year's 功能分类 dictionary, for the verification and for the names the outputs print."""
    return export_report(path, to, output, force=force, overwrite=overwrite, extra_codes=extra_codes).written


def export_report(path: str | Path, to: str, output: Path, *, force: bool = False, overwrite: bool = False,
                  extra_codes: Mapping[str, CodeInfo] | None = None) -> Exported:
    """:func:`export`, returning what was written together with the warnings to show (stamped outputs, a blank
    return exported anyway, （未填写） in the document)."""
    fmt = to.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ExportError(f"不支持导出为“{to}”。可选：{'、'.join(FORMATS)}")
    source = Path(path)
    output = Path(output)
    # before the slow part: an existing output, a missing folder or a missing LibreOffice is said at once
    _check_targets(source, [output], overwrite, folder=fmt == "csv")  # csv: a folder, its files checked below
    if fmt == "pdf":
        from .pdf import check_writer

        check_writer()
    verification = verify(source, extra_codes=extra_codes)
    return _export(verification, fmt, output, force=force, overwrite=overwrite)


def export_verified(verification: Verification, to: str, output: Path, *, force: bool = False,
                    overwrite: bool = False) -> list[Path]:
    """:func:`export` of a workbook already verified (the file is not read again)."""
    return _export(verification, to, output, force=force, overwrite=overwrite).written


def _export(verification: Verification, to: str, output: Path, *, force: bool, overwrite: bool) -> Exported:
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
    tables = publication_tables(values)
    targets = [output / f"{t.file_stem}.csv" for t in tables] if fmt == "csv" else [output]
    if fmt == "csv":
        if output.is_dir():
            _check_targets(source, targets, overwrite)  # all or nothing: no file written when one exists
        output.mkdir(exist_ok=True)
    else:
        _check_targets(source, targets, overwrite)
    written = []
    for target, writer in zip(targets, _writers(fmt, values, inputs, stamped, tables), strict=True):
        with atomic_output(target, overwrite=overwrite) as tmp:
            writer(tmp)
        written.append(target)
    return Exported(written, stamped, _warnings(report, values, inputs, fmt, stamped, blank))


def _warnings(report: FileReport, values: WorkbookValues, inputs: NarrativeInputs, fmt: str, stamped: bool,
              blank: bool) -> tuple[str, ...]:
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
    if fmt in ("docx", "pdf"):
        gaps = missing_inputs(inputs, values)
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
             tables: list[PubTable]) -> list[Callable[[Path], None]]:
    if fmt == "xlsx":
        from .xlsx import write_xlsx

        return [lambda p: write_xlsx(values, p, stamped=stamped)]
    if fmt == "json":
        from .csv_json import write_json

        return [lambda p: write_json(values, p, inputs, stamped=stamped)]
    if fmt == "csv":
        return [functools.partial(_csv_writer, t, stamped) for t in tables]
    from .docx import write_docx

    sections = generate_narrative(values, inputs)
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
