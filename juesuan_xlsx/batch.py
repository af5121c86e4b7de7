"""Verify many files: in parallel processes, with a progress line on the terminal, results in input order."""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from .codes import CodeInfo
from .verify import FileReport, Report, verify_file

_warm = False


def _one(args: tuple[str, bool, Mapping[str, CodeInfo] | None]) -> FileReport:
    global _warm
    path, strict, extra = args
    report = verify_file(path, strict=strict, extra_codes=extra)
    if not _warm:
        _warm = True
        # After the first file the process holds what every later file reuses (compiled formula programs, the
        # spec, plans): hundreds of thousands of long-lived objects that each full garbage collection would walk
        # again.  Freezing them takes about an eighth off every later verify (benchmarks/README.md).
        gc.collect()
        gc.freeze()
    return report


@contextlib.contextmanager
def _frozen_after_first() -> Iterator[None]:
    """In the caller's own process: freeze after the first file (as the workers do), thaw at the end."""
    global _warm
    was = _warm
    try:
        yield
    finally:
        if _warm and not was:
            gc.unfreeze()
        _warm = was


def verify_many(paths: Sequence[Path], *, strict: bool = False, extra_codes: Mapping[str, CodeInfo] | None = None,
                jobs: int | None = None, progress: bool = False) -> Report:
    jobs = min(jobs or os.cpu_count() or 1, max(1, len(paths)))
    work = [(str(p), strict, extra_codes) for p in paths]
    results: list[FileReport] = []
    if jobs == 1:
        with _frozen_after_first():
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
