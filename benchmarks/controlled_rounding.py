"""Controlled rounding of a full workbook (issue 17): how long the integer program takes, against independent rounding.

    python benchmarks/controlled_rounding.py [--runs R] [--layouts 2024/central,2025/shanghai] [--json FILE]

For each layout, one workbook with all nine tables and every 一般 and 基金 项 of the dictionary (about 120 code
rows in 02 and 03, 119 in 05, some in 07 and 08) filled with consistent random figures in 元
(``tests/yuan_fillings.py``), then, R times each:
  * independent rounding — each figure / 10 000, ROUND_HALF_UP (what the reporting software prints), plus the
    Decimal check of every relation on it, which is what finds its 尾差;
  * controlled rounding — ``juesuan_xlsx.rounding.controlled_rounding``: the exact 元 figures, the model, the
    HiGHS solve and the same Decimal check; the solver's own time is reported apart.
Prints the medians, the ratio controlled / independent, how many relations independent rounding leaves with a
尾差, and whether the issue's target (≤ 1 s for the balanced rounding of a full workbook) is met.

Not a timed test: ``tests/test_rounding.py`` runs it once to keep it working.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.yuan_fillings: the fillings the test suite uses

from juesuan_xlsx.engine import Engine  # noqa: E402
from juesuan_xlsx.model import Cell, Equation  # noqa: E402
from juesuan_xlsx.rounding import (  # noqa: E402
    exact_figures,
    imbalances,
    independent_rounding,
    round_figures,
)
from juesuan_xlsx.spec import load_spec  # noqa: E402
from tests.yuan_fillings import full_workbook  # noqa: E402

TARGET_SECONDS = 1.0
LAYOUTS = ("2024/central", "2024/shanghai", "2025/central", "2025/shanghai")


def bench(layout: str, runs: int) -> dict[str, object]:
    year, profile = layout.split("/")
    spec = load_spec(int(year), profile)
    inst, _, inputs = full_workbook(spec)
    started = time.perf_counter()
    engine = Engine(inst)  # the instance's equations: built once per workbook, shared by verify and export
    engine_seconds = time.perf_counter() - started
    rows = {tid: len(ct.rows) for tid, ct in inst.code_tables.items()}
    # the exact figures are computed inside each timing: controlled_rounding(inst, inputs) computes them too
    timed = time_rounding(lambda: exact_figures(inst, inputs, engine), engine.equations, runs)
    return {"layout": layout, "code_rows": rows, "engine_seconds": engine_seconds, **timed}


def time_rounding(exact_of: Callable[[], dict[Cell, Decimal]], equations: list[Equation],
                  runs: int) -> dict[str, object]:
    """Independent rounding (and the relations it leaves with a 尾差) against controlled rounding, each timed
    ``runs`` times from ``exact_of()``; the medians and the last controlled rounding's size and outcome."""
    independent, controlled, solver = [], [], []
    gaps = 0
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        printed = independent_rounding(exact_of())
        gaps = len(imbalances(equations, printed))
        independent.append(time.perf_counter() - started)
        started = time.perf_counter()
        result = round_figures(exact_of(), equations)
        controlled.append(time.perf_counter() - started)
        solver.append(result.seconds)
    assert result is not None
    return {
        "cells": len(result.published), "equations": len(equations),
        "variables": result.variables, "constraints": result.constraints, "status": result.status.value,
        "solver_status": result.solver, "unbalanced": len(result.unbalanced), "independent_gaps": gaps,
        "independent_median": statistics.median(independent),
        "controlled_median": statistics.median(controlled), "solver_median": statistics.median(solver),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--layouts", default=",".join(LAYOUTS))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    print(f"{os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"median of {args.runs} run(s)")
    results = []
    met = True
    for layout in args.layouts.split(","):
        r = bench(layout, args.runs)
        results.append(r)
        met = met and r["controlled_median"] <= TARGET_SECONDS  # type: ignore[operator]
        print(f"\n{layout}: code rows {r['code_rows']}, {r['cells']} figures, {r['equations']} equations")
        print_rounding(r)
        print(f"  (the instance's equations, built once per workbook: {r['engine_seconds'] * 1000:.1f} ms)")
    print(f"\ntarget (issue 17): balanced rounding of a full workbook ≤ {TARGET_SECONDS:.0f} s — "
          f"{'met' if met else 'NOT met'}")
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


def print_rounding(r: dict[str, object]) -> None:
    """The integer program, independent and controlled rounding of one run, as both rounding benchmarks print it."""
    ratio = r["controlled_median"] / r["independent_median"]  # type: ignore[operator]
    print(f"  integer program: {r['variables']} binaries, {r['constraints']} distinct constraints; "
          f"{r['status']} ({r['solver_status']}), {r['unbalanced']} relation(s) left unbalanced")
    print(f"  independent rounding: {r['independent_median'] * 1000:.1f} ms "  # type: ignore[operator]
          f"(leaves {r['independent_gaps']} relation(s) with a 尾差)")
    print(f"  controlled rounding:  {r['controlled_median'] * 1000:.1f} ms, of which solver "  # type: ignore[operator]
          f"{r['solver_median'] * 1000:.1f} ms — {ratio:.1f}× independent rounding")  # type: ignore[operator]


if __name__ == "__main__":
    raise SystemExit(main())
