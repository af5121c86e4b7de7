"""The README's pictures are the generated workbook as LibreOffice renders it, rendered here from the real file.

JUESUAN_UPDATE_IMAGES=1 writes them into docs/images/; otherwise the test renders into a temporary folder and
checks that the committed pictures exist and show the same pages (same size).
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from .libreoffice_driver import convert, render_png

pytestmark = pytest.mark.libreoffice
ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"
PAGES = {"seed-2024-公开01表.png": "收入支出决算总表", "seed-2024-校验.png": "跨表及表内关系校验"}


def _png_size(path: Path) -> tuple[int, int]:
    width, height = struct.unpack(">II", path.read_bytes()[16:24])
    return width, height


def test_readme_pictures_render_from_the_example(libreoffice, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    pdf = convert(ROOT / "examples" / "seed-2024.xlsx", "pdf", tmp_path, lo=libreoffice)
    pages = int(next(line.split()[-1] for line in subprocess.run(
        ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()
        if line.startswith("Pages:")))
    texts = [subprocess.run(["pdftotext", "-f", str(p), "-l", str(p), str(pdf), "-"], capture_output=True,
                            text=True, check=True).stdout for p in range(1, pages + 1)]
    target = IMAGES if os.environ.get("JUESUAN_UPDATE_IMAGES") == "1" else tmp_path
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, title in PAGES.items():
        page = next(i + 1 for i, text in enumerate(texts) if title in text)
        out = render_png(pdf, target / name, page, dpi=70)
        assert out.stat().st_size > 10_000  # a real page with text, not a blank
        committed = IMAGES / name
        assert committed.exists(), f"{committed} missing: run with JUESUAN_UPDATE_IMAGES=1"
        assert _png_size(committed) == _png_size(out)
        assert f"docs/images/{name}" in readme
