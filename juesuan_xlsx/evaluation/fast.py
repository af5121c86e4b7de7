"""The fast engine: each distinct formula shape compiled once by ``formulas``, the workbook run as flat programs.

The reference engine (:mod:`.reference`) loads each workbook into a ``formulas.ExcelModel``: parsing and compiling
a formula costs 2–15 ms (12 s for the 1,442 of the 2024 template), and dispatching the model's graph ~2 s more.
Returned workbooks repeat the same formulas, and the formulas of a column repeat the same *shape*.  The layers:

* :mod:`.shapes` — a formula's shape and each reference's geometry;
* :mod:`.program` — one shape compiled by ``formulas`` and flattened into the calls it makes;
* :mod:`.cache` — programs and bundles on disk (JSON, never pickle, in a directory only the user can use);
* :mod:`.plans` — the program and arguments of each formula cell;
* :mod:`.cells` — the workbook read once (or the cells the verifier's reader already read);
* :mod:`.bundle` — a template's cycles, plans and order, kept for the next copy;
* this module — :func:`evaluate`: the formula cells walked in dependency order, each program handed the cells
  and ranges it references, built the way the model builds them (the same ``Ranges`` objects, blank cells as
  ``sh.EMPTY``, ``replace_empty`` and ``format_output`` applied to every result).  A program whose arguments hold
  what they held for an earlier cell of the same shape takes that cell's result (:func:`_result_key`).

The results are those of the reference engine, cell for cell (``tests/test_fasteval.py`` compares both on the seed
example, blank templates, the tricky-inputs workbook and damaged files).  Whatever this engine is not certain to
reproduce exactly — a formula using a defined name, array formulas, whole-row or whole-column references, a
reference to a missing sheet, an external link, a function raising instead of returning an error value, a
dependency cycle the static scan did not see — is handed back: :func:`evaluate` returns None and the caller runs
the reference engine on that workbook.
"""

from __future__ import annotations

import bisect
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final

import numpy as np
import schedula as sh
from formulas.cell import format_output
from formulas.functions import replace_empty

from .bundle import Bundle, Formula, bundle_key, clear_bundles, find_bundle, keep_bundle, make_bundle
from .cache import BUNDLE_STORE, PROGRAM_STORE, clear_stores
from .cells import Collected, collect, from_book, read_book, read_full_book
from .cycles import find_cycles
from .plans import STATS, Plan, clear_plans
from .program import NoKey, SharedArea, SharedRanges, value_key
from .result import CIRCULAR, Evaluation, fill_results, input_value, unevaluated
from .scan import (
    DEFAULT_MAX_FORMULAS,
    DEFAULT_MAX_RANGE_CELLS,
    DEFAULT_MAX_SHEET_CELLS,
    CellKey,
    quiet_openpyxl,
    scan_book,
)
from .shapes import Geometry, Unsupported, clear_geometry

__all__ = ["clear_caches", "evaluate", "stats"]

_NONE: Final = sh.NONE
_EMPTY: Final = sh.EMPTY


def _load_book(path: str | os.PathLike[str]) -> Any:
    """The workbook as the model reads it: :func:`~.cells.read_book` first (one pass, only cells), ``formulas``'
    full load when it declines."""
    book = read_book(path)
    if book is not None:
        return book
    STATS["full loads"] += 1
    return read_full_book(path)


