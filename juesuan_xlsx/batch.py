"""Verify many files: in parallel processes, with a progress line on the terminal, results in input order."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from .codes import CodeInfo
from .verify import FileReport, Report, verify_file


def _one(args: tuple[str, bool, Mapping[str, CodeInfo] | None]) -> FileReport:
    path, strict, extra = args
    return verify_file(path, strict=strict, extra_codes=extra)


def verify_many(paths: Sequence[Path], *, strict: bool = False, extra_codes: Mapping[str, CodeInfo] | None = None,
                jobs: int | None = None, progress: bool = False) -> Report:
    jobs = min(jobs or os.cpu_count() or 1, max(1, len(paths)))
    work = [(str(p), strict, extra_codes) for p in paths]
    results: list[FileReport] = []
    if jobs == 1:
        for i, item in enumerate(work, 1):
            results.append(_one(item))
            _tick(progress, i, len(work))
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for i, result in enumerate(pool.map(_one, work, chunksize=1), 1):
                results.append(result)
                _tick(progress, i, len(work))
    if progress:
        sys.stderr.write("\n")
    return Report(results, strict=strict)


def _tick(enabled: bool, done: int, total: int) -> None:
    if enabled:
        bar = "#" * (30 * done // total)
        sys.stderr.write(f"\r校验中 [{bar:<30}] {done}/{total}")
        sys.stderr.flush()
