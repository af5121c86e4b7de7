"""The work the page asks for, as module-level functions run in the server's worker processes (they are pickled).

Each function calls the same library functions as the command line; a user-facing library error comes back as its
Chinese message (``(message, None)``), never as an exception to unpickle.  Paths are the server's own (the storage
module made them); each job first enters its batch's upload folder, so reports name files as ``001/名称.xlsx``, not
by the server's temporary path.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path
from typing import Any

from ..annotate import annotate_file
from ..contract import YUAN
from ..errors import JuesuanError
from ..report import render_file
from ..verify import FileReport, verify

Result = tuple[str | None, Any]  # (Chinese error message, None) or (None, value)


def check(job: tuple[str, str, str]) -> tuple[FileReport, str | None]:
    """Verify one stored upload (``folder``/``name``) and write its annotated copy into ``annotated``."""
    folder, name, annotated = job
    os.chdir(folder)
    report = verify(name).report
    written: str | None = None
    try:
        path = annotate_file(report, Path(annotated), overwrite=True)
        written = str(path) if path is not None else None
    except (OSError, JuesuanError, ValueError, KeyError):  # an unreadable workbook: its findings already say why
        written = None
    return report, written


def export_one(job: tuple[str, str, str, str, bool]) -> Result:
    """``export --to fmt [--balanced]`` of one stored upload into ``output`` (csv: a .zip of the nine files)."""
    from ..export import ExportRefused, export_report

    folder, name, fmt, output, balanced = job
    os.chdir(folder)
    target = Path(output)
    try:
        if fmt == "csv":
            exported = export_report(name, fmt, target.with_suffix(""), overwrite=True, balanced=balanced)
            with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
                for path in sorted(target.with_suffix("").iterdir()):
                    archive.write(path, path.name)
            shutil.rmtree(target.with_suffix(""), ignore_errors=True)
        else:
            exported = export_report(name, fmt, target, overwrite=True, balanced=balanced)
    except ExportRefused as exc:
        lines = render_file(exc.report, notes=False)
        return "\n".join([str(exc), *lines]), None
    except JuesuanError as exc:
        return str(exc), None
    return None, {"stamped": exported.stamped, "warnings": list(exported.warnings)}


def merge_many(job: tuple[str, list[str], str, str | None]) -> Result:
    """``merge`` of stored uploads into ``output``; the merged workbook's report lines."""
    from ..merge import InputsHaveErrors, merge

    folder, names, output, dept = job
    os.chdir(folder)
    try:
        result = merge(names, output, dept=dept or None, overwrite=True, jobs=1, use_cache=False)
    except InputsHaveErrors as exc:
        lines = [line for report in exc.reports for line in render_file(report, notes=False)]
        return "\n".join(["有单位的报表存在错误，未汇总。请改正后重试。", *lines]), None
    except JuesuanError as exc:
        return str(exc), None
    return None, {"notes": list(result.notes), "lines": render_file(result.report), "valid": result.valid}


def summarise_many(job: tuple[str, list[str], str]) -> Result:
    """The batch summary workbook (``summary``) of stored uploads."""
    from ..summary import summarise

    folder, names, output = job
    os.chdir(folder)
    try:
        summarise(names, output, jobs=1, overwrite=True, use_cache=False)
    except JuesuanError as exc:
        return str(exc), None
    return None, None


def generate_one(job: tuple[int, str, str, tuple[str, ...] | None, str | None, str, str]) -> Result:
    """``new``: the template workbook for a year, layout, 部门, codes (and a codes file's entries) and unit."""
    from ..codes import load_user_codes
    from ..generate import Options, check_template_codes, generate
    from ..spec import load_spec

    year, profile, dept, codes, codes_file, output, unit = job
    try:
        spec = load_spec(year, profile)
        dictionary = spec.gongneng
        if codes_file:
            dictionary = dictionary.merged(dict(load_user_codes(codes_file)))
        if codes:
            check_template_codes(spec, codes, dictionary)
        generate(spec, Path(output), Options(dept=dept, codes=codes, dictionary=dictionary, unit=unit),
                 overwrite=True)
    except JuesuanError as exc:
        return str(exc), None
    except OSError as exc:
        return f"无法生成：{exc.strerror or exc}", None
    return None, f"{spec.year} 年 {spec.layout_name}" + ("，金额单位：元" if unit == YUAN else "")
