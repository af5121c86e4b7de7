"""The reference engine: the whole workbook loaded into a ``formulas.ExcelModel`` and calculated.

It runs the corrected functions of :mod:`.excel` (installed by :mod:`.registry`), breaks the reference cycles
:mod:`.cycles` finds by imposing :data:`~.result.CIRCULAR_ERROR`, and keeps a few compiled models, so another copy
of the same template costs a calculation, not a compilation.  The fast engine (:mod:`.fast`) must give its results
cell for cell, and hands it every workbook it is not certain to reproduce.
"""

from __future__ import annotations

import collections
import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import formulas
import numpy as np
import schedula as sh

from .cycles import find_cycles
from .result import BOOK_NAME, CIRCULAR, Evaluation, fill_results, input_value, unevaluated
from .scan import (
    DEFAULT_MAX_FORMULAS,
    DEFAULT_MAX_RANGE_CELLS,
    DEFAULT_MAX_SHEET_CELLS,
    CellKey,
    WorkbookScan,
    quiet_openpyxl,
    scan_workbook,
)

__all__ = ["evaluate"]


_NODE_KEY = re.compile(r"^'\[[^\]]*\]((?:[^']|'')+)'!([A-Z]{1,3}[0-9]{1,7})$")


def _node_index(model: Any) -> dict[tuple[str, str], str]:
    """Map (SHEET upper-case, "C9") → the model's node id ("'[book.xlsx]SHEET'!C9")."""
    index: dict[tuple[str, str], str] = {}
    for node in model.dsp.data_nodes:
        if not isinstance(node, str) or isinstance(node, sh.Token):
            continue
        m = _NODE_KEY.match(node)
        if m is not None:
            index[(m[1].replace("''", "'"), m[2])] = node
    return index


@dataclass
class _CompiledModel:
    """A compiled ``formulas`` model and what is needed to feed it another file's values."""

    model: Any
    nodes: dict[tuple[str, str], str]  # (SHEET upper-case, "C9") → node id
    value_nodes: dict[str, tuple[str, str]]  # node id → (SHEET, "C9") for every non-formula cell node
    lock: threading.Lock = field(default_factory=threading.Lock)


# Returned workbooks of one template share every formula, and compiling them is most of the cost (the 2024
# template, 1,442 formulas: ~12 s to compile, ~2 s to calculate).  Compiled models are kept and fed the next
# file's values; each holds ~200 MB, so only two (say one per layout profile).
_MODEL_CACHE_SIZE: Final = 2
_MODELS: collections.OrderedDict[str, _CompiledModel] = collections.OrderedDict()
_MODELS_LOCK = threading.Lock()


def _model_key(survey: WorkbookScan) -> str:
    """Same key ⇒ same compiled model: same sheets and used areas, same formulas, same defined names."""
    payload = {
        "sheets": list(survey.sheets),
        "dimensions": sorted(survey.dimensions.items()),
        "formulas": sorted(f"{sheet}!{cell}={text}" for (sheet, cell), text in survey.formulas.items()),
        "names": sorted(f"{name}={scan.text}" for name, scan in survey.names.items()),
    }
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode("utf-8")).hexdigest()


def _compile(local: str) -> _CompiledModel:
    model = formulas.ExcelModel().loads(local).finish()
    nodes = _node_index(model)
    value_nodes = {}
    for node in model.dsp.default_values:
        m = _NODE_KEY.match(node) if isinstance(node, str) and not isinstance(node, sh.Token) else None
        if m is not None:
            value_nodes[node] = (m[1].replace("''", "'"), m[2])
    return _CompiledModel(model, nodes, value_nodes)


