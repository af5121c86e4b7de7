"""The source-reading benchmarks run (on small inputs, once): kept working, no timing asserted."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
FIXTURE = Path(__file__).parent / "fixtures" / "sources" / "putuo-2024-tables.pdf"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_pdf_libraries(capsys: pytest.CaptureFixture[str]) -> None:
    assert load("pdf_libraries").main([str(FIXTURE), "--runs", "1"]) == 0
    out = capsys.readouterr().out
    assert "pypdfium2: chars + boxes + paths" in out and "juesuan_xlsx.sources" in out


@pytest.mark.slow
def test_read_sources(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert load("read_sources").main(["--runs", "1", "--no-libreoffice", "--keep", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for kind in ("pdf", "docx", "xlsx", "html", "txt"):
        assert f"\n{kind}" in out
    assert "识别 9 张表" in out
