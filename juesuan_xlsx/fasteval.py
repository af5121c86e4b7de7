"""Fast headless evaluation: each distinct formula *shape* compiled once by ``formulas``, run as a flat program.

The reference evaluator (:func:`juesuan_xlsx.evaluate.evaluate_workbook` with ``engine="model"``) loads each
workbook into a ``formulas.ExcelModel``: parsing and compiling a formula costs 2–15 ms (12 s for the 1,442 of
the 2024 template), and dispatching the model's graph ~2 s more.  Returned workbooks repeat the same formulas,
and the formulas of a column repeat the same *shape*: ``=SUM(D9,E9)`` in row 9 and ``=SUM(D10,E10)`` in row 10
are one formula relative to their cell.  This module

* reduces every formula to its shape: each reference replaced by its R1C1 form (relative or absolute as
  written, sheet name kept), plus which references name the same cells (:func:`_shape_of`);
* compiles one cell of each shape with ``formulas``' own ``Cell`` (the very call ``ExcelModel`` makes, hence
  the same parser and the corrected functions and operators of :mod:`juesuan_xlsx.evaluate`), and flattens the
  compiled function — a ``schedula`` pipe — into the list of function calls the pipe executes, minus the
  dispatcher's bookkeeping (:class:`_Program`; the pipe itself runs when it cannot be flattened);
* evaluates a workbook by walking its formula cells in dependency order, handing each program the cells and
  ranges the cell references, built the way the model builds them: the same ``Ranges`` objects, blank cells as
  ``sh.EMPTY``, ``replace_empty`` and ``format_output`` applied to every result (:func:`evaluate`).  Every
  formula cell runs its program; within one file a call of a function with arguments equal to an earlier
  call's (the same referenced range, equal small values: ``SUMIF(codes, "", amounts)`` on every blank row) takes
  that call's result — the whitelisted functions are pure (:func:`_call_key`);
* reads the workbook once, with :mod:`juesuan_xlsx.book` (the cells only, not the styles, validations and other
  parts a full load builds and evaluation never reads), or takes the cells the verifier's reader already read;
* keeps programs, per-cell plans and reference geometry in memory for the next file, and the programs in a
  private on-disk cache so that a fresh process does not compile them again (:class:`_DiskCache`: JSON, never
  pickle, in a directory only the user can read or write).

The results are those of the reference evaluator, cell for cell (``tests/test_fasteval.py`` compares both on the
seed example, blank templates, the tricky-inputs workbook and damaged files).  Whatever this module is not
certain to reproduce exactly — a formula using a defined name, array formulas, whole-row or whole-column
references, a reference to a missing sheet, an external link, a function raising instead of returning an error
value, a dependency cycle the static scan did not see — is handed back: :func:`evaluate` returns None and the
caller runs the reference evaluator on that workbook.
"""

from __future__ import annotations

import bisect
import collections
import contextlib
import hashlib
import json
import os
import re
import stat
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import schedula as sh
from formulas.cell import Cell, format_output
from formulas.functions import Array as _Array
from formulas.functions import replace_empty
from formulas.ranges import Ranges
from formulas.tokens.operand import XlError
from openpyxl.utils.cell import column_index_from_string

from . import evaluate as ev

__all__ = ["CACHE_ENV", "clear_caches", "evaluate", "stats"]

#: Environment variable: a directory for the on-disk program cache, or ``off`` to keep programs in memory only.
#: Default: ``$XDG_CACHE_HOME/juesuan-xlsx`` (``~/.cache/juesuan-xlsx``).
CACHE_ENV: Final = "JUESUAN_XLSX_CACHE"

_BOOK_CONTEXT: Final = {"directory": "", "filename": ev._BOOK_NAME, "excel": ev._BOOK_NAME.upper()}
_NONE: Final = sh.NONE
_EMPTY: Final = sh.EMPTY

# Bounds on the in-memory caches (a hostile batch of all-different formulas must not grow them for ever).
_MAX_PROGRAMS: Final = 20_000
_MAX_PLANS: Final = 50_000
_MAX_GEOMETRY: Final = 100_000


class _Unsupported(Exception):
    """This workbook (or formula) must go to the reference evaluator."""


# ------------------------------------------------------------------------------------------------------------
# Shapes
# ------------------------------------------------------------------------------------------------------------

# One token of a formula: a string literal, a reference (optional sheet, a cell or an area), a quoted sheet
# name followed by something else, a word (function or defined name, number, TRUE), or any other character.
# Words are consumed whole, so a reference can only start where a word could.
_TOKEN: Final = re.compile(
    r'"(?:[^"]|"")*+"'
    r"|(?:(?P<sheet>'(?:[^']|'')++'|[^\W\d][\w.]*+)!)?"
    r"(?P<c1>\$?[A-Za-z]{1,3})(?P<r1>\$?[0-9]{1,7})(?::(?P<c2>\$?[A-Za-z]{1,3})(?P<r2>\$?[0-9]{1,7}))?"
    r"(?![\w.(!:\[])"
    r"|'(?:[^']|'')*+'"
    r"|[\w.$\\]++"
    r"|[^\w.$\\\"']++"
    r"|.",
    re.DOTALL,
)


@dataclass(frozen=True)
class _Token:
    """A reference as written in a formula."""

    sheet: str | None  # as written, quotes included; None for the formula's own sheet
    area: str  # upper case, without $
    bounds: tuple[int, int, int, int]  # row1, col1, row2, col2


def _corner(col: str, row: str, own_row: int, own_col: int) -> tuple[str, tuple[int, int]]:
    c = column_index_from_string(col.lstrip("$").upper())
    r = int(row.lstrip("$"))
    text = (f"R{r}" if row.startswith("$") else f"R[{r - own_row}]") + (
        f"C{c}" if col.startswith("$") else f"C[{c - own_col}]"
    )
    return text, (r, c)


def _shape_of(text: str, row: int, col: int) -> tuple[str, list[_Token]]:
    """The formula with every reference in R1C1 form relative to (row, col), and its references in order."""
    parts: list[str] = []
    tokens: list[_Token] = []
    for m in _TOKEN.finditer(text):
        if m["c1"] is None:
            parts.append(m[0])
            continue
        first, (r1, c1) = _corner(m["c1"], m["r1"], row, col)
        if m["c2"] is not None:
            second, (r2, c2) = _corner(m["c2"], m["r2"], row, col)
            area = m[0][m.start("c1") - m.start() :].replace("$", "").upper()
            descriptor = f"{first}:{second}"
        else:
            r2, c2 = r1, c1
            area = f"{m['c1']}{m['r1']}".replace("$", "").upper()
            descriptor = first
        sheet = m["sheet"]
        parts.append(f"\0{sheet or ''}!{descriptor}\0")
        tokens.append(_Token(sheet, area, (r1, c1, r2, c2)))
    return "".join(parts), tokens


