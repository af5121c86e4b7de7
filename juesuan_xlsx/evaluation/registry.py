"""``formulas``' function and operator registries, with the corrections of :mod:`.excel` installed.

:func:`install_corrections` replaces the affected functions in ``formulas.get_functions()`` (the documented way to
add or replace one) and the operators in ``formulas.functions.operators.OPERATORS``; it runs once at import of this
module and is idempotent, so every formula compiled afterwards — by either engine — uses the corrected versions.
:func:`function_registry` is that registry, built lazily so that no statistics module (scipy) is imported.
"""

from __future__ import annotations

import collections
import functools
import threading
import types
from collections.abc import Iterator
from typing import Any, Final

import formulas
from formulas.functions.operators import OPERATORS

from .excel import corrected_functions, corrected_operators

__all__ = ["INSTALLED", "function_registry", "install_corrections"]

_ORIGINALS: dict[str, Any] = {}  # formulas' own implementations the corrections wrap


#: What :func:`install_corrections` put in place: functions by name, operators as "operator +" and so on.
INSTALLED: dict[str, Any] = {}

# ``formulas.get_functions()`` imports every function module; the statistics one imports scipy.stats (~0.6 s, half
# the start-up of a ``juesuan-xlsx verify`` process) although no whitelisted function lives there.  The registry
# below holds the modules that define the whitelist and imports the others the first time a name is missing.
_EAGER_MODULES: Final = (".info", ".logic", ".text", ".look")


class _LazyFunctions(collections.defaultdict):  # type: ignore[type-arg]
    """``formulas``' function registry, completed on first need with the modules it has not imported yet.

    Behaves as the registry ``formulas.get_functions()`` builds (a ``defaultdict`` whose default is formulas'
    ``not_implemented``): a missing name, a membership test or any enumeration first imports the remaining
    modules.  No function name is defined by two modules (``tests/test_fasteval.py`` checks it), so the result is
    the same registry whatever the order; entries already set (the corrections) are kept.
    """

    __slots__ = ()
    _pending: list[str] = []  # module names not imported yet (class-level: one registry per process)

    def _complete(self) -> bool:
        if not _LazyFunctions._pending:
            return False
        import importlib

        pending, _LazyFunctions._pending = _LazyFunctions._pending, []
        for name in pending:
            for key, func in importlib.import_module(name, "formulas.functions").FUNCTIONS.items():
                self.setdefault(key, func)
        return True

    def __missing__(self, key: Any) -> Any:
        if self._complete() and dict.__contains__(self, key):
            return dict.__getitem__(self, key)
        return super().__missing__(key)

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, key) or (self._complete() and dict.__contains__(self, key))

    def get(self, key: Any, default: Any = None) -> Any:
        return self[key] if key in self else default

    def __iter__(self) -> Iterator[Any]:
        self._complete()
        return super().__iter__()

    def __len__(self) -> int:
        self._complete()
        return super().__len__()

    def keys(self) -> Any:
        self._complete()
        return super().keys()

    def values(self) -> Any:
        self._complete()
        return super().values()

    def items(self) -> Any:
        self._complete()
        return super().items()

    def copy(self) -> Any:
        self._complete()
        return super().copy()


_REGISTRY_LOCK = threading.Lock()


def function_registry() -> Any:
    """``formulas.get_functions()``, installed lazily the first time (see :class:`_LazyFunctions`).

    If ``formulas`` has already built its full registry (someone called ``get_functions()`` before this module
    was imported), that one is used unchanged.
    """
    import formulas.functions as functions_module

    with _REGISTRY_LOCK:
        getter = functions_module.get_functions
        if not getattr(getter, "_juesuan_lazy", False) and getter.cache_info().currsize == 0:
            eager = [m for m in functions_module.SUBMODULES if m in _EAGER_MODULES]
            pending = [m for m in functions_module.SUBMODULES if m not in _EAGER_MODULES]

            @functools.lru_cache(None)
            def get_functions() -> _LazyFunctions:
                import importlib

                registry = _LazyFunctions(lambda: functions_module.not_implemented)
                for name in eager:
                    registry.update(importlib.import_module(name, "formulas.functions").FUNCTIONS)
                registry.update(functions_module.FUNCTIONS)
                _LazyFunctions._pending = pending
                return registry

            get_functions._juesuan_lazy = True  # type: ignore[attr-defined]
            functions_module.get_functions = get_functions
            if "get_functions" in vars(formulas):  # formulas caches its lazily imported attributes
                formulas.get_functions = get_functions
        return functions_module.get_functions()


class _SilentTqdm(types.ModuleType):
    """Stand-in for the ``tqdm`` module inside ``formulas.excel``: its progress bars would pollute the CLI."""

    def __init__(self) -> None:
        super().__init__("tqdm")
        import tqdm

        self.tqdm = functools.partial(tqdm.tqdm, disable=True)


def install_corrections() -> None:
    """Replace the wrong ``formulas`` implementations in its registries; safe to call any number of times.

    Functions live in ``formulas.get_functions()`` (the documented way to add or replace one), operators in
    ``formulas.functions.operators.OPERATORS``.  Both are looked up when a formula is compiled, so this must
    run before a model is loaded; it runs at import of this module.
    """
    if INSTALLED:
        return
    registry = function_registry()
    _ORIGINALS.setdefault("VLOOKUP", registry["VLOOKUP"])
    for name, func in corrected_functions(_ORIGINALS["VLOOKUP"]).items():
        registry[name] = func
        INSTALLED[name] = func
    for symbol, func in corrected_operators().items():
        OPERATORS[symbol] = func
        INSTALLED["operator " + symbol] = func
    import formulas.excel

    if not isinstance(formulas.excel.tqdm, _SilentTqdm):
        formulas.excel.tqdm = _SilentTqdm()


install_corrections()
