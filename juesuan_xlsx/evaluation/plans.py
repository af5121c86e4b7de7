"""Per-cell plans: which program computes a formula cell and with which arguments; the programs by shape.

A program is looked up by its shape in memory, then in the on-disk cache (:data:`~.cache.PROGRAM_STORE`), and
compiled only when neither has it.  :data:`STATS` counts what happened (:func:`~.fast.stats`).
"""

from __future__ import annotations

import collections
import threading
from dataclasses import dataclass
from typing import Final

from .cache import PROGRAM_STORE, decode_program, encode_program, encode_steps
from .program import Program, compile_program
from .shapes import Geometry, Token, Unsupported, alias_pattern, argument_geometry, shape_of

__all__ = ["STATS", "Plan", "clear_plans", "plan_for", "stored_program"]

# Bounds on the in-memory caches (a hostile batch of all-different formulas must not grow them for ever).
_MAX_PROGRAMS: Final = 20_000
_MAX_PLANS: Final = 50_000


@dataclass(frozen=True)
class Plan:
    """How to compute one formula cell: its program and the geometry of each argument."""

    program: Program
    arguments: tuple[Geometry, ...]
    shape: str | None  # the program's key in the on-disk cache; None when compiled for this cell only
    # the program's shape key whether or not it can be stored on disk (None: compiled for this cell only), for
    # remembering results across files (:mod:`.fast`)
    memo_key: str | None = None


_PROGRAMS: dict[str, Program] = {}
_PLANS: dict[tuple[str, str, str], Plan] = {}
_LOCK = threading.Lock()
#: Counters of the fast engine since the last :func:`~.fast.clear_caches` (:func:`~.fast.stats`).
STATS: collections.Counter[str] = collections.Counter()


def _program_for(
    text: str, sheet_upper: str, coordinate: str, row: int, col: int
) -> tuple[Program, list[Token], str | None]:
    """(program, references of the text, the program's shape key or None when it serves this cell only)."""
    shape, tokens = shape_of(text, row, col)
    key = f"{shape}\x01{','.join(map(str, alias_pattern(tokens, sheet_upper)))}"
    program = _PROGRAMS.get(key)
    if program is not None:
        STATS["shape hits"] += 1
        return program, tokens, key
    program = stored_program(key)
    if program is None:
        STATS["compiled"] += 1
        program, shareable = compile_program(text, sheet_upper, coordinate, tokens)
        if program.pipe is None:  # a flattened program can be stored if it serves its shape and encodes as JSON
            program.persistable = shareable and encode_steps(program.steps) is not None
        if not shareable:
            STATS["unshared"] += 1
            return program, tokens, None  # compiled for this cell only
        if program.persistable:
            PROGRAM_STORE.put(key, encode_program(program))
        _keep_program(key, program)
    return program, tokens, key


def stored_program(key: str) -> Program | None:
    """A program from memory or from the on-disk cache."""
    program = _PROGRAMS.get(key)
    if program is not None:
        return program
    data = PROGRAM_STORE.get(key)
    if data is None:
        return None
    try:
        program = decode_program(data)
    except (ValueError, KeyError, TypeError, IndexError):
        return None
    STATS["disk hits"] += 1
    _keep_program(key, program)
    return program


def _keep_program(key: str, program: Program) -> None:
    with _LOCK:
        if len(_PROGRAMS) >= _MAX_PROGRAMS:
            _PROGRAMS.clear()
        _PROGRAMS[key] = program


def plan_for(sheet: str, coordinate: str, row: int, col: int, text: str) -> Plan:
    """The plan of the formula ``text`` in one cell (kept by sheet, cell and text), or :class:`Unsupported`."""
    key = (sheet, coordinate, text)
    plan = _PLANS.get(key)
    if plan is not None:
        return plan
    sheet_upper = sheet.upper()
    try:
        program, tokens, shape = _program_for(text, sheet_upper, coordinate, row, col)
        arguments = tuple(argument_geometry(sheet_upper, tokens[i]) for i in program.inputs)
        plan = Plan(program, arguments, shape if program.persistable else None, shape)
    except Unsupported:
        raise
    except Exception as exc:  # e.g. a reference formulas cannot name: the model's business
        raise Unsupported(f"plan: {type(exc).__name__}") from exc
    with _LOCK:
        if len(_PLANS) >= _MAX_PLANS:
            _PLANS.clear()
        _PLANS[key] = plan
    return plan


def clear_plans() -> None:
    """Forget every program and plan kept in memory."""
    with _LOCK:
        _PROGRAMS.clear()
        _PLANS.clear()