def _sheet_key(sheet: str | None, own: str) -> str:
    if sheet is None:
        return own.upper()
    if sheet.startswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    return sheet.upper()


def _alias_pattern(tokens: Sequence[_Token], own_sheet: str) -> tuple[int, ...]:
    """Which references name the same cells: the compiled function has one input for each distinct one."""
    seen: dict[tuple[str, tuple[int, int, int, int]], int] = {}
    return tuple(seen.setdefault((_sheet_key(t.sheet, own_sheet), t.bounds), len(seen)) for t in tokens)


# ------------------------------------------------------------------------------------------------------------
# Geometry: the range dicts formulas builds for a reference, cached
# ------------------------------------------------------------------------------------------------------------


def _context(sheet_upper: str) -> dict[str, Any]:
    # ExcelModel.push: {"external_links": ...} updated with add_sheet's {"sheet": ...} and add_book's context.
    return {"external_links": {}, "sheet": sheet_upper, **_BOOK_CONTEXT}


@dataclass(frozen=True)
class _Geometry:
    """A cell or area as formulas names it, and where it is."""

    rng: dict[str, Any]  # formulas' range dict (treated as immutable)
    name: str  # the model's node id, e.g. "'[book.xlsx]公开05表'!A53"
    sheet_id: str  # e.g. "'[book.xlsx]公开05表'"
    sheet: str  # upper case, e.g. "公开05表"
    row1: int
    col1: int
    row2: int
    col2: int
    is_cell: bool  # a single-cell node (not an area, even a one-cell one)


_GEOMETRY: dict[tuple[str, str], _Geometry] = {}


def _geometry(own_sheet_upper: str, ref: str) -> _Geometry:
    """The geometry formulas gives ``ref`` (``A1``, ``A1:B2``, ``Sheet!A1``) written in a cell of that sheet."""
    key = (own_sheet_upper, ref)
    found = _GEOMETRY.get(key)
    if found is not None:
        return found
    rng = Ranges.get_range(ref, _context(own_sheet_upper))
    geometry = _Geometry(
        rng,
        rng["name"],
        rng["sheet_id"],
        rng["sheet"].upper(),
        int(rng["r1"]),
        int(rng["n1"]),
        int(rng["r2"]),
        int(rng["n2"]),
        ":" not in rng["ref"],
    )
    if len(_GEOMETRY) >= _MAX_GEOMETRY:
        _GEOMETRY.clear()
    _GEOMETRY[key] = geometry
    return geometry


def _token_ref(token: _Token) -> str:
    return f"{token.sheet}!{token.area}" if token.sheet is not None else token.area


def _argument_geometry(own_sheet_upper: str, token: _Token) -> _Geometry:
    """The geometry the compiled function's argument for ``token`` has.

    The compiler names each reference by its node id (``'[book.xlsx]S'!C12`` for ``'S'!C12:C12`` too) and
    builds the argument's range from that name: so does this.
    """
    return _geometry(own_sheet_upper, _geometry(own_sheet_upper, _token_ref(token)).name)


# ------------------------------------------------------------------------------------------------------------
# Programs: a compiled formula flattened into calls
# ------------------------------------------------------------------------------------------------------------

_IN, _CONST, _CALL, _FILTER = 0, 1, 2, 3


@dataclass
class _Program:
    """The function ``formulas`` compiles for one shape, as the calls its ``schedula`` pipe makes.

    ``inputs[i]`` is the index of the reference (in the shape's order) that feeds argument ``i``.  ``steps``
    run in order on a list of slots: (_IN, slot, argument, filters), (_CONST, slot, value, filters),
    (_CALL, function, input slots, output slot, function filters), (_FILTER, slot, filters).  When the pipe
    cannot be flattened, ``pipe`` is run instead (one call at a time).
    """

    inputs: tuple[int, ...]
    steps: tuple[tuple[Any, ...], ...]
    slots: int
    output: int
    pipe: Any = None
    lock: threading.Lock | None = None
    persistable: bool = False

    def run(self, args: Sequence[Any], memo: dict[Any, Any] | None = None) -> Any:
        """The compiled function of ``args``; calls with equal arguments are looked up in ``memo`` if given."""
        if self.pipe is not None:
            assert self.lock is not None
            with self.lock:  # a schedula pipe keeps its solution on itself
                try:
                    return self.pipe(*args)
                except Exception as exc:
                    raise _Unsupported(f"pipe: {type(exc).__name__}") from exc
        env: list[Any] = [None] * self.slots
        for step in self.steps:
            kind = step[0]
            if kind == _CALL:
                # No slot ever holds schedula's "no value" (checked where slots are set), so no argument needs
                # dropping the way schedula drops them.
                values = [env[i] for i in step[2]]
                key = _call_key(step[1], values) if memo is not None else None
                if key is not None and key in memo:  # type: ignore[operator]
                    env[step[3]] = memo[key]  # type: ignore[index]
                    continue
                try:
                    value = step[1](*values)
                    for f in step[4]:
                        value = f(value)
                except Exception as exc:  # the model would leave the cell uncomputed (or #NAME?): its business
                    raise _Unsupported(f"{getattr(step[1], '__name__', step[1])}: {type(exc).__name__}") from exc
                if value is _NONE:
                    raise _Unsupported("no value")
                if key is not None:
                    memo[key] = value  # type: ignore[index]
                env[step[3]] = value
            elif kind == _FILTER:
                value = env[step[1]]
                for f in step[2]:
                    value = f(value)
                if value is _NONE:
                    raise _Unsupported("no value")
                env[step[1]] = value
            else:
                value = args[step[2]] if kind == _IN else step[2]
                for f in step[3]:
                    value = f(value)
                if value is _NONE:
                    raise _Unsupported("no value")
                env[step[1]] = value
        return env[self.output]


class _NoKey(Exception):
    pass


_SMALL: Final = 64  # intermediate arrays up to this size are compared by value for the memo


