"""Bundles: what a workbook's formulas alone determine — its reference cycles, a plan per formula cell, an order.

Another copy of the same template (same sheets, used areas, formulas, names and budgets: :func:`bundle_key`) skips
the scan, the cycle search and the planning: its bundle is kept in memory and, when every plan's program can be
stored, on disk (:data:`~.cache.BUNDLE_STORE`; geometry as ``formulas``' range dicts, programs by shape key).
"""

from __future__ import annotations

import bisect
import collections
import hashlib
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from openpyxl.utils.cell import column_index_from_string

from .cache import BUNDLE_STORE, source_fingerprint
from .cells import Collected
from .plans import Plan, plan_for, stored_program
from .scan import SPLIT_CELL, CellKey
from .shapes import Geometry, Unsupported, geometry_of

__all__ = ["Bundle", "Formula", "bundle_key", "clear_bundles", "find_bundle", "keep_bundle", "make_bundle"]

_LOCK = threading.Lock()


@dataclass
class Formula:
    """One cell ``formulas`` compiles, where it is and how to compute it."""

    key: CellKey  # (sheet title, "C9")
    sheet_id: str
    row: int
    col: int
    geometry: Geometry
    plan: Plan
    reported: bool  # a formula cell of the survey (not an error value typed as a cell)


@dataclass
class Bundle:
    """What a workbook's formulas alone determine: its reference cycles, a plan per formula cell, an order.

    Kept in memory for the next copy of the same template, and on disk (geometry as formulas' range dicts,
    programs by shape key into the program cache) when every plan's program is on disk.
    """

    circular: frozenset[CellKey]
    formulas: list[Formula]
    order: list[int]
    fixed: set[int]


_BUNDLES: collections.OrderedDict[str, Bundle] = collections.OrderedDict()
_MAX_BUNDLES: Final = 8


def bundle_key(book: Any, collected: Collected, budgets: Mapping[str, int]) -> str:
    """Everything the scan, the cycles and the plans depend on: sheets, used areas, formulas, names, budgets."""
    digest = hashlib.sha256(source_fingerprint().encode())

    def feed(*parts: Any) -> None:
        digest.update(repr(parts).encode("utf-8", "surrogatepass"))
        digest.update(b"\n")

    feed(sorted(budgets.items()), tuple(book.sheetnames), len(getattr(book, "_external_links", None) or ()))
    for ws in book.worksheets:
        feed(ws.title, ws.max_row, ws.max_column)
    for spec in collected.specs:
        feed(spec.key, spec.row, spec.col, spec.raw, spec.reported)
    for defined in book.defined_names.values():
        feed("name", defined.name, str(defined.value), defined.hidden, defined.localSheetId)
    return digest.hexdigest()


def find_bundle(key: str, collected: Collected) -> Bundle | None:
    """The bundle of ``key`` from memory or from the on-disk cache, or None."""
    with _LOCK:
        bundle = _BUNDLES.get(key)
        if bundle is not None:
            _BUNDLES.move_to_end(key)
            return bundle
    data = BUNDLE_STORE.get(key)
    if data is None:
        return None
    try:
        bundle = _decode_bundle(data, collected)
    except (ValueError, KeyError, TypeError, IndexError, AttributeError):
        return None
    if bundle is not None:
        _remember_bundle(key, bundle)
    return bundle


def _remember_bundle(key: str, bundle: Bundle) -> None:
    with _LOCK:
        _BUNDLES[key] = bundle
        while len(_BUNDLES) > _MAX_BUNDLES:
            _BUNDLES.popitem(last=False)


def keep_bundle(key: str, bundle: Bundle) -> None:
    """Remember a new bundle, on disk too when every program of it is stored there."""
    _remember_bundle(key, bundle)
    if all(f.plan.shape is not None for f in bundle.formulas):
        BUNDLE_STORE.put(key, _encode_bundle(bundle))


def _encode_bundle(bundle: Bundle) -> Any:
    shapes: dict[str, int] = {}
    geometry: dict[str, int] = {}
    rngs: list[dict[str, Any]] = []

    def geometry_index(g: Geometry) -> int:
        found = geometry.get(g.name + "\x00" + repr(sorted(g.rng)))
        if found is None:
            found = geometry[g.name + "\x00" + repr(sorted(g.rng))] = len(rngs)
            rngs.append(g.rng)
        return found

    cells = [
        [shapes.setdefault(f.plan.shape or "", len(shapes)), geometry_index(f.geometry),
         [geometry_index(g) for g in f.plan.arguments]]
        for f in bundle.formulas
    ]
    return {"circular": sorted(list(k) for k in bundle.circular), "shapes": list(shapes), "geometry": rngs,
            "cells": cells, "order": bundle.order, "fixed": sorted(bundle.fixed)}


