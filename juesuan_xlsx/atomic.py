"""Outputs are written atomically and never replace an existing file unless asked (GUIDE §3)."""

from __future__ import annotations

import errno
import gc
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import JuesuanError


class OutputExists(JuesuanError, FileExistsError):
    """The output file exists and overwriting was not asked for."""


# xlsxwriter's workbook options for every workbook this tool writes: text stays text, and the parts are built
# in memory, so a full disk or an interrupt leaves no temporary part files behind (only our own .tmp, removed)
XLSX_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
                "in_memory": True}


def close_xlsx(wb: Any) -> None:
    """Close (write) an xlsxwriter workbook; an I/O error (a full disk …) comes out as the :class:`OSError` it is,
    which the command line words in Chinese, instead of xlsxwriter's ``FileCreateError``."""
    from xlsxwriter.exceptions import FileCreateError

    try:
        wb.close()
        return
    except FileCreateError as exc:
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else OSError(errno.EIO, str(exc))
    # xlsxwriter's half-written zip is still open in the frames of that traceback; when they go, closing it fails
    # again (the disk is still full) and Python would print "Exception ignored in: ZipFile.__del__"
    hook = sys.unraisablehook
    sys.unraisablehook = _ignore
    try:
        cause.__traceback__ = None
        cause.__context__ = None
        gc.collect()
    finally:
        sys.unraisablehook = hook
    raise cause


def _ignore(unraisable: Any) -> None:
    pass


@contextmanager
def atomic_output(path: Path, *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success move it into place in one step.

    Without ``overwrite`` the final step is a hard link, which fails if ``path`` appeared meanwhile, so an
    existing file is never replaced even by a race.  On any error the temporary file is removed.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise OutputExists(f"文件已存在：{path}（如需覆盖请加 --force）")
    directory = path.parent if str(path.parent) else Path(".")
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; the output is an ordinary file
        if overwrite:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise OutputExists(f"文件已存在：{path}（如需覆盖请加 --force）") from None
            except OSError:  # a file system without hard links: fall back to a checked rename
                if path.exists():
                    raise OutputExists(f"文件已存在：{path}（如需覆盖请加 --force）") from None
                os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
