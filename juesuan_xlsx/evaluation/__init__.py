"""Headless evaluation of a workbook's formulas, corrected to agree with Excel and LibreOffice.

The verifier never trusts cached values: it recomputes every formula cell of a returned workbook with
:func:`evaluate_workbook`.  The engine is the ``formulas`` package, which is fast enough and pure Python, but 1.3.4
disagrees with real spreadsheet applications in ways that matter for 部门决算 tables.  The modules, each importing
only those listed before it:

* :mod:`.excel` — Excel's value semantics and the corrected functions and operators;
* :mod:`.registry` — ``formulas``' registries with the corrections installed (at import, idempotent);
* :mod:`.scan` — the whitelist (:data:`ALLOWED_FUNCTIONS`) and the scanner: a workbook that uses anything else or
  reaches outside itself (external links, INDIRECT/OFFSET, WEBSERVICE, DDE) is reported, never run;
* :mod:`.cycles` — reference cycles, found statically and reported instead of leaving cells uncomputed;
* :mod:`.result` — :class:`Evaluation` and what both engines share to fill it;
* :mod:`.reference` — the reference engine (a ``formulas.ExcelModel``; a few compiled models kept);
* :mod:`.shapes`, :mod:`.program`, :mod:`.cache`, :mod:`.plans`, :mod:`.cells`, :mod:`.bundle`, :mod:`.fast` —
  the fast engine: each formula shape compiled once, programs kept on disk, identical results;
* this module — :func:`evaluate_workbook`, which chooses the engine.

Where Excel and LibreOffice disagree Excel wins: the workbooks are filled in with Excel or WPS.
``tests/test_evaluate.py`` lists each such case.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Final

from .excel import excel_number_text, excel_round
from .fast import evaluate as fast_evaluate
from .reference import evaluate as reference_evaluate
from .registry import install_corrections
from .result import CIRCULAR_ERROR, NOT_COMPUTED_ERROR, Evaluation
from .scan import (
    ALLOWED_FUNCTIONS,
    DEFAULT_MAX_FORMULAS,
    DEFAULT_MAX_RANGE_CELLS,
    DEFAULT_MAX_SHEET_CELLS,
    CellKey,
    FormulaScan,
    Reference,
    ScanIssue,
    ScanProblem,
    WorkbookScan,
    scan_formula,
    scan_workbook,
)

__all__ = [
    "ALLOWED_FUNCTIONS",
    "CIRCULAR_ERROR",
    "ENGINE",
    "ENGINES",
    "NOT_COMPUTED_ERROR",
    "CellKey",
    "Evaluation",
    "FormulaScan",
    "Reference",
    "ScanIssue",
    "ScanProblem",
    "WorkbookScan",
    "evaluate_workbook",
    "excel_number_text",
    "excel_round",
    "install_corrections",
    "scan_formula",
    "scan_workbook",
]

#: The evaluator :func:`evaluate_workbook` uses when its ``engine`` argument is not given: ``"fast"`` (each distinct
#: formula shape compiled once, :mod:`.fast`) or ``"model"`` (the reference: the whole workbook loaded into a
#: ``formulas.ExcelModel``, :mod:`.reference`).  Both give identical results (``tests/test_fasteval.py``); set this to
#: ``"model"`` (or the environment variable ``JUESUAN_XLSX_ENGINE=model``) to run everything, ``verify`` included,
#: on the reference evaluator.
ENGINE: str = os.environ.get("JUESUAN_XLSX_ENGINE", "fast")
ENGINES: Final = ("fast", "model")


def evaluate_workbook(
    path: str | os.PathLike[str],
    *,
    inputs: Mapping[CellKey, object] | None = None,
    max_formulas: int = DEFAULT_MAX_FORMULAS,
    max_range_cells: int = DEFAULT_MAX_RANGE_CELLS,
    max_sheet_cells: int = DEFAULT_MAX_SHEET_CELLS,
    reuse_model: bool = True,
    engine: str | None = None,
    book: Any = None,
) -> Evaluation:
    """Compute every formula cell of the workbook at ``path`` the way Excel does.

    ``inputs`` overrides cell values before calculating ((sheet, "C9") → number, text, bool or None for a
    blank), e.g. to try a what-if without writing a file.  The file itself is never modified.

    A workbook with any formula outside :data:`ALLOWED_FUNCTIONS`, any external/dynamic reference or over the
    size budgets is not evaluated at all: the result has ``evaluated=False`` and lists the offending cells in
    ``skipped`` (and defined names in ``skipped_names``).  Cells on a reference cycle are in ``circular`` and
    have :data:`CIRCULAR_ERROR` in ``errors``, as does every cell computed from them (IFERROR catches it).

    ``engine`` (default :data:`ENGINE`) chooses the evaluator.  ``"fast"`` compiles each distinct formula shape
    once per process (and keeps it in a private on-disk cache, :mod:`.cache`), then runs the
    compiled functions cell by cell in dependency order: ~0.2 s for a copy of the 2024 template.  ``"model"``
    is the reference: the workbook loaded into a ``formulas.ExcelModel``; with ``reuse_model`` a workbook whose
    sheets, used areas, formulas and names equal those of a recently evaluated one reuses its compiled model,
    fed with this file's values (about 2 s instead of 12 s).  Both run the same corrected ``formulas``
    functions and give identical results; the fast engine hands a workbook to the reference one whenever it is
    not certain to reproduce it exactly, and ``inputs`` or ``reuse_model=False`` always select the reference.
    ``book``, the file already read by :func:`juesuan_xlsx.book.load_book` (``verify`` reads it once for both),
    spares the fast engine a second read.  Thread-safe.
    """
    install_corrections()
    engine = ENGINE if engine is None else engine
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    if engine == "fast" and inputs is None and reuse_model:
        fast = fast_evaluate(
            path, book=book, max_formulas=max_formulas, max_range_cells=max_range_cells, max_sheet_cells=max_sheet_cells
        )
        if fast is not None:
            return fast
    return reference_evaluate(
        path,
        inputs=inputs,
        max_formulas=max_formulas,
        max_range_cells=max_range_cells,
        max_sheet_cells=max_sheet_cells,
        reuse_model=reuse_model,
    )
