"""Verify at finance-bureau scale (issue 6): time ``juesuan-xlsx verify`` on N returned workbooks in one run.

    python benchmarks/verify_batch.py [--files N] [--jobs J] [--baseline-files B] [--libreoffice-files L]
                                      [--no-libreoffice] [--fresh-runs R] [--distinct K] [--keep DIR] [--json FILE]

1. Generates N filled 2024 workbooks through the library (``juesuan_xlsx.generate`` with a ``Filling``, as
   ``examples/fill_seed.py`` does) and saves each as a spreadsheet application returns it: every formula's
   result cached in the file and the document properties naming who saved it (``tests/corpus.py``).  Most
   carry the seed department's figures multiplied by a whole number (every relation still holds exactly)
   under varying department names; one in five random figures and codes (``tests/fillings.py``: other
   classifications, half-分 amounts, numbers as text; many findings each); about one in five is damaged: a
   total typed over its formula, or amounts typed as text.
2. Verifies all of them with ``juesuan_xlsx.batch.verify_many`` (``-j J`` worker processes, as the CLI does),
   sampling the memory of the whole process tree.
3. In the same run, times the baseline — each file loaded and calculated by ``formulas`` directly,
   ``ExcelModel().loads(f).finish()`` + ``calculate()`` — on B of the files, and LibreOffice (kept running, UNO:
   open, recalculate, save as xlsx) on L of them when it is installed.
4. Times fresh processes: ``juesuan-xlsx verify one.xlsx`` and ``juesuan-xlsx new 2024`` (imports included).
5. Prints per-file medians, throughput, peak memory, the ratios, and each target of issue 6 met or not.

Not a timed test: ``tests/test_benchmarks.py`` runs it once on 3 files to keep it working.  Numbers depend on
the machine and on what else runs on it; the report prints the CPU count and load average it ran with.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.corpus and tests.fillings: the workbooks as the test suite makes them
SEED_DATA = ROOT / "examples" / "seed-2024.toml"

# The targets of issue 6 (2-core machine).
TARGET_MEDIAN = 0.25  # s per file in a batch
TARGET_RATIO = 10.0  # × faster than the formulas baseline
TARGET_BATCH = 240.0  # s for 1,000 files with -j 2
TARGET_FRESH_VERIFY = 1.5  # s, one file, fresh process
TARGET_FRESH_NEW = 1.0  # s, `new 2024`, fresh process
TARGET_MEMORY_MB = 500.0  # peak, the whole 1,000-file batch
BATCH_FILES = 1000


# ---------------------------------------------------------------------------------------------------------------
# Workbooks
# ---------------------------------------------------------------------------------------------------------------


def _kind(i: int) -> str:
    """Three in five valid; one in five random figures (another classification, many findings); the rest a
    typed-over total or amounts typed as text (from the third file on)."""
    return {2: "typed-over-total", 6: "text-numbers", 3: "random-figures", 7: "random-figures"}.get(
        i % 10, "valid"
    )


@functools.lru_cache(maxsize=1)
def _seed() -> tuple[Any, Any]:
    from juesuan_xlsx.filling import load_fill_file
    from juesuan_xlsx.spec import load_spec

    data = load_fill_file(SEED_DATA)
    spec = load_spec(data.year, data.profile)
    return spec, load_fill_file(SEED_DATA, spec)


def _make_one(args: tuple[int, str]) -> tuple[str, str]:
    """Write workbook number ``i`` into ``directory``; returns (path, kind)."""
    i, directory = args
    from juesuan_xlsx.generate import FilledRow, Filling, Options, generate

    spec, data = _seed()
    # ×1 or ×2: every sum and relation stays exact, and the seed's real rounding gaps (尾差, 0.01) stay within
    # their tolerance (×3 would push 0.03 past it).
    factor = Decimal(1 + i % 2)
    kind = _kind(i)

    def scaled(value: Any) -> Any:
        return value * factor if isinstance(value, Decimal) else value

    cells: dict[Any, Any] = {cell: scaled(v) for cell, v in data.filling.cells.items()}
    rows = {
        table: [FilledRow(r.code, r.name, {k: scaled(v) for k, v in r.amounts.items()}) for r in items]
        for table, items in data.filling.rows.items()
    }
    if kind == "random-figures":
        from tests.fillings import random_filling

        other = random_filling(spec, i)
        cells, rows = dict(other.cells), dict(other.rows)
    if kind == "text-numbers":  # two amounts typed as text, as from a text-formatted cell
        for table in ("03", "05"):
            first = rows[table][-1]
            key = next(iter(first.amounts))
            rows[table][-1] = replace(first, amounts={**first.amounts, key: f"{first.amounts[key]}"})
    path = Path(directory) / f"{i:05d}-{kind}.xlsx"
    generate(spec, path, Options(dept=f"{data.dept}（{i:05d}）", filling=Filling(cells, rows)), overwrite=True)
    if kind == "typed-over-total":
        _type_over_total(path)
    _save_as_application(path)
    return str(path), kind


def _save_as_application(path: Path) -> None:
    """What Excel or WPS leave on saving: every formula's result cached, saved by someone, now."""
    from tests.corpus import Book, recalculate, save_as_application

    book = Book(path)
    recalculate(book)
    save_as_application(book)
    book.save(path)


