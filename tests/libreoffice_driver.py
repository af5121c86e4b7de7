"""Drive a real LibreOffice Calc over UNO, so tests can prove that a spreadsheet computes our numbers.

A test helper, not part of the package: the package itself needs only :func:`juesuan_xlsx.soffice.find_soffice`.

One headless ``soffice`` per :class:`LibreOffice` (own user profile, own named pipe), documents opened with
LibreOffice's default settings, inputs typed in batches, computed values read back, files saved as xlsx or
exported to PDF/PNG.  Importing this module never needs LibreOffice; ``uno`` is imported on first use.

Measured on Debian 12 / LibreOffice 7.4.7 (the tests pin each point down):

* Sheet protection over UNO is enforced only by the *range* setters: ``setDataArray`` / ``setFormulaArray``
  on a block containing a locked cell of a protected sheet raise ``RuntimeException`` and write nothing,
  while the single-cell setters ``setValue`` / ``setString`` / ``setFormula`` overwrite a locked formula
  cell without complaint, and ``clearContents`` is silently ignored.  Every write here therefore goes
  through ``setDataArray`` and so gets LibreOffice's own UI rule; nothing is emulated.
* Inserting rows on a protected sheet raises ``RuntimeException`` unless the protection allows it.
* A default LibreOffice does not recalculate an xlsx on load: formula cells show the producer's cached
  value (xlsxwriter writes 0 unless given ``''``; an empty cached value makes LibreOffice compute the cell).
"""

from __future__ import annotations

import builtins
import contextlib
import glob
import importlib.util
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
import weakref
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any, Literal

from juesuan_xlsx.soffice import SOFFICE_CANDIDATES, find_soffice

__all__ = [
    "CellProtectedError",
    "CellValue",
    "Document",
    "LibreOffice",
    "LibreOfficeError",
    "LibreOfficeUnavailable",
    "SheetProtectedError",
    "convert",
    "find_soffice",
    "import_uno",
    "render_png",
]

#: A cell's value as read back: numbers as float, text as str, an empty cell as None.  Error results come
#: back as LibreOffice displays them ("#DIV/0!", "Err:502"), as openpyxl's data_only does.
CellValue = float | str | None

#: Input values accepted by the writers (Decimal because the project does its arithmetic in Decimal).
InputValue = int | float | Decimal | str | None

# Filter names of LibreOffice's export filters, by target extension.
_FILTERS = {
    "xlsx": "Calc Office Open XML",
    "pdf": "calc_pdf_Export",
    "ods": "calc8",
}

# com.sun.star.sheet.CellFlags.FORMULA
_CELLFLAG_FORMULA = 16
# com.sun.star.sheet.AddressConvention.XL_OOX: how Excel writes formulas into xlsx (A1, "," separators).
_CONVENTION_XL_OOX = 3

_CELL_RE = re.compile(r"^\$?([A-Za-z]{1,3})\$?([1-9][0-9]{0,6})$")


class LibreOfficeError(RuntimeError):
    """LibreOffice misbehaved or refused an operation."""


class LibreOfficeUnavailable(LibreOfficeError):
    """soffice or the Python-UNO bridge is not installed, or cannot be used from this Python."""


class CellProtectedError(LibreOfficeError):
    """A write hit locked cells of a protected sheet; LibreOffice refused it, writing nothing of the block."""

    def __init__(self, sheet: str, cells: list[str]) -> None:
        self.sheet = sheet
        self.cells = cells
        super().__init__(f"sheet {sheet!r} is protected and these cells are locked: {', '.join(cells)}")


class SheetProtectedError(LibreOfficeError):
    """A structural change (inserting rows) was refused because the sheet is protected."""

    def __init__(self, sheet: str, action: str) -> None:
        self.sheet = sheet
        super().__init__(f"sheet {sheet!r} is protected; LibreOffice refused to {action}")


# ------------------------------------------------------------------------------------------------------------
# Finding LibreOffice and importing uno
# ------------------------------------------------------------------------------------------------------------

