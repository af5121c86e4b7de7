"""``juesuan-xlsx verify``: read a returned workbook, recompute it twice, report every problem by cell.

The two computations (GUIDE, "How we build"):
  1. the workbook's own formulas, evaluated headlessly by ``formulas`` with its known faults corrected
     (:mod:`juesuan_xlsx.evaluate`);
  2. the spec's equations evaluated in ``decimal.Decimal`` from the typed figures (:mod:`juesuan_xlsx.engine`),
     plus a shadow of every other formula the template writes (:mod:`juesuan_xlsx.shadow`).
They must agree on every formula cell the template planned and the user left alone; a disagreement is an
internal error, reported loudly.  Relations are judged by the second computation, so a workbook whose formulas
cannot be evaluated (external links, foreign functions) is still checked figure by figure.
"""

from __future__ import annotations

import functools
import re
import time
import traceback
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from . import checks
from .amounts import KIND_TEXT, Amount, decimals, fmt, parse_amount
from .codes import CodeInfo, parent
from .engine import Engine, Outcome, Status
from .findings import Check, Finding, Level, make
from .model import Cell, CodeRow, CodeTable, Instance
from .plan import CHECK_SHEET, Planned, plan_for
from .preflight import preflight
from .reader import NotOurWorkbook, read_workbook, typed_figures
from .shadow import shadow_values
from .spec import Spec

SCHEMA_VERSION = "1.0"
_READ_PROBLEMS = {"R-缺少表": checks.MISSING_TABLE, "R-找不到行": checks.MISSING_ROW,
                  "R-缺少合计行": checks.MISSING_SUM_ROW}


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


def verify_file(path: str | Path, *, strict: bool = False,
                extra_codes: Mapping[str, CodeInfo] | None = None) -> FileReport:
    """Verify one file; never raises (an unexpected exception is an internal-error finding)."""
    started = time.perf_counter()
    report = FileReport(str(path))
    try:
        _Verifier(Path(path), report, extra_codes).run()
    except Exception as exc:  # noqa: BLE001 - the batch goes on; the finding carries the detail
        detail = f"{type(exc).__name__}: {exc}"
        report.findings.append(make(checks.INTERNAL, error=detail[:300], trace=traceback.format_exc(limit=3)))
    if strict:
        report.findings = [_strict(f) for f in report.findings]
    report.seconds = time.perf_counter() - started
    return report


def expected_formula_values(path: str | Path) -> dict[tuple[str, str], Any]:
    """What every template formula of a workbook must evaluate to, from the spec in Decimal (no formula is run).

    Used to prove the workbook in other engines (LibreOffice) and by the tests; cells whose formula was
    changed or typed over are left out.
    """
    verifier = _Verifier(Path(path), FileReport(str(path)), None, evaluate=False)
    verifier.run()
    if not hasattr(verifier, "intact"):
        raise ValueError(f"{path} cannot be read: {[f.message for f in verifier.findings]}")
    return verifier.expected()


def _strict(finding: Finding) -> Finding:
    if finding.level != Level.WARNING:
        return finding
    return Finding(finding.code, Level.ERROR, finding.message, finding.sheet, finding.cell, finding.table,
                   finding.args)


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given, folders expanded to the .xlsx/.xlsm/.xls/.et files inside (recursively, sorted)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(q for q in p.rglob("*") if q.is_file() and q.suffix.lower() in
                              (".xlsx", ".xlsm", ".xls", ".et") and not q.name.startswith(("~$", "."))))
        else:
            out.append(p)
    return out


