"""The benchmarks keep working (verify_batch.py, balanced_export.py): one tiny run each, no timing asserted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_the_verify_benchmark_runs_on_three_files(tmp_path: Path) -> None:
    out = tmp_path / "numbers.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "verify_batch.py"), "--files", "3", "--baseline-files", "1",
         "--no-libreoffice", "--fresh-runs", "1", "--json", str(out)],
        capture_output=True, text=True, timeout=900, check=False, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    for line in ("per-file verify time: median", "baseline (formulas ExcelModel", "fresh processes",
                 "targets (issue 6):", "1,000 workbooks with -j 2"):
        assert line in done.stdout, done.stdout
    numbers = json.loads(out.read_text(encoding="utf-8"))
    assert numbers["files"] == 3 and numbers["kinds"] == {"valid": 2, "typed-over-total": 1}
    assert numbers["statuses"].get("有错误", 0) >= 1  # the typed-over total is found
    assert numbers["baseline_median"] > 0 and numbers["verify_median"] > 0


@pytest.mark.slow
def test_the_balanced_export_benchmark_runs_on_one_layout(tmp_path: Path) -> None:
    """benchmarks/balanced_export.py (issue 17): a full 元 workbook read back through verify, controlled against
    independent rounding; one run on one layout, no timing asserted."""
    out = tmp_path / "numbers.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "balanced_export.py"), "--runs", "1", "--layouts",
         "2024/central", "--json", str(out)],
        capture_output=True, text=True, timeout=600, check=False, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    for line in ("read back through verify", "independent rounding:", "controlled rounding:", "of which solver",
                 "target (issue 17)"):
        assert line in done.stdout, done.stdout
    (numbers,) = json.loads(out.read_text(encoding="utf-8"))
    assert numbers["status"] == "balanced" and numbers["unbalanced"] == 0
    assert numbers["code_rows"]["02"] >= 100 and numbers["independent_gaps"] > 0
    assert numbers["solver_median"] > 0
