"""``juesuan-xlsx verify``: read a returned workbook, recompute it twice, report every problem by cell.

The two computations (GUIDE, "How we build"):
  1. the workbook's own formulas, evaluated headlessly by ``formulas`` with its known faults corrected
     (:mod:`juesuan_xlsx.evaluation`);
  2. the spec's equations evaluated in ``decimal.Decimal`` from the typed figures (:mod:`juesuan_xlsx.engine`),
     plus a shadow of every other formula the template writes (:mod:`juesuan_xlsx.shadow`).
They must agree on every formula cell the template planned and the user left alone; a disagreement is an
internal error, reported loudly.  Relations are judged by the second computation, so a workbook whose formulas
cannot be evaluated (external links, foreign functions) is still checked figure by figure.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import checks
from .codes import CodeInfo, Dictionary
from .contract import read_marker
from .disclosure import Disclosure
from .engine import Engine, Figure, Outcome
from .evaluation import Evaluation, evaluate_workbook
from .figures import values_from_read
from .findings import Finding, Level, make
from .model import Cell
from .narrative.inputs import NarrativeInputs
from .narrative.published import published_values
from .narrative.shuoming import find_sheet, read_shuoming_sheet
from .narrative.text import generate_narrative
from .narrative.values import WorkbookValues
from .narrative_check import check_narrative
from .preflight import preflight
from .reader import NotOurWorkbook, ReadResult, read_workbook
from .rules.agreement import evaluation_findings, expected_values
from .rules.codes import code_findings
from .rules.context import Context, finding, new_context
from .rules.disclosure import UNREADABLE_SOURCE, disclosure_findings
from .rules.formulas import formula_findings
from .rules.relations import relation_findings
from .rules.shuoming import own_narrative_findings, shuoming_findings
from .rules.typed import read_inputs, unit_findings
from .sources import SourceError, read_source
from .sources.opendata import is_csv_export
from .spec import Spec

# 1.1: each finding has "values", its numeric args as plain Decimal strings beside their display text in "args"
SCHEMA_VERSION = "1.1"


@dataclass
class FileReport:
    path: str
    findings: list[Finding] = field(default_factory=list)
    dept: str = ""
    spec: str | None = None
    kind: str = ""
    seconds: float = 0.0
    stats: dict[str, Any] = field(default_factory=dict)

    def count(self, level: Level) -> int:
        return sum(1 for f in self.findings if f.level == level)

    @property
    def valid(self) -> bool:
        return self.count(Level.ERROR) == 0

    @property
    def status(self) -> str:
        if not self.valid:
            return "有错误"
        return "有警告" if self.count(Level.WARNING) else "通过"

    def codes(self) -> list[str]:
        return [f.code for f in self.findings]

    def flatten(self, *fields: str) -> list[list[Any]]:
        """Terse rows for tests: e.g. flatten("code", "where")."""
        return [[getattr(f, name) for name in fields] for f in self.findings]

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path, "dept": self.dept, "spec": self.spec, "kind": self.kind, "status": self.status,
            "valid": self.valid, "errors": self.count(Level.ERROR), "warnings": self.count(Level.WARNING),
            "notes": self.count(Level.NOTE), "seconds": round(self.seconds, 3), "stats": self.stats,
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass
class Report:
    files: list[FileReport]
    strict: bool = False

    @property
    def valid(self) -> bool:
        return all(f.valid for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": f"juesuan-xlsx/verify/{SCHEMA_VERSION}",
            "valid": self.valid, "strict": self.strict,
            "summary": {"files": len(self.files), "failed": sum(1 for f in self.files if not f.valid),
                        "errors": sum(f.count(Level.ERROR) for f in self.files),
                        "warnings": sum(f.count(Level.WARNING) for f in self.files)},
            "files": [f.to_dict() for f in self.files],
        }




@dataclass
class Verification:
    """Everything one verification learnt about one file: the report, and what was read and computed on the way,
    so that export, summary, merge and ``new --like`` use it instead of reading the file again.

    ``read`` … ``inputs`` are None when the file could not be read as a return (the report says why).
    """

    report: FileReport
    read: ReadResult | None = None
    engine: Engine | None = None
    figures: dict[Cell, Figure] = field(default_factory=dict)  # every cell's Decimal figure (typed or computed)
    outcomes: list[Outcome] = field(default_factory=list)  # every relation, judged
    values: WorkbookValues | None = None  # every amount as typed and computed, in the workbook's unit
    published: WorkbookValues | None = None  # … as a default export prints them (万元, each rounded on its own)
    inputs: NarrativeInputs | None = None  # the 说明 sheet
    evaluation: Evaluation | None = None  # the workbook's own formulas, evaluated headlessly
    disclosure: Disclosure | None = None  # a publication or foreign workbook: its figures as printed

    @property
    def valid(self) -> bool:
        return self.report.valid

    @property
    def spec(self) -> Spec | None:
        if self.read is not None:
            return self.read.spec
        return self.disclosure.spec if self.disclosure is not None else None

    @property
    def dept(self) -> str:
        return self.report.dept


def verify(path: str | Path, *, strict: bool = False, extra_codes: Mapping[str, CodeInfo] | None = None,
           evaluate: bool = True) -> Verification:
    """Verify one file; never raises (an unexpected exception is an internal-error finding).

    ``extra_codes`` (a user's code list) extends the year's 功能分类 dictionary; ``strict`` turns warnings into
    errors; ``evaluate=False`` skips the headless evaluation of the workbook's own formulas (the spec's Decimal
    computation and every other check still run)."""
    started = time.perf_counter()
    report = FileReport(str(path))
    result = Verification(report)
    try:
        _verify_workbook(Path(path), result, extra_codes, evaluate)
    except Exception as exc:  # noqa: BLE001 - the batch goes on; the finding carries the detail
        detail = f"{type(exc).__name__}: {exc}"
        report.findings.append(make(checks.INTERNAL, error=detail[:300], trace=traceback.format_exc(limit=3)))
    if strict:
        report.findings = [_strict(f) for f in report.findings]
    report.seconds = time.perf_counter() - started
    return result


def verify_file(path: str | Path, *, strict: bool = False,
                extra_codes: Mapping[str, CodeInfo] | None = None) -> FileReport:
    """:func:`verify`, the report only."""
    return verify(path, strict=strict, extra_codes=extra_codes).report


def expected_formula_values(path: str | Path) -> dict[tuple[str, str], Any]:
    """What every template formula of a workbook must evaluate to, from the spec in Decimal (no formula is run).

    Used to prove the workbook in other engines (LibreOffice) and by the tests; cells whose formula was
    changed or typed over are left out.
    """
    result = Verification(FileReport(str(path)))
    context = _verify_workbook(Path(path), result, None, evaluate=False)
    if context is None:
        raise ValueError(f"{path} cannot be read: {[f.message for f in result.report.findings]}")
    return expected_values(context)


# what preflight refuses as a workbook but the source readers read (juesuan_xlsx.sources); plain text only
# when its name says text: a ".xlsx" that holds text is a damaged return (P-文本文件), not a publication
SOURCE_KINDS = frozenset({"pdf", "docx", "text", "xls"})
TEXT_SUFFIXES = frozenset({".txt", ".html", ".htm", ".csv", ".json"})  # .csv / .json: our own exports read back


def _read_as_source(kind: str, path: Path) -> bool:
    return kind in SOURCE_KINDS and (kind != "text" or path.suffix.lower() in TEXT_SUFFIXES)


def _verify_source(path: Path, result: Verification, *, quiet: bool = False) -> bool:
    """Verify a publication or foreign workbook through its :class:`Disclosure`; False when it cannot be read
    (and, unless ``quiet``, a finding says why)."""
    report = result.report
    try:
        disclosure = read_source(path)
    except SourceError as exc:
        if not quiet:
            report.findings.append(make(UNREADABLE_SOURCE, detail=str(exc)))
        return False
    found, outcomes = disclosure_findings(disclosure)
    report.findings.extend(found)
    report.findings.extend(check_narrative(disclosure))  # what its 情况说明 claims, against its own tables
    report.kind, report.spec, report.dept = disclosure.source_kind, disclosure.spec.key, disclosure.dept
    report.stats = {"how": disclosure.how, "figures": len(disclosure.figures), "relations": len(outcomes),
                    "rows": {t: len(ct.rows) for t, ct in disclosure.inst.code_tables.items()}}
    result.disclosure, result.outcomes = disclosure, outcomes
    return True


_LAYOUT_BROKEN = frozenset({"R-缺少表", "R-找不到行", "R-行已删除", "R-缺少合计行"})
_READ_PROBLEMS = {"R-缺少表": checks.MISSING_TABLE, "R-找不到行": checks.MISSING_ROW,
                  "R-缺少合计行": checks.MISSING_SUM_ROW, "R-行已删除": checks.ROW_DELETED,
                  "R-缺少字典表": checks.MISSING_DICTIONARY}


def _verify_workbook(path: Path, result: Verification, extra_codes: Mapping[str, CodeInfo] | None,
                     evaluate: bool) -> Context | None:
    report = result.report
    findings = report.findings
    if is_csv_export(path):  # the folder `export --to csv` wrote: one publication in nine files
        _verify_source(path, result)
        return None
    pre = preflight(path)
    report.kind = pre.kind
    if not pre.ok and _read_as_source(pre.kind, path):  # a publication or a legacy workbook: read as printed
        _verify_source(path, result)
        return None
    findings.extend(pre.findings)
    if not pre.ok:
        return None
    try:
        read = read_workbook(path)
    except NotOurWorkbook as exc:
        # a workbook laid out as the nine tables by another program, or ours with its properties stripped
        if not _verify_source(path, result, quiet=True):
            findings.append(finding(checks.NOT_OURS, detail=str(exc)))
        return None
    except Exception as exc:  # noqa: BLE001 - openpyxl's many ways to fail on a malformed part
        findings.append(finding(checks.READ_FAILED, detail=f"{type(exc).__name__}: {exc}"[:200]))
        return None
    spec = read.spec
    dictionary: Dictionary = spec.gongneng.merged(extra_codes) if extra_codes else spec.gongneng
    report.spec, report.dept = spec.key, read.dept
    for code, sheet, cell, args in read.problems:
        check = _READ_PROBLEMS.get(code)
        if check is not None:
            if check is checks.MISSING_TABLE:
                args = _missing_table_args(spec, args)
            findings.append(finding(check, (sheet, cell) if cell else None, sheet=sheet, **args))
    evaluation = evaluate_workbook(path, book=read.book) if evaluate else None
    ctx = new_context(read, dictionary, evaluation)
    result.read, result.engine, result.evaluation = read, ctx.engine, evaluation
    findings.extend(read_inputs(ctx))
    if not any(ctx.inputs.values()):  # not one amount: a blank template, not a return
        findings.append(finding(checks.BLANK_RETURN))
    if not read.dept and read.dept_cell is not None:
        findings.append(finding(checks.DEPT_MISSING, read.dept_cell, table=spec.tables[0].id))
    findings.extend(code_findings(ctx))
    findings.extend(formula_findings(ctx))
    ctx.figures = ctx.engine.compute(ctx.inputs, ctx.typed_over)
    ctx.outcomes = ctx.engine.check_all(ctx.figures)
    result.figures, result.outcomes = ctx.figures, ctx.outcomes
    findings.extend(relation_findings(ctx))
    findings.extend(unit_findings(ctx))
    result.values = values_from_read(read, dictionary if extra_codes else None, engine=ctx.engine)
    result.inputs = read_shuoming_sheet(read.wb)
    # the 说明 sheet is judged against the figures as published (万元; a 元 workbook's rounded as export rounds)
    result.published, _ = published_values(result.values, ctx.engine.equations)
    sections = generate_narrative(result.published, result.inputs)  # the 情况说明 export would write
    findings.extend(shuoming_findings(read.wb, result.inputs, result.published, sections))
    if find_sheet(read.wb) is not None:  # … checked by the narrative checker's rules
        findings.extend(own_narrative_findings(read.wb, result.inputs, result.published, sections))
    if evaluation is not None:
        found = list(evaluation_findings(ctx, evaluation))
        if any(problem[0] in _LAYOUT_BROKEN for problem in read.problems):
            # a deleted or missing row: the two computations read different rows, which is the finding already
            # made (R-行已删除 …), not an internal error
            found = [f for f in found if f.code != checks.DISAGREE.code]
        findings.extend(found)
    report.stats = {"formulas": len(ctx.plan.formulas), "equations": len(ctx.engine.equations),
                    "rows": {t: len(ct.rows) for t, ct in read.inst.code_tables.items()}}
    return ctx


def _strict(finding: Finding) -> Finding:
    if finding.level != Level.WARNING:
        return finding
    return replace(finding, level=Level.ERROR)


SOURCE_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et", ".pdf", ".docx", ".txt", ".html", ".htm")
# a folder of returns often carries a 说明.txt or 备注.txt of the sender's: a .txt is read when named, not found
FOLDER_SUFFIXES = tuple(s for s in SOURCE_SUFFIXES if s != ".txt")


def expand_paths(paths: Iterable[str | Path], skipped: list[Path] | None = None) -> list[Path]:
    """Files as given, folders expanded to the workbooks and publications inside (recursively, sorted; a
    plain .txt, .csv or .json only when named itself).

    A folder that ``export --to csv`` wrote (it holds a .csv named as one of the nine tables, 公开01表.csv or
    收入支出决算总表.csv: :func:`juesuan_xlsx.sources.opendata.is_csv_export`) is one publication when named
    itself.  Inside a folder, a workbook this tool wrote as an output (an annotated copy, a summary, an exported
    table: ``contract.OUTPUT_PROPERTY``) and a csv export are not returns: they are left out, and appended to
    ``skipped`` when given."""
    out: list[Path] = []
    for p in map(Path, paths):
        if is_csv_export(p):
            out.append(p)
        elif p.is_dir():
            if skipped is not None:
                skipped.extend(sorted(q for q in p.rglob("*") if q.is_dir() and is_csv_export(q)))
            for q in sorted(q for q in p.rglob("*") if q.is_file() and q.suffix.lower() in FOLDER_SUFFIXES
                            and not q.name.startswith(("~$", "."))):
                if is_our_output(q):
                    if skipped is not None:
                        skipped.append(q)
                    continue
                out.append(q)
        else:
            out.append(p)
    return out


def is_our_output(path: Path) -> bool:
    """A workbook juesuan-xlsx wrote as an output (its custom properties say so; cheap: no sheet is read)."""
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return False
    marker = read_marker(path)
    return marker is not None and bool(marker.output)


def skipped_note(skipped: Iterable[Path]) -> str | None:
    """One line saying which outputs of this tool a folder held and were not taken as returns."""
    names = [p.name for p in skipped]
    if not names:
        return None
    shown = "、".join(names[:5]) + ("等" if len(names) > 5 else "")
    return f"跳过 {len(names)} 个本工具写出的文件（标注副本、汇总表、导出的表格）：{shown}"



def _missing_table_args(spec: Spec, args: Mapping[str, Any]) -> dict[str, Any]:
    """The reader names a missing table by its 公开NN表 label; the message names it as the layout does, and says
    what it was looked for by (the label only where the layout prints one)."""
    table = next((t for t in spec.tables if t.label == args.get("label")), None)
    if table is None:
        return {"how": "工作表代码名和工作表名", "keep": "", **args}
    if table.label_visible:
        marks = f"“{table.label}”标签"
        return {**args, "how": f"工作表代码名、{marks}和工作表名", "keep": f"或修改表头的{marks}"}
    return {**args, "label": table.display_name, "how": f"工作表代码名和工作表名“{table.sheet}”", "keep": ""}
