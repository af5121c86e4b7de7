"""juesuan-xlsx: 部门决算公开九张表的 Excel 模板生成、校验与导出。

Use it from Python (the same functions the command line calls)::

    import juesuan_xlsx as jx

    jx.new_workbook(2024, "某某局2024.xlsx", dept="某某局")      # juesuan-xlsx new
    result = jx.check_file("某某局2024.xlsx")                     # juesuan-xlsx verify
    result.valid, result.report.findings                         # findings: code, level, Chinese message, cell
    jx.export_file("某某局2024.xlsx", "docx", "某某局2024.docx")  # juesuan-xlsx export
    jx.merge_files(["本级.xlsx", "中心.xlsx"], "部门.xlsx")        # juesuan-xlsx merge
    jx.summarise_files(["回收/"], "总览.xlsx")                    # juesuan-xlsx summary

Every user-facing error is a :class:`JuesuanError` with a Chinese message.  The names are imported on first use,
so ``import juesuan_xlsx`` costs nothing.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# ``formulas`` (the evaluator's engine) logs an English warning for every reference it cannot load ("Error in
# loading `'[book.xlsx]字典'!A2:B137`"), which logging's last resort prints on stderr, ~90 lines for one renamed
# sheet.  What they mean reaches the user as Chinese findings (I-错误值, R-缺少表, R-缺少字典表), so they are muted.
logging.getLogger("formulas").addHandler(logging.NullHandler())

_PUBLIC = {
    "check_file": "api", "new_workbook": "api", "export_file": "api", "merge_files": "api",
    "summarise_files": "api",
    "Verification": "verify", "FileReport": "verify", "Report": "verify",
    "Finding": "findings", "Level": "findings", "JuesuanError": "errors", "load_spec": "spec",
    "Disclosure": "disclosure",
}
__all__ = ["__version__", *_PUBLIC]

if TYPE_CHECKING:
    from .api import check_file, export_file, merge_files, new_workbook, summarise_files
    from .disclosure import Disclosure
    from .errors import JuesuanError
    from .findings import Finding, Level
    from .spec import load_spec
    from .verify import FileReport, Report, Verification


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'juesuan_xlsx' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
