"""Reference cycles of a scanned workbook, found statically (like Excel's circular-reference warning).

The engines impose :data:`~.result.CIRCULAR_ERROR` on the cells found here instead of leaving them uncomputed.
"""

from __future__ import annotations

import bisect
import collections
import threading
from collections.abc import Iterator
from typing import Any

from openpyxl.utils.cell import column_index_from_string, get_column_letter

from .scan import SPLIT_CELL, CellKey, Reference, WorkbookScan

__all__ = ["find_cycles"]


_CYCLES_CACHE: collections.OrderedDict[tuple[Any, ...], frozenset[CellKey]] = collections.OrderedDict()
_CYCLES_LOCK = threading.Lock()


def find_cycles(survey: WorkbookScan) -> set[CellKey]:
    """Formula cells on a reference cycle (static dependencies, like Excel's circular-reference warning).

    The answer depends on the sheets, the formulas and the defined names only: it is kept for the next copy of
    the same template.
    """
    key = (
        survey.sheets,
        tuple(survey.formulas.items()),
        tuple(sorted((name, scan.text) for name, scan in survey.names.items())),
    )
    with _CYCLES_LOCK:
        found = _CYCLES_CACHE.get(key)
        if found is not None:
            _CYCLES_CACHE.move_to_end(key)
            return set(found)
    cycles = _find_cycles_uncached(survey)
    with _CYCLES_LOCK:
        _CYCLES_CACHE[key] = frozenset(cycles)
        while len(_CYCLES_CACHE) > 8:
            _CYCLES_CACHE.popitem(last=False)
    return cycles


def _find_cycles_uncached(survey: WorkbookScan) -> set[CellKey]:
    upper_sheets = {s.upper(): s for s in survey.sheets}
    by_column: dict[tuple[str, int], list[int]] = {}
    index: dict[CellKey, int] = {}
    nodes: list[CellKey] = []
    coords: list[tuple[str, int, int]] = []
    for key in survey.scans:
        sheet, cell = key
        m = SPLIT_CELL.fullmatch(cell)
        if m is None:
            continue
        row, col = int(m[2]), column_index_from_string(m[1])
        index[key] = len(nodes)
        nodes.append(key)
        coords.append((sheet, row, col))
        by_column.setdefault((sheet, col), []).append(row)
    for rows in by_column.values():
        rows.sort()
    columns_of: dict[str, list[int]] = {}
    for sheet, col in by_column:
        columns_of.setdefault(sheet, []).append(col)
    for cols in columns_of.values():
        cols.sort()

    def targets(reference: Reference, own_sheet: str) -> Iterator[int]:
        sheet = upper_sheets.get(reference.sheet.upper(), reference.sheet) if reference.sheet else own_sheet
        cols = columns_of.get(sheet, [])
        lo, hi = bisect.bisect_left(cols, reference.min_col), bisect.bisect_right(cols, reference.max_col)
        for col in cols[lo:hi]:
            rows = by_column[(sheet, col)]
            first = bisect.bisect_left(rows, reference.min_row)
            last = bisect.bisect_right(rows, reference.max_row)
            for row in rows[first:last]:
                yield index[(sheet, f"{get_column_letter(col)}{row}")]

    name_refs = {name: scan.references for name, scan in survey.names.items()}
    edges: list[list[int]] = []
    for key in nodes:
        scan = survey.scans[key]
        refs = list(scan.references)
        for name in scan.names:
            refs.extend(name_refs.get(name, ()))
        edges.append(sorted({t for ref in refs for t in targets(ref, key[0])}))
    return {nodes[i] for component in _strongly_connected(edges) for i in component}


def _strongly_connected(edges: list[list[int]]) -> Iterator[list[int]]:
    """Tarjan's algorithm, iterative (a 5,000-cell chain would overflow Python's recursion limit).

    Yields only the components that are cycles: more than one node, or one node that reads itself.
    """
    counter = 0
    number: list[int] = [-1] * len(edges)
    low: list[int] = [0] * len(edges)
    on_stack: list[bool] = [False] * len(edges)
    stack: list[int] = []
    for root in range(len(edges)):
        if number[root] >= 0:
            continue
        work: list[tuple[int, int]] = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                number[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack[node] = True
            recurse = False
            for i in range(child, len(edges[node])):
                succ = edges[node][i]
                if number[succ] < 0:
                    work.append((node, i + 1))
                    work.append((succ, 0))
                    recurse = True
                    break
                if on_stack[succ]:
                    low[node] = min(low[node], number[succ])
            if recurse:
                continue
            if low[node] == number[node]:
                component: list[int] = []
                while True:
                    member = stack.pop()
                    on_stack[member] = False
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in edges[node]:
                    yield component
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