def _cell_values(local: str) -> dict[tuple[str, str], object]:
    """Every non-formula cell of the file as formulas itself would read it (its reader, its conversions)."""
    from formulas.excel.xlreader import load_workbook

    book = load_workbook(local, data_only=False)
    values: dict[tuple[str, str], object] = {}
    try:
        for ws in book.worksheets:
            sheet = ws.title.upper()
            for cell in ws._cells.values():
                value = cell.value
                if value is None or cell.data_type == "f":
                    continue
                if cell.data_type == "n" and isinstance(value, float):
                    value = round(value, 15)  # as formulas' ExcelModel.compile_cell
                values[(sheet, cell.coordinate)] = value
    finally:
        book.close()
    return values


def _compiled_model(
    local: str, survey: WorkbookScan, reuse: bool
) -> tuple[_CompiledModel, dict[str, object]]:
    """The model for ``local`` and the inputs that give it ``local``'s values (none when freshly compiled)."""
    if not reuse:
        return _compile(local), {}
    key = _model_key(survey)
    with _MODELS_LOCK:
        cached = _MODELS.get(key)
        if cached is not None:
            _MODELS.move_to_end(key)
    if cached is None:
        compiled = _compile(local)
        with _MODELS_LOCK:
            _MODELS[key] = compiled
            while len(_MODELS) > _MODEL_CACHE_SIZE:
                _MODELS.popitem(last=False)
        return compiled, {}
    values = _cell_values(local)
    # Every value node gets this file's value, a blank included: nothing of the first file may leak through.
    inputs: dict[str, object] = {
        node: input_value(values.get(cell)) for node, cell in cached.value_nodes.items()
    }
    return cached, inputs


def evaluate(
    path: str | os.PathLike[str],
    *,
    inputs: Mapping[CellKey, object] | None = None,
    max_formulas: int = DEFAULT_MAX_FORMULAS,
    max_range_cells: int = DEFAULT_MAX_RANGE_CELLS,
    max_sheet_cells: int = DEFAULT_MAX_SHEET_CELLS,
    reuse_model: bool = True,
) -> Evaluation:
    """:func:`~juesuan_xlsx.evaluation.evaluate_workbook` with ``engine="model"``: see there.

    With ``reuse_model`` a workbook whose sheets, used areas, formulas and names equal those of a recently
    evaluated one reuses its compiled model, fed with this file's values (about 2 s instead of 12 s).
    """
    budgets = {"max_formulas": max_formulas, "max_range_cells": max_range_cells, "max_sheet_cells": max_sheet_cells}
    with tempfile.TemporaryDirectory(prefix="juesuan-eval-") as tmp:
        # Scan and evaluate one private copy: the bytes checked are the bytes run, node ids become predictable
        # (fixed book name) and formulas resolves nothing relative to the user's folder.
        local = os.path.join(tmp, BOOK_NAME)
        shutil.copyfile(os.fspath(path), local)
        survey = scan_workbook(local, **budgets)
        result = unevaluated(survey)
        if not result.evaluated or not survey.formulas:
            return result
        result.circular = find_cycles(survey)
        with quiet_openpyxl(), np.errstate(all="ignore"):
            compiled, calc_inputs = _compiled_model(local, survey, reuse_model)
            nodes = compiled.nodes
            for sheet, cell in result.circular:
                node = nodes.get((sheet.upper(), cell))
                if node is not None:
                    # Imposing an error value breaks the cycle; it then propagates like any error value.
                    calc_inputs[node] = input_value(CIRCULAR)
            for (sheet, cell), value in (inputs or {}).items():
                node = nodes.get((sheet.upper(), cell.replace("$", "").upper()))
                if node is not None:  # a cell no formula reads cannot change any result
                    calc_inputs[node] = input_value(value)
            with compiled.lock:  # one dispatch at a time per model
                solution = compiled.model.calculate(inputs=calc_inputs)
    outputs: dict[CellKey, object] = {}
    for key in survey.formulas:
        node = nodes.get((key[0].upper(), key[1]))
        if node is not None and node in solution:
            outputs[key] = solution[node]
    fill_results(result, outputs)
    return result
