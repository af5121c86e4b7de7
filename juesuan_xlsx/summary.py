"""``juesuan-xlsx summary``: one overview row per returned file, for the bureau that collected them.

Each file is verified (:func:`juesuan_xlsx.verify.verify_file`) and its key figures are taken from the Decimal
engine (the spec's equations over the typed figures), never from cached spreadsheet values.  Figures are always
shown in 万元: a workbook typed in 元 (``new --unit 元``) has each figure rounded to 万元 on its own
(``amounts.to_wan``, what the reporting software prints), and the 填写单位 column says 元.  The table lists the
failing files first and ends with a totals row; it is written as .xlsx (sortable, filterable, the totals row is
``SUBTOTAL(109, …)`` so it follows the filter) or as .csv (UTF-8 with BOM, text cells guarded against formula
injection).  Inputs are only read; the output is written atomically and never replaces a file unless asked.

Verification results are cached per file (:class:`VerifyCache`): a JSON entry keyed by the absolute path, size,
mtime, SHA-256 of the content and the juesuan-xlsx version (plus a fingerprint of the installed code and
templates), so a second run over an unchanged folder verifies nothing.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from . import __version__, checks
from .amounts import to_wan
from .atomic import XLSX_OPTIONS, OutputExists, atomic_output, close_xlsx
from .batch import run_each
from .contract import OUTPUT_PROPERTY, UNIT_NAMES, WAN, YUAN
from .errors import JuesuanError
from .findings import Finding, Level
from .model import figure_cell
from .resources import templates_dir
from .verify import FileReport, Verification, expand_paths, skipped_note, verify

CACHE_SCHEMA = "juesuan-xlsx/summary-cache/2"  # 2: figures in 万元 whatever the unit, the unit kept
MAX_HASHED_SIZE = 256 * 1024 * 1024  # larger files are verified every time (and refused by preflight anyway)
MAX_CACHE_ENTRY = 32 * 1024 * 1024

# (key, column title, the spec's named figure it is taken from: ``[figures]`` of every layout)
FIGURES: tuple[tuple[str, str, str], ...] = (
    ("income", "收入总计", "income_grand"),
    ("expenditure", "支出总计", "expenditure_grand"),
    ("fiscal", "财政拨款", "fiscal_income"),
    ("basic", "基本支出", "basic"),
    ("project", "项目支出", "project"),
    ("personnel", "人员经费", "personnel"),
    ("public", "公用经费", "public"),
    ("sangong_budget", "三公经费预算", "sangong_budget"),
    ("sangong_actual", "三公经费决算", "sangong_actual"),
)
UNREADABLE = "无法读取"
_STATUS_RANK = {UNREADABLE: 0, "有错误": 1, "有警告": 2, "通过": 3}
_INTERNAL_CODES = frozenset({checks.INTERNAL.code, "P-内部错误", "P-无法读取"})  # transient: never cached

Figures = dict[str, Decimal | None]


class SummaryError(JuesuanError, ValueError):
    """The summary cannot be made (no input files, unsupported output type); the message is Chinese."""


# ---------------------------------------------------------------------------------------------------------------
# figures


def key_figures(verification: Verification) -> Figures | None:
    """The overview figures of one verified workbook from the Decimal engine; None when it could not be read.

    A figure is None when the layout has no such cell, Decimal 0 when the cell is blank.  Always in 万元: the
    figures of a workbook typed in 元 are each rounded to 0.01 万元 (``amounts.to_wan``).
    """
    read, figures = verification.read, verification.figures
    if read is None or verification.engine is None:
        return None
    in_yuan = read.inst.unit == YUAN
    out: Figures = {}
    for key, _, name in FIGURES:
        cell = figure_cell(read.spec, name)
        if cell in figures:
            value = figures[cell].value
            out[key] = to_wan(value) if in_yuan else value
        else:
            out[key] = Decimal(0) if cell in read.cells else None
    return out


def unit_of(verification: Verification) -> str:
    """What a verified workbook's figures are typed in (万元 for a publication: read as printed, in 万元)."""
    return verification.read.inst.unit if verification.read is not None else WAN