def evaluate(
    path: str | os.PathLike[str],
    *,
    book: Any = None,
    max_formulas: int = DEFAULT_MAX_FORMULAS,
    max_range_cells: int = DEFAULT_MAX_RANGE_CELLS,
    max_sheet_cells: int = DEFAULT_MAX_SHEET_CELLS,
) -> Evaluation | None:
    """The :class:`~.result.Evaluation` of ``path``, or None: use the reference engine.

    A workbook whose sheets, formulas, defined names and used areas equal those of one evaluated before (another
    copy of the same template) reuses that one's scan, reference cycles and plans (:class:`Bundle`), from memory
    or from the on-disk cache; anything else is scanned by :func:`~.scan.scan_book` first.
    ``book`` is the file as :func:`juesuan_xlsx.book.load_book` read it, if the caller has it (not read again).
    """
    budgets = {"max_formulas": max_formulas, "max_range_cells": max_range_cells, "max_sheet_cells": max_sheet_cells}
    try:
        book = from_book(book) if book is not None else _load_book(path)
    except Exception:  # the reference reports the reader's failure its own way
        STATS["fallbacks"] += 1
        return None
    try:
        collected = collect(book)
        key = bundle_key(book, collected, budgets)
        bundle = find_bundle(key, collected)
        if bundle is None:
            survey = scan_book(book, **budgets)
            result = unevaluated(survey)
            if not result.evaluated or not survey.formulas:
                return result
            if any(scan.names for scan in survey.scans.values()):
                raise Unsupported("defined names in formulas")
            if getattr(book, "_external_links", None):
                raise Unsupported("external links")  # unused by the formulas (the scan refuses any use)
            circular = frozenset(find_cycles(survey))
            bundle = make_bundle(collected, circular)
            keep_bundle(key, bundle)
        else:
            STATS["bundle hits"] += 1
            result = Evaluation(
                values={}, errors={}, circular=set(), formulas={s.key: s.raw for s in collected.specs if s.reported}
            )
        with quiet_openpyxl(), np.errstate(all="ignore"):
            outputs = _calculate(bundle, collected)
    except Exception as exc:  # Unsupported, or anything unforeseen: the reference evaluator decides
        STATS["fallbacks"] += 1
        STATS[f"fallback: {type(exc).__name__}: {exc}"[:160]] += 1
        return None
    finally:
        book.close()
        PROGRAM_STORE.flush()
        BUNDLE_STORE.flush()
    result.circular = set(bundle.circular)
    fill_results(result, outputs)
    return result


def _calculate(bundle: Bundle, collected: Collected) -> dict[CellKey, Any]:
    """Every formula cell's node value (a 1×1 array), computed in dependency order."""
    formulas, order, fixed = bundle.formulas, bundle.order, bundle.fixed
    raw, sheet_ids = collected.raw, collected.sheet_ids
    known_sheets = {sid for sid, _ in sheet_ids.values()}

    # Values of computed cells: the node's 1×1 array (what format_output stored), by sheet id and position.
    nodes: dict[str, dict[tuple[int, int], np.ndarray]] = {sid: {} for sid in known_sheets}
    circular_value = input_value(CIRCULAR)
    for i in fixed:
        formula = formulas[i]
        nodes[formula.sheet_id][(formula.row, formula.col)] = _node_array(formula.geometry, circular_value)
    ranges: dict[str, np.ndarray] = {}
    arguments_by_name: dict[str, SharedRanges] = {}
    memo: dict[Any, Any] = {}
    positions = _Positions(raw, formulas)
    pending = {(f.sheet_id, f.row, f.col) for i, f in enumerate(formulas) if i not in fixed}

    def cell_array(g: Geometry) -> np.ndarray:
        computed = nodes[g.sheet_id].get((g.row1, g.col1))
        if computed is not None:
            return computed
        if (g.sheet_id, g.row1, g.col1) in pending:
            raise Unsupported("a formula read before it was computed")  # (a range raises KeyError below)
        value = raw[g.sheet_id].get((g.row1, g.col1))
        # A blank cell is the node RangesAssembler gives a default of [[EMPTY]].
        array = _node_array(g, [[_EMPTY]] if value is None else value)
        nodes[g.sheet_id][(g.row1, g.col1)] = array
        return array

    def range_array(g: Geometry) -> np.ndarray:
        found = ranges.get(g.name)
        if found is not None:
            return found
        out = np.empty((g.row2 - g.row1 + 1, g.col2 - g.col1 + 1), dtype=object)
        out[:, :] = _EMPTY
        values, computed = raw[g.sheet_id], nodes[g.sheet_id]
        for row, col in positions.within(g):
            array = computed.get((row, col))
            out[row - g.row1, col - g.col1] = array[0, 0] if array is not None else values[(row, col)]
        ranges[g.name] = out
        return out

    def argument(g: Geometry) -> SharedRanges:
        # What Cell._args gives the compiled function: the reference's Ranges holding its node's value.  The
        # node never changes once computed (dependency order), so one object serves every reader.
        found = arguments_by_name.get(g.name)
        if found is None:
            array = cell_array(g) if g.is_cell else range_array(g)
            kind = SharedRanges if g.is_cell else SharedArea
            found = arguments_by_name[g.name] = kind((g.rng,), {g.name: (g.rng, array)})
            found._value = array
        return found

    # A program's result is a function of its arguments' values (the whitelisted functions are pure and none
    # reads where a reference points, only what it holds): a formula whose referenced cells hold what they held
    # for another cell of the same shape (the helpers and checks of every blank row) takes that result.  Keys
    # of one-cell arguments are their values; an area is keyed by identity, valid within this file only.
    results: dict[Any, Any] = {}
    for i in order:
        formula = formulas[i]
        plan = formula.plan
        args = [argument(g) for g in plan.arguments]
        key, store = _result_key(plan, args), results
        if key is not None and key[1]:  # every argument one cell: valid in any file
            store = _RESULTS
        result = store.get(key, _NONE) if key is not None else _NONE
        if result is _NONE:
            result = plan.program.run(args, memo)
            if key is not None:
                if store is _RESULTS and len(_RESULTS) >= _MAX_RESULTS:
                    _RESULTS.clear()
                store[key] = result
        nodes[formula.sheet_id][(formula.row, formula.col)] = _node_array(formula.geometry, replace_empty(result))
        pending.discard((formula.sheet_id, formula.row, formula.col))
    return {
        f.key: nodes[f.sheet_id][(f.row, f.col)] for f in formulas if f.reported
    }