class _Verifier:
    def __init__(self, path: Path, report: FileReport, extra_codes: Mapping[str, CodeInfo] | None,
                 evaluate: bool = True) -> None:
        self.path, self.report, self.extra_codes, self.evaluate = path, report, extra_codes, evaluate
        self.findings = report.findings

    def add(self, check: Check, where: tuple[str, str] | None = None, *, level: Level | None = None,
            table: str | None = None, sheet: str | None = None, **args: Any) -> None:
        """``where`` is (sheet, cell); ``sheet`` alone points a finding at a whole sheet."""
        cell = None
        if where:
            sheet, cell = where
            args.setdefault("where", f"{sheet}!{cell}")
        self.findings.append(make(check, sheet=sheet, cell=cell, table=table, level=level, **args))

    # ---------------------------------------------------------------------------------------------------------
    def run(self) -> None:
        pre = preflight(self.path)
        self.report.kind = pre.kind
        self.findings.extend(pre.findings)
        if not pre.ok:
            return
        try:
            read = read_workbook(self.path)
        except NotOurWorkbook as exc:
            self.add(checks.NOT_OURS, detail=str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - openpyxl's many ways to fail on a malformed part
            self.add(checks.READ_FAILED, detail=f"{type(exc).__name__}: {exc}"[:200])
            return
        self.read = read
        self.spec = read.spec
        self.dictionary = self.spec.gongneng.merged(self.extra_codes) if self.extra_codes else self.spec.gongneng
        self.report.spec, self.report.dept = self.spec.key, read.dept
        for code, sheet, cell, args in read.problems:
            check = _READ_PROBLEMS.get(code)
            if check is not None:
                if check is checks.MISSING_TABLE:
                    args = _missing_table_args(self.spec, args)
                self.add(check, (sheet, cell) if cell else None, sheet=sheet, **args)
        self.plan_inst = self._plan_instance()
        self.plan = plan_for(self.plan_inst, read.layouts, read.dictionary_size or len(self.dictionary.entries))
        self.engine = Engine(read.inst)
        self.evaluation: Any = None
        if self.evaluate:
            from .evaluate import evaluate_workbook

            self.evaluation = evaluate_workbook(self.path, book=read.book)
        inputs, typed_over = self._inputs()
        self._codes()
        intact = self._formulas(typed_over)
        self.figures = self.engine.compute(inputs, typed_over)
        self.outcomes = self.engine.check_all(self.figures)
        self._relations()
        self._shuoming()
        self.intact = intact
        if self.evaluation is not None:
            self._evaluate(self.evaluation, intact)
        self.report.stats = {"formulas": len(self.plan.formulas), "equations": len(self.engine.equations),
                             "rows": {t: len(ct.rows) for t, ct in read.inst.code_tables.items()}}

    def _plan_instance(self) -> Instance:
        """The instance the template was generated from, sized to the blocks as they are now."""
        if self.read.mode != "free":
            return self.read.inst
        inst = Instance.free(self.spec)
        inst.weight = self.read.inst.weight
        for tid, (first, last) in self.read.blocks.items():
            inst.code_tables[tid] = CodeTable(
                [CodeRow(f"#{i + 1}", None) for i in range(last - first + 1)], True)
        return inst

    def where(self, cell: Cell) -> tuple[str, str]:
        raw = self.read.cells[cell]
        return raw.sheet, raw.address

    # -- typed figures ---------------------------------------------------------------------------------------
    def _inputs(self) -> tuple[dict[Cell, Decimal], set[Cell]]:
        formulas = self.engine.formulas
        inputs, typed_over, typed = typed_figures(self.read, formulas)
        for cell, raw, amount in typed:
            self._amount_problems(cell, raw.value, amount)
        for cell, raw in self.read.cells.items():
            if raw.formula is not None and cell not in formulas:
                value = self._formula_value(raw)  # the user's own formula in an input cell (=50+8.56) counts
                if value is not None:
                    inputs[cell] = value
        return inputs, typed_over

    def _formula_value(self, raw: Any) -> Decimal | None:
        """The value of a user's formula: evaluated when the workbook could be, else what the application saved."""
        value = raw.cached
        if self.evaluation is not None and self.evaluation.evaluated:
            key = (raw.sheet, raw.address)
            value = self.evaluation.values.get(key, value)
        amount = parse_amount(value)
        return amount.value if amount.kind == "number" else None

    def _amount_problems(self, cell: Cell, raw: Any, amount: Amount) -> None:
        where = self.where(cell)
        table = cell.table
        if amount.kind in KIND_TEXT:
            self.add(checks.TEXT_NUMBER, where, table=table, value=raw, detail=KIND_TEXT[amount.kind],
                     number=fmt(amount.meant or 0))
        elif amount.kind in ("text", "bool"):
            self.add(checks.NOT_A_NUMBER, where, table=table, value=raw)
        elif amount.kind == "number":
            if decimals(amount.value) > 2:
                self.add(checks.DECIMALS, where, table=table, value=str(amount.value),
                         rounded=fmt(amount.value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)))
            if amount.value < 0:
                self.add(checks.NEGATIVE, where, table=table, value=fmt(amount.value))

    # -- codes ---------------------------------------------------------------------------------------------------
    def _codes(self) -> None:
        read = self.read
        for table in self.spec.tables:
            if table.kind != "codes" or table.id not in read.entries:
                continue
            sheet = read.sheets[table.id]
            first, last = read.blocks[table.id]
            seen: Counter[str] = Counter()
            codes_present = {r.code for r in read.inst.code_tables[table.id].rows}
            for entry in read.entries[table.id]:
                where = (sheet, f"A{entry.row + 1}")
                code = _code_text(entry.code)
                if not (first <= entry.row <= last):
                    self.add(checks.NOT_COVERED, where, table=table.id, value=code or "金额")
                    continue
                if not code:
                    self.add(checks.AMOUNT_WITHOUT_CODE, where, table=table.id)
                    continue
                seen[code] += 1
                if seen[code] == 2:
                    self.add(checks.DUPLICATE_CODE, where, table=table.id, code=code, label=table.display_name,
                             count=sum(1 for e in read.entries[table.id] if _code_text(e.code) == code))
                if not re.fullmatch(r"\d{3}(\d{2}){0,2}", code):
                    self.add(checks.CODE_FORMAT, where, table=table.id, code=code)
                    continue
                if read.mode == "free" and parent(code) and parent(code) not in codes_present:
                    self.add(checks.MISSING_PARENT, where, table=table.id, code=code, parent=parent(code))
                name = str(entry.name or "").strip()
                known = self.dictionary.get(code)
                if known is None:
                    self.add(checks.CODE_UNKNOWN, where, table=table.id, code=code, name=name, year=self.spec.year)
                elif name and _norm_name(name) != _norm_name(known.name) and not name.startswith("（"):
                    # a name the code had before this year (20805 in 2025) is a note, any other name a warning
                    check = checks.CODE_ALIAS if self.dictionary.is_alias(code, name) else checks.CODE_NAME
                    self.add(check, (sheet, f"B{entry.row + 1}"), table=table.id, code=code, name=name,
                             expected=known.name, year=self.spec.year)
                if table.fund == "一般" and self.dictionary.fund(code) == "基金":
                    self.add(checks.FUND_CODE_IN_05, where, table=table.id, code=code, name=name or known and
                             known.name or "", label=table.display_name, target=_fund_table(self.spec, "基金"))

    # -- the workbook's formulas against the plan ------------------------------------------------------------------
    def _formulas(self, typed_over: set[Cell]) -> set[tuple[str, int, int]]:
        """Compare every planned formula with the workbook; return the planned cells that are intact."""
        read = self.read
        titles = {t.sheet: read.sheets.get(t.id) for t in self.spec.tables}
        titles[CHECK_SHEET] = read.check_sheet
        renames = {actual: planned for planned, actual in titles.items() if actual and actual != planned}
        intact: set[tuple[str, int, int]] = set()
        for key, item in self.plan.formulas.items():
            title = titles.get(item.sheet)
            if title is None:
                continue
            raw_value = read.raw_value(title, item.row, item.col)
            where = (title, f"{get_column_letter(item.col + 1)}{item.row + 1}")
            if isinstance(raw_value, str) and raw_value.startswith("="):
                actual = _normal(raw_value[1:], renames) if renames else _normal_plain(raw_value[1:])
                if actual == _normal_plain(item.text):
                    intact.add(key)
                elif not item.editable:
                    self.add(checks.FORMULA_CHANGED, where, table=_table_of(item), actual=raw_value[1:],
                             expected=item.text)
            elif item.editable:
                continue  # a typed 科目名称 over the lookup default
            elif raw_value is None or raw_value == "":
                self.add(checks.FORMULA_MISSING, where, table=_table_of(item), expected=_short(item.text))
            else:
                self.add(checks.OVERWRITTEN, where, table=_table_of(item), expected=_short(item.text),
                         value=raw_value)
        return intact

    # -- the 说明 sheet ----------------------------------------------------------------------------------------------
    def _shuoming(self) -> None:
        from .export.narrative import missing_inputs, placeholders
        from .export.shuoming import find_sheet, input_cells, read_shuoming_sheet
        from .export.values import values_from_read

        if find_sheet(self.read.wb) is None:
            self.add(checks.SHUOMING_SHEET)
            return
        given = read_shuoming_sheet(self.read.wb)
        missing = missing_inputs(given, values_from_read(self.read, engine=self.engine))
        shown = placeholders(given)
        cells = input_cells(self.read.wb, [key for key, _ in missing] + [key for key, _, _ in shown])
        for key, label in missing:
            where = cells.get(key)
            sheet, _, address = (where or "").partition("!")
            self.add(checks.SHUOMING_MISSING, (sheet, address) if where else None, label=label,
                     **({} if where else {"where": "说明表"}))
        for key, _label, text in shown:
            where = cells.get(key)
            sheet, _, address = (where or "").partition("!")
            self.add(checks.SHUOMING_PLACEHOLDER, (sheet, address) if where else None, text=text,
                     **({} if where else {"where": "说明表"}))

    # -- relations ----------------------------------------------------------------------------------------------
    def _relations(self) -> None:
        for outcome in self.outcomes:
            eq = outcome.equation
            if outcome.status == Status.OK:
                continue
            if eq.mode == "formula" and eq.target not in self._typed_over_cells():
                continue  # an intact formula is exact by construction; the agreement check covers it
            check = checks.relation_check(eq.relation)
            level = Level.NOTE if outcome.status == Status.ROUNDING else eq.relation.level
            anchor = eq.anchor
            where = self.where(anchor) if anchor is not None and anchor in self.read.cells else None
            self.add(check, where, level=level, table=anchor.table if anchor else None,
                     **_relation_args(outcome, self))

    def _typed_over_cells(self) -> set[Cell]:
        if not hasattr(self, "_typed_over_cache"):
            self._typed_over_cache = {c for c in self.engine.formulas if c in self.read.cells
                                      and self.read.cells[c].formula is None}
        return self._typed_over_cache

    # -- headless evaluation, cached values, agreement ----------------------------------------------------------------
    def _evaluate(self, evaluation: Any, intact: set[tuple[str, int, int]]) -> None:
        from .evaluate import CIRCULAR_ERROR

        read = self.read
        if not evaluation.evaluated:
            for (sheet, address), problems in sorted(evaluation.skipped.items()):
                detail = "；".join(_scan_text(p.code.value, p.detail) for p in problems)
                formula = evaluation.formulas.get((sheet, address), "").lstrip("=")
                self.add(checks.FORBIDDEN, (sheet, address), formula=formula, detail=detail)
            self.add(checks.NOT_EVALUATED)
            return
        for key in sorted(evaluation.circular):
            self.add(checks.CIRCULAR, key)
        for key, error in sorted(evaluation.errors.items()):
            if error != CIRCULAR_ERROR:
                self.add(checks.ERROR_VALUE, key, formula=evaluation.formulas.get(key, "").lstrip("="), error=error)
        stale, uncached = [], 0
        for key, value in evaluation.values.items():
            cached = read.cached_value(*key)
            if cached is None or cached == "":
                uncached += value not in (None, "", 0)
            elif not same_value(cached, value):
                stale.append(key)
        # a file written by juesuan-xlsx has empty cached values on purpose (a spreadsheet computes them on open)
        if not read.fresh and uncached and uncached == sum(1 for v in evaluation.values.values()
                                                           if v not in (None, "", 0)):
            self.add(checks.NO_CACHE, count=len(evaluation.values))
        if stale:
            examples = "、".join(f"{s}!{a}" for s, a in sorted(stale)[:5])
            self.add(checks.STALE, count=len(stale), examples=examples)
        self._agreement(evaluation, intact)

    def expected(self) -> dict[tuple[str, str], Any]:
        """The Decimal value of every intact planned formula cell, keyed by (sheet as in the file, "C9")."""
        titles = {t.sheet: self.read.sheets.get(t.id) for t in self.spec.tables}
        titles[CHECK_SHEET] = self.read.check_sheet
        shadow = shadow_values(self.read, self.plan_inst, self.plan, self.engine, self.figures, self.outcomes,
                               self.dictionary)
        out: dict[tuple[str, str], Any] = {}
        for key, want in shadow.items():
            item: Planned = self.plan.formulas[key]
            title = titles.get(item.sheet)
            if key in self.intact and title is not None:
                out[(title, f"{get_column_letter(item.col + 1)}{item.row + 1}")] = want
        return out

    def _agreement(self, evaluation: Any, intact: set[tuple[str, int, int]]) -> None:
        # Damage already reported (a typed-over, changed or missing template formula, an error value, a cycle)
        # changes what everything downstream computes; comparing then would only repeat it as a false alarm.
        damaged = any(key not in intact for key, item in self.plan.formulas.items() if not item.editable)
        if damaged or evaluation.errors or evaluation.circular:
            return
        for (title, address), want in self.expected().items():
            got = evaluation.values.get((title, address), evaluation.errors.get((title, address)))
            if not same_value(got, want):
                self.add(checks.DISAGREE, (title, address), formula_value=_show(got), engine_value=_show(want))