def _value_key(value: Any) -> Any:
    """A hashable key equal for two values exactly when every function gives them the same result."""
    kind = type(value)
    if kind is str or kind is int or kind is bool:
        return (kind, value)
    if kind is float:
        return (kind, value.hex())  # hex keeps -0.0 apart from 0.0
    if isinstance(value, sh.Token):  # EMPTY, NONE...: singletons
        return (sh.Token, id(value))
    if isinstance(value, XlError):
        return (kind, str(value))
    if isinstance(value, np.floating):
        return (kind, float(value).hex())
    if isinstance(value, np.bool_ | np.integer):
        return (kind, value.item())
    raise _NoKey


def _call_key(func: Any, values: Sequence[Any]) -> Any:
    """The memo key of a call, or None when an argument has no safe key.

    Arguments are the shared per-file ``Ranges`` of a reference (alive and unchanged for the whole evaluation:
    keyed by identity), scalars and small arrays (keyed by class, shape, dtype and the key of each element).
    """
    keys: list[Any] = [func]
    append = keys.append
    try:
        for value in values:
            kind = type(value)
            if kind is _SharedRanges or kind is _SharedArea:
                append(id(value))
            elif kind is _Array or kind is np.ndarray or isinstance(value, np.ndarray):
                if kind is not np.ndarray and value.__dict__:
                    return None
                size = value.size
                if size == 1:
                    append((kind, value.shape, value.dtype.char, _value_key(value.item())))
                elif size <= _SMALL:
                    append((kind, value.shape, value.dtype.char, tuple(map(_value_key, value.ravel().tolist()))))
                else:
                    return None
            else:
                append(_value_key(value))
    except _NoKey:
        return None
    return tuple(keys)


class _SharedRanges(Ranges):  # type: ignore[misc]
    """The ``Ranges`` of one referenced cell or area, built once per evaluation and given to every reader."""

    __slots__ = ()


class _SharedArea(_SharedRanges):
    """The shared ``Ranges`` of an area (more than one cell): remembered results that read one are keyed by its
    identity, valid within one file only (one-cell arguments are keyed by value, :func:`_result_key`)."""

    __slots__ = ()


def _flatten(pipe: Any) -> tuple[tuple[tuple[Any, ...], ...], int, int]:
    """(steps, slot count, output slot) of a ``schedula`` DispatchPipe, or _Unsupported."""
    dsp = pipe.dsp
    inputs = {k: i for i, k in enumerate(pipe.inputs)}
    defaults = dsp.default_values
    slots: dict[Any, int] = {}
    produced: set[Any] = set()
    steps: list[tuple[Any, ...]] = []

    def slot(node: Any) -> int:
        return slots.setdefault(node, len(slots))

    for task, _next_nodes, next_dispatchers in pipe.pipe:
        node_id, solution = task[-1]
        if next_dispatchers or solution is not pipe._sol:
            raise _Unsupported("sub-dispatcher")
        attr = dsp.nodes[node_id]
        if attr["type"] == "data":
            if "function" in attr or attr.get("wait_inputs"):
                raise _Unsupported("data node function")
            filters = tuple(attr.get("filters", ()))
            if node_id in inputs:
                steps.append((_IN, slot(node_id), inputs[node_id], filters))
            elif node_id in produced:
                if node_id in defaults:
                    raise _Unsupported("default and function")
                if filters:
                    steps.append((_FILTER, slot(node_id), filters))
            elif node_id in defaults:
                steps.append((_CONST, slot(node_id), defaults[node_id]["value"], filters))
            else:
                raise _Unsupported(f"no value for {node_id!r}")
        elif attr["type"] == "function":
            if "input_domain" in attr or len(attr["outputs"]) != 1:
                raise _Unsupported("function node")
            missing = [i for i in attr["inputs"] if i not in slots]
            if missing:
                raise _Unsupported(f"input before value: {missing!r}")
            out = attr["outputs"][0]
            if out in produced or out in inputs:
                raise _Unsupported("two estimations")
            steps.append((_CALL, attr["function"], tuple(slots[i] for i in attr["inputs"]), slot(out),
                          tuple(attr.get("filters", ()))))
            produced.add(out)
        else:
            raise _Unsupported(f"{attr['type']} node")
    if len(pipe.outputs) != 1 or pipe.outputs[0] not in slots:
        raise _Unsupported("output")
    output = pipe.outputs[0]
    if output not in produced and output not in inputs and output not in defaults:
        raise _Unsupported("output")
    return tuple(steps), len(slots), slots[output]


def _compile(text: str, sheet_upper: str, coordinate: str, tokens: Sequence[_Token]) -> tuple[_Program, bool]:
    """Compile the formula of one cell as ExcelModel.compile_cell does; (program, shareable with its shape)."""
    context = _context(sheet_upper)
    try:
        cell = Cell(coordinate, text, context=context, check_formula=True).compile(references={}, context=context)
    except Exception as exc:  # a formula formulas cannot parse: the model's own error, from the model
        raise _Unsupported(f"compile: {type(exc).__name__}") from exc
    if cell.func is None:
        raise _Unsupported("not a formula")
    pipe = cell.func.func
    # Each argument of the compiled function is one reference of the text, named as the model names it.
    names = [_geometry(sheet_upper, _token_ref(t)).name for t in tokens]
    argument_tokens: list[int] = []
    for key, value in pipe.inputs.items():
        if not isinstance(value, Ranges) or len(value.ranges) != 1:
            raise _Unsupported(f"input {key!r}")
        links = cell.inputs.get(value.ranges[0]["name"])
        if links != [key]:
            raise _Unsupported(f"input links {key!r}")
        rng = value.ranges[0]
        if rng["name"] not in names:
            raise _Unsupported(f"input {key!r} is no reference of the text")
        index = names.index(rng["name"])
        if _argument_geometry(sheet_upper, tokens[index]).rng != rng:
            raise _Unsupported(f"geometry of {key!r}")
        argument_tokens.append(index)
    shareable = set(names) == {value.ranges[0]["name"] for value in pipe.inputs.values()}
    # A constant that is a Ranges (the cell's own position, a defined name) ties the function to this cell.
    if any(isinstance(d["value"], Ranges) for d in pipe.dsp.default_values.values()):
        shareable = False
    try:
        steps, slots, output = _flatten(pipe)
        program = _Program(tuple(argument_tokens), steps, slots, output)
        program.persistable = shareable and _encode_steps(steps) is not None
    except _Unsupported:
        program = _Program(tuple(argument_tokens), (), 0, 0, pipe=pipe, lock=threading.Lock())
    return program, shareable


