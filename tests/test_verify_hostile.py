"""Hostile and foreign files through the whole verifier: a clear finding each, quickly, never a traceback."""

from __future__ import annotations

import time

import pytest

from juesuan_xlsx.verify import verify_file

from .hostile import build_all


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    return build_all(tmp_path_factory.mktemp("hostile"))


def test_every_hostile_file_gets_a_finding_in_seconds(hostile):
    for name, path in hostile.items():
        started = time.monotonic()
        report = verify_file(path)
        elapsed = time.monotonic() - started
        assert elapsed < 5, f"{name} took {elapsed:.1f} s"
        assert report.findings, name
        assert not any(f.code.startswith("X-") for f in report.findings), (name, report.codes())
        if name not in ("valid", "xlsx_named_xls", "big_dimension", "many_parts", "xlsm"):
            assert not report.valid, name