# ---------------------------------------------------------------------------------------------------------------


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


def _fund_table(spec: Spec, fund: str) -> str:
    """The name of the code table that holds one fund's codes (基金: 政府性基金预算财政拨款收入支出决算表)."""
    return next((t.display_name for t in spec.tables if t.fund == fund), "")


def _relation_args(outcome: Outcome, verifier: _Verifier) -> dict[str, Any]:
    eq = outcome.equation
    rel = eq.relation
    where_left = _describe_side(eq.lhs, verifier)
    labels = {"eq": ("表中", "按关系应为 "), "le": ("表中", "不应超过 "), "ge": ("表中", "不应小于 ")}[eq.kind]
    title = rel.title + (f"（科目 {eq.code}）" if eq.code else "")
    rounding = outcome.status == Status.ROUNDING
    return {
        "title": title, "left": fmt(outcome.left), "right": fmt(outcome.right), "diff": fmt(outcome.difference),
        "allowed": fmt(outcome.allowed), "left_label": labels[0] + (f"（{where_left}）" if where_left else "") + "为 ",
        "right_label": labels[1], "hint": "" if rounding else rel.hint,
        "verdict": "，在允许范围内，是万元四舍五入造成的尾差" if rounding else "，超出允许范围",
        "status": outcome.status.value, "k": outcome.k,
    }