# ------------------------------------------------------------------------------------------------------------
# The on-disk program cache: JSON only, in a private directory
# ------------------------------------------------------------------------------------------------------------


def _function_tags() -> tuple[dict[int, list[Any]], Any]:
    """Reverse lookup of the objects a program may call, and a resolver from tags back to objects."""
    from formulas.builder import _default_filter
    from formulas.functions.operators import OPERATORS

    registry = ev.function_registry()
    tags: dict[int, list[Any]] = {id(sh.bypass): ["B"], id(_default_filter()[0]): ["D"], id(replace_empty): ["R"]}
    for symbol, func in OPERATORS.items():
        tags.setdefault(id(func), ["O", symbol])

    def register(name: str) -> None:
        entry = dict.get(registry, name)
        func = entry.get("function") if isinstance(entry, dict) else entry
        if func is not None:
            tags.setdefault(id(func), ["F", name])

    for name in list(dict.keys(registry)):  # only what is loaded: no import of the lazy modules
        register(name)

    def resolve(tag: list[Any]) -> Any:
        if tag == ["B"]:
            return sh.bypass
        if tag == ["D"]:
            return _default_filter()[0]
        if tag == ["R"]:
            return replace_empty
        if len(tag) == 2 and tag[0] == "O" and tag[1] in OPERATORS:
            return OPERATORS[tag[1]]
        if len(tag) == 2 and tag[0] == "F" and isinstance(tag[1], str) and tag[1] in registry:
            entry = registry[tag[1]]
            return entry.get("function") if isinstance(entry, dict) else entry
        raise ValueError(f"unknown function tag {tag!r}")

    return tags, resolve


_TAGS: tuple[dict[int, list[Any]], Any] | None = None


def _tags() -> tuple[dict[int, list[Any]], Any]:
    global _TAGS
    if _TAGS is None:
        _TAGS = _function_tags()
    return _TAGS


def _encode_value(value: Any) -> Any:
    """A constant of a compiled formula as JSON, or _Unsupported."""
    if value is _EMPTY:
        return {"empty": True}
    if isinstance(value, XlError):
        from formulas.tokens.operand import Error

        if Error.errors.get(str(value)) is value:
            return {"error": str(value)}
        raise _Unsupported("error value")
    if isinstance(value, bool):
        return {"bool": value}
    if type(value) is int:
        return {"int": value}
    if type(value) is float:
        return {"float": value.hex()}
    if type(value) is str:
        return {"str": value}
    if type(value) in (np.ndarray, _Array) and value.dtype == object and value.ndim == 2 and value.size <= 256:
        if getattr(value, "__dict__", None):
            raise _Unsupported("array attributes")
        rows = [[_encode_value(item) for item in row] for row in value.tolist()]
        return {"array": rows, "class": "Array" if type(value) is _Array else "ndarray"}
    raise _Unsupported(f"constant {type(value).__name__}")


def _decode_value(data: Any) -> Any:
    if isinstance(data, dict) and set(data) == {"array", "class"} and data["class"] in ("Array", "ndarray"):
        rows = data["array"]
        if not (isinstance(rows, list) and rows and all(isinstance(r, list) and len(r) == len(rows[0]) for r in rows)):
            raise ValueError("array")
        array = np.empty((len(rows), len(rows[0])), dtype=object)
        for i, row in enumerate(rows):
            for j, item in enumerate(row):
                array[i, j] = _decode_value(item)
        return array.view(_Array) if data["class"] == "Array" else array
    if not isinstance(data, dict) or len(data) != 1:
        raise ValueError("constant")
    (kind, value), = data.items()
    if kind == "empty" and value is True:
        return _EMPTY
    if kind == "error":
        from formulas.tokens.operand import Error

        return Error.errors[value]
    if kind == "bool" and isinstance(value, bool):
        return value
    if kind == "int" and type(value) is int:
        return value
    if kind == "float" and isinstance(value, str):
        return float.fromhex(value)
    if kind == "str" and isinstance(value, str):
        return value
    raise ValueError("constant")


def _encode_steps(steps: Sequence[tuple[Any, ...]]) -> list[Any] | None:
    tags = _tags()[0]

    def tag(func: Any) -> list[Any]:
        found = tags.get(id(func))
        if found is None:
            raise _Unsupported("function")
        return found

    try:
        out: list[Any] = []
        for step in steps:
            kind = step[0]
            if kind == _IN:
                out.append([_IN, step[1], step[2], [tag(f) for f in step[3]]])
            elif kind == _CONST:
                out.append([_CONST, step[1], _encode_value(step[2]), [tag(f) for f in step[3]]])
            elif kind == _CALL:
                out.append([_CALL, tag(step[1]), list(step[2]), step[3], [tag(f) for f in step[4]]])
            else:
                out.append([_FILTER, step[1], [tag(f) for f in step[2]]])
        return out
    except _Unsupported:
        return None


def _encode_program(program: _Program) -> Any:
    steps = _encode_steps(program.steps)
    if steps is None:
        return None
    return {"inputs": list(program.inputs), "steps": steps, "slots": program.slots, "output": program.output}


def _decode_program(data: Any) -> _Program:
    resolve = _tags()[1]
    if not isinstance(data, dict):
        raise ValueError("program")
    slots, output, inputs = data["slots"], data["output"], data["inputs"]
    if not (isinstance(slots, int) and isinstance(output, int) and 0 <= output < slots < 100_000):
        raise ValueError("slots")
    if not (isinstance(inputs, list) and all(type(i) is int and 0 <= i < 10_000 for i in inputs)):
        raise ValueError("inputs")

    def index(value: Any) -> int:
        if type(value) is not int or not 0 <= value < slots:
            raise ValueError("slot")
        return value

    def funcs(tags: Any) -> tuple[Any, ...]:
        if not isinstance(tags, list):
            raise ValueError("filters")
        return tuple(resolve(t) for t in tags)

    steps: list[tuple[Any, ...]] = []
    for step in data["steps"]:
        kind = step[0]
        if kind == _IN and len(step) == 4:
            if type(step[2]) is not int or not 0 <= step[2] < len(inputs):
                raise ValueError("argument")
            steps.append((_IN, index(step[1]), step[2], funcs(step[3])))
        elif kind == _CONST and len(step) == 4:
            steps.append((_CONST, index(step[1]), _decode_value(step[2]), funcs(step[3])))
        elif kind == _CALL and len(step) == 5 and isinstance(step[2], list):
            steps.append((_CALL, resolve(step[1]), tuple(index(i) for i in step[2]), index(step[3]), funcs(step[4])))
        elif kind == _FILTER and len(step) == 3:
            steps.append((_FILTER, index(step[1]), funcs(step[2])))
        else:
            raise ValueError("step")
    return _Program(tuple(inputs), tuple(steps), slots, output, persistable=True)


