"""Where one ``verify_file`` spends its time: its phases, timed on warm runs, then the top of a cProfile.

    python benchmarks/profile_verify.py [workbook.xlsx …] [--runs N] [--top K]

Warm runs are the batch's steady state: imports done, formula shapes compiled, scans cached.  Give several
different workbooks (``verify_batch.py --keep DIR`` writes some): each run verifies each of them once, as a batch
does; one workbook verified again and again finds every result it can remember already remembered.  Phase times are
CPU seconds, exclusive of the phases nested inside them (``_evaluate`` without ``shadow_values``).  cProfile
slows Python code 2–3×: read its list for where inside a phase, not for absolute numbers.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import pstats
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

_TOTALS: dict[str, float] = defaultdict(float)
_STACK: list[list[float]] = []


def _timed(label: str, func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _STACK.append([0.0])
        started = time.process_time()
        try:
            return func(*args, **kwargs)
        finally:
            spent = time.process_time() - started
            nested = _STACK.pop()[0]
            _TOTALS[label] += spent - nested
            if _STACK:
                _STACK[-1][0] += spent

    return wrapper


def instrument() -> None:
    """Wrap verify's phases (whatever of them exists: verify.py changes)."""
    from juesuan_xlsx import engine, evaluation, verify

    for name in ("preflight", "read_workbook", "plan_for", "make_plan", "shadow_values"):
        if hasattr(verify, name):
            setattr(verify, name, _timed(f"{name} ({getattr(verify, name).__module__})", getattr(verify, name)))
    evaluation.evaluate_workbook = _timed("evaluate_workbook (evaluation)", evaluation.evaluate_workbook)
    if hasattr(verify, "evaluate_workbook"):  # imported by name: wrap verify's own binding too
        verify.evaluate_workbook = evaluation.evaluate_workbook
    for name in ("_inputs", "_codes", "_formulas", "_relations", "_shuoming", "_evaluate", "_plan_instance"):
        if hasattr(verify._Verifier, name):
            setattr(verify._Verifier, name, _timed(f"_Verifier.{name} (verify)", getattr(verify._Verifier, name)))
    for name in ("__init__", "compute", "check_all"):
        setattr(engine.Engine, name, _timed(f"Engine.{name} (engine)", getattr(engine.Engine, name)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workbooks", nargs="*", default=[str(ROOT / "examples" / "seed-2024.xlsx")])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()

    from juesuan_xlsx.verify import verify_file

    instrument()
    books = args.workbooks
    verify_file(books[0])  # warm up
    _TOTALS.clear()
    runs = args.runs * len(books)
    started, wall = time.process_time(), time.perf_counter()
    for _ in range(args.runs):
        for book in books:
            verify_file(book)
    cpu, wall = (time.process_time() - started) / runs, (time.perf_counter() - wall) / runs
    name = Path(books[0]).name if len(books) == 1 else f"{len(books)} workbooks"
    print(f"verify_file({name}), warm: {cpu:.3f} s CPU, {wall:.3f} s wall per file ({runs} verifies)")
    accounted = 0.0
    for label, seconds in sorted(_TOTALS.items(), key=lambda kv: -kv[1]):
        per_run = seconds / runs
        accounted += per_run
        print(f"  {per_run:6.3f} s {per_run / cpu:6.1%}  {label}")
    print(f"  {cpu - accounted:6.3f} s {(cpu - accounted) / cpu:6.1%}  the rest of verify_file")

    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.runs):
        for book in books:
            verify_file(book)
    profile.disable()
    stats = pstats.Stats(profile)
    rows = [
        (cumtime / runs, ncalls // runs, f"{Path(filename).parent.name}/{Path(filename).name}:{line}({name})")
        for (filename, line, name), (_cc, ncalls, _tt, cumtime, _callers) in stats.stats.items()  # type: ignore[attr-defined]
        if "profile_verify" not in filename
    ]
    print("\nlargest cumulative times per file under cProfile (×2–3 slower than above):")
    for cum, calls, where in sorted(rows, reverse=True)[: args.top]:
        print(f"  {cum:7.3f} s {calls:8d} calls  {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
