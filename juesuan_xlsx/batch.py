"""The one batch runner: work on many files in parallel worker processes, with progress on stderr, results in input
order.  ``verify``, ``summary`` and ``merge`` all run their files through :func:`run_each`."""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TypeVar

from .codes import CodeInfo
from .verify import FileReport, Report, verify_file

T = TypeVar("T")
R = TypeVar("R")

_warm = False


def _freeze_once() -> None:
    # After the first file the process holds what every later file reuses (compiled formula programs, the spec,
    # plans): hundreds of thousands of long-lived objects that each full garbage collection would walk again.
    # Freezing them takes about an eighth off every later verify (benchmarks/README.md).
    global _warm
    if not _warm:
        _warm = True
        gc.collect()
        gc.freeze()


def _call(job: tuple[Callable[[T], R], T]) -> R:
    work, item = job
    try:
        return work(item)
    finally:
        _freeze_once()


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


def run_each(items: Sequence[T], work: Callable[[T], R], *, jobs: int | None = None, progress: bool = False,
             label: str = "校验中") -> list[R]:
    """``work(item)`` for every item, in ``jobs`` worker processes (default: one per CPU; 1: in this process),
    results in the order of ``items``.  ``work`` must be a module-level function (it is pickled)."""
    jobs = min(jobs or os.cpu_count() or 1, max(1, len(items)))
    results: list[R] = []
    if jobs == 1:
        with _frozen_after_first():
            for i, item in enumerate(items, 1):
                results.append(_call((work, item)))
                _tick(progress, label, i, len(items))
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for i, result in enumerate(pool.map(_call, [(work, item) for item in items], chunksize=1), 1):
                results.append(result)
                _tick(progress, label, i, len(items))
    if progress and items and _terminal():
        sys.stderr.write("\n")
    return results


def _terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # replaced or closed
        return False


LOG_STEP = 100  # stderr is a file or a pipe (a log): one plain line per this many files, none for fewer


def _tick(enabled: bool, label: str, done: int, total: int) -> None:
    """A bar redrawn in place on a terminal; in a log, a line per :data:`LOG_STEP` files (no carriage returns)."""
    if not enabled:
        return
    if _terminal():
        bar = "#" * (30 * done // total)
        sys.stderr.write(f"\r{label} [{bar:<30}] {done}/{total}")
    elif total >= LOG_STEP and (done % LOG_STEP == 0 or done == total):
        sys.stderr.write(f"{label} {done}/{total}\n")
    else:
        return
    sys.stderr.flush()


def _verify_one(args: tuple[str, bool, Mapping[str, CodeInfo] | None]) -> FileReport:
    path, strict, extra = args
    return verify_file(path, strict=strict, extra_codes=extra)


def verify_many(paths: Sequence[Path], *, strict: bool = False, extra_codes: Mapping[str, CodeInfo] | None = None,
                jobs: int | None = None, progress: bool = False) -> Report:
    work = [(str(p), strict, extra_codes) for p in paths]
    return Report(run_each(work, _verify_one, jobs=jobs, progress=progress), strict=strict)