# Where distributions put uno.py when it is not beside pyuno.so (Debian/Ubuntu package python3-uno).
_UNO_PY_CANDIDATES = ("/usr/lib/python3/dist-packages",)


def _program_dir(soffice: str | None) -> Path | None:
    """LibreOffice's program folder (holds pyuno.so, libpyuno.so); /usr/bin/soffice is a symlink into it."""
    if soffice:
        folder = Path(os.path.realpath(soffice)).parent
        if (folder / "pyuno.so").exists() or (folder / "uno.py").exists():
            return folder
    for pattern in SOFFICE_CANDIDATES:
        for candidate in sorted(glob.glob(pattern), reverse=True):
            folder = Path(candidate).parent
            if (folder / "pyuno.so").exists():
                return folder
    return None


def _bridge_python_minor(program_dir: Path) -> int | None:
    """Python 3 minor version libpyuno.so was linked against (its DT_NEEDED names libpython3.N)."""
    for lib in ("libpyuno.so", "pyuno.so"):
        try:
            data = (program_dir / lib).read_bytes()
        except OSError:
            continue
        match = re.search(rb"libpython3\.(\d+)", data)
        if match:
            return int(match.group(1))
    return None


def _load_module_from(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def import_uno(soffice: str | None = None) -> ModuleType:
    """Import LibreOffice's ``uno`` module into this (non-distribution) Python and return it.

    Debian ships uno.py in /usr/lib/python3/dist-packages and pyuno.so in /usr/lib/libreoffice/program.
    The program folder goes to the *end* of sys.path (pyuno.so must be importable by name).  uno.py and
    unohelper.py are loaded by file path instead of adding dist-packages to sys.path: that folder also holds
    ~25 other Debian packages (toml, wheel, distro, jwt, ...) that would silently become importable here.

    uno.py replaces ``builtins.__import__`` with a hook that turns the ``ModuleNotFoundError`` of a failed
    ``from x import y`` into a plain ``ImportError``; libraries that probe optional modules with ``except
    ModuleNotFoundError`` then crash (measured: ``formulas.ExcelModel`` fails inside tqdm, which formulas
    imports lazily, even when ``formulas`` itself was imported before uno).  So the hook is kept only while
    uno/unohelper load; use ``uno.getClass`` / ``uno.createUnoStruct``, not ``from com.sun.star... import``.
    """
    existing = sys.modules.get("uno")
    if existing is not None and hasattr(existing, "getComponentContext"):
        return existing

    soffice = soffice or find_soffice()
    program_dir = _program_dir(soffice)
    if program_dir is None:
        raise LibreOfficeUnavailable(
            "LibreOffice's program folder (with pyuno.so) was not found; on Debian/Ubuntu install "
            "libreoffice-calc-nogui and python3-uno (see .ci/lo-install.sh)"
        )
    uno_py = next(
        (
            Path(d) / "uno.py"
            for d in (str(program_dir), *_UNO_PY_CANDIDATES)
            if (Path(d) / "uno.py").exists()
        ),
        None,
    )
    if uno_py is None:
        raise LibreOfficeUnavailable("uno.py was not found; on Debian/Ubuntu install python3-uno")

    minor = _bridge_python_minor(program_dir)
    if minor is not None and minor != sys.version_info.minor:
        raise LibreOfficeUnavailable(
            f"LibreOffice's Python-UNO bridge in {program_dir} is built for Python 3.{minor}, but this is "
            f"Python {sys.version_info.major}.{sys.version_info.minor} ({sys.executable}); run the "
            f"LibreOffice tests with a Python 3.{minor}"
        )

    if str(program_dir) not in sys.path:
        sys.path.append(str(program_dir))
    original_import = builtins.__import__
    try:
        uno = _load_module_from("uno", uno_py)
        helper = uno_py.with_name("unohelper.py")
        if helper.exists() and "unohelper" not in sys.modules:
            # unohelper needs the hook at import time (it does "from com.sun.star.lang import ...").
            _load_module_from("unohelper", helper)
    except Exception as exc:
        raise LibreOfficeUnavailable(f"cannot import uno from {uno_py} with {program_dir}: {exc}") from exc
    finally:
        builtins.__import__ = original_import
    return uno


# ------------------------------------------------------------------------------------------------------------
# Cell addresses
# ------------------------------------------------------------------------------------------------------------


def _parse_cell(ref: str) -> tuple[int, int]:
    """'C9' -> (column 2, row 8), both 0-based as UNO wants them."""
    match = _CELL_RE.match(ref.strip())
    if not match:
        raise ValueError(f"not a cell address: {ref!r}")
    col = 0
    for letter in match.group(1).upper():
        col = col * 26 + ord(letter) - ord("A") + 1
    return col - 1, int(match.group(2)) - 1


def _cell_name(col: int, row: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return f"{letters}{row + 1}"


def _blocks(positions: Iterable[tuple[int, int]]) -> list[tuple[int, int, int, int]]:
    """Cover the cells with rectangles (col0, row0, col1, row1), inclusive, made only of the given cells.

    First contiguous row runs per column, then neighbouring columns with the same run merged: the input area
    of a table becomes one block, so one UNO call instead of one per cell (the GUIDE measured 1 s against
    18 s for 5,000 cells).
    """
    by_col: dict[int, list[int]] = {}
    for col, row in set(positions):
        by_col.setdefault(col, []).append(row)
    runs: dict[tuple[int, int], list[int]] = {}
    for col, rows in by_col.items():
        for first, last in _runs(rows):
            runs.setdefault((first, last), []).append(col)
    blocks = [(col0, row0, col1, row1) for (row0, row1), cols in runs.items() for col0, col1 in _runs(cols)]
    return sorted(blocks)


def _runs(numbers: list[int]) -> list[tuple[int, int]]:
    """[1, 2, 3, 7, 8] -> [(1, 3), (7, 8)]."""
    ordered = sorted(numbers)
    out: list[tuple[int, int]] = []
    for n in ordered:
        if out and n == out[-1][1] + 1:
            out[-1] = (out[-1][0], n)
        else:
            out.append((n, n))
    return out


def _to_uno_value(value: InputValue, where: str) -> float | str:
    # setDataArray stores a str as text without parsing it, so a code like "2013201" stays text (as if typed
    # with a leading apostrophe) and "=1+1" is not turned into a formula; "" clears the cell.
    if value is None:
        return ""
    if isinstance(value, bool):
        raise TypeError(f"{where}: booleans are not cell values here, got {value!r}")
    if isinstance(value, int | float | Decimal):
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"{where}: {value!r} is not a finite number")
        return number
    if isinstance(value, str):
        return value
    raise TypeError(f"{where}: unsupported cell value {value!r}")


# ------------------------------------------------------------------------------------------------------------
# Documents
# ------------------------------------------------------------------------------------------------------------


class Document:
    """An open spreadsheet.  Cells are A1 strings; row numbers in arguments are 1-based, as in the UI."""

    def __init__(self, office: LibreOffice, component: Any, path: Path) -> None:
        self._office = office
        self._doc = component
        self.path = path
        self._closed = False

    # -- context manager -------------------------------------------------------------------------------------

    def __enter__(self) -> Document:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def component(self) -> Any:
        """The raw UNO spreadsheet document, for what this class does not wrap."""
        return self._doc

    # -- sheets ----------------------------------------------------------------------------------------------

    @property
    def sheet_names(self) -> list[str]:
        return list(self._doc.Sheets.ElementNames)

    def _sheet(self, name: str) -> Any:
        sheets = self._doc.Sheets
        if not sheets.hasByName(name):
            raise KeyError(f"no sheet {name!r}; sheets are {list(sheets.ElementNames)}")
        return sheets.getByName(name)

    def is_protected(self, sheet: str) -> bool:
        return bool(self._sheet(sheet).isProtected())

    def is_locked(self, sheet: str, cell: str) -> bool:
        """The cell's own "locked" flag; it only has an effect while the sheet is protected."""
        col, row = _parse_cell(cell)
        target = self._sheet(sheet).getCellByPosition(col, row)
        return bool(target.getPropertyValue("CellProtection").IsLocked)

    def unprotect(self, sheet: str, password: str = "") -> None:
        """Remove sheet protection as a user would (xlsxwriter's protect() without password: "")."""
        self._sheet(sheet).unprotect(password)
        if self._sheet(sheet).isProtected():
            raise LibreOfficeError(f"sheet {sheet!r}: wrong protection password")

    # -- writing ---------------------------------------------------------------------------------------------

    def set_values(self, sheet: str, values: Mapping[str, InputValue]) -> None:
        """Type values into cells: numbers as numbers, str as text (never parsed, not a formula), None clears.

        Written block by block with setDataArray, which is also what makes LibreOffice enforce sheet
        protection; a block containing a locked cell of a protected sheet raises :class:`CellProtectedError`
        and is not written (blocks written before it stay written).
        """
        target = self._sheet(sheet)
        grid: dict[tuple[int, int], float | str] = {}
        for ref, value in values.items():
            grid[_parse_cell(ref)] = _to_uno_value(value, f"{sheet}!{ref}")
        for col0, row0, col1, row1 in _blocks(grid):
            data = tuple(tuple(grid[(c, r)] for c in range(col0, col1 + 1)) for r in range(row0, row1 + 1))
            block = target.getCellRangeByPosition(col0, row0, col1, row1)
            try:
                block.setDataArray(data)
            except self._office.uno_runtime_exception as exc:
                self._raise_if_protected(sheet, target, col0, row0, col1, row1, exc)
                raise LibreOfficeError(
                    f"{sheet}: writing {_cell_name(col0, row0)}:{_cell_name(col1, row1)} failed: {exc}"
                ) from exc

    def try_set_value(self, sheet: str, cell: str, value: InputValue) -> bool:
        """Write one value as a user typing it would; False when sheet protection refuses the write."""
        try:
            self.set_values(sheet, {cell: value})
        except CellProtectedError:
            return False
        return True

    def _raise_if_protected(
        self, sheet: str, target: Any, col0: int, row0: int, col1: int, row1: int, exc: BaseException
    ) -> None:
        # The RuntimeException carries only a source location, so confirm from the protection flags that it
        # was the protection (and name the cells) before reporting it as such.
        if not target.isProtected():
            return
        locked = [
            _cell_name(c, r)
            for r in range(row0, row1 + 1)
            for c in range(col0, col1 + 1)
            if target.getCellByPosition(c, r).getPropertyValue("CellProtection").IsLocked
        ]
        if locked:
            raise CellProtectedError(sheet, locked) from exc

    def insert_rows(self, sheet: str, before_row: int, count: int = 1) -> None:
        """Insert ``count`` empty rows above 1-based row ``before_row``, like the UI's Insert Rows Above.

        References adjust as in the UI (measured): SUM(B2:B6) grows when rows go in above B3..B6, only moves
        when they go in above B2, and rows inserted below B6 stay outside it.  Raises
        :class:`SheetProtectedError` when the sheet's protection does not allow inserting rows.
        """
        if before_row < 1 or count < 1:
            raise ValueError("before_row and count must be >= 1")
        target = self._sheet(sheet)
        try:
            target.Rows.insertByIndex(before_row - 1, count)
        except self._office.uno_runtime_exception as exc:
            if target.isProtected():
                raise SheetProtectedError(sheet, f"insert {count} row(s) at row {before_row}") from exc
            raise LibreOfficeError(f"{sheet}: inserting rows failed: {exc}") from exc

    def recalculate(self) -> None:
        """Recalculate every formula (calculateAll, i.e. Ctrl+Shift+F9), not only the dirty ones."""
        self._doc.calculateAll()

    # -- reading ---------------------------------------------------------------------------------------------

    def get_values(self, sheet: str, cells: Iterable[str]) -> dict[str, CellValue]:
        """Current values (as LibreOffice computed them, unformatted), keyed by the addresses as given."""
        target = self._sheet(sheet)
        refs = list(cells)
        wanted = {ref: _parse_cell(ref) for ref in refs}
        found: dict[tuple[int, int], CellValue] = {}
        for col0, row0, col1, row1 in _blocks(wanted.values()):
            found.update(self._read_block(target, col0, row0, col1, row1))
        return {ref: found[wanted[ref]] for ref in refs}

    def _read_block(
        self, target: Any, col0: int, row0: int, col1: int, row1: int
    ) -> dict[tuple[int, int], CellValue]:
        return {
            pos: value
            for pos, (_, value) in self._read_block_with_formulas(target, col0, row0, col1, row1).items()
        }

    def _read_block_with_formulas(
        self, target: Any, col0: int, row0: int, col1: int, row1: int
    ) -> dict[tuple[int, int], tuple[str, CellValue]]:
        """(content as API formula/input string, computed value) for each cell of the block; 2 UNO calls."""
        block = target.getCellRangeByPosition(col0, row0, col1, row1)
        data = block.getDataArray()
        # getDataArray gives "" both for an empty cell and for a formula whose result is "", and None for an
        # error result; the formula array tells the first two apart.
        formulas = block.getFormulaArray()
        out: dict[tuple[int, int], tuple[str, CellValue]] = {}
        for r, (data_row, formula_row) in enumerate(zip(data, formulas, strict=True)):
            for c, (value, formula) in enumerate(zip(data_row, formula_row, strict=True)):
                pos = (col0 + c, row0 + r)
                result: CellValue
                if value is None:
                    result = str(target.getCellByPosition(*pos).getString())
                elif isinstance(value, str):
                    result = None if value == "" and formula == "" else value
                else:
                    result = float(value)
                out[pos] = (str(formula), result)
        return out

    def get_all_formula_cells(
        self, syntax: Literal["excel", "calc"] = "excel"
    ) -> dict[tuple[str, str], tuple[str, CellValue]]:
        """Every formula cell of every sheet: (sheet, "B5") -> (formula, computed value).

        ``syntax="excel"`` prints formulas the way xlsx stores them (A1, "," separators, Sheet!A1) with a
        leading "="; it costs two UNO calls per formula.  ``syntax="calc"`` returns LibreOffice's own API
        syntax (``=SUM($Sheet.A1:B2;1)``), read in one call per block.
        """
        parser = None
        if syntax == "excel":
            parser = self._doc.createInstance("com.sun.star.sheet.FormulaParser")
            parser.FormulaConvention = _CONVENTION_XL_OOX
        elif syntax != "calc":
            raise ValueError(f"syntax must be 'excel' or 'calc', not {syntax!r}")
        uno = self._office.uno
        result: dict[tuple[str, str], tuple[str, CellValue]] = {}
        sheets = self._doc.Sheets
        for index in range(sheets.Count):
            target = sheets.getByIndex(index)
            name = str(target.Name)
            for addr in target.queryContentCells(_CELLFLAG_FORMULA).getRangeAddresses():
                cells = self._read_block_with_formulas(
                    target, addr.StartColumn, addr.StartRow, addr.EndColumn, addr.EndRow
                )
                for pos, (formula, value) in cells.items():
                    if parser is not None:
                        cell_address = uno.createUnoStruct("com.sun.star.table.CellAddress")
                        cell_address.Sheet, cell_address.Column, cell_address.Row = index, pos[0], pos[1]
                        tokens = target.getCellByPosition(*pos).getTokens()
                        formula = "=" + str(parser.printFormula(tokens, cell_address))
                    result[(name, _cell_name(*pos))] = (formula, value)
        return result

    # -- saving ----------------------------------------------------------------------------------------------

    def save_xlsx(self, path: str | os.PathLike[str]) -> Path:
        """Save a copy as xlsx (overwriting), with LibreOffice's current values as the cached values."""
        return self.export(path, "xlsx")

    def export(self, path: str | os.PathLike[str], fmt: str | None = None) -> Path:
        """Store a copy in ``fmt`` (xlsx, pdf, ods; default from the suffix); the document keeps its location.

        Written to a temporary name in the target folder and renamed, so a reader never sees half a file.
        """
        out = Path(path).resolve()
        fmt = (fmt or out.suffix.lstrip(".")).lower()
        if fmt not in _FILTERS:
            raise ValueError(f"unsupported format {fmt!r}; use one of {sorted(_FILTERS)}")
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(f".{out.stem}.{uuid.uuid4().hex[:8]}.partial.{fmt}")
        props = (self._office.prop("FilterName", _FILTERS[fmt]), self._office.prop("Overwrite", True))
        try:
            self._doc.storeToURL(self._office.uno.systemPathToFileUrl(str(partial)), props)
            os.replace(partial, out)
        finally:
            with contextlib.suppress(FileNotFoundError):
                partial.unlink()
        return out

    def close(self) -> None:
        """Close without saving (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self._office._forget(self)
        try:
            self._doc.close(True)
        except Exception:
            # A vetoed close or a bridge already gone (soffice terminated): dispose is the last resort.
            with contextlib.suppress(Exception):
                self._doc.dispose()


# ------------------------------------------------------------------------------------------------------------
# The running soffice
# ------------------------------------------------------------------------------------------------------------


def _exited(proc: subprocess.Popen[bytes]) -> int | None:
    """Exit status if the process has exited, without reaping it.

    While the exited launcher stays an unreaped zombie its pid, and so its process group id, cannot be reused,
    which makes the final killpg sweep safe: it can only reach processes this soffice spawned.
    """
    if proc.returncode is not None:
        return proc.returncode
    if not hasattr(os, "waitid"):  # macOS: fall back to reaping
        return proc.poll()
    try:
        info = os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return proc.poll()
    return None if info is None else info.si_status


def _wait_exited(proc: subprocess.Popen[bytes], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while _exited(proc) is None:
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def _stop_process_group(proc: subprocess.Popen[bytes], profile_dir: str, grace: float) -> None:
    """Make sure nothing of this soffice survives: wait, SIGTERM, SIGKILL the whole group, remove the profile.

    /usr/bin/soffice runs oosplash, which starts soffice.bin (and restarts it once when a fresh profile is
    created); killing only the Popen pid would leave soffice.bin running (seen while exploring: an orphaned
    soffice.bin then answered the next start that used the same profile).  The launcher was started in its own
    session, so its process group holds exactly the processes it spawned.
    """
    if proc.returncode is None:
        if not _wait_exited(proc, grace):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            if not _wait_exited(proc, 5.0):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
        # The launcher may be gone while a child lingers; sweep the group before reaping frees its id.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    shutil.rmtree(profile_dir, ignore_errors=True)


class LibreOffice:
    """One headless soffice with its own profile, reached over UNO through a private named pipe.

    Use as a context manager; the process is terminated on exit, killed if it does not exit, and killed at
    interpreter exit at the latest.  A pipe (not a TCP port) avoids both the race of picking a "free" port and
    listening on the network.
    """

    def __init__(self, soffice: str | None = None, *, startup_timeout: float = 60.0) -> None:
        self.soffice = soffice or find_soffice()
        self.startup_timeout = startup_timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._profile_dir: str | None = None
        self._finalizer: weakref.finalize[Any, Any] | None = None
        self._desktop: Any = None
        self._documents: list[Document] = []
        self.uno: Any = None
        self.uno_runtime_exception: type[BaseException] = RuntimeError
        self.startup_seconds: float | None = None

    # -- lifecycle -------------------------------------------------------------------------------------------

    def __enter__(self) -> LibreOffice:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def running(self) -> bool:
        return self._proc is not None and _exited(self._proc) is None

    def start(self) -> None:
        if self._proc is not None:
            return
        if not self.soffice:
            raise LibreOfficeUnavailable(
                "soffice not found (set JUESUAN_SOFFICE or install libreoffice-calc-nogui: .ci/lo-install.sh)"
            )
        self.uno = import_uno(self.soffice)
        self.uno_runtime_exception = self.uno.getClass("com.sun.star.uno.RuntimeException")
        uno_exception = self.uno.getClass("com.sun.star.uno.Exception")

        began = time.monotonic()
        self._profile_dir = tempfile.mkdtemp(prefix="juesuan-lo-")
        pipe = f"juesuan_{uuid.uuid4().hex}"
        log_path = Path(self._profile_dir) / "soffice.log"
        command = [
            self.soffice,
            "--headless",
            "--invisible",
            "--nocrashreport",
            "--nodefault",
            "--nologo",
            "--norestore",
            "--nolockcheck",
            f"-env:UserInstallation={Path(self._profile_dir, 'profile').as_uri()}",
            f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext",
        ]
        try:
            with open(log_path, "wb") as log:
                self._proc = subprocess.Popen(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
        except OSError as exc:
            shutil.rmtree(self._profile_dir, ignore_errors=True)
            self._profile_dir = None
            raise LibreOfficeUnavailable(f"cannot run {self.soffice}: {exc}") from exc
        self._finalizer = weakref.finalize(self, _stop_process_group, self._proc, self._profile_dir, 0.0)
        try:
            local = self.uno.getComponentContext()
            resolver = local.ServiceManager.createInstanceWithContext(
                "com.sun.star.bridge.UnoUrlResolver", local
            )
            deadline = began + self.startup_timeout
            while True:
                try:
                    context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                    break
                except uno_exception as exc:  # NoConnectException until soffice listens
                    status = _exited(self._proc)
                    if status is not None:
                        raise LibreOfficeError(
                            f"soffice exited with status {status} before accepting connections: "
                            f"{_tail(log_path)}"
                        ) from exc
                    if time.monotonic() > deadline:
                        raise LibreOfficeError(
                            f"soffice did not accept a UNO connection within {self.startup_timeout:.0f} s: "
                            f"{_tail(log_path)}"
                        ) from exc
                    time.sleep(0.1)
            self._desktop = context.ServiceManager.createInstanceWithContext(
                "com.sun.star.frame.Desktop", context
            )
        except BaseException:
            self.close()
            raise
        self.startup_seconds = time.monotonic() - began

    def close(self) -> None:
        """Close open documents, ask soffice to quit, kill it if it does not; idempotent."""
        for document in list(self._documents):
            document.close()
        grace = 0.0
        if self._desktop is not None:
            try:
                # False means a listener vetoed quitting: no point waiting before the signals.
                grace = 15.0 if self._desktop.terminate() else 0.0
            except Exception:
                # DisposedException: the bridge dropped because soffice is already exiting.
                grace = 15.0
            self._desktop = None
        if self._finalizer is not None:
            finalizer, self._finalizer = self._finalizer, None
            finalizer.detach()
            assert self._proc is not None and self._profile_dir is not None
            _stop_process_group(self._proc, self._profile_dir, grace=grace)
        self._proc = None
        self._profile_dir = None

    def _require(self) -> Any:
        if self._desktop is None or not self.running:
            raise LibreOfficeError("LibreOffice is not running (use it as a context manager or call start())")
        return self._desktop

    def _forget(self, document: Document) -> None:
        with contextlib.suppress(ValueError):
            self._documents.remove(document)

    def prop(self, name: str, value: Any) -> Any:
        """A com.sun.star.beans.PropertyValue, the argument type of loadComponentFromURL / storeToURL."""
        struct = self.uno.createUnoStruct("com.sun.star.beans.PropertyValue")
        struct.Name = name
        struct.Value = value
        return struct

    # -- documents -------------------------------------------------------------------------------------------

    def open(self, path: str | os.PathLike[str]) -> Document:
        """Load a workbook with LibreOffice's default settings (hidden; no forced recalculation)."""
        desktop = self._require()
        source = Path(path).resolve()
        if not source.is_file():
            raise FileNotFoundError(source)
        url = self.uno.systemPathToFileUrl(str(source))
        component = None
        # a busy soffice now and then answers a load with no document at all; once more is enough (seen in CI-like
        # runs with several soffice processes on two cores)
        for attempt in range(2):
            try:
                component = desktop.loadComponentFromURL(url, "_blank", 0, (self.prop("Hidden", True),))
            except self.uno.getClass("com.sun.star.uno.Exception") as exc:
                raise LibreOfficeError(f"LibreOffice could not open {source}: {exc}") from exc
            if component is not None and hasattr(component, "Sheets"):
                break
            if attempt == 0:
                if component is not None:
                    with contextlib.suppress(Exception):
                        component.close(True)
                time.sleep(0.5)
        if component is None or not hasattr(component, "Sheets"):
            if component is not None:
                with contextlib.suppress(Exception):
                    component.close(True)
            raise LibreOfficeError(f"LibreOffice did not open {source} as a spreadsheet")
        document = Document(self, component, source)
        self._documents.append(document)
        return document

    def convert(
        self,
        path: str | os.PathLike[str],
        fmt: str = "pdf",
        outdir: str | os.PathLike[str] | None = None,
        *,
        recalculate: bool = True,
    ) -> Path:
        """Write ``<outdir>/<stem>.<fmt>`` from a workbook (outdir defaults to the source folder).

        Recalculates first by default, so a PDF never shows stale cached values (a default LibreOffice would
        print whatever the producer cached, e.g. xlsxwriter's zeros).
        """
        source = Path(path)
        target_dir = Path(outdir) if outdir is not None else source.resolve().parent
        with self.open(source) as document:
            if recalculate:
                document.recalculate()
            return document.export(target_dir / f"{source.stem}.{fmt}", fmt)


def _tail(log_path: Path, limit: int = 2000) -> str:
    try:
        text = log_path.read_text(errors="replace").strip()
    except OSError:
        return "(no log)"
    return text[-limit:] or "(empty log)"


@contextlib.contextmanager
def _office(lo: LibreOffice | None) -> Iterator[LibreOffice]:
    if lo is not None:
        yield lo
        return
    with LibreOffice() as fresh:
        yield fresh


def convert(
    path: str | os.PathLike[str],
    fmt: str = "pdf",
    outdir: str | os.PathLike[str] | None = None,
    *,
    lo: LibreOffice | None = None,
    recalculate: bool = True,
) -> Path:
    """:meth:`LibreOffice.convert` with a LibreOffice started just for this call unless ``lo`` is given."""
    with _office(lo) as office:
        return office.convert(path, fmt, outdir, recalculate=recalculate)


def render_png(
    source: str | os.PathLike[str],
    out_png: str | os.PathLike[str],
    page: int = 1,
    *,
    dpi: int = 80,
    lo: LibreOffice | None = None,
) -> Path:
    """Render one page of an xlsx (through PDF) or of a PDF as PNG with poppler's pdftoppm (README images)."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise LibreOfficeUnavailable("pdftoppm not found (Debian package poppler-utils)")
    if page < 1:
        raise ValueError("page is 1-based")
    src = Path(source)
    out = Path(out_png)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="juesuan-png-") as tmp:
        pdf = src if src.suffix.lower() == ".pdf" else convert(src, "pdf", tmp, lo=lo)
        # -singlefile writes exactly <root>.png instead of <root>-<page>.png.
        root = Path(tmp) / "page"
        done = subprocess.run(
            [
                pdftoppm,
                "-png",
                "-r",
                str(dpi),
                "-f",
                str(page),
                "-l",
                str(page),
                "-singlefile",
                str(pdf),
                str(root),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        produced = root.with_suffix(".png")
        if done.returncode != 0 or not produced.exists():
            raise LibreOfficeError(f"pdftoppm failed on page {page} of {pdf}: {done.stderr.strip()}")
        shutil.move(produced, out)
    return out
