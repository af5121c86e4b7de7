"""Programs: the function ``formulas`` compiles for one formula shape, flattened into the calls it makes.

:func:`compile_program` compiles one cell of a shape with ``formulas``' own ``Cell`` (the very call
``ExcelModel`` makes, hence the same parser and the corrected functions and operators of :mod:`.excel`) and
flattens the compiled function — a ``schedula`` pipe — into the list of function calls the pipe executes, minus
the dispatcher's bookkeeping (:class:`Program`; the pipe itself runs when it cannot be flattened).  Within one
file a call with arguments equal to an earlier call's takes that call's result: the whitelisted functions are
pure (:func:`value_key`).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import schedula as sh
from formulas.cell import Cell
from formulas.functions import Array as _Array
from formulas.ranges import Ranges
from formulas.tokens.operand import XlError

from .shapes import Token, Unsupported, argument_geometry, formula_context, geometry_of, token_ref

__all__ = [
    "STEP_CALL",
    "STEP_CONST",
    "STEP_FILTER",
    "STEP_IN",
    "NoKey",
    "Program",
    "SharedArea",
    "SharedRanges",
    "compile_program",
    "value_key",
]

_NONE: Final = sh.NONE

# The kinds of step a program runs (the first item of each step; :class:`Program`).
STEP_IN, STEP_CONST, STEP_CALL, STEP_FILTER = 0, 1, 2, 3


@dataclass
class Program:
    """The function ``formulas`` compiles for one shape, as the calls its ``schedula`` pipe makes.

    ``inputs[i]`` is the index of the reference (in the shape's order) that feeds argument ``i``.  ``steps``
    run in order on a list of slots: (STEP_IN, slot, argument, filters), (STEP_CONST, slot, value, filters),
    (STEP_CALL, function, input slots, output slot, function filters), (STEP_FILTER, slot, filters).  When the pipe
    cannot be flattened, ``pipe`` is run instead (one call at a time).
    """

    inputs: tuple[int, ...]
    steps: tuple[tuple[Any, ...], ...]
    slots: int
    output: int
    pipe: Any = None
    lock: threading.Lock | None = None
    persistable: bool = False  # may be stored in the on-disk cache (decided by :mod:`.plans`)

    def run(self, args: Sequence[Any], memo: dict[Any, Any] | None = None) -> Any:
        """The compiled function of ``args``; calls with equal arguments are looked up in ``memo`` if given."""
        if self.pipe is not None:
            assert self.lock is not None
            with self.lock:  # a schedula pipe keeps its solution on itself
                try:
                    return self.pipe(*args)
                except Exception as exc:
                    raise Unsupported(f"pipe: {type(exc).__name__}") from exc
        env: list[Any] = [None] * self.slots
        for step in self.steps:
            kind = step[0]
            if kind == STEP_CALL:
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
                    raise Unsupported(f"{getattr(step[1], '__name__', step[1])}: {type(exc).__name__}") from exc
                if value is _NONE:
                    raise Unsupported("no value")
                if key is not None:
                    memo[key] = value  # type: ignore[index]
                env[step[3]] = value
            elif kind == STEP_FILTER:
                value = env[step[1]]
                for f in step[2]:
                    value = f(value)
                if value is _NONE:
                    raise Unsupported("no value")
                env[step[1]] = value
            else:
                value = args[step[2]] if kind == STEP_IN else step[2]
                for f in step[3]:
                    value = f(value)
                if value is _NONE:
                    raise Unsupported("no value")
                env[step[1]] = value
        return env[self.output]


class NoKey(Exception):
    pass


_SMALL: Final = 64  # intermediate arrays up to this size are compared by value for the memo


def value_key(value: Any) -> Any:
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
    raise NoKey


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
            if kind is SharedRanges or kind is SharedArea:
                append(id(value))
            elif kind is _Array or kind is np.ndarray or isinstance(value, np.ndarray):
                if kind is not np.ndarray and value.__dict__:
                    return None
                size = value.size
                if size == 1:
                    append((kind, value.shape, value.dtype.char, value_key(value.item())))
                elif size <= _SMALL:
                    append((kind, value.shape, value.dtype.char, tuple(map(value_key, value.ravel().tolist()))))
                else:
                    return None
            else:
                append(value_key(value))
    except NoKey:
        return None
    return tuple(keys)


class SharedRanges(Ranges):  # type: ignore[misc]
    """The ``Ranges`` of one referenced cell or area, built once per evaluation and given to every reader."""

    __slots__ = ()


class SharedArea(SharedRanges):
    """The shared ``Ranges`` of an area (more than one cell): remembered results that read one are keyed by its
    identity, valid within one file only (one-cell arguments are keyed by value, :func:`_result_key`)."""

    __slots__ = ()


def _flatten(pipe: Any) -> tuple[tuple[tuple[Any, ...], ...], int, int]:
    """(steps, slot count, output slot) of a ``schedula`` DispatchPipe, or Unsupported."""
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
            raise Unsupported("sub-dispatcher")
        attr = dsp.nodes[node_id]
        if attr["type"] == "data":
            if "function" in attr or attr.get("wait_inputs"):
                raise Unsupported("data node function")
            filters = tuple(attr.get("filters", ()))
            if node_id in inputs:
                steps.append((STEP_IN, slot(node_id), inputs[node_id], filters))
            elif node_id in produced:
                if node_id in defaults:
                    raise Unsupported("default and function")
                if filters:
                    steps.append((STEP_FILTER, slot(node_id), filters))
            elif node_id in defaults:
                steps.append((STEP_CONST, slot(node_id), defaults[node_id]["value"], filters))
            else:
                raise Unsupported(f"no value for {node_id!r}")
        elif attr["type"] == "function":
            if "input_domain" in attr or len(attr["outputs"]) != 1:
                raise Unsupported("function node")
            missing = [i for i in attr["inputs"] if i not in slots]
            if missing:
                raise Unsupported(f"input before value: {missing!r}")
            out = attr["outputs"][0]
            if out in produced or out in inputs:
                raise Unsupported("two estimations")
            steps.append((STEP_CALL, attr["function"], tuple(slots[i] for i in attr["inputs"]), slot(out),
                          tuple(attr.get("filters", ()))))
            produced.add(out)
        else:
            raise Unsupported(f"{attr['type']} node")
    if len(pipe.outputs) != 1 or pipe.outputs[0] not in slots:
        raise Unsupported("output")
    output = pipe.outputs[0]
    if output not in produced and output not in inputs and output not in defaults:
        raise Unsupported("output")
    return tuple(steps), len(slots), slots[output]


def compile_program(text: str, sheet_upper: str, coordinate: str, tokens: Sequence[Token]) -> tuple[Program, bool]:
    """Compile the formula of one cell as ExcelModel.compile_cell does; (program, shareable with its shape)."""
    context = formula_context(sheet_upper)
    try:
        cell = Cell(coordinate, text, context=context, check_formula=True).compile(references={}, context=context)
    except Exception as exc:  # a formula formulas cannot parse: the model's own error, from the model
        raise Unsupported(f"compile: {type(exc).__name__}") from exc
    if cell.func is None:
        raise Unsupported("not a formula")
    pipe = cell.func.func
    # Each argument of the compiled function is one reference of the text, named as the model names it.
    names = [geometry_of(sheet_upper, token_ref(t)).name for t in tokens]
    argument_tokens: list[int] = []
    for key, value in pipe.inputs.items():
        if not isinstance(value, Ranges) or len(value.ranges) != 1:
            raise Unsupported(f"input {key!r}")
        links = cell.inputs.get(value.ranges[0]["name"])
        if links != [key]:
            raise Unsupported(f"input links {key!r}")
        rng = value.ranges[0]
        if rng["name"] not in names:
            raise Unsupported(f"input {key!r} is no reference of the text")
        index = names.index(rng["name"])
        if argument_geometry(sheet_upper, tokens[index]).rng != rng:
            raise Unsupported(f"geometry of {key!r}")
        argument_tokens.append(index)
    shareable = set(names) == {value.ranges[0]["name"] for value in pipe.inputs.values()}
    # A constant that is a Ranges (the cell's own position, a defined name) ties the function to this cell.
    if any(isinstance(d["value"], Ranges) for d in pipe.dsp.default_values.values()):
        shareable = False
    try:
        steps, slots, output = _flatten(pipe)
        program = Program(tuple(argument_tokens), steps, slots, output)
    except Unsupported:
        program = Program(tuple(argument_tokens), (), 0, 0, pipe=pipe, lock=threading.Lock())
    return program, shareable
