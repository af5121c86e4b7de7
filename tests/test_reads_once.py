"""export, summary, merge and ``new --like`` read a workbook once: one verification carries what each needs."""

from __future__ import annotations

import pathlib
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from juesuan_xlsx.cli import run
from juesuan_xlsx.export import export
from juesuan_xlsx.merge import merge
from juesuan_xlsx.summary import summarise

SEED = Path(__file__).resolve().parent.parent / "examples" / "seed-2024.xlsx"


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """How often each file's bytes are read whole (the workbook reader reads a file with Path.read_bytes)."""
    counter: Counter[str] = Counter()
    real = pathlib.Path.read_bytes

    def counting(self: Path) -> bytes:
        counter[str(self.resolve())] += 1
        return real(self)

    monkeypatch.setattr(pathlib.Path, "read_bytes", counting)
    yield counter


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    copy = tmp_path / "seed.xlsx"
    shutil.copyfile(SEED, copy)
    return copy


def test_the_counter_sees_a_read(reads: Counter[str], workbook: Path) -> None:
    from juesuan_xlsx.verify import verify

    verify(workbook)
    assert reads[str(workbook.resolve())] == 1


def test_export_reads_once(reads: Counter[str], workbook: Path, tmp_path: Path) -> None:
    export(workbook, "json", tmp_path / "out.json", force=True)
    assert reads[str(workbook.resolve())] == 1


def test_summary_reads_once(reads: Counter[str], workbook: Path, tmp_path: Path) -> None:
    summarise([workbook], tmp_path / "总览.csv", jobs=1, use_cache=False)
    assert reads[str(workbook.resolve())] == 1


def test_merge_reads_each_input_once(reads: Counter[str], workbook: Path, tmp_path: Path) -> None:
    merge([workbook], tmp_path / "m.xlsx", jobs=1, use_cache=False, force=True)
    assert reads[str(workbook.resolve())] == 1


def test_new_like_reads_last_year_once(reads: Counter[str], workbook: Path, tmp_path: Path) -> None:
    assert run(["new", "2025", "--like", str(workbook), "-o", str(tmp_path / "2025.xlsx")]) == 0
    assert reads[str(workbook.resolve())] == 1
