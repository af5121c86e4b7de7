from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from typing import NoReturn

import pytest

# the evaluator keeps compiled formula plans on disk; tests use a private folder, not the user's ~/.cache
os.environ.setdefault("JUESUAN_XLSX_CACHE", tempfile.mkdtemp(prefix="juesuan-test-cache-"))

from .libreoffice_driver import LibreOffice, LibreOfficeUnavailable

# --- LibreOffice --------------------------------------------------------------------------------------------


def _libreoffice_missing(reason: str) -> NoReturn:
    # Locally a missing LibreOffice only skips (visible with -ra); under CI it must be installed, so a skip
    # there would silently drop the proof that a real spreadsheet computes our numbers.
    if os.environ.get("CI") == "true":
        pytest.fail(f"LibreOffice is required when CI=true: {reason}", pytrace=False)
    pytest.skip(f"LibreOffice not available: {reason}")


@pytest.fixture(scope="session")
def libreoffice() -> Iterator[LibreOffice]:
    """One headless soffice for the whole session (starting one costs ~1.2 s)."""
    office = LibreOffice()
    missing = None
    try:
        office.start()
    except LibreOfficeUnavailable as exc:
        missing = str(exc)
    if missing is not None:  # outside the except block, so the report shows no chained traceback
        _libreoffice_missing(missing)
    try:
        yield office
    finally:
        office.close()