def _type_over_total(path: Path, sheet: str = "公开01表") -> None:
    """Replace the first SUM formula of ``sheet`` by a typed number, editing the sheet XML in place."""
    with zipfile.ZipFile(path) as z:
        members = {name: z.read(name) for name in z.namelist()}
    workbook = members["xl/workbook.xml"].decode()
    rels = members["xl/_rels/workbook.xml.rels"].decode()
    rid = re.search(rf'<sheet [^>]*name="{re.escape(sheet)}"[^>]*r:id="(rId\d+)"', workbook)
    assert rid is not None, sheet
    target = re.search(rf'<Relationship [^>]*Id="{rid[1]}"[^>]*Target="([^"]+)"', rels) or re.search(
        rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rid[1]}"', rels
    )
    assert target is not None
    part = "xl/" + target[1].lstrip("/").removeprefix("xl/")
    xml = members[part].decode()
    cell = re.search(r'<c r="([A-Z]+\d+)"((?: s="\d+")?)[^>]*><f>SUM\([^<]*</f>.*?</c>', xml)
    assert cell is not None, "no SUM formula"
    xml = xml[: cell.start()] + f'<c r="{cell[1]}"{cell[2]}><v>999.99</v></c>' + xml[cell.end() :]
    members[part] = xml.encode()
    temp = path.with_suffix(".tmp")
    with zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    temp.replace(path)


def make_workbooks(directory: Path, count: int, distinct: int, jobs: int) -> list[tuple[str, str]]:
    """``count`` workbooks: ``distinct`` generated (in parallel), the rest copies of them under new names."""
    distinct = max(1, min(distinct, count))
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        made = list(pool.map(_make_one, [(i, str(directory)) for i in range(distinct)]))
    for i in range(distinct, count):
        source, kind = made[i % distinct]
        copy = directory / f"{i:05d}-{kind}.xlsx"
        shutil.copyfile(source, copy)
        made.append((str(copy), kind))
    return made


# ---------------------------------------------------------------------------------------------------------------
# Memory of the process tree
# ---------------------------------------------------------------------------------------------------------------


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as f:
                out.extend(int(p) for p in f.read().split())
    except OSError:
        pass
    return out


def tree_rss_mb(pid: int) -> tuple[float, float]:
    """(resident MB of ``pid`` and all its descendants, of the largest descendant)."""
    total, largest, stack = 0, 0, [(pid, True)]
    while stack:
        p, root = stack.pop()
        rss = _rss_kb(p)
        total += rss
        if not root:
            largest = max(largest, rss)
        stack.extend((c, False) for c in _children(p))
    return total / 1024, largest / 1024


