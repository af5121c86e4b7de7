"""Foreign sources of the nine tables — PDF, Word, Excel (.xlsx / .xls), text, HTML — read into a
:class:`~juesuan_xlsx.disclosure.Disclosure`.

    from juesuan_xlsx.sources import read_source, SourceError
    disclosure = read_source("某某局2024年度部门决算.pdf")
    disclosure.how          # "PDF，25 页，识别 9 张表（上海格式（shanghai））"
    disclosure.figures      # Cell → Printed(value, kind, text, where)

The file's kind is sniffed from its bytes, never its extension.  Each extractor (``pdf``, ``docx``,
``workbook``, ``text``, ``html``, and :mod:`.opendata` for our own csv export) turns the file into a neutral
:class:`~.document.Document`; :mod:`.recognise` finds the tables in it by title and header text.  Our own json
export is read by its keys (:func:`.opendata.read_json`), and a folder that ``export --to csv`` wrote is read as
one document (:func:`.opendata.is_csv_export`).  Everything that goes wrong is a :class:`SourceError` with a
Chinese message (nothing readable) or a problem in ``Disclosure.problems`` (see :mod:`.problems`).
"""

from __future__ import annotations

from pathlib import Path

from ..disclosure import Disclosure
from ..spec import SpecError
from .document import Document
from .problems import PROBLEMS, message
from .recognise import RecognitionError, recognise
from .sniff import MAX_BYTES, SourceError, check_zip, ole_kind, read_head, sniff

__all__ = ["PROBLEMS", "SourceError", "extract", "message", "read_source"]

INTERNAL = "读取时出现内部错误"
KIND_NAMES = {"pdf": "PDF", "docx": "Word 文档", "xlsx": "Excel 工作簿", "xls": "旧版 Excel 工作簿（.xls）",
              "txt": "文本", "html": "网页", "csv": "CSV 表格", "json": "JSON"}


def extract(path: str | Path) -> Document:
    """The neutral document of a file, by the kind its bytes say (SourceError if none fits)."""
    source = Path(path)
    try:
        size = source.stat().st_size
    except OSError as exc:
        raise SourceError(f"无法打开文件：{exc.strerror or exc}") from exc
    if source.is_dir():
        from .opendata import read_csv_folder

        return read_csv_folder(source)
    if not source.is_file():
        raise SourceError("不是文件")
    if size == 0:
        raise SourceError("文件是空的")
    if size > MAX_BYTES:
        raise SourceError(f"文件有 {size // (1024 * 1024)} MB，超出部门决算文件的合理大小，拒绝读取")
    kind = sniff(read_head(source))
    if kind == "pdf":
        from .pdf import read_pdf

        return read_pdf(source)
    if kind == "zip":
        inner = check_zip(source)
        if inner == "docx":
            from .docx import read_docx

            return read_docx(source)
        from .workbook import read_xlsx

        return read_xlsx(source)
    data = source.read_bytes()
    if kind == "ole":
        _, macros = ole_kind(data)
        from .workbook import read_xls

        return read_xls(data, macros)
    if kind == "html":
        from .html import read_html
        from .text import decode

        return read_html(decode(data))
    if kind == "text":
        from .text import decode, read_text

        text = decode(data)
        from .opendata import looks_like_csv, read_csv

        if looks_like_csv(text):
            return read_csv(source, (text, len(data)))
        if "<table" in text[:200_000].lower():
            from .html import read_html

            return read_html(text)
        return read_text(text)
    raise SourceError("无法识别的文件类型（不是 PDF、Word、Excel、文本或网页）")


def read_source(path: str | Path) -> Disclosure:
    """Read any supported source into a Disclosure (see the module docstring).

    Every failure is a :class:`SourceError` with a Chinese message; an error of this package itself too (its
    message says so and asks for the file), so that a user never sees a traceback."""
    try:
        if _is_json(Path(path)):
            from .opendata import read_json_file

            return read_json_file(Path(path))
        document = extract(path)
        try:
            disclosure = recognise(document, str(path))
        except RecognitionError as exc:
            name = KIND_NAMES.get(document.kind, document.kind)
            raise SourceError(f"{name}{' ' if name[-1].isascii() else ''}中{exc}") from exc
        except SpecError as exc:
            raise SourceError(str(exc)) from exc
        disclosure.how = describe(document, disclosure)
        return disclosure
    except SourceError:
        raise
    except MemoryError as exc:
        raise SourceError("文件过大，读取时内存不足") from exc
    except Exception as exc:  # noqa: BLE001 - the last line: a message, never a traceback
        raise SourceError(f"{INTERNAL}（{type(exc).__name__}：{str(exc)[:120]}）。请把这个文件反馈给维护者") from exc


def _is_json(source: Path) -> bool:
    """A file whose text starts with "{" (our json export, or someone else's json: refused in Chinese)."""
    from .opendata import looks_like_json

    try:
        if not source.is_file() or source.stat().st_size == 0:
            return False
        return looks_like_json(read_head(source, 64))
    except OSError:
        return False


def describe(document: Document, disclosure: Disclosure) -> str:
    """How the file was read, for the report: "PDF，25 页，识别 9 张表（上海格式（shanghai））"."""
    parts = [KIND_NAMES.get(document.kind, document.kind)]
    if document.pages is not None:
        read = f"（读取前 {document.pages_read} 页）" if document.pages_read not in (None, document.pages) else ""
        parts.append(f"{document.pages} 页{read}")
    if document.sheets is not None:
        parts.append(f"{document.sheets} 张工作表")
    if document.files is not None and document.files > 1:
        parts.append(f"{document.files} 个文件")
    found = len(disclosure.spec.tables) - len(disclosure.missing_tables)
    parts.append(f"识别 {found} 张表（{disclosure.spec.layout_name}，{disclosure.year} 年度）")
    if disclosure.unchecked_tables:
        parts.append(f"另有 {len(disclosure.unchecked_tables)} 张表不在九张表之内，未校验")
    return "，".join(parts)
