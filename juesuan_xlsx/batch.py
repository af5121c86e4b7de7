"""The one batch runner: work on many files in parallel worker processes, with progress on stderr, results in input
order.  ``verify``, ``summary`` and ``merge`` all run their files through :func:`run_each`."""

from __future__ import annotations

import contextlib
import gc
import os
import signal
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
        pool = ProcessPoolExecutor(max_workers=jobs, initializer=_worker_started)
        try:
            for i, result in enumerate(pool.map(_call, [(work, item) for item in items], chunksize=1), 1):
                results.append(result)
                _tick(progress, label, i, len(items))
        except BaseException:  # Ctrl-C, SIGTERM (the CLI raises on it), a failing worker: no worker outlives us
            _stop(pool)
            raise
        pool.shutdown()
    if progress and items and _terminal():
        sys.stderr.write("\n")
    return results


def _worker_started() -> None:
    """In each worker: Ctrl-C is the parent's to handle (it stops the workers), SIGTERM kills at once (a forked
    worker would otherwise inherit the CLI's handler), and on Linux the worker dies with its parent even when
    the parent is killed outright (PR_SET_PDEATHSIG)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
            if os.getppid() == 1:  # the parent already went before the line above
                os._exit(1)
        except (OSError, AttributeError):
            pass


def _stop(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started and end the workers now (their results are no longer wanted)."""
    workers = list((getattr(pool, "_processes", None) or {}).values())  # no public handle on them
    pool.shutdown(wait=False, cancel_futures=True)
    for worker in workers:
        if worker.is_alive():
            worker.terminate()
    for worker in workers:
        worker.join(timeout=5)


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