def _describe_side(terms: Any, verifier: _Verifier) -> str:
    cells = [t.cell for t in terms if hasattr(t, "cell") and t.cell in verifier.read.cells]
    if len(cells) != 1:
        return ""
    raw = verifier.read.cells[cells[0]]
    return f"{raw.sheet}!{raw.address}"


def _table_of(item: Planned) -> str | None:
    return item.cell.table if item.cell is not None else None


_SPACES = re.compile(r"\s+")


def _normal(text: str, renames: dict[str, str]) -> str:
    """Formula text compared modulo $, spaces, case and sheet-name quoting; renamed sheets mapped back."""
    for actual, planned in renames.items():
        text = text.replace(f"'{actual}'!", f"{planned}!").replace(f"{actual}!", f"{planned}!")
    text = re.sub(r"'([^'!]+)'!", r"\1!", text)
    return _SPACES.sub("", text.replace("$", "")).upper()


@functools.lru_cache(maxsize=16384)
def _normal_plain(text: str) -> str:
    """:func:`_normal` without renamed sheets, remembered (the same template formulas come in every file)."""
    return _normal(text, {})


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _code_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _SPACES.sub("", str(value))


def _norm_name(name: str) -> str:
    return _SPACES.sub("", name).replace("(", "（").replace(")", "）")


