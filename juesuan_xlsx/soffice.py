"""Where LibreOffice's ``soffice`` is: all the package itself needs of LibreOffice (PDF export, :mod:`.export.pdf`).

The UNO driver that proves in the tests that a real spreadsheet computes our numbers lives with the tests
(``tests/libreoffice_driver.py``).
"""

from __future__ import annotations

import glob
import os
import shutil
from typing import Final

__all__ = ["SOFFICE_CANDIDATES", "find_soffice"]

#: The usual install folders of soffice, tried after $JUESUAN_SOFFICE and PATH (glob patterns).
SOFFICE_CANDIDATES: Final = (
    "/usr/lib/libreoffice/program/soffice",
    "/usr/lib64/libreoffice/program/soffice",
    "/opt/libreoffice*/program/soffice",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
)


def find_soffice() -> str | None:
    """Path of the soffice launcher: $JUESUAN_SOFFICE, then PATH, then the usual install folders."""
    explicit = os.environ.get("JUESUAN_SOFFICE")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for pattern in SOFFICE_CANDIDATES:
        for candidate in sorted(glob.glob(pattern), reverse=True):
            if os.access(candidate, os.X_OK):
                return candidate
    return None
