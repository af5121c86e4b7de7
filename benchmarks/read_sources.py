"""Reading foreign sources (issue 13): read + recognise the nine tables from each kind of file, timed in one run.

    python benchmarks/read_sources.py [--runs N] [--keep DIR]

Inputs: the real 25-page Shanghai PDF (``../shared/reference/disclosures``, else the table pages kept in
``tests/fixtures/sources``), and the seed department's nine tables (``tests/sources_helpers.py``) written as a
Word document padded with narrative to about 30 pages, a foreign .xlsx, an .xls (LibreOffice, when installed),
an HTML page and the seed text itself.

For each it prints the median of ``--runs`` runs of ``juesuan_xlsx.sources.read_source`` (file to Disclosure,
imports warm) beside a baseline measured in the same run, the plain library call any reader of that format
starts with:

* PDF: pdfplumber ``extract_text`` + ``extract_tables`` on every page when installed (the measured 1.2 s of the
  issue), else pypdfium2's text of every page;
* .docx: python-docx ``Document(path)`` and the text of every cell of every table;
* .xlsx: openpyxl ``load_workbook(data_only=True)``;  .xls: xlrd ``open_workbook(formatting_info=True)``;
* .html, .txt: reading and decoding the file.

Targets (issue 13): PDF ≤ 1 s, docx / xlsx / xls ≤ 0.5 s on this 2-core machine.  Not a timed test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PDF = ROOT.parent / "shared" / "reference" / "disclosures" / "shanghai-putuo-caizhengju-2024.pdf"
PDF_FALLBACK = ROOT / "tests" / "fixtures" / "sources" / "putuo-2024-tables.pdf"
SEED_TEXT = ROOT / "tests" / "fixtures" / "sources" / "seed-2024.txt"
TARGETS = {"pdf": 1.0, "docx": 0.5, "xlsx": 0.5, "xls": 0.5}


def median_time(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm-up: imports, caches
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def pdf_baseline(path: Path) -> tuple[str, Callable[[], object]]:
    try:
        import pdfplumber
    except ImportError:
        import pypdfium2 as pdfium

        def text() -> object:
            pdf = pdfium.PdfDocument(str(path))
            return [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]

        return "pypdfium2 text of every page", text

    def tables() -> object:
        with pdfplumber.open(str(path)) as pdf:
            return [(page.extract_text(), page.extract_tables()) for page in pdf.pages]

    return "pdfplumber extract_text + extract_tables", tables


def docx_baseline(path: Path) -> Callable[[], object]:
    import docx

    def read() -> object:
        document = docx.Document(str(path))
        return [[cell.text for row in table.rows for cell in row.cells] for table in document.tables]

    return read


def make_inputs(folder: Path, libreoffice: bool = True) -> dict[str, Path]:
    from tests.sources_helpers import convert, seed_tables, write_docx, write_html, write_xlsx

    inputs = {"pdf": PDF if PDF.is_file() else PDF_FALLBACK, "txt": SEED_TEXT}
    tables = seed_tables()
    docx_path = write_docx(folder / "seed2024.docx", tables)
    _pad_docx(docx_path)
    inputs["docx"] = docx_path
    inputs["xlsx"] = write_xlsx(folder / "seed2024.xlsx", tables)
    xls = convert(inputs["xlsx"], folder, "xls") if libreoffice else None
    if xls is not None:
        inputs["xls"] = xls
    inputs["html"] = write_html(folder / "seed2024.html", tables)
    return inputs


def _pad_docx(path: Path) -> None:
    """About 30 pages: the nine tables, then the seed's narrative several times over."""
    import docx

    narrative = [line for line in SEED_TEXT.read_text(encoding="utf-8").splitlines()[1595:1710] if line.strip()]
    document = docx.Document(str(path))
    for _ in range(4):
        for line in narrative:
            document.add_paragraph(line)
    document.save(str(path))


def pages_of(path: Path, folder: Path) -> str:
    from tests.sources_helpers import convert

    try:
        pdf = convert(path, folder, "pdf")
    except Exception:  # noqa: BLE001 - LibreOffice missing or failing: pages unknown
        return "?"
    if pdf is None:
        return "?"
    import pypdfium2 as pdfium

    return str(len(pdfium.PdfDocument(str(pdf))))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="keep the generated inputs in this folder")
    parser.add_argument("--no-libreoffice", action="store_true", help="no .xls, no page count of the .docx")
    args = parser.parse_args(argv)
    from juesuan_xlsx.sources import read_source
    from juesuan_xlsx.sources.text import decode

    folder = args.keep or Path(tempfile.mkdtemp(prefix="read-sources-"))
    folder.mkdir(parents=True, exist_ok=True)
    inputs = make_inputs(folder, not args.no_libreoffice)
    print(f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}; median of {args.runs} runs after a warm-up\n")
    print(f"{'source':6s} {'read_source':>12s} {'baseline':>10s} {'ratio':>7s}  target   how / baseline")
    for kind, path in inputs.items():
        ours = median_time(lambda path=path: read_source(path), args.runs)
        if kind == "pdf":
            label, fn = pdf_baseline(path)
        elif kind == "docx":
            label, fn = "python-docx Document + every cell's text", docx_baseline(path)
        elif kind == "xlsx":
            import openpyxl

            label, fn = "openpyxl load_workbook(data_only=True)", \
                (lambda path=path: openpyxl.load_workbook(path, data_only=True))
        elif kind == "xls":
            import xlrd

            label, fn = "xlrd open_workbook(formatting_info=True)", \
                (lambda path=path: xlrd.open_workbook(str(path), formatting_info=True))
        elif kind == "html":
            from html.parser import HTMLParser

            label, fn = "decode + html.parser over the page", \
                (lambda path=path: HTMLParser().feed(decode(path.read_bytes())))
        else:
            label, fn = "read and decode the file", (lambda path=path: decode(path.read_bytes()))
        base = median_time(fn, args.runs)
        target = TARGETS.get(kind)
        verdict = "" if target is None else (f"≤{target:.1f} s met" if ours <= target else f"≤{target:.1f} s MISSED")
        how = read_source(path).how
        if kind == "docx" and not args.no_libreoffice:
            how += f"（约 {pages_of(path, folder)} 页）"
        print(f"{kind:6s} {ours:10.3f} s {base:8.3f} s {ours / base:6.2f}×  {verdict:14s} {how}\n"
              f"{'':49s}baseline: {label}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