# ---------------------------------------------------------------------------------------------------------------
# the verification cache


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/juesuan-xlsx``, else ``~/.cache/juesuan-xlsx``."""
    base = os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".cache"
    return root / "juesuan-xlsx"


@cache
def code_fingerprint() -> str:
    """The version plus the size and mtime of every installed module and template file.

    A development checkout changes without a version bump; a cached report from older code must not survive it.
    """
    digest = hashlib.sha256(__version__.encode())
    roots = [Path(__file__).resolve().parent]
    try:
        roots.append(templates_dir())
    except FileNotFoundError:
        pass
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.suffix in (".py", ".toml", ".tsv", ".txt", ".csv") and path.is_file():
                st = path.stat()
                digest.update(f"{path.relative_to(root)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class FileKey:
    path: str  # absolute
    size: int
    mtime_ns: int
    sha256: str
    version: str
    code: str

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "size": self.size, "mtime_ns": self.mtime_ns, "sha256": self.sha256,
                "version": self.version, "code": self.code}


def file_key(path: str | Path) -> FileKey | None:
    """The cache key of a regular file, or None (missing, a folder, a pipe, unreadable, too large)."""
    absolute = os.path.abspath(path)
    try:
        before = os.stat(absolute)
        if not stat.S_ISREG(before.st_mode) or before.st_size > MAX_HASHED_SIZE:
            return None
        digest = hashlib.sha256()
        with open(absolute, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        after = os.stat(absolute)
    except OSError:
        return None
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns):
        return None  # being written right now
    return FileKey(absolute, after.st_size, after.st_mtime_ns, digest.hexdigest(), __version__, code_fingerprint())


def report_from_dict(data: Mapping[str, Any]) -> FileReport:
    """The inverse of :meth:`FileReport.to_dict` (finding arguments come back as JSON values)."""
    findings = [Finding(str(f["code"]), Level(f["level"]), str(f["message"]), f.get("sheet"), f.get("cell"),
                        f.get("table"), dict(f.get("args") or {})) for f in data["findings"]]
    return FileReport(str(data["path"]), findings, str(data.get("dept") or ""), data.get("spec"),
                      str(data.get("kind") or ""), float(data.get("seconds") or 0.0), dict(data.get("stats") or {}))


def _figures_to_json(figures: Figures | None) -> dict[str, str | None] | None:
    if figures is None:
        return None
    return {k: None if v is None else str(v) for k, v in figures.items()}


def _figures_from_json(data: Any) -> Figures | None:
    if data is None:
        return None
    if not isinstance(data, dict):
        raise ValueError("figures")
    out: Figures = {}
    for key, _, _ in FIGURES:
        value = data.get(key)
        out[key] = None if value is None else Decimal(str(value))
    return out


class VerifyCache:
    """Verify reports and overview figures of unchanged files, as one JSON file per input file.

    The directory is private (0700, ours, not a symlink); otherwise the cache is off.  JSON only, never pickle;
    an unreadable or corrupt entry is ignored and rewritten.
    """

    def __init__(self, directory: str | Path | None = None) -> None:
        self.directory = Path(directory) if directory is not None else default_cache_dir()
        self.enabled = self._prepare()

    def _prepare(self) -> bool:
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            st = os.lstat(self.directory)
            if not stat.S_ISDIR(st.st_mode) or (hasattr(os, "getuid") and st.st_uid != os.getuid()):
                return False
            if st.st_mode & 0o077:
                os.chmod(self.directory, 0o700)
        except OSError:
            return False
        return True

    def entry_path(self, absolute: str) -> Path:
        """The cache file of one input file (by its absolute path)."""
        digest = hashlib.sha256(absolute.encode("utf-8", "surrogateescape")).hexdigest()[:40]
        return self.directory / f"verify-{digest}.json"  # the directory is shared with other caches

    def get(self, key: FileKey) -> tuple[FileReport, Figures | None, str] | None:
        if not self.enabled:
            return None
        entry = self.entry_path(key.path)
        try:
            if entry.stat().st_size > MAX_CACHE_ENTRY:
                return None
            data = json.loads(entry.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or data.get("schema") != CACHE_SCHEMA or data.get("key") != key.to_dict():
                return None
            unit = UNIT_NAMES.get(str(data.get("unit") or WAN), WAN)
            return report_from_dict(data["report"]), _figures_from_json(data.get("figures")), unit
        except (OSError, ValueError, KeyError, TypeError, InvalidOperation, AttributeError):
            return None  # missing or corrupt: verify again

    def put(self, key: FileKey, report: FileReport, figures: Figures | None, unit: str = WAN) -> None:
        if not self.enabled or any(f.code in _INTERNAL_CODES for f in report.findings):
            return
        data = {"schema": CACHE_SCHEMA, "key": key.to_dict(), "report": report.to_dict(),
                "figures": _figures_to_json(figures), "unit": unit}
        try:
            fd, name = tempfile.mkstemp(prefix=".entry.", suffix=".tmp", dir=self.directory)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    json.dump(data, f, ensure_ascii=False)
                os.replace(name, self.entry_path(key.path))
            except BaseException:
                Path(name).unlink(missing_ok=True)
                raise
        except OSError:
            pass  # a cache that cannot be written only costs time


# ---------------------------------------------------------------------------------------------------------------
# verifying many files, reusing the cache


@dataclass
class Inspection:
    path: Path
    report: FileReport
    figures: Figures | None
    cached: bool = False
    key: FileKey | None = None
    extra: Any = None  # what ``extract`` took from the verification (None for a cached entry)
    unit: str = WAN  # what the workbook's figures are typed in (``figures`` are in 万元 either way)

    @property
    def readable(self) -> bool:
        return self.figures is not None and self.report.spec is not None


def _inspect(path: str, extract: Callable[[Verification], Any] | None = None) -> tuple[FileReport, Figures | None,
                                                                                          Any, str]:
    verification = verify(path)
    extra = extract(verification) if extract is not None and verification.read is not None else None
    return verification.report, key_figures(verification), extra, unit_of(verification)


def inspect_files(paths: Sequence[Path], *, jobs: int | None = None, cache: VerifyCache | None = None,
                  progress: bool = False, extract: Callable[[Verification], Any] | None = None) -> list[Inspection]:
    """Verify report and figures of every path, in input order; each distinct file is verified at most once and
    not at all when the cache holds it unchanged.  ``progress`` draws a progress line on stderr.  ``extract``
    (a module-level function: it runs in the worker) takes more from each verification while the file is read
    (merge takes the figures it sums); a cached file has none."""
    keys: dict[str, FileKey | None] = {}
    done: dict[str, Inspection] = {}
    todo: list[str] = []
    for path in paths:
        absolute = os.path.abspath(path)
        if absolute in keys:
            continue
        key = file_key(path)
        keys[absolute] = key
        hit = cache.get(key) if cache is not None and key is not None else None
        if hit is not None:
            done[absolute] = Inspection(Path(path), hit[0], hit[1], cached=True, key=key, unit=hit[2])
        else:
            todo.append(str(path))
    results = run_each(todo, functools.partial(_inspect, extract=extract), jobs=jobs, progress=progress)
    for name, (report, figures, extra, unit) in zip(todo, results, strict=True):
        absolute = os.path.abspath(name)
        key = keys[absolute]
        if key is not None and cache is not None:
            now = file_key(name)  # changed while being verified: do not remember the result
            if now == key:
                cache.put(key, report, figures, unit)
        done[absolute] = Inspection(Path(name), report, figures, key=key, extra=extra, unit=unit)
    out: list[Inspection] = []
    for path in paths:
        found = done[os.path.abspath(path)]
        report = found.report
        if report.path != str(path):  # the same file named another way, or a cached entry
            report = FileReport(str(path), list(report.findings), report.dept, report.spec, report.kind,
                                report.seconds, dict(report.stats))
        out.append(Inspection(Path(path), report, found.figures, found.cached, found.key, found.extra, found.unit))
    return out


# ---------------------------------------------------------------------------------------------------------------
# the overview


@dataclass(frozen=True)
class SummaryRow:
    file: str
    dept: str
    year: int | None
    figures: Figures | None  # None: the file could not be read
    errors: int
    warnings: int
    status: str  # 无法读取 / 有错误 / 有警告 / 通过
    problem: str  # the first error (else warning) message
    cached: bool = False
    unit: str = WAN  # what the file's figures are typed in; ``figures`` are in 万元 either way

    @property
    def failing(self) -> bool:
        return self.status in (UNREADABLE, "有错误")


@dataclass
class SummaryResult:
    output: Path
    rows: list[SummaryRow]  # sorted: failing files first
    errors: int
    warnings: int
    reports: list[FileReport] = field(default_factory=list)  # in input order
    verified: int = 0  # files verified in this run
    cached: int = 0  # files whose results came from the cache
    # year → totals of that year's readable files (figures of different years are never added together)
    totals_by_year: dict[int | None, dict[str, Decimal]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what the totals cannot show: the same 部门 twice, mixed years

    @property
    def totals(self) -> dict[str, Decimal]:
        """Over every file whose figures could be read (zeros when none could); empty when they span several
        years (each year is totalled apart: :attr:`totals_by_year`)."""
        if len(self.totals_by_year) > 1:
            return {}
        return next(iter(self.totals_by_year.values()), None) or _totals([])

    @property
    def failing(self) -> int:
        return sum(1 for r in self.rows if r.failing)

    def counts(self) -> dict[str, int]:
        out = {status: 0 for status in _STATUS_RANK}
        for row in self.rows:
            out[row.status] += 1
        return out


def summary_row(inspection: Inspection) -> SummaryRow:
    report = inspection.report
    status = report.status if inspection.readable else UNREADABLE
    year = None
    if report.spec:
        try:
            year = int(report.spec.split("/", 1)[0])
        except ValueError:
            year = None
    problem = next((f for f in report.findings if f.level == Level.ERROR), None) or \
        next((f for f in report.findings if f.level == Level.WARNING), None)
    text = ""
    if problem is not None:
        where = f"{problem.where} " if problem.where and not problem.message.startswith(problem.where) else ""
        text = f"{problem.code} {where}{problem.message}"
        text = text if len(text) <= 300 else text[:300] + "…"
    return SummaryRow(report.path, report.dept, year, inspection.figures if inspection.readable else None,
                      report.count(Level.ERROR), report.count(Level.WARNING), status, text, inspection.cached,
                      inspection.unit)


def collect(paths: Iterable[str | Path], *, exclude: Iterable[str | Path] = (),
            skipped: list[Path] | None = None) -> list[Path]:
    """Files as given and the returns inside folders, each once, without ``exclude`` (outputs of this tool found
    in folders go to ``skipped``, :func:`~juesuan_xlsx.verify.expand_paths`)."""
    skip = {os.path.realpath(p) for p in exclude}
    seen: set[str] = set()
    out: list[Path] = []
    for path in expand_paths(paths, skipped):
        real = os.path.realpath(path)
        if real in skip or real in seen:
            continue
        seen.add(real)
        out.append(path)
    return out


def summarise(paths: Iterable[str | Path], output: str | Path, *, jobs: int | None = None, overwrite: bool = False,
              cache_dir: str | Path | None = None, use_cache: bool = True, progress: bool = False) -> SummaryResult:
    """Verify every file (or every workbook inside the folders) and write the overview to ``output``.

    ``output`` ends in .xlsx or .csv; an existing output is kept unless ``overwrite``.  Raises
    :class:`SummaryError` (nothing to summarise, wrong output type) or :class:`OutputExists`.
    """
    output = Path(output)
    kind = output.suffix.lower()
    if kind not in (".xlsx", ".csv"):
        raise SummaryError(f"输出文件应为 .xlsx 或 .csv：{output}")
    if output.exists() and not overwrite:
        raise OutputExists(f"文件已存在：{output}（如需覆盖请加 --force）")
    skipped: list[Path] = []
    files = collect(paths, exclude=[output], skipped=skipped)
    if not files:
        raise SummaryError("没有找到要汇总的 .xlsx 文件")
    cache_store = VerifyCache(cache_dir) if use_cache else None
    inspections = inspect_files(files, jobs=jobs, cache=cache_store, progress=progress)
    rows = sorted((summary_row(i) for i in inspections), key=lambda r: (_STATUS_RANK.get(r.status, 0), r.file))
    by_year = {year: _totals([r for r in rows if r.figures is not None and r.year == year])
               for year in sorted({r.year for r in rows if r.figures is not None}, key=lambda y: y or 0)}
    result = SummaryResult(output, rows, sum(r.errors for r in rows), sum(r.warnings for r in rows),
                           [i.report for i in inspections], verified=sum(1 for i in inspections if not i.cached),
                           cached=sum(1 for i in inspections if i.cached), totals_by_year=by_year,
                           notes=[n for n in (skipped_note(skipped), *_notes(rows, by_year)) if n])
    with atomic_output(output, overwrite=overwrite) as tmp:
        if kind == ".csv":
            _write_csv(result, tmp)
        else:
            _write_xlsx(result, tmp)
    return result


def _totals(rows: Iterable[SummaryRow]) -> dict[str, Decimal]:
    rows = list(rows)
    return {key: sum((r.figures.get(key) or Decimal(0) for r in rows if r.figures is not None), Decimal(0))
            for key, _, _ in FIGURES}


def _notes(rows: Sequence[SummaryRow], by_year: Mapping[int | None, Any]) -> list[str]:
    """What a reader of the totals must know: several years (totalled apart), one 部门 in several files."""
    notes = []
    in_yuan = [r for r in rows if r.unit == YUAN and r.figures is not None]
    if in_yuan:
        notes.append(f"{len(in_yuan)} 个文件按元填写，表中金额已逐项按四舍五入换算为万元（与报表软件打印的数相同）")
    if len(by_year) > 1:
        years = "、".join(f"{y} 年" if y else "年度不明" for y in by_year)
        notes.append(f"文件分属不同年度（{years}），各年度分别合计，不相加")
    files_of: dict[tuple[str, int | None], list[str]] = {}
    for row in rows:
        if row.dept and row.figures is not None:
            files_of.setdefault((row.dept, row.year), []).append(Path(row.file).name)
    for (dept, _), files in files_of.items():
        if len(files) > 1:
            notes.append(f"部门“{dept}”出现在 {len(files)} 个文件中（{'、'.join(files)}），合计中重复计算")
    return notes


def _total_lines(result: SummaryResult) -> list[tuple[str, dict[str, Decimal], int | None]]:
    """(label, totals, year or None for all) of each totals row: one, or one per year when they differ."""
    readable = [r for r in result.rows if r.figures is not None]
    if len(result.totals_by_year) <= 1:
        return [(f"合计（{len(result.rows)} 个文件）", result.totals, None)]
    return [(f"合计（{year if year else '年度不明'}{' 年' if year else ''}，"
             f"{sum(1 for r in readable if r.year == year)} 个文件）", totals, year)
            for year, totals in result.totals_by_year.items()]


# ---------------------------------------------------------------------------------------------------------------
# writers

# the figures are in 万元 whatever the file's 填写单位 (a 元 workbook's figures are converted: ``key_figures``)
HEADERS: tuple[str, ...] = ("文件", "部门", "年度", "填写单位", *(title for _, title, _ in FIGURES), "错误数", "警告数",
                            "状态", "主要问题")
_WIDTHS: tuple[int, ...] = (40, 30, 7, 8, *(14 for _ in FIGURES), 8, 8, 10, 70)
_INJECTION = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value: str) -> str:
    """A text cell for CSV: one that a spreadsheet would run as a formula gets a leading apostrophe."""
    return "'" + value if value.startswith(_INJECTION) else value


def _totals_note(result: SummaryResult) -> str:
    counts = result.counts()
    what = "各年度分别合计" if len(result.totals_by_year) > 1 else "合计含所有能读取的文件"
    return "；".join(["，".join(f"{status} {n} 个" for status, n in counts.items() if n), what, *result.notes])


def _write_csv(result: SummaryResult, path: Path) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADERS)
        for row in result.rows:
            figures = [("" if row.figures is None or row.figures.get(k) is None else f"{row.figures[k]:.2f}")
                       for k, _, _ in FIGURES]
            writer.writerow([csv_text(row.file), csv_text(row.dept), "" if row.year is None else str(row.year),
                             row.unit if row.figures is not None else "", *figures, str(row.errors),
                             str(row.warnings), csv_text(row.status), csv_text(row.problem)])
        for k, (label, totals, year) in enumerate(_total_lines(result)):
            writer.writerow([csv_text(label), "", "" if year is None else str(year), WAN,
                             *(f"{totals[key]:.2f}" for key, _, _ in FIGURES),
                             str(result.errors) if k == 0 else "", str(result.warnings) if k == 0 else "", "",
                             csv_text(_totals_note(result)) if k == 0 else ""])


def _write_xlsx(result: SummaryResult, path: Path) -> None:
    from xlsxwriter.utility import xl_rowcol_to_cell
    from xlsxwriter.workbook import Workbook

    wb = Workbook(str(path), XLSX_OPTIONS)
    try:
        wb.set_properties({"title": "部门决算报表汇总", "author": "juesuan-xlsx",
                           "comments": f"juesuan-xlsx {__version__} summary"})
        wb.set_custom_property(OUTPUT_PROPERTY, "summary", "text")  # not a return (verify . leaves it out)
        base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter", "border": 1, "border_color": "#808080"}
        header = wb.add_format({**base, "bold": True, "align": "center", "text_wrap": True, "bg_color": "#D9E1F2"})
        text = wb.add_format(base)
        money = wb.add_format({**base, "num_format": "#,##0.00"})
        count = wb.add_format({**base, "num_format": "0", "align": "center"})
        bad = wb.add_format({**base, "bg_color": "#F8CBAD", "font_color": "#9C0006", "align": "center"})
        warn = wb.add_format({**base, "bg_color": "#FFEB9C", "font_color": "#9C5700", "align": "center"})
        good = wb.add_format({**base, "font_color": "#006100", "align": "center"})
        total_text = wb.add_format({**base, "bold": True, "top": 2})
        total_money = wb.add_format({**base, "bold": True, "top": 2, "num_format": "#,##0.00"})
        total_count = wb.add_format({**base, "bold": True, "top": 2, "num_format": "0", "align": "center"})
        status_format = {UNREADABLE: bad, "有错误": bad, "有警告": warn, "通过": good}

        ws = wb.add_worksheet("汇总")
        for col, width in enumerate(_WIDTHS):
            ws.set_column(col, col, width)
        ws.set_row(0, 28)
        for col, title in enumerate(HEADERS):
            ws.write_string(0, col, title, header)
        unit_col, first_figure = 3, 4
        errors_col = first_figure + len(FIGURES)
        for r, row in enumerate(result.rows, start=1):
            ws.write_string(r, 0, row.file, text)
            ws.write_string(r, 1, row.dept, text)
            if row.year is None:
                ws.write_blank(r, 2, None, count)
            else:
                ws.write_number(r, 2, row.year, count)
            ws.write_string(r, unit_col, row.unit if row.figures is not None else "", count)
            for j, (key, _, _) in enumerate(FIGURES):
                value = None if row.figures is None else row.figures.get(key)
                if value is None:
                    ws.write_blank(r, first_figure + j, None, money)
                else:
                    ws.write_number(r, first_figure + j, float(value), money)
            ws.write_number(r, errors_col, row.errors, count)
            ws.write_number(r, errors_col + 1, row.warnings, count)
            ws.write_string(r, errors_col + 2, row.status, status_format.get(row.status, text))
            ws.write_string(r, errors_col + 3, row.problem, text)
        last = len(result.rows)
        # the totals rows sit below the filter range: sorting leaves them in place; one year's SUBTOTAL follows
        # the filter, several years are totalled apart (SUMIF on the year column), never added together
        for k, (label, totals, year) in enumerate(_total_lines(result)):
            t = last + 1 + k
            ws.write_string(t, 0, label, total_text)
            ws.write_blank(t, 1, None, total_text)
            if year is None:
                ws.write_blank(t, 2, None, total_text)
            else:
                ws.write_number(t, 2, year, total_count)
            ws.write_string(t, unit_col, WAN, total_count)

            def subtotal(col: int, value: float, fmt: Any, t: int = t, year: int | None = year) -> None:
                span = f"{xl_rowcol_to_cell(1, col)}:{xl_rowcol_to_cell(last, col)}"
                if year is None:
                    ws.write_formula(t, col, f"=SUBTOTAL(109,{span})", fmt, value)
                else:
                    years = f"{xl_rowcol_to_cell(1, 2, True, True)}:{xl_rowcol_to_cell(last, 2, True, True)}"
                    ws.write_formula(t, col, f"=SUMIF({years},{year},{span})", fmt, value)

            for j, (key, _, _) in enumerate(FIGURES):
                subtotal(first_figure + j, float(totals[key]), total_money)
            if k == 0:
                subtotal(errors_col, result.errors, total_count, year=None)
                subtotal(errors_col + 1, result.warnings, total_count, year=None)
                ws.write_string(t, errors_col + 3, _totals_note(result), total_text)
            else:
                ws.write_blank(t, errors_col, None, total_text)
                ws.write_blank(t, errors_col + 1, None, total_text)
                ws.write_blank(t, errors_col + 3, None, total_text)
            ws.write_blank(t, errors_col + 2, None, total_text)
        ws.autofilter(0, 0, last, len(HEADERS) - 1)
        ws.freeze_panes(1, 1)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(0)
        ws.activate()
    finally:
        close_xlsx(wb)