def _source_fingerprint() -> str:
    """Programs are valid for these exact sources and versions (the corrections live in evaluate.py)."""
    import formulas
    import schedula

    digest = hashlib.sha256()
    for module in (ev, sys.modules[__name__]):
        with open(module.__file__ or "", "rb") as handle:
            digest.update(handle.read())
    versions = (formulas.__version__, schedula.__version__, np.__version__, sys.version)
    digest.update(repr(versions).encode())
    return digest.hexdigest()[:24]


class _DiskCache:
    """JSON entries by key, in ``<cache dir>/<kind>-<fingerprint>.json`` (kinds: programs, bundles).

    Safety: the directory is created with mode 0700 and used only if it is a real directory owned by the
    current user that nobody else can write to or read; the file must be owned by the user, mode 0600, not a
    symbolic link and at most 32 MB.  The content is JSON: at worst a tampered file makes wrong numbers, it
    cannot run code, and every function it names is looked up in formulas' registry.  Writes are atomic.
    """

    MAX_BYTES: Final = 32 * 1024 * 1024

    def __init__(self, kind: str, max_entries: int) -> None:
        self.kind, self.max_entries = kind, max_entries
        self.lock = threading.Lock()
        self.loaded = False
        self.entries: dict[str, Any] = {}
        self.dirty: dict[str, Any] = {}
        self.path: Path | None = None

    @staticmethod
    def directory() -> Path | None:
        setting = os.environ.get(CACHE_ENV, "")
        if setting.lower() in ("off", "0", "no", "false"):
            return None
        if setting:
            base = Path(setting)
        else:
            root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
            base = Path(root) / "juesuan-xlsx"
        try:
            base.mkdir(mode=0o700, parents=True, exist_ok=True)
            info = os.lstat(base)
        except OSError:
            return None
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
            return None
        if info.st_mode & 0o077:
            try:
                os.chmod(base, 0o700)
            except OSError:
                return None
        return base

    def _load(self) -> None:
        if self.loaded:
            return
        self.loaded = True
        directory = self.directory()
        if directory is None:
            return
        self.path = directory / f"{self.kind}-{_source_fingerprint()}.json"
        self.entries = self._read(self.path)

    def _read(self, path: Path) -> dict[str, Any]:
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            return {}
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
                return {}
            if info.st_size > self.MAX_BYTES:
                return {}
            with os.fdopen(fd, "rb", closefd=False) as handle:
                data = json.loads(handle.read().decode("utf-8"))
        except (OSError, ValueError):
            return {}
        finally:
            os.close(fd)
        return data if isinstance(data, dict) else {}

    def get(self, key: str) -> Any:
        """The JSON data stored under ``key``, or None."""
        with self.lock:
            self._load()
            return self.entries.get(key)

    def put(self, key: str, data: Any) -> None:
        """Store JSON data (written by :meth:`flush`)."""
        if data is None:
            return
        with self.lock:
            self._load()
            if self.path is not None:
                self.dirty[key] = data

    def flush(self) -> None:
        """Merge the new programs into the file (re-read first: another process may have added some)."""
        with self.lock:
            if not self.dirty or self.path is None:
                self.dirty.clear()
                return
            merged = self._read(self.path)
            if len(merged) + len(self.dirty) > self.max_entries:
                merged = {}
            merged.update(self.dirty)
            self.entries.update(self.dirty)
            self.dirty.clear()
            directory = self.path.parent
            try:
                fd, temp = tempfile.mkstemp(prefix=f".{self.kind}-", suffix=".tmp", dir=directory)
                try:
                    with os.fdopen(fd, "wb") as handle:
                        handle.write(json.dumps(merged, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
                    os.replace(temp, self.path)
                except BaseException:
                    with contextlib.suppress(OSError):
                        os.unlink(temp)
                    raise
                self._prune(directory)
            except OSError:
                pass  # a cache that cannot be written is only slower

    def _prune(self, directory: Path) -> None:
        """Remove the files of other versions not written for a day (several versions may be in use)."""
        import time

        for other in directory.glob(f"{self.kind}-*.json"):
            if other != self.path:
                with contextlib.suppress(OSError):
                    if other.lstat().st_mtime < time.time() - 86_400:
                        other.unlink()


_DISK = _DiskCache("programs", max_entries=20_000)  # compiled programs by shape
_BUNDLE_DISK = _DiskCache("bundles", max_entries=64)  # per-template bundles: few, and ~0.3 MB each


# ------------------------------------------------------------------------------------------------------------
# Per-cell plans
# ------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    """How to compute one formula cell: its program and the geometry of each argument."""

    program: _Program
    arguments: tuple[_Geometry, ...]
    shape: str | None  # the program's key in the on-disk cache; None when compiled for this cell only
    # the program's shape key whether or not it can be stored on disk (None: compiled for this cell only), for
    # remembering results across files (_RESULTS)
    memo_key: str | None = None


_PROGRAMS: dict[str, _Program] = {}
_PLANS: dict[tuple[str, str, str], _Plan] = {}
_LOCK = threading.Lock()
_STATS: collections.Counter[str] = collections.Counter()


def _program_for(
    text: str, sheet_upper: str, coordinate: str, row: int, col: int
) -> tuple[_Program, list[_Token], str | None]:
    """(program, references of the text, the program's shape key or None when it serves this cell only)."""
    shape, tokens = _shape_of(text, row, col)
    key = f"{shape}\x01{','.join(map(str, _alias_pattern(tokens, sheet_upper)))}"
    program = _PROGRAMS.get(key)
    if program is not None:
        _STATS["shape hits"] += 1
        return program, tokens, key
    program = _stored_program(key)
    if program is None:
        _STATS["compiled"] += 1
        program, shareable = _compile(text, sheet_upper, coordinate, tokens)
        if not shareable:
            _STATS["unshared"] += 1
            return program, tokens, None  # compiled for this cell only
        if program.persistable:
            _DISK.put(key, _encode_program(program))
        _keep_program(key, program)
    return program, tokens, key


def _stored_program(key: str) -> _Program | None:
    """A program from memory or from the on-disk cache."""
    program = _PROGRAMS.get(key)
    if program is not None:
        return program
    data = _DISK.get(key)
    if data is None:
        return None
    try:
        program = _decode_program(data)
    except (ValueError, KeyError, TypeError, IndexError):
        return None
    _STATS["disk hits"] += 1
    _keep_program(key, program)
    return program


def _keep_program(key: str, program: _Program) -> None:
    with _LOCK:
        if len(_PROGRAMS) >= _MAX_PROGRAMS:
            _PROGRAMS.clear()
        _PROGRAMS[key] = program


def _plan(sheet: str, coordinate: str, row: int, col: int, text: str) -> _Plan:
    key = (sheet, coordinate, text)
    plan = _PLANS.get(key)
    if plan is not None:
        return plan
    sheet_upper = sheet.upper()
    try:
        program, tokens, shape = _program_for(text, sheet_upper, coordinate, row, col)
        arguments = tuple(_argument_geometry(sheet_upper, tokens[i]) for i in program.inputs)
        plan = _Plan(program, arguments, shape if program.persistable else None, shape)
    except _Unsupported:
        raise
    except Exception as exc:  # e.g. a reference formulas cannot name: the model's business
        raise _Unsupported(f"plan: {type(exc).__name__}") from exc
    with _LOCK:
        if len(_PLANS) >= _MAX_PLANS:
            _PLANS.clear()
        _PLANS[key] = plan
    return plan


def clear_caches(disk: bool = False) -> None:
    """Forget every compiled program, plan and geometry of this process (and the on-disk file with ``disk``)."""
    global _TAGS
    with _LOCK:
        _PROGRAMS.clear()
        _PLANS.clear()
        _GEOMETRY.clear()
        _BUNDLES.clear()
        _STATS.clear()
        _RESULTS.clear()
    for store in (_DISK, _BUNDLE_DISK):
        with store.lock:
            store.loaded = False
            store.entries = {}
            store.dirty.clear()
            if disk and store.path is not None:
                with contextlib.suppress(OSError):
                    store.path.unlink()
            store.path = None
    _TAGS = None


def stats() -> dict[str, int]:
    """Counters since the last :func:`clear_caches`: shape hits, disk hits, compiled, unshared, fallbacks."""
    return dict(_STATS)


# ------------------------------------------------------------------------------------------------------------
# Reading the workbook once
# ------------------------------------------------------------------------------------------------------------


def _load_book(path: str | os.PathLike[str]) -> Any:
    """The workbook as the model reads it: formulas' reader (raw dates, its shared-string decoding), formulas kept.

    :func:`juesuan_xlsx.book.load_book` first (one pass, only cells), ``formulas``' full load when it declines.
    """
    from .book import load_book

    book = load_book(Path(path).read_bytes())
    if book is not None:
        return _from_book(book)
    from formulas.excel.xlreader import load_workbook

    _STATS["full loads"] += 1
    with ev._quiet_openpyxl():
        return load_workbook(os.fspath(path), data_only=False)


def _from_book(book: Any) -> _FastBook:
    """A :class:`juesuan_xlsx.book.Book`'s cells as ``formulas``' reader gives them (its full load, cell for cell:
    ``tests/test_book.py``)."""
    sheets = [
        _FastSheet(ws.title, {key: _FastCell(*key, value, kind) for key, value, kind in book.evaluator_cells(ws.title)})
        for ws in book.worksheets
    ]
    return _FastBook(list(book.sheet_order), sheets, book.defined_names, list(book.external_links))


class _FastCell:
    """What evaluation reads of an openpyxl cell."""

    __slots__ = ("column", "data_type", "row", "value")

    def __init__(self, row: int, column: int, value: Any, data_type: str) -> None:
        self.row, self.column, self.value, self.data_type = row, column, value, data_type

    @property
    def coordinate(self) -> str:
        from openpyxl.utils.cell import get_column_letter

        return f"{get_column_letter(self.column)}{self.row}"


@dataclass
class _FastSheet:
    title: str
    _cells: dict[tuple[int, int], _FastCell]

    @property
    def max_row(self) -> int:  # as openpyxl's Worksheet: over every stored cell, merged ones included
        return max((r for r, _ in self._cells), default=1)

    @property
    def max_column(self) -> int:
        return max((c for _, c in self._cells), default=1)


@dataclass
class _FastBook:
    sheetnames: list[str]
    worksheets: list[_FastSheet]
    defined_names: Any
    _external_links: list[Any]

    def close(self) -> None:
        pass




# ------------------------------------------------------------------------------------------------------------
# Evaluation
# ------------------------------------------------------------------------------------------------------------


@dataclass
class _Formula:
    key: ev.CellKey  # (sheet title, "C9")
    sheet_id: str
    row: int
    col: int
    geometry: _Geometry
    plan: _Plan
    reported: bool  # a formula cell of the survey (not an error value typed as a cell)


def evaluate(
    path: str | os.PathLike[str],
    *,
    book: Any = None,
    max_formulas: int = ev.DEFAULT_MAX_FORMULAS,
    max_range_cells: int = ev.DEFAULT_MAX_RANGE_CELLS,
    max_sheet_cells: int = ev.DEFAULT_MAX_SHEET_CELLS,
) -> ev.Evaluation | None:
    """The :class:`~juesuan_xlsx.evaluate.Evaluation` of ``path``, or None: use the reference evaluator.

    A workbook whose sheets, formulas, defined names and used areas equal those of one evaluated before (another
    copy of the same template) reuses that one's scan, reference cycles and plans (:class:`_Bundle`), from memory
    or from the on-disk cache; anything else is scanned by :func:`~juesuan_xlsx.evaluate.scan_book` first.
    ``book`` is the file as :func:`juesuan_xlsx.book.load_book` read it, if the caller has it (not read again).
    """
    budgets = {"max_formulas": max_formulas, "max_range_cells": max_range_cells, "max_sheet_cells": max_sheet_cells}
    try:
        book = _from_book(book) if book is not None else _load_book(path)
    except Exception:  # the reference reports the reader's failure its own way
        _STATS["fallbacks"] += 1
        return None
    try:
        collected = _collect(book)
        key = _bundle_key(book, collected, budgets)
        bundle = _find_bundle(key, collected)
        if bundle is None:
            survey = ev.scan_book(book, **budgets)
            result = ev._unevaluated(survey)
            if not result.evaluated or not survey.formulas:
                return result
            if any(scan.names for scan in survey.scans.values()):
                raise _Unsupported("defined names in formulas")
            if getattr(book, "_external_links", None):
                raise _Unsupported("external links")  # unused by the formulas (the scan refuses any use)
            circular = frozenset(ev._find_cycles(survey))
            bundle = _make_bundle(collected, circular)
            _keep_bundle(key, bundle)
        else:
            _STATS["bundle hits"] += 1
            result = ev.Evaluation(
                values={}, errors={}, circular=set(), formulas={s.key: s.raw for s in collected.specs if s.reported}
            )
        with ev._quiet_openpyxl(), np.errstate(all="ignore"):
            outputs = _calculate(bundle, collected)
    except Exception as exc:  # _Unsupported, or anything unforeseen: the reference evaluator decides
        _STATS["fallbacks"] += 1
        _STATS[f"fallback: {type(exc).__name__}: {exc}"[:160]] += 1
        return None
    finally:
        book.close()
        _DISK.flush()
        _BUNDLE_DISK.flush()
    result.circular = set(bundle.circular)
    ev._fill_results(result, outputs)
    return result


def _sheet_ids(book: Any) -> dict[str, tuple[str, str]]:
    """Worksheet title → (formulas' sheet id, upper-case title)."""
    out = {}
    for ws in book.worksheets:
        upper = ws.title.upper()
        out[ws.title] = (_geometry(upper, "A1").sheet_id, upper)
    return out


@dataclass(frozen=True)
class _Spec:
    """A cell ``formulas`` compiles: a formula cell (``reported``) or an error value typed as a cell."""

    key: ev.CellKey  # (sheet title, "C9")
    row: int
    col: int
    raw: str  # the cell's text, as scan_workbook reports it
    text: str  # what formulas compiles (compile_cell drops a doubled leading "=")
    reported: bool


@dataclass
class _Collected:
    """One pass over the workbook's cells."""

    sheet_ids: dict[str, tuple[str, str]]  # worksheet title → (formulas' sheet id, upper-case title)
    raw: dict[str, dict[tuple[int, int], Any]]  # sheet id → position → value, as compile_cell reads it
    specs: tuple[_Spec, ...]  # in scan order: worksheet by worksheet, by row then column


def _collect(book: Any) -> _Collected:
    from formulas import Parser

    sheet_ids = _sheet_ids(book)
    if len({sid for sid, _ in sheet_ids.values()}) != len(sheet_ids):
        raise _Unsupported("sheet names equal but for case")
    parser = Parser()
    raw: dict[str, dict[tuple[int, int], Any]] = {}
    specs: list[_Spec] = []
    for ws in book.worksheets:
        sheet_id, _upper = sheet_ids[ws.title]
        values = raw.setdefault(sheet_id, {})
        for (row, col), cell in sorted(ws._cells.items()):
            value = cell.value
            if value is None:
                continue
            data_type = cell.data_type
            if data_type == "f":
                if not isinstance(value, str):
                    raise _Unsupported("array formula")
                text = value[1:] if value[:2] == "==" else value
                specs.append(_Spec((ws.title, cell.coordinate), row, col, value, text, True))
            elif data_type != "s" and isinstance(value, str) and parser.is_formula(value):
                specs.append(_Spec((ws.title, cell.coordinate), row, col, value, value, False))
            else:
                if data_type == "n" and isinstance(value, float):
                    value = round(value, 15)
                values[(row, col)] = value
    return _Collected(sheet_ids, raw, tuple(specs))


def _calculate(bundle: _Bundle, collected: _Collected) -> dict[ev.CellKey, Any]:
    """Every formula cell's node value (a 1×1 array), computed in dependency order."""
    formulas, order, fixed = bundle.formulas, bundle.order, bundle.fixed
    raw, sheet_ids = collected.raw, collected.sheet_ids
    known_sheets = {sid for sid, _ in sheet_ids.values()}

    # Values of computed cells: the node's 1×1 array (what format_output stored), by sheet id and position.
    nodes: dict[str, dict[tuple[int, int], np.ndarray]] = {sid: {} for sid in known_sheets}
    circular_value = ev._input_value(ev._CIRCULAR)
    for i in fixed:
        formula = formulas[i]
        nodes[formula.sheet_id][(formula.row, formula.col)] = _node_array(formula.geometry, circular_value)
    ranges: dict[str, np.ndarray] = {}
    arguments_by_name: dict[str, _SharedRanges] = {}
    memo: dict[Any, Any] = {}
    positions = _Positions(raw, formulas)
    pending = {(f.sheet_id, f.row, f.col) for i, f in enumerate(formulas) if i not in fixed}

    def cell_array(g: _Geometry) -> np.ndarray:
        computed = nodes[g.sheet_id].get((g.row1, g.col1))
        if computed is not None:
            return computed
        if (g.sheet_id, g.row1, g.col1) in pending:
            raise _Unsupported("a formula read before it was computed")  # (a range raises KeyError below)
        value = raw[g.sheet_id].get((g.row1, g.col1))
        # A blank cell is the node RangesAssembler gives a default of [[EMPTY]].
        array = _node_array(g, [[_EMPTY]] if value is None else value)
        nodes[g.sheet_id][(g.row1, g.col1)] = array
        return array

    def range_array(g: _Geometry) -> np.ndarray:
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

    def argument(g: _Geometry) -> _SharedRanges:
        # What Cell._args gives the compiled function: the reference's Ranges holding its node's value.  The
        # node never changes once computed (dependency order), so one object serves every reader.
        found = arguments_by_name.get(g.name)
        if found is None:
            array = cell_array(g) if g.is_cell else range_array(g)
            kind = _SharedRanges if g.is_cell else _SharedArea
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


def _result_key(plan: _Plan, args: Sequence[Any]) -> tuple[Any, bool, tuple[Any, ...]] | None:
    """(the program, whether every argument is one cell, the arguments' keys), or None: run it, remember nothing.

    Programs compiled for one cell only are keyed by identity and never shared across files."""
    keys: list[Any] = []
    cells_only = plan.memo_key is not None
    try:
        for arg in args:
            if type(arg) is _SharedRanges:
                keys.append(_value_key(arg._value[0, 0]))
            else:
                keys.append(id(arg))
                cells_only = False
    except _NoKey:
        return None
    return (plan.memo_key if cells_only else id(plan.program)), cells_only, tuple(keys)


@dataclass
class _Bundle:
    """What a workbook's formulas alone determine: its reference cycles, a plan per formula cell, an order.

    Kept in memory for the next copy of the same template, and on disk (geometry as formulas' range dicts,
    programs by shape key into the program cache) when every plan's program is on disk.
    """

    circular: frozenset[ev.CellKey]
    formulas: list[_Formula]
    order: list[int]
    fixed: set[int]


_BUNDLES: collections.OrderedDict[str, _Bundle] = collections.OrderedDict()
_MAX_BUNDLES: Final = 8


def _bundle_key(book: Any, collected: _Collected, budgets: Mapping[str, int]) -> str:
    """Everything the scan, the cycles and the plans depend on: sheets, used areas, formulas, names, budgets."""
    digest = hashlib.sha256(_source_fingerprint().encode())

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


def _find_bundle(key: str, collected: _Collected) -> _Bundle | None:
    with _LOCK:
        bundle = _BUNDLES.get(key)
        if bundle is not None:
            _BUNDLES.move_to_end(key)
            return bundle
    data = _BUNDLE_DISK.get(key)
    if data is None:
        return None
    try:
        bundle = _decode_bundle(data, collected)
    except (ValueError, KeyError, TypeError, IndexError, AttributeError):
        return None
    if bundle is not None:
        _remember_bundle(key, bundle)
    return bundle


def _remember_bundle(key: str, bundle: _Bundle) -> None:
    with _LOCK:
        _BUNDLES[key] = bundle
        while len(_BUNDLES) > _MAX_BUNDLES:
            _BUNDLES.popitem(last=False)


def _keep_bundle(key: str, bundle: _Bundle) -> None:
    _remember_bundle(key, bundle)
    if all(f.plan.shape is not None for f in bundle.formulas):
        _BUNDLE_DISK.put(key, _encode_bundle(bundle))


def _encode_bundle(bundle: _Bundle) -> Any:
    shapes: dict[str, int] = {}
    geometry: dict[str, int] = {}
    rngs: list[dict[str, Any]] = []

    def geometry_index(g: _Geometry) -> int:
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


def _decode_bundle(data: Any, collected: _Collected) -> _Bundle | None:
    specs = collected.specs
    cells, rngs, shapes = data["cells"], data["geometry"], data["shapes"]
    if not (isinstance(cells, list) and len(cells) == len(specs) and isinstance(rngs, list)):
        return None
    geometries = [_geometry_from_rng(rng) for rng in rngs]
    programs = [_stored_program(key) if isinstance(key, str) else None for key in shapes]
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
        plan = _Plan(program, args, shapes[shape], shapes[shape])
        formulas.append(_Formula(spec.key, sheet_id, spec.row, spec.col, geometries[own], plan, spec.reported))
    circular = frozenset((str(title), str(cell)) for title, cell in data["circular"])
    fixed = {int(i) for i in data["fixed"]}
    order = [int(i) for i in data["order"]]
    if sorted(order + sorted(fixed)) != list(range(len(formulas))):
        return None
    return _Bundle(circular, formulas, order, fixed)


def _geometry_from_rng(rng: Any) -> _Geometry:
    if not (isinstance(rng, dict) and all(isinstance(k, str) for k in rng)):
        raise ValueError("geometry")
    if not all(isinstance(v, str | int) and not isinstance(v, bool) or v == {} for v in rng.values()):
        raise ValueError("geometry")
    return _Geometry(rng, rng["name"], rng["sheet_id"], rng["sheet"].upper(), int(rng["r1"]), int(rng["n1"]),
                     int(rng["r2"]), int(rng["n2"]), ":" not in rng["ref"])


def _make_bundle(collected: _Collected, circular: frozenset[ev.CellKey]) -> _Bundle:
    """Plan every formula cell (compiling new shapes) and find an order to compute them in."""
    sheet_ids = collected.sheet_ids
    formulas: list[_Formula] = []
    for spec in collected.specs:
        title, coordinate = spec.key
        sheet_id, upper = sheet_ids[title]
        formulas.append(
            _Formula(spec.key, sheet_id, spec.row, spec.col, _geometry(upper, coordinate),
                     _plan(title, coordinate, spec.row, spec.col, spec.text), spec.reported)
        )
    known_sheets = {sid for sid, _ in sheet_ids.values()}
    for formula in formulas:
        for argument in formula.plan.arguments:
            if argument.sheet_id not in known_sheets:
                raise _Unsupported("reference to a missing sheet")

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

    def inside(g: _Geometry) -> Iterator[int]:
        cols = sheet_columns.get(g.sheet_id, ())
        for col in cols[bisect.bisect_left(cols, g.col1) : bisect.bisect_right(cols, g.col2)]:
            rows = columns[(g.sheet_id, col)]
            for row in rows[bisect.bisect_left(rows, g.row1) : bisect.bisect_right(rows, g.row2)]:
                yield index[(g.sheet_id, row, col)]

    fixed = {index[(sheet_ids[s][0], *_row_col(c))] for s, c in circular}
    return _Bundle(circular, formulas, _order(formulas, fixed, inside), fixed)


def _row_col(coordinate: str) -> tuple[int, int]:
    m = ev._SPLIT_CELL.fullmatch(coordinate)
    if m is None:
        raise _Unsupported(coordinate)
    return int(m[2]), column_index_from_string(m[1])


# Values format_output turns into a fresh 1×1 object array holding them unchanged (np.ndim 0, not an array).
_SCALAR_TYPES: Final = frozenset({float, int, str, bool, sh.Token})


def _node_array(g: _Geometry, value: Any) -> np.ndarray:
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

    def __init__(self, raw: Mapping[str, Mapping[tuple[int, int], Any]], formulas: Sequence[_Formula]) -> None:
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

    def within(self, g: _Geometry) -> Iterator[tuple[int, int]]:
        cols = self.columns.get(g.sheet_id, ())
        for col in cols[bisect.bisect_left(cols, g.col1) : bisect.bisect_right(cols, g.col2)]:
            rows = self.rows[(g.sheet_id, col)]
            for row in rows[bisect.bisect_left(rows, g.row1) : bisect.bisect_right(rows, g.row2)]:
                yield row, col


def _order(formulas: Sequence[_Formula], fixed: set[int], inside: Any) -> list[int]:
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
        raise _Unsupported("a cycle the scan did not see")
    return order
