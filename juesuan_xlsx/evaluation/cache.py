"""The on-disk program cache: compiled programs and per-template bundles as JSON, in a private directory.

A fresh process need not compile again what an earlier one compiled: :class:`DiskCache` keeps JSON entries by key
in ``<cache dir>/<kind>-<fingerprint>.json`` (never pickle), valid for these exact sources and library versions
(:func:`source_fingerprint`).  Programs are written as the calls they make, each function named by its place in
``formulas``' registry (:func:`encode_program`, :func:`decode_program`): a tampered file cannot run code.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import formulas
import numpy as np
import schedula as sh
from formulas.functions import Array as _Array
from formulas.functions import replace_empty
from formulas.tokens.operand import XlError

from .program import STEP_CALL, STEP_CONST, STEP_FILTER, STEP_IN, Program
from .registry import function_registry
from .shapes import Unsupported

__all__ = [
    "BUNDLE_STORE",
    "CACHE_ENV",
    "PROGRAM_STORE",
    "DiskCache",
    "clear_stores",
    "decode_program",
    "encode_program",
    "encode_steps",
    "source_fingerprint",
]

_EMPTY: Final = sh.EMPTY
_PACKAGE: Final = Path(__file__).resolve().parent


#: Environment variable: a directory for the on-disk program cache, or ``off`` to keep programs in memory only.
#: Default: ``$XDG_CACHE_HOME/juesuan-xlsx`` (``~/.cache/juesuan-xlsx``).
CACHE_ENV: Final = "JUESUAN_XLSX_CACHE"


def _function_tags() -> tuple[dict[int, list[Any]], Any]:
    """Reverse lookup of the objects a program may call, and a resolver from tags back to objects."""
    from formulas.builder import _default_filter
    from formulas.functions.operators import OPERATORS

    registry = function_registry()
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
    """A constant of a compiled formula as JSON, or Unsupported."""
    if value is _EMPTY:
        return {"empty": True}
    if isinstance(value, XlError):
        from formulas.tokens.operand import Error

        if Error.errors.get(str(value)) is value:
            return {"error": str(value)}
        raise Unsupported("error value")
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
            raise Unsupported("array attributes")
        rows = [[_encode_value(item) for item in row] for row in value.tolist()]
        return {"array": rows, "class": "Array" if type(value) is _Array else "ndarray"}
    raise Unsupported(f"constant {type(value).__name__}")


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


def encode_steps(steps: Sequence[tuple[Any, ...]]) -> list[Any] | None:
    tags = _tags()[0]

    def tag(func: Any) -> list[Any]:
        found = tags.get(id(func))
        if found is None:
            raise Unsupported("function")
        return found

    try:
        out: list[Any] = []
        for step in steps:
            kind = step[0]
            if kind == STEP_IN:
                out.append([STEP_IN, step[1], step[2], [tag(f) for f in step[3]]])
            elif kind == STEP_CONST:
                out.append([STEP_CONST, step[1], _encode_value(step[2]), [tag(f) for f in step[3]]])
            elif kind == STEP_CALL:
                out.append([STEP_CALL, tag(step[1]), list(step[2]), step[3], [tag(f) for f in step[4]]])
            else:
                out.append([STEP_FILTER, step[1], [tag(f) for f in step[2]]])
        return out
    except Unsupported:
        return None


def encode_program(program: Program) -> Any:
    steps = encode_steps(program.steps)
    if steps is None:
        return None
    return {"inputs": list(program.inputs), "steps": steps, "slots": program.slots, "output": program.output}


def decode_program(data: Any) -> Program:
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
        if kind == STEP_IN and len(step) == 4:
            if type(step[2]) is not int or not 0 <= step[2] < len(inputs):
                raise ValueError("argument")
            steps.append((STEP_IN, index(step[1]), step[2], funcs(step[3])))
        elif kind == STEP_CONST and len(step) == 4:
            steps.append((STEP_CONST, index(step[1]), _decode_value(step[2]), funcs(step[3])))
        elif kind == STEP_CALL and len(step) == 5 and isinstance(step[2], list):
            arguments = tuple(index(i) for i in step[2])
            steps.append((STEP_CALL, resolve(step[1]), arguments, index(step[3]), funcs(step[4])))
        elif kind == STEP_FILTER and len(step) == 3:
            steps.append((STEP_FILTER, index(step[1]), funcs(step[2])))
        else:
            raise ValueError("step")
    return Program(tuple(inputs), tuple(steps), slots, output, persistable=True)


def source_fingerprint() -> str:
    """Programs are valid for these exact sources and versions: every module of this package (the corrections, the
    scanner and both engines) and the libraries'."""
    digest = hashlib.sha256()
    for source in sorted(_PACKAGE.glob("*.py")):
        with open(source, "rb") as handle:
            digest.update(handle.read())
    versions = (formulas.__version__, sh.__version__, np.__version__, sys.version)
    digest.update(repr(versions).encode())
    return digest.hexdigest()[:24]


class DiskCache:
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
        self.path = directory / f"{self.kind}-{source_fingerprint()}.json"
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

    def reset(self, delete: bool = False) -> None:
        """Forget what is in memory, as a new process would (and delete the file with ``delete``)."""
        with self.lock:
            self.loaded = False
            self.entries = {}
            self.dirty.clear()
            if delete and self.path is not None:
                with contextlib.suppress(OSError):
                    self.path.unlink()
            self.path = None

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


PROGRAM_STORE = DiskCache("programs", max_entries=20_000)  # compiled programs by shape
BUNDLE_STORE = DiskCache("bundles", max_entries=64)  # per-template bundles: few, and ~0.3 MB each


def clear_stores(disk: bool = False) -> None:
    """Forget what the stores hold in memory (and delete their files with ``disk``) and the function tags."""
    global _TAGS
    for store in (PROGRAM_STORE, BUNDLE_STORE):
        store.reset(delete=disk)
    _TAGS = None