def same_value(a: Any, b: Any) -> bool:
    """Equal as a spreadsheet shows them: numbers within 10⁻⁶, blank equal to "" and 0; a :class:`Tie` (an exact
    half rounded) accepts either neighbour."""
    from .shadow import Tie

    if isinstance(b, Tie):
        return b.accepts(a, same_value)
    if isinstance(a, Tie):
        return a.accepts(b, same_value)
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a == b)
    if isinstance(a, int | float | Decimal) and isinstance(b, int | float | Decimal):
        return abs(Decimal(repr(float(a))) - Decimal(repr(float(b)))) <= Decimal("0.000001")
    if a in (None, "") and b in (None, ""):
        return True
    if a in (None, "") and isinstance(b, int | float | Decimal):
        return Decimal(repr(float(b))) == 0
    if b in (None, "") and isinstance(a, int | float | Decimal):
        return Decimal(repr(float(a))) == 0
    return str(a) == str(b)


def _show(value: Any) -> str:
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return fmt(value if isinstance(value, Decimal) else Decimal(repr(float(value))))
    return repr(value)


_SCAN_TEXT = {
    "disallowed-function": "使用了不允许的函数",
    "external-reference": "引用了其他工作簿",
    "dynamic-reference": "使用了 INDIRECT/OFFSET 等动态引用",
    "web-function": "会访问外部数据",
    "dde": "包含 DDE 外部命令",
    "structured-reference": "使用了表格结构化引用",
    "3d-reference": "使用了跨多张工作表的三维引用",
    "undefined-name": "使用了未定义的名称",
    "array-formula": "是数组公式",
    "syntax": "无法解析",
    "too-large": "超出计算规模上限",
}


def _scan_text(code: str, detail: str) -> str:
    return f"{_SCAN_TEXT.get(code, code)}（{detail}）" if detail else _SCAN_TEXT.get(code, code)

