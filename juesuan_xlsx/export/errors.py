"""The exporter's exceptions (a module of their own so that every exporter can raise them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import JuesuanError
from ..findings import Level

if TYPE_CHECKING:
    from ..verify import FileReport


class ExportError(JuesuanError):
    """An export that cannot be done; the message is Chinese and says what to do."""


class ExportRefused(ExportError):
    """The workbook has errors and ``force`` was not given; ``report`` holds the findings."""

    def __init__(self, report: FileReport) -> None:
        self.report = report
        super().__init__(f"{report.path} 未通过校验（{report.count(Level.ERROR)} 个错误），不能导出。"
                         "请先改正错误；如确需导出草稿，请加 --ignore-errors，导出的文件会标明“未通过校验”。")


class BlankReturn(ExportRefused):
    """The workbook has no amount at all (a blank template): not a publication unless ``force``."""

    def __init__(self, report: FileReport) -> None:
        super().__init__(report)
        self.args = (f"{report.path} 没有填写任何金额（九张表全是空白或 0），不能作为公开文件导出。请先填写；"
                     "如确需导出空表，请加 --ignore-errors。",)


class PdfUnavailable(ExportError):
    """LibreOffice Writer is not installed (the message names the Debian package)."""


class PdfFailed(ExportError):
    """LibreOffice is there but did not produce the PDF."""