class MemorySampler:
    """Peak resident memory of this process and all its descendants, sampled every 50 ms (Linux /proc)."""

    def __init__(self) -> None:
        self.peak_mb = 0.0
        self.worker_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            total, largest = tree_rss_mb(os.getpid())
            self.peak_mb = max(self.peak_mb, total)
            self.worker_mb = max(self.worker_mb, largest)
            self._stop.wait(0.05)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


# ---------------------------------------------------------------------------------------------------------------
# The measurements
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class Results:
    files: int = 0
    jobs: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    batch_seconds: float = 0.0
    verify_median: float = 0.0
    verify_p90: float = 0.0
    statuses: dict[str, int] = field(default_factory=dict)
    peak_memory_mb: float = 0.0
    peak_worker_mb: float = 0.0
    baseline_files: int = 0
    baseline_median: float | None = None
    libreoffice_files: int = 0
    libreoffice_median: float | None = None
    libreoffice_note: str = ""
    fresh_verify: float | None = None
    fresh_new: float | None = None
    fresh_command: str = ""
    machine: dict[str, Any] = field(default_factory=dict)

    def projection_1000(self) -> float:
        return self.batch_seconds / max(1, self.files) * BATCH_FILES


def run_batch(paths: Sequence[str], jobs: int) -> tuple[float, list[Any], float, float]:
    """(wall seconds, reports, peak MB of the process tree, peak MB of one worker) for verify_many."""
    from juesuan_xlsx.batch import verify_many

    with MemorySampler() as sampler:
        started = time.perf_counter()
        report = verify_many([Path(p) for p in paths], jobs=jobs)
        seconds = time.perf_counter() - started
    self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return seconds, report.files, max(sampler.peak_mb, self_mb), sampler.worker_mb


def _baseline_one(path: str) -> float:
    """``formulas`` directly, as the issue defines the baseline: load, finish and calculate one workbook."""
    os.environ["TQDM_DISABLE"] = "1"  # formulas' progress bars
    import warnings

    import formulas
    import numpy as np

    started = time.perf_counter()
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        model = formulas.ExcelModel().loads(path).finish()
        model.calculate()
    return time.perf_counter() - started


def run_baseline(paths: Sequence[str]) -> list[float]:
    # Each in a fresh worker process, as a file would be checked without this project (no model kept).
    times = []
    for path in paths:
        with ProcessPoolExecutor(max_workers=1) as pool:
            times.append(pool.submit(_baseline_one, path).result())
    return times


def run_libreoffice(paths: Sequence[str], workdir: Path) -> tuple[list[float], str]:
    from juesuan_xlsx.soffice import find_soffice
    from tests.libreoffice_driver import LibreOffice, LibreOfficeError

    if find_soffice() is None:
        return [], "LibreOffice (soffice) not installed"
    times: list[float] = []
    try:
        with LibreOffice() as office:
            for i, path in enumerate(paths):
                started = time.perf_counter()
                with office.open(path) as doc:
                    doc.recalculate()
                    doc.save_xlsx(workdir / f"lo-{i}.xlsx")
                times.append(time.perf_counter() - started)
    except LibreOfficeError as exc:
        return times, f"LibreOffice failed: {exc}"
    return times, "kept running (UNO): open + recalculate + save as xlsx"


def cli_command() -> list[str]:
    """The installed console script next to this interpreter (no pyenv/venv shim in the timing)."""
    script = Path(sys.executable).parent / "juesuan-xlsx"
    if script.exists():
        return [str(script)]
    found = shutil.which("juesuan-xlsx")
    return [found] if found else [sys.executable, "-c", "from juesuan_xlsx.cli import main; main()"]