_RESULTS: dict[Any, Any] = {}  # program results by (shape, True, argument values), across files
_MAX_RESULTS: Final = 100_000


def _result_key(plan: Plan, args: Sequence[Any]) -> tuple[Any, bool, tuple[Any, ...]] | None:
    """(the program, whether every argument is one cell, the arguments' keys), or None: run it, remember nothing.

    Programs compiled for one cell only are keyed by identity and never shared across files."""
    keys: list[Any] = []
    cells_only = plan.memo_key is not None
    try:
        for arg in args:
            if type(arg) is SharedRanges:
                keys.append(value_key(arg._value[0, 0]))
            else:
                keys.append(id(arg))
                cells_only = False
    except NoKey:
        return None
    return (plan.memo_key if cells_only else id(plan.program)), cells_only, tuple(keys)


# Values format_output turns into a fresh 1×1 object array holding them unchanged (np.ndim 0, not an array).
_SCALAR_TYPES: Final = frozenset({float, int, str, bool, sh.Token})


def _node_array(g: Geometry, value: Any) -> np.ndarray:
    """The value a model node holds: ``format_output`` of the cell's range, as the node's filter applies it."""
    if g.is_cell:
        # Most nodes are one cell holding a Python scalar (or a blank read as [[EMPTY]]): format_output builds
        # np.asarray([[value]], object) and reshapes it to (1, 1); the same array, built directly.
        if type(value) is list:
            single = value[0][0] if len(value) == 1 and type(value[0]) is list and len(value[0]) == 1 else None
            fast = single is not None and type(single) in _SCALAR_TYPES
        else:  # (a bare EMPTY sets no value at all: format_output's own way)
            single, fast = value, type(value) in _SCALAR_TYPES and value is not _EMPTY
        if fast:
            out = np.empty((1, 1), dtype=object)
            out[0, 0] = single
            return out
    array: np.ndarray = format_output(g.rng, value).values[g.name][1]
    return array


class _Positions:
    """The occupied positions (value or formula cells) of each sheet, by column, for assembling ranges."""

    def __init__(self, raw: Mapping[str, Mapping[tuple[int, int], Any]], formulas: Sequence[Formula]) -> None:
        by_column: dict[tuple[str, int], list[int]] = {}
        for sheet_id, values in raw.items():
            for row, col in values:
                by_column.setdefault((sheet_id, col), []).append(row)
        for f in formulas:
            by_column.setdefault((f.sheet_id, f.col), []).append(f.row)
        self.rows = {key: sorted(rows) for key, rows in by_column.items()}
        columns: dict[str, list[int]] = {}
        for sheet_id, col in self.rows:
            columns.setdefault(sheet_id, []).append(col)
        self.columns = {sheet_id: sorted(cols) for sheet_id, cols in columns.items()}

    def within(self, g: Geometry) -> Iterator[tuple[int, int]]:
        cols = self.columns.get(g.sheet_id, ())
        for col in cols[bisect.bisect_left(cols, g.col1) : bisect.bisect_right(cols, g.col2)]:
            rows = self.rows[(g.sheet_id, col)]
            for row in rows[bisect.bisect_left(rows, g.row1) : bisect.bisect_right(rows, g.row2)]:
                yield row, col


def clear_caches(disk: bool = False) -> None:
    """Forget every compiled program, plan and geometry of this process (and the on-disk file with ``disk``)."""
    clear_plans()
    clear_geometry()
    clear_bundles()
    STATS.clear()
    _RESULTS.clear()
    clear_stores(disk)


def stats() -> dict[str, int]:
    """Counters since the last :func:`clear_caches`: shape hits, disk hits, compiled, unshared, fallbacks."""
    return dict(STATS)
