"""The library's public functions, the same the command line calls (``juesuan_xlsx`` exposes them lazily, so that
``import juesuan_xlsx`` stays cheap).  Every user-facing error is a :class:`~juesuan_xlsx.errors.JuesuanError`
whose message is Chinese."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from .codes import CodeInfo
from .contract import UNIT_NAMES, WAN
from .export import export
from .generate import Options, generate
from .merge import MergeResult, merge
from .spec import load_spec
from .summary import SummaryResult, summarise
from .verify import Verification, verify


def check_file(path: str | Path, *, strict: bool = False,
               extra_codes: Mapping[str, CodeInfo] | None = None) -> Verification:
    """Verify one returned workbook: its formulas evaluated headlessly, every relation checked in Decimal.

    Never raises for a bad file: what is wrong is in ``.report.findings`` (each with a stable code, a level and a
    Chinese message naming the sheet and cell).  The result also carries what was read and computed
    (``.values``: every amount as published; ``.inputs``: the 说明 sheet), so nothing needs to read the file again.
    """
    return verify(path, strict=strict, extra_codes=extra_codes)


def new_workbook(year: int, output: str | Path, *, profile: str = "central", dept: str = "",
                 codes: Sequence[str] | None = None, unit: str = WAN, overwrite: bool = False) -> Path:
    """Write the nine tables of ``year`` in layout ``profile`` (central, shanghai) as a workbook with live formulas
    (``juesuan-xlsx new``); ``codes``: the 功能分类 codes the department uses (fixed rows), else free-entry rows;
    ``unit``: "万元" (default) or "元" (exact totals, a 万元 view per table)."""
    spec = load_spec(year, profile)
    if unit not in UNIT_NAMES:
        raise ValueError(f"金额单位只能是 万元 或 元：{unit!r}")
    return generate(spec, output, Options(dept=dept, codes=tuple(codes) if codes is not None else None,
                                          unit=UNIT_NAMES[unit]), overwrite=overwrite)


def export_file(path: str | Path, to: str, output: str | Path, *, force: bool = False, overwrite: bool = False,
                extra_codes: Mapping[str, CodeInfo] | None = None, balanced: bool = False) -> list[Path]:
    """Verify ``path`` and write its publication as ``to`` (xlsx, docx, pdf, csv, json) at ``output``; a workbook
    with errors is refused (:class:`~juesuan_xlsx.export.ExportRefused`) unless ``force``.  Figures print in 万元;
    ``balanced`` (a 元 workbook only) chooses them by controlled rounding so that every relation holds in print
    (:func:`~juesuan_xlsx.export.export_report` returns the rounding and its warnings)."""
    return export(path, to, Path(output), force=force, overwrite=overwrite, extra_codes=extra_codes,
                  balanced=balanced)


def merge_files(paths: Iterable[str | Path], output: str | Path, *, dept: str | None = None, force: bool = False,
                overwrite: bool = False, jobs: int | None = None) -> MergeResult:
    """Consolidate units' returns into one department workbook with live formulas (``juesuan-xlsx merge``)."""
    return merge(paths, output, dept=dept, force=force, overwrite=overwrite, jobs=jobs)


def summarise_files(paths: Iterable[str | Path], output: str | Path, *, jobs: int | None = None,
                    overwrite: bool = False) -> SummaryResult:
    """One overview row per returned file, failing ones first, written as .xlsx or .csv (``juesuan-xlsx summary``)."""
    return summarise(paths, output, jobs=jobs, overwrite=overwrite)