def time_command(command: Sequence[str], runs: int, cwd: Path, ok: Callable[[int], bool]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(list(command), cwd=cwd, capture_output=True, timeout=600, check=False)
        times.append(time.perf_counter() - started)
        if not ok(done.returncode):
            raise RuntimeError(f"{' '.join(command)} exited {done.returncode}: {done.stderr.decode()[-500:]}")
    return statistics.median(times)


def run_fresh(one: str, runs: int, workdir: Path) -> tuple[float, float, str]:
    command = cli_command()
    # Warm the operating system's file cache and juesuan-xlsx's program cache once, as a second use would.
    subprocess.run([*command, "verify", one], capture_output=True, timeout=600, check=False)
    verify = time_command([*command, "verify", one], runs, workdir, lambda rc: rc in (0, 1))
    out = workdir / "new-2024.xlsx"
    new = time_command([*command, "new", "2024", "-o", str(out), "--force"], runs, workdir, lambda rc: rc == 0)
    return verify, new, " ".join(command)


# ---------------------------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------------------------


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def report(r: Results) -> tuple[str, bool]:
    lines = [
        f"machine: {r.machine['cpus']} CPUs, load average {r.machine['load']} at start, "
        f"Python {r.machine['python']}, formulas {r.machine['formulas']}",
        f"workbooks: {r.files} ({', '.join(f'{k} {v}' for k, v in sorted(r.kinds.items()))}), "
        f"verify_many -j {r.jobs}",
        f"  batch wall time {r.batch_seconds:.1f} s, throughput {r.files / max(r.batch_seconds, 1e-9):.2f} files/s",
        f"  per-file verify time: median {r.verify_median:.3f} s, 90th percentile {r.verify_p90:.3f} s",
        f"  results: {', '.join(f'{k} {v}' for k, v in sorted(r.statuses.items()))}",
        f"  peak memory: {r.peak_memory_mb:.0f} MB for the whole process tree (sampled every 50 ms), "
        f"{r.peak_worker_mb:.0f} MB the largest worker",
    ]
    checks: list[tuple[str, bool]] = []
    checks.append((f"median per-file verify {r.verify_median:.3f} s ≤ {TARGET_MEDIAN} s",
                   r.verify_median <= TARGET_MEDIAN))
    if r.baseline_median is not None:
        ratio = r.baseline_median / r.verify_median
        lines.append(f"baseline (formulas ExcelModel load+finish+calculate, fresh process each) on "
                     f"{r.baseline_files} files: median {r.baseline_median:.2f} s — verify is {ratio:.1f}× faster")
        checks.append((f"verify ≥ {TARGET_RATIO:.0f}× faster than the baseline ({ratio:.1f}×)", ratio >= TARGET_RATIO))
    if r.libreoffice_median is not None:
        lines.append(f"LibreOffice ({r.libreoffice_note}) on {r.libreoffice_files} files: median "
                     f"{r.libreoffice_median:.2f} s — verify is {r.libreoffice_median / r.verify_median:.1f}× faster")
    elif r.libreoffice_note:
        lines.append(f"LibreOffice: {r.libreoffice_note}")
    batch_1000 = r.projection_1000()
    how = "measured" if r.files >= BATCH_FILES else f"projected from {r.files} files"
    lines.append(f"1,000 workbooks with -j {r.jobs}: {batch_1000:.0f} s ({how})")
    checks.append((f"1,000 workbooks in {batch_1000:.0f} s ≤ {TARGET_BATCH:.0f} s ({how})", batch_1000 <= TARGET_BATCH))
    if r.fresh_verify is not None and r.fresh_new is not None:
        lines.append(f"fresh processes ({r.fresh_command}): verify one file {r.fresh_verify:.2f} s, "
                     f"new 2024 {r.fresh_new:.2f} s (medians)")
        checks.append((f"fresh `verify one.xlsx` {r.fresh_verify:.2f} s ≤ {TARGET_FRESH_VERIFY} s",
                       r.fresh_verify <= TARGET_FRESH_VERIFY))
        checks.append((f"fresh `new 2024` {r.fresh_new:.2f} s ≤ {TARGET_FRESH_NEW} s", r.fresh_new <= TARGET_FRESH_NEW))
    memory_how = "measured" if r.files >= BATCH_FILES else f"measured on {r.files} files; bounded caches"
    checks.append((f"peak memory {r.peak_memory_mb:.0f} MB ≤ {TARGET_MEMORY_MB:.0f} MB ({memory_how})",
                   r.peak_memory_mb <= TARGET_MEMORY_MB))
    lines.append("targets (issue 6):")
    lines.extend(f"  [{_met(ok):>7}] {text}" for text, ok in checks)
    return "\n".join(lines), all(ok for _, ok in checks)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200, help="workbooks to verify (default 200; 1000: full run)")
    parser.add_argument("--jobs", "-j", type=int, default=2, help="worker processes for verify (default 2)")
    parser.add_argument("--distinct", type=int, default=None,
                        help="generate this many distinct workbooks, copy them for the rest (default: all distinct)")
    parser.add_argument("--baseline-files", type=int, default=3, help="files timed with formulas directly")
    parser.add_argument("--libreoffice-files", type=int, default=5, help="files recalculated by LibreOffice")
    parser.add_argument("--no-libreoffice", action="store_true")
    parser.add_argument("--fresh-runs", type=int, default=3, help="repetitions of each fresh-process command")
    parser.add_argument("--keep", type=Path, default=None, help="write the workbooks here and keep them")
    parser.add_argument("--json", type=Path, default=None, help="also write the numbers as JSON")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is not met")
    args = parser.parse_args(argv)

    import formulas

    results = Results(files=args.files, jobs=args.jobs)
    cache = tempfile.TemporaryDirectory(prefix="juesuan-bench-cache-")
    # A private, empty program cache: the batch pays for compiling the template's formulas (once per worker),
    # as on a machine that never ran juesuan-xlsx; the fresh-process runs find it warm, as a second run would.
    os.environ["JUESUAN_XLSX_CACHE"] = cache.name
    results.machine = {"cpus": os.cpu_count(), "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
                       "python": sys.version.split()[0], "formulas": formulas.__version__}
    with tempfile.TemporaryDirectory(prefix="juesuan-bench-") as tmp:
        workdir = Path(tmp)
        books = args.keep or workdir / "books"
        books.mkdir(parents=True, exist_ok=True)
        print(f"generating {args.files} workbooks in {books} …", file=sys.stderr)
        made = make_workbooks(books, args.files, args.distinct or args.files, args.jobs)
        paths = [p for p, _ in made]
        for _, kind in made:
            results.kinds[kind] = results.kinds.get(kind, 0) + 1

        print(f"verifying them with -j {args.jobs} …", file=sys.stderr)
        seconds, reports, peak, worker = run_batch(paths, args.jobs)
        per_file = sorted(f.seconds for f in reports)
        results.batch_seconds = seconds
        results.verify_median = statistics.median(per_file)
        results.verify_p90 = per_file[min(len(per_file) - 1, int(0.9 * len(per_file)))]
        for f in reports:
            results.statuses[f.status] = results.statuses.get(f.status, 0) + 1
        results.peak_memory_mb, results.peak_worker_mb = peak, worker

        subset = [paths[i] for i in range(0, len(paths), max(1, len(paths) // max(1, args.baseline_files)))]
        subset = subset[: args.baseline_files]
        if subset:
            print(f"baseline: formulas directly on {len(subset)} files …", file=sys.stderr)
            results.baseline_files = len(subset)
            results.baseline_median = statistics.median(run_baseline(subset))

        if not args.no_libreoffice and args.libreoffice_files > 0:
            print("LibreOffice …", file=sys.stderr)
            lo_times, results.libreoffice_note = run_libreoffice(paths[: args.libreoffice_files], workdir)
            if lo_times:
                results.libreoffice_files = len(lo_times)
                results.libreoffice_median = statistics.median(lo_times)

        if args.fresh_runs > 0:
            print("fresh processes …", file=sys.stderr)
            results.fresh_verify, results.fresh_new, results.fresh_command = run_fresh(
                paths[0], args.fresh_runs, workdir
            )

    cache.cleanup()
    text, all_met = report(results)
    print(text)
    if args.json:
        data = {**results.__dict__, "projection_1000": results.projection_1000(), "all_targets_met": all_met}
        args.json.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return 1 if args.check and not all_met else 0


if __name__ == "__main__":
    sys.exit(main())
