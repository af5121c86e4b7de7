"""``verify --annotate``: a copy of each file with every problem cell coloured and a comment explaining it.

The original is never touched: the copy is read from the original, changed in memory and written atomically
into the output folder.  A copy that already exists is kept unless overwriting was asked for.
"""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill

from .atomic import atomic_output
from .contract import mark_output
from .findings import Finding, Level
from .verify import FileReport, Report

FILLS = {
    Level.ERROR: PatternFill("solid", fgColor="F8CBAD"),
    Level.WARNING: PatternFill("solid", fgColor="FFEB9C"),
    Level.NOTE: PatternFill("solid", fgColor="DDEBF7"),
}


def annotated_name(path: str) -> str:
    p = Path(path)
    return f"{p.stem}.标注.xlsx"


def annotate_file(file: FileReport, out_dir: Path, *, overwrite: bool = False) -> Path | None:
    """Write the annotated copy; None when the file could not be opened (its findings say why)."""
    cells = [f for f in file.findings if f.sheet and f.cell]
    if file.kind not in ("xlsx", "xlsm") or any(f.code.startswith(("P-", "R-读取失败")) for f in file.findings
                                                if f.level == Level.ERROR):
        return None
    wb = openpyxl.load_workbook(io.BytesIO(Path(file.path).read_bytes()))  # by content, whatever the name
    by_cell: dict[tuple[str, str], list[Finding]] = {}
    for f in cells:
        by_cell.setdefault((str(f.sheet), str(f.cell)), []).append(f)
    for (sheet, address), findings in by_cell.items():
        if sheet not in wb.sheetnames:
            continue
        cell = wb[sheet][address]
        worst = min(findings, key=lambda f: list(FILLS).index(f.level))
        cell.fill = FILLS[worst.level]
        text = "\n".join(f"{f.level.zh} {f.code}：{f.message}" for f in findings)
        cell.comment = Comment(text[:30000], "juesuan-xlsx", width=420, height=160)
    mark_output(wb, "annotated")  # not a return: verify and summary of a folder leave it out
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / annotated_name(file.path)
    with atomic_output(target, overwrite=overwrite) as tmp:
        wb.save(tmp)
    return target


def annotate_all(report: Report, out_dir: Path, *, overwrite: bool = False) -> list[Path]:
    written = []
    for file in report.files:
        path = annotate_file(file, out_dir, overwrite=overwrite)
        if path is not None:
            written.append(path)
    return written
