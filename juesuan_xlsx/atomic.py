"""Outputs are written atomically and never replace an existing file unless asked (GUIDE §3)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import JuesuanError


class OutputExists(JuesuanError, FileExistsError):
    """The output file exists and overwriting was not asked for."""


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
