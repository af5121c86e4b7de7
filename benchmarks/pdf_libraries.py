"""Which PDF library reads published disclosures (issue 13): the candidates compared in one run.

    python benchmarks/pdf_libraries.py [PDF …] [--runs N]

Default inputs: the real 25-page disclosure and the Shanghai template beside it in ``../shared/reference/
disclosures/`` (or ``tests/fixtures/sources/putuo-2024-tables.pdf`` when ``../shared`` is absent).

For each PDF and library it times what table reconstruction needs, every page:

* **pypdfium2** (PDFium; Apache-2.0 or BSD-3-Clause) — text with a box per character and the bounds of every
  path object (the ruling lines); then the same plus our lattice and recognition, i.e. the whole
  ``juesuan_xlsx.sources.read_source``;
* **pdfplumber** (MIT, on pdfminer.six) — ``extract_text()`` and ``extract_tables()`` (its lattice finder);
* **pdfminer.six** (MIT) — ``extract_pages()`` layout analysis: text lines with boxes, lines and rects.

It prints the median of ``--runs`` runs, each library's ratio to pypdfium2's raw extraction, and how many
tables pdfplumber finds (a cross-check of ours).  Libraries that are not installed are skipped with a note
(``pip install pdfplumber pdfminer.six`` to compare).  Not a timed test.
"""

from __future__ import annotations

import argparse
import ctypes
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "reference" / "disclosures"
DEFAULTS = [SHARED / "shanghai-putuo-caizhengju-2024.pdf", SHARED / "shanghai-2024-template.pdf"]
FALLBACK = ROOT / "tests" / "fixtures" / "sources" / "putuo-2024-tables.pdf"


def pypdfium2_raw(path: Path) -> int:
    """Every character with its box and every path object's bounds (what the lattice is built from)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    pdf = pdfium.PdfDocument(str(path))
    n = 0
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    refs = (ctypes.byref(left), ctypes.byref(right), ctypes.byref(bottom), ctypes.byref(top))
    for i in range(len(pdf)):
        page = pdf[i]
        textpage = page.get_textpage()
        count = raw.FPDFText_CountChars(textpage)
        text = textpage.get_text_range(0, count) if count > 0 else ""
        for k in range(len(text)):
            raw.FPDFText_GetCharBox(textpage, k, *refs)
        n += sum(1 for _ in page.get_objects(filter=[raw.FPDF_PAGEOBJ_PATH], max_depth=2))
        textpage.close()
        page.close()
    pdf.close()
    return n


def ours(path: Path) -> int:
    """juesuan_xlsx.sources.read_source: extraction, lattice, recognition of the nine tables."""
    from juesuan_xlsx.sources import SourceError, read_source

    try:
        return len(read_source(path).figures)
    except SourceError:
        return 0


def pdfplumber_tables(path: Path) -> int:
    import pdfplumber

    tables = 0
    with pdfplumber.open(str(path)) as pdf:
        for page in pdf.pages:
            page.extract_text()
            tables += len(page.extract_tables())
    return tables


def pdfminer_layout(path: Path) -> int:
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTCurve, LTTextContainer

    items = 0
    for page in extract_pages(str(path), laparams=LAParams()):
        for element in page:
            if isinstance(element, LTTextContainer | LTCurve):
                items += 1
    return items


CANDIDATES: list[tuple[str, str, Callable[[Path], int]]] = [
    ("pypdfium2: chars + boxes + paths", "Apache-2.0 / BSD-3", pypdfium2_raw),
    ("juesuan_xlsx.sources (pypdfium2 + lattice + recognition)", "MIT (ours)", ours),
    ("pdfplumber: extract_text + extract_tables", "MIT", pdfplumber_tables),
    ("pdfminer.six: extract_pages (LAParams)", "MIT", pdfminer_layout),
]


def timed(fn: Callable[[Path], int], path: Path, runs: int) -> tuple[float, int] | str:
    try:
        result = fn(path)  # warm-up (imports, caches)
    except ImportError as exc:
        return f"not installed ({exc.name})"
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = fn(path)
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdfs", nargs="*", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    pdfs = args.pdfs or [p for p in DEFAULTS if p.is_file()] or [FALLBACK]
    import os

    print(f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}; median of {args.runs} runs after a warm-up")
    for path in pdfs:
        import pypdfium2 as pdfium

        pages = len(pdfium.PdfDocument(str(path)))
        print(f"\n{path.name} ({pages} pages)")
        results: dict[str, Any] = {}
        for name, licence, fn in CANDIDATES:
            results[name] = (licence, timed(fn, path, args.runs))
        base = results[CANDIDATES[0][0]][1]
        for name, (licence, outcome) in results.items():
            if isinstance(outcome, str):
                print(f"  {name:58s} {licence:18s} {outcome}")
                continue
            seconds, count = outcome
            ratio = f"{seconds / base[0]:6.1f}×" if not isinstance(base, str) and base[0] else ""
            print(f"  {name:58s} {licence:18s} {seconds:7.3f} s {ratio}  ({count})")
    print("\n(count: path objects for pypdfium2, figures for ours, tables for pdfplumber, layout items for "
          "pdfminer)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