def _decode_bundle(data: Any, collected: Collected) -> Bundle | None:
    specs = collected.specs
    cells, rngs, shapes = data["cells"], data["geometry"], data["shapes"]
    if not (isinstance(cells, list) and len(cells) == len(specs) and isinstance(rngs, list)):
        return None
    geometries = [_geometry_from_rng(rng) for rng in rngs]
    programs = [stored_program(key) if isinstance(key, str) else None for key in shapes]
    if any(p is None for p in programs):
        return None  # the program cache lost some: rebuild
    formulas = []
    for spec, (shape, own, arguments) in zip(specs, cells, strict=True):
        program = programs[shape]
        assert program is not None
        args = tuple(geometries[i] for i in arguments)
        if len(args) != len(program.inputs):
            return None
        sheet_id = collected.sheet_ids[spec.key[0]][0]
        plan = Plan(program, args, shapes[shape], shapes[shape])
        formulas.append(Formula(spec.key, sheet_id, spec.row, spec.col, geometries[own], plan, spec.reported))
    circular = frozenset((str(title), str(cell)) for title, cell in data["circular"])
    fixed = {int(i) for i in data["fixed"]}
    order = [int(i) for i in data["order"]]
    if sorted(order + sorted(fixed)) != list(range(len(formulas))):
        return None
    return Bundle(circular, formulas, order, fixed)


def _geometry_from_rng(rng: Any) -> Geometry:
    if not (isinstance(rng, dict) and all(isinstance(k, str) for k in rng)):
        raise ValueError("geometry")
    if not all(isinstance(v, str | int) and not isinstance(v, bool) or v == {} for v in rng.values()):
        raise ValueError("geometry")
    return Geometry(rng, rng["name"], rng["sheet_id"], rng["sheet"].upper(), int(rng["r1"]), int(rng["n1"]),
                    int(rng["r2"]), int(rng["n2"]), ":" not in rng["ref"])


def make_bundle(collected: Collected, circular: frozenset[CellKey]) -> Bundle:
    """Plan every formula cell (compiling new shapes) and find an order to compute them in."""
    sheet_ids = collected.sheet_ids
    formulas: list[Formula] = []
    for spec in collected.specs:
        title, coordinate = spec.key
        sheet_id, upper = sheet_ids[title]
        formulas.append(
            Formula(spec.key, sheet_id, spec.row, spec.col, geometry_of(upper, coordinate),
                    plan_for(title, coordinate, spec.row, spec.col, spec.text), spec.reported)
        )
    known_sheets = {sid for sid, _ in sheet_ids.values()}
    for formula in formulas:
        for argument in formula.plan.arguments:
            if argument.sheet_id not in known_sheets:
                raise Unsupported("reference to a missing sheet")

    # Dependencies: the formula cells inside each argument.
    index: dict[tuple[str, int, int], int] = {}
    columns: dict[tuple[str, int], list[int]] = {}
    for i, formula in enumerate(formulas):
        index[(formula.sheet_id, formula.row, formula.col)] = i
        columns.setdefault((formula.sheet_id, formula.col), []).append(formula.row)
    for rows in columns.values():
        rows.sort()
    sheet_columns: dict[str, list[int]] = {}
    for sheet_id, col in columns:
        sheet_columns.setdefault(sheet_id, []).append(col)
    for cols in sheet_columns.values():
        cols.sort()

    def inside(g: Geometry) -> Iterator[int]:
        cols = sheet_columns.get(g.sheet_id, ())
        for col in cols[bisect.bisect_left(cols, g.col1) : bisect.bisect_right(cols, g.col2)]:
            rows = columns[(g.sheet_id, col)]
            for row in rows[bisect.bisect_left(rows, g.row1) : bisect.bisect_right(rows, g.row2)]:
                yield index[(g.sheet_id, row, col)]

    fixed = {index[(sheet_ids[s][0], *_row_col(c))] for s, c in circular}
    return Bundle(circular, formulas, _order(formulas, fixed, inside), fixed)


def _row_col(coordinate: str) -> tuple[int, int]:
    m = SPLIT_CELL.fullmatch(coordinate)
    if m is None:
        raise Unsupported(coordinate)
    return int(m[2]), column_index_from_string(m[1])


def _order(formulas: Sequence[Formula], fixed: set[int], inside: Any) -> list[int]:
    """Formula cells (not ``fixed``) in an order where every cell comes after the cells it reads (Kahn)."""
    waiting = [0] * len(formulas)
    readers: list[list[int]] = [[] for _ in formulas]
    for i, formula in enumerate(formulas):
        if i in fixed:
            continue
        deps = {j for g in formula.plan.arguments for j in inside(g) if j not in fixed}
        waiting[i] = len(deps)
        for j in deps:
            readers[j].append(i)
    ready = [i for i in range(len(formulas)) if i not in fixed and waiting[i] == 0]
    order: list[int] = []
    while ready:
        i = ready.pop()
        order.append(i)
        for k in readers[i]:
            waiting[k] -= 1
            if waiting[k] == 0:
                ready.append(k)
    if len(order) + len(fixed) != len(formulas):
        raise Unsupported("a cycle the scan did not see")
    return order


def clear_bundles() -> None:
    """Forget every bundle kept in memory."""
    with _LOCK:
        _BUNDLES.clear()
