"""What a file is, by its first bytes (never by its extension), and the zip checks made before any parsing.

    PK\\x03\\x04           a zip: .xlsx / .docx (by the parts inside), else refused
    D0 CF 11 E0 …        OLE2: legacy .xls (or an encrypted Office file, or a .doc / .et): see :func:`ole_kind`
    %PDF-                PDF
    <html / <!doctype    HTML (also an HTML page saved with a .xls name, as some systems export)
    anything else        text, if it decodes
"""

from __future__ import annotations

import zipfile
from pathlib import Path

MAX_BYTES = 200 * 1024 * 1024  # no disclosure is this large
ZIP_MAX_MEMBERS = 2_000
ZIP_MAX_TOTAL = 300 * 1024 * 1024  # uncompressed
ZIP_MAX_RATIO = 200


class SourceError(Exception):
    """The file cannot be read as a disclosure; the message is Chinese and says what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def sniff(head: bytes) -> str:
    """pdf | zip | ole | html | text | binary, from a file's first bytes."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<!doctype html", b"<html", b"<table", b"<meta", b"<head", b"<body")) or \
            (start.startswith(b"<") and b"<table" in head.lower()):
        return "html"
    if b"\x00" in head[:4096] and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "binary"
    return "text"


def check_zip(path: Path) -> str:
    """xlsx or docx after checking the central directory (members, total size, ratio) — a zip bomb is refused
    before a byte is inflated."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise SourceError(f"文件已损坏，无法作为 .xlsx / .docx 打开（{type(exc).__name__}）") from exc
    if len(infos) > ZIP_MAX_MEMBERS:
        raise SourceError(f"文件内含 {len(infos)} 个部件，超出合理范围，拒绝读取（可能是恶意构造的压缩包）")
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if total > ZIP_MAX_TOTAL or total / packed > ZIP_MAX_RATIO:
        raise SourceError(f"文件解压后约 {total // (1024 * 1024)} MB（压缩比 {total // packed}:1），"
                          "超出合理范围，拒绝读取（可能是“压缩炸弹”）")
    names = {i.filename for i in infos}
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names or any(n.startswith("xl/worksheets/") for n in names):
        return "xlsx"
    if "[Content_Types].xml" in names and any(n.startswith("ppt/") for n in names):
        raise SourceError("这是 PowerPoint 文件，不是部门决算表格或文档")
    raise SourceError("这是一个压缩包，不是 .xlsx 或 .docx 文件")


def ole_kind(data: bytes) -> tuple[str, bool]:
    """("xls", has macros) for a legacy workbook; refuses an encrypted Office file, a .doc, a WPS .et."""
    import io

    from xlrd.compdoc import CompDoc

    try:
        doc = CompDoc(data, logfile=io.StringIO())
        streams = {entry.name for entry in doc.dirlist if entry.name}
    except Exception as exc:  # noqa: BLE001 - a broken compound file, whatever xlrd raises
        raise SourceError(f"文件已损坏，无法作为 .xls 打开（{type(exc).__name__}）") from exc
    return _ole_streams(streams), bool(streams & {"_VBA_PROJECT_CUR", "VBA", "_VBA_PROJECT", "dir"})


def _ole_streams(streams: set[str]) -> str:
    if "EncryptionInfo" in streams or "EncryptedPackage" in streams:
        raise SourceError("文件设有打开密码（加密），无法读取。请在 Excel / Word 中取消密码后另存，再重试")
    if "WordDocument" in streams:
        raise SourceError("这是旧版 Word 文档（.doc），请用 Word 或 WPS 另存为 .docx 后重试")
    if "Workbook" in streams or "Book" in streams:
        return "xls"
    raise SourceError("无法识别的 Office 文件（不是 .xls 工作簿），请另存为 .xlsx 后重试")


def read_head(path: Path, size: int = 8192) -> bytes:
    with path.open("rb") as handle:
        return handle.read(size)
