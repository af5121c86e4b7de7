"""Preflight: decide from headers alone whether a returned file can safely be opened as an xlsx workbook.

Returned files come from many hands: legacy .xls, WPS .et, workbooks with an open password, CSV or HTML
renamed to .xlsx, truncated downloads and, now and then, hostile files (zip bombs, XML entity bombs).
Everything downstream (openpyxl, ``formulas``) assumes a sane xlsx, so this module looks first and answers
with findings in Chinese that tell the accountant what to do.

Guarantees of :func:`preflight`:

* it never raises for any input: an unexpected exception becomes the finding ``P-内部错误``;
* it never writes: the file is opened read-only (non-blocking, so a FIFO cannot hang us) and only read;
* it is bounded in time and memory: it reads the first 8 KB, the zip end record and central directory
  (capped), the OLE2 header and directory (capped), and at most a few KB of each XML part; only small XML
  parts are inflated whole, to verify their CRC, within a fixed byte budget.  Members are read with our own
  reader, which caps the compressed bytes it consumes as well as the bytes it produces, so overlapping or
  padded deflate streams cannot make it spin.

``kind`` says what the file is (one of :data:`KINDS`); ``ok`` says whether it may be handed to the reader.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any, BinaryIO

from .errors import os_reason
from .findings import Check, Finding, Level, define_check, make

__all__ = [
    "DEFAULT_LIMITS",
    "KINDS",
    "Limits",
    "Preflight",
    "defusedxml_active",
    "preflight",
]

# --- catalogue ----------------------------------------------------------------------------------------

_RESAVE = "请在 Excel/WPS 中打开原报表，另存为 .xlsx（Excel 工作簿）后重新报送。"


def _check(code: str, level: Level, title: str, template: str, description: str) -> Check:
    return define_check(code, level, title, template, description, category="preflight")


MISSING = _check(
    "P-不存在",
    Level.ERROR,
    "文件不存在",
    "找不到文件“{name}”。请确认文件路径正确、文件没有被移动、改名或删除后重新提交。",
    "给出的路径上没有文件。常见原因：路径输错、文件已被移动或删除、网盘里的文件尚未下载到本机。",
)
DIRECTORY = _check(
    "P-文件夹",
    Level.ERROR,
    "路径是文件夹",
    "“{name}”是一个文件夹，不是报表文件。请选择文件夹里要报送的 .xlsx 文件本身。",
    "校验针对单个工作簿文件；给出的路径是文件夹。请选中文件夹中的 .xlsx 文件。",
)
SPECIAL = _check(
    "P-非普通文件",
    Level.ERROR,
    "不是普通文件",
    "“{name}”不是磁盘上的普通文件（可能是设备、管道或套接字），无法作为报表读取。"
    "请选择保存在磁盘上的 .xlsx 文件。",
    "给出的路径指向设备、命名管道等特殊文件，读取它可能永远等不到结束，因此不读取。",
)
UNREADABLE = _check(
    "P-无法读取",
    Level.ERROR,
    "无法读取文件",
    "无法读取文件（{reason}）。请检查文件权限，关闭正在占用该文件的程序（如 Excel/WPS）后重试。",
    "文件存在但操作系统拒绝读取：没有读权限、文件被其他程序独占、网络盘断开或磁盘出错。",
)
EMPTY = _check(
    "P-空文件",
    Level.ERROR,
    "空文件",
    "文件大小为 0 字节，没有任何内容。可能是保存或传输失败，请在 Excel/WPS 中重新保存报表后再报送。",
    "0 字节的文件不含任何表格。常见原因：保存时程序异常退出、磁盘已满、上传或下载中断。",
)
CORRUPT = _check(
    "P-文件损坏",
    Level.ERROR,
    "文件损坏或不完整",
    "文件已损坏或不完整：{detail}。请用 Excel/WPS 打开原文件，确认内容正常后重新保存为 .xlsx 再报送；"
    "如果文件是下载或邮件收到的，请重新获取一份。",
    "xlsx 实际上是一个 ZIP 压缩包；文件被截断（复制、下载、邮件传输中断）或内部数据校验失败时，"
    "表格内容无法可靠读取。旧版 .xls/.et 的复合文档结构损坏也归入此项。",
)
ZIP_BOMB = _check(
    "P-压缩炸弹",
    Level.ERROR,
    "压缩数据超出安全上限",
    "文件内部的压缩数据异常：{detail}，超出安全上限（{limit}），为防止耗尽服务器资源已拒绝打开。"
    "正常的决算报表不会这样，请在 Excel/WPS 中打开原文件，另存为新的 .xlsx 后再报送。",
    "“压缩炸弹”是体积很小、解压后却极其巨大的文件，可以让读取程序耗尽内存或长时间卡死。"
    "本检查只读取 ZIP 目录中声明的部件数、解压后大小和压缩比，不会真正解压。",
)
ENTITY_BOMB = _check(
    "P-实体炸弹",
    Level.ERROR,
    "XML 部件含有 DTD 声明或可疑编码",
    "文件内部的 XML 部件 {part} {detail}，Excel/WPS 不会生成这样的内容，"
    "可能是恶意构造的文件（XML 实体炸弹），已拒绝打开。"
    "请在 Excel/WPS 中打开原文件，另存为新的 .xlsx 后再报送。",
    "XML 的 DOCTYPE/ENTITY 声明可以定义层层嵌套展开的实体（“十亿笑声”攻击），几 KB 的文件就能展开成数 GB；"
    "Excel/WPS 从不在 xlsx 中写入 DTD。本检查只读取每个 XML 部件开头的几 KB。",
)
MACRO = _check(
    "P-宏",
    Level.WARNING,
    "文件含有宏",
    "文件含有宏（{what}）。本工具不会运行宏，校验照常进行；但宏可能携带病毒，"
    "建议另存为不含宏的 .xlsx（Excel 工作簿）后报送。",
    "启用宏的工作簿（.xlsm）带有 VBA 工程或 Excel 4.0 宏表。本工具只读取单元格，不执行宏。",
)
LEGACY_XLS = _check(
    "P-旧版XLS",
    Level.ERROR,
    "旧版 .xls 文件",
    "这是旧版 .xls 文件，请在 Excel/WPS 中另存为 .xlsx 后重新报送"
    "（另存为时文件类型选择“Excel 工作簿 (*.xlsx)”）。",
    "Excel 97-2003 的 .xls 是二进制复合文档格式（BIFF），本工具只读取 .xlsx。另存为 .xlsx 不会改变表格内容。",
)
ENCRYPTED = _check(
    "P-加密",
    Level.ERROR,
    "文件设置了打开密码",
    "文件设置了打开密码，请在 Excel/WPS 中取消打开密码后重新报送（{how}）。",
    "设置了打开密码（或权限保护）的工作簿整个被加密，不知道密码就无法读取任何单元格。"
    "请在 Excel 的“文件 > 信息 > 保护工作簿 > 用密码进行加密”或 WPS 的“文件 > 文档加密”中清除密码。",
)
WPS_ET = _check(
    "P-WPS格式",
    Level.ERROR,
    "WPS 表格 .et 文件",
    "这是 WPS 表格 .et 文件，请在 WPS 中另存为 .xlsx 后重新报送（{basis}）。",
    "WPS 表格的 .et 格式内部与旧版 .xls 相同，是二进制复合文档，本工具只读取 .xlsx。",
)
XLSB = _check(
    "P-XLSB格式",
    Level.ERROR,
    "Excel 二进制工作簿 .xlsb",
    "这是 Excel 二进制工作簿（.xlsb）文件，请在 Excel/WPS 中另存为 .xlsx 后重新报送。",
    ".xlsb 把表格存成二进制记录而不是 XML，本工具只读取 .xlsx。",
)
ODS = _check(
    "P-ODS格式",
    Level.ERROR,
    "OpenDocument 表格 .ods",
    "这是 OpenDocument 表格（.ods）文件，请在 WPS/Excel/LibreOffice 中另存为 .xlsx 后重新报送。",
    ".ods 是 LibreOffice/OpenOffice 的表格格式，本工具只读取 .xlsx。",
)
TEXT = _check(
    "P-文本文件",
    Level.ERROR,
    "文本文件冒充工作簿",
    "文件内容是{what}，不是真正的 Excel 工作簿（{ext_note}）。"
    "请在 Excel/WPS 中打开它，另存为 .xlsx（Excel 工作簿）后重新报送。",
    "一些业务系统导出的“Excel 文件”其实是 CSV、网页（HTML）或 XML 文本，只是改了扩展名；"
    "其中没有公式和格式信息，必须在 Excel/WPS 中另存为真正的 .xlsx。",
)
NOT_SPREADSHEET = _check(
    "P-非电子表格",
    Level.ERROR,
    "不是电子表格",
    "这不是电子表格，而是{what}。请报送用 Excel/WPS 保存的 .xlsx 决算报表。",
    "文件是 Word 文档、PDF、图片、程序等其他格式，可能是选错了文件。",
)
ARCHIVE = _check(
    "P-压缩包",
    Level.ERROR,
    "压缩包而非工作簿",
    "文件是 {what} 压缩包，不是 Excel 工作簿。如果报表在压缩包里，请先解压，再单独报送其中的 .xlsx 文件。",
    "报送的是压缩包本身。本工具不会解开压缩包，请解压后报送其中的 .xlsx。",
)
UNKNOWN = _check(
    "P-未知格式",
    Level.ERROR,
    "无法识别的文件格式",
    "无法识别的文件格式（文件开头的字节为 {magic}），不是 Excel 工作簿。" + _RESAVE,
    "文件既不是 xlsx（ZIP），也不是旧版 Office 复合文档、文本、PDF 或图片。"
    "可能已损坏，或是其他软件的专有格式。",
)
INTERNAL = _check(
    "P-内部错误",
    Level.ERROR,
    "检查时发生内部错误",
    "检查文件时本工具发生内部错误（{error}）。这不一定是文件的问题；请把该文件和本提示一并发给技术支持。",
    "预检遇到了未预料的情况。为安全起见文件按未通过处理；这是本工具需要修复的问题。",
)

# --- result -------------------------------------------------------------------------------------------

#: Every value ``Preflight.kind`` can take.
KINDS: tuple[str, ...] = (
    "xlsx",  # an xlsx workbook (ok unless a finding says otherwise, e.g. a bomb)
    "xlsm",  # an xlsx workbook with macros (ok, with a warning)
    "xlsb",
    "xls",
    "et",
    "encrypted",  # an OOXML package encrypted with an open password (OLE2 EncryptedPackage)
    "ods",
    "docx",
    "pptx",
    "doc",
    "ppt",
    "ole2",  # another OLE2 compound file (.msg, .vsd, ...)
    "ofd",
    "zip",  # a zip archive whose directory could not be listed because it exceeds the limits
    "zip-not-xlsx",
    "truncated",  # a zip whose end is missing
    "corrupt",  # a zip or OLE2 file whose structure is damaged
    "pdf",
    "image",
    "archive",  # rar, 7z, gzip, ...
    "executable",
    "text",  # CSV, HTML, XML, plain text
    "empty",
    "unknown",
    "missing",
    "directory",
    "special",  # FIFO, device, socket
    "unreadable",
)

_OK_KINDS = frozenset({"xlsx", "xlsm"})


@dataclass(frozen=True)
class Preflight:
    """What :func:`preflight` found.  ``ok`` is True only for an xlsx with no error-level finding."""

    ok: bool
    kind: str
    findings: tuple[Finding, ...]
    size: int

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(f.code for f in self.findings)


@dataclass(frozen=True)
class Limits:
    """Resource caps.  A real 部门决算 workbook is a few hundred KB with a few dozen members."""

    max_members: int = 10_000
    max_total_uncompressed: int = 500 * 1024 * 1024
    max_ratio: float = 200.0
    ratio_min_size: int = 1024 * 1024  # small members compress wildly (a blank sheet) and cannot hurt
    max_central_directory: int = 4 * 1024 * 1024  # 10,000 entries with long names fit in well under 4 MB
    sniff_bytes: int = 4096
    crc_max_member: int = 2 * 1024 * 1024
    crc_budget: int = 32 * 1024 * 1024
    ole_max_directory_entries: int = 16_384


DEFAULT_LIMITS = Limits()

_HEAD_BYTES = 8192


class _Report:
    """Mutable accumulator; frozen into a :class:`Preflight` at the end."""

    def __init__(self) -> None:
        self.kind = "unknown"
        self.size = 0
        self.findings: list[Finding] = []

    def add(self, check: Check, **args: Any) -> None:
        self.findings.append(make(check, **args))

    def fail(self, kind: str, check: Check, **args: Any) -> None:
        self.kind = kind
        self.add(check, **args)

    def result(self) -> Preflight:
        errors = any(f.level is Level.ERROR for f in self.findings)
        return Preflight(
            ok=self.kind in _OK_KINDS and not errors,
            kind=self.kind,
            findings=tuple(self.findings),
            size=self.size,
        )


class _Corrupt(Exception):
    """Structural damage found while reading; becomes a ``P-文件损坏`` finding."""

    def __init__(self, detail: str, kind: str = "corrupt") -> None:
        super().__init__(detail)
        self.detail = detail
        self.kind = kind


# --- entry point --------------------------------------------------------------------------------------


def preflight(path: str | os.PathLike[str], *, limits: Limits = DEFAULT_LIMITS) -> Preflight:
    """Sniff ``path`` and say whether it can safely be opened as an xlsx workbook.  Never raises."""
    report = _Report()
    try:
        _preflight(path, limits, report)
    except Exception as exc:
        # Whatever slipped through is our bug, not the accountant's: report it, never crash the batch.
        report.add(INTERNAL, error=_describe(exc))
    return report.result()


def defusedxml_active() -> bool:
    """True when openpyxl parses sharedStrings and worksheets through defusedxml.

    openpyxl switches to defusedxml when the package is importable and ``OPENPYXL_DEFUSEDXML`` is not
    ``False``.  With lxml installed, openpyxl parses workbook.xml, styles and the other small parts with lxml
    (``resolve_entities=False``) instead; libxml2's amplification limit then stops an entity bomb.
    Preflight rejects every DOCTYPE before openpyxl sees the file, so both are a second line of defence.
    """
    try:
        from openpyxl.xml import DEFUSEDXML
    except Exception:
        return False
    return bool(DEFUSEDXML)


def _describe(exc: BaseException) -> str:
    text = str(exc).replace("\n", " ")
    if len(text) > 200:
        text = text[:200] + "…"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever; it has no effect on
# regular files.  O_BINARY only exists (and matters) on Windows.
_OPEN_FLAGS = (
    os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
)


def _preflight(path: str | os.PathLike[str], limits: Limits, report: _Report) -> None:
    fspath = os.fspath(path)
    shown = os.fsdecode(fspath)
    name = os.path.basename(shown.rstrip("/\\")) or shown
    ext = os.path.splitext(name)[1].lower()

    try:
        fd = os.open(fspath, _OPEN_FLAGS)
    except (FileNotFoundError, NotADirectoryError):
        report.fail("missing", MISSING, name=shown)
        return
    except IsADirectoryError:
        report.fail("directory", DIRECTORY, name=shown)
        return
    except PermissionError as exc:
        # Windows refuses to open a directory with PermissionError rather than opening it.
        if os.path.isdir(fspath):
            report.fail("directory", DIRECTORY, name=shown)
        else:
            report.fail("unreadable", UNREADABLE, reason=os_reason(exc))
        return
    except ValueError:  # embedded NUL byte: no file can have this name
        report.fail("missing", MISSING, name=shown.replace("\x00", "\\0"))
        return
    except OSError as exc:
        report.fail("unreadable", UNREADABLE, reason=os_reason(exc))
        return

    try:
        # Decide on the descriptor we hold, not on the path, so a file swapped after the open cannot fool us.
        st = os.fstat(fd)
        f = os.fdopen(fd, "rb") if stat.S_ISREG(st.st_mode) else None
    except BaseException:
        os.close(fd)
        raise
    if f is None:
        os.close(fd)
        if stat.S_ISDIR(st.st_mode):  # POSIX lets a directory be opened read-only
            report.fail("directory", DIRECTORY, name=shown)
        else:
            report.fail("special", SPECIAL, name=shown)
        return
    with f:
        size = report.size = st.st_size
        try:
            head = f.read(_HEAD_BYTES)
        except OSError as exc:
            report.fail("unreadable", UNREADABLE, reason=os_reason(exc))
            return
        if not head:
            report.fail("empty", EMPTY)
            return
        if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
            _check_zip(f, size, limits, report)
        elif head.startswith(_OLE_MAGIC):
            _check_ole(f, size, ext, limits, report)
        else:
            _check_other(head, size, ext, report)



def _human(n: float) -> str:
    if n < 1024:
        return f"{int(n)} 字节"
    for unit in ("KB", "MB", "GB", "TB"):
        n /= 1024
        if n < 1024 or unit == "TB":
            return f"{n:.1f}".removesuffix(".0") + f" {unit}"
    raise AssertionError("unreachable")


# --- zip ----------------------------------------------------------------------------------------------

_EOCD = b"PK\x05\x06"
_EOCD_LEN = 22
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_LOCATOR_LEN = 20
_ZIP64_EOCD = b"PK\x06\x06"
_ZIP64_EOCD_LEN = 56
_CENTRAL = b"PK\x01\x02"
_CENTRAL_LEN = 46
_LOCAL = b"PK\x03\x04"
_LOCAL_LEN = 30

_TRUNCATED_ZIP = "文件末尾缺少 ZIP 目录，文件不完整，可能在复制、下载或邮件传输时被截断"

_XML_PART = re.compile(r"\.(?:xml|rels|vml)$", re.IGNORECASE)
_WORKBOOK_TYPES = re.compile(
    r"spreadsheetml\.(?:sheet|template)\.main\+xml|ms-excel\.(?:sheet|template)\.macroEnabled\.main\+xml",
    re.IGNORECASE,
)
_OVERRIDE = re.compile(r"<(?:\w+:)?Override\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r"""\b(PartName|ContentType)\s*=\s*["']([^"']*)["']""", re.IGNORECASE)


@dataclass(frozen=True)
class _EndRecord:
    entries: int
    cd_size: int
    cd_start: int  # where the central directory really starts in the file


def _read_at(f: BinaryIO, offset: int, n: int) -> bytes:
    f.seek(offset)
    return f.read(n)


def _end_record(f: BinaryIO, size: int) -> _EndRecord | None:
    """Locate the end-of-central-directory record as :mod:`zipfile` does, so both agree on the directory."""
    if size < _EOCD_LEN:
        return None
    tail_start = max(size - _EOCD_LEN - 0xFFFF, 0)
    tail = _read_at(f, tail_start, size - tail_start)
    if tail[-_EOCD_LEN : -_EOCD_LEN + 4] == _EOCD and tail[-2:] == b"\x00\x00":
        pos = len(tail) - _EOCD_LEN
    else:
        pos = tail.rfind(_EOCD)
        if pos < 0 or pos + _EOCD_LEN > len(tail):
            return None
    # The stored directory offset is ignored, like zipfile does: the record's own position is what counts when
    # data was prepended to the archive.
    entries, cd_size = struct.unpack_from("<HI", tail, pos + 10)
    eocd_at = tail_start + pos
    record_start = eocd_at
    if eocd_at >= _ZIP64_LOCATOR_LEN + _ZIP64_EOCD_LEN:
        locator = _read_at(f, eocd_at - _ZIP64_LOCATOR_LEN, _ZIP64_LOCATOR_LEN)
        if locator[:4] == _ZIP64_LOCATOR:
            record = _read_at(f, eocd_at - _ZIP64_LOCATOR_LEN - _ZIP64_EOCD_LEN, _ZIP64_EOCD_LEN)
            if len(record) == _ZIP64_EOCD_LEN and record[:4] == _ZIP64_EOCD:
                entries, cd_size = struct.unpack_from("<QQ", record, 32)
                record_start = eocd_at - _ZIP64_LOCATOR_LEN - _ZIP64_EOCD_LEN
    return _EndRecord(entries=entries, cd_size=cd_size, cd_start=record_start - cd_size)


def _count_central(cd: bytes, cap: int) -> int:
    """Walk the central directory headers without building objects; stop as soon as ``cap`` is exceeded."""
    pos = count = 0
    while pos < len(cd):
        if pos + _CENTRAL_LEN > len(cd) or cd[pos : pos + 4] != _CENTRAL:
            raise _Corrupt("ZIP 目录中的部件记录损坏")
        n, m, k = struct.unpack_from("<HHH", cd, pos + 28)
        pos += _CENTRAL_LEN + n + m + k
        count += 1
        if count > cap:
            break
    return count


def _check_zip(f: BinaryIO, size: int, limits: Limits, report: _Report) -> None:
    report.kind = "zip"
    try:
        _check_zip_inner(f, size, limits, report)
    except _Corrupt as exc:
        report.fail(exc.kind, CORRUPT, detail=exc.detail)
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        OSError,
        ValueError,
        struct.error,
        NotImplementedError,
    ) as exc:
        # zipfile's own verdicts on a damaged directory (bad magic, bad extra field, bad UTF-8 name, a seek
        # before the start of the file...) all mean the same thing to the accountant.
        report.fail("corrupt", CORRUPT, detail=f"ZIP 结构无法解析（{_describe(exc)}）")


def _check_zip_inner(f: BinaryIO, size: int, limits: Limits, report: _Report) -> None:
    end = _end_record(f, size)
    if end is None:
        raise _Corrupt(_TRUNCATED_ZIP, kind="truncated")
    # Bomb caps come before anything that allocates per entry: zipfile builds one object per directory entry.
    if end.entries > limits.max_members:
        report.add(
            ZIP_BOMB, detail=f"ZIP 目录声明了 {end.entries} 个内部部件", limit=f"{limits.max_members} 个"
        )
        return
    if end.cd_size > limits.max_central_directory:
        report.add(
            ZIP_BOMB,
            detail=f"ZIP 目录大小为 {_human(end.cd_size)}",
            limit=_human(limits.max_central_directory),
        )
        return
    if end.cd_start < 0:
        raise _Corrupt("ZIP 目录的位置超出文件范围")
    cd = _read_at(f, end.cd_start, end.cd_size)
    if len(cd) != end.cd_size:
        raise _Corrupt("ZIP 目录不完整", kind="truncated")
    count = _count_central(cd, limits.max_members)
    if count > limits.max_members:
        report.add(
            ZIP_BOMB,
            detail=f"ZIP 目录含有超过 {limits.max_members} 个内部部件",
            limit=f"{limits.max_members} 个",
        )
        return
    del cd

    with zipfile.ZipFile(f) as zf:
        infos = zf.infolist()
    if not infos:
        report.fail("zip-not-xlsx", CORRUPT, detail="文件是一个空的 ZIP 压缩包，不含任何工作表")
        return
    by_name = {i.filename: i for i in infos}
    kind, workbook = _classify_zip(f, size, by_name, limits, report)
    if kind not in _OK_KINDS or workbook is None:
        return
    report.kind = kind
    if len(by_name) != len(infos):
        raise _Corrupt("压缩包内有重名的部件，Excel/WPS 不会生成这样的文件")
    if not _bomb_free(infos, limits, report):
        return
    _check_members(infos, size)
    _check_macros(infos, report)
    _sniff_parts(f, size, infos, workbook, limits, report)


def _classify_zip(
    f: BinaryIO, size: int, by_name: dict[str, zipfile.ZipInfo], limits: Limits, report: _Report
) -> tuple[str, str | None]:
    """Say what kind of zip this is; for an xlsx also return the workbook part name."""
    names = by_name.keys()
    lower = {n.lower() for n in names}
    has_types = "[Content_Types].xml" in by_name
    macro = any(n.endswith("vbaproject.bin") or n.startswith("xl/macrosheets/") for n in lower)
    family = "xlsm" if macro else "xlsx"

    if "xl/workbook.xml" in by_name:
        if not has_types:
            report.fail(family, CORRUPT, detail="工作簿缺少必需的部件 [Content_Types].xml")
            return family, None
        return family, "xl/workbook.xml"

    content_types = ""
    if has_types:
        # A workbook part elsewhere than xl/workbook.xml is legal OPC and openpyxl follows the content types.
        data, _ = _read_member(f, size, by_name["[Content_Types].xml"], out_cap=256 * 1024, in_cap=512 * 1024)
        content_types = data.decode("utf-8", "replace")
        for tag in _OVERRIDE.findall(content_types):
            attrs = {k.lower(): v for k, v in _ATTR.findall(tag)}
            part = attrs.get("partname", "").lstrip("/")
            if _WORKBOOK_TYPES.search(attrs.get("contenttype", "")) and part in by_name:
                return family, part
    if "xl/workbook.bin" in by_name or "sheet.binary.macroenabled.main" in content_types.lower():
        report.fail("xlsb", XLSB)
    elif "mimetype" in by_name:
        data, _ = _read_member(f, size, by_name["mimetype"], out_cap=100, in_cap=4096)
        mime = data.decode("ascii", "replace").strip()
        if mime == "application/vnd.oasis.opendocument.spreadsheet":
            report.fail("ods", ODS)
        else:
            what = {
                "application/vnd.oasis.opendocument.text": "OpenDocument 文本文档（.odt）",
                "application/vnd.oasis.opendocument.presentation": "OpenDocument 演示文稿（.odp）",
            }.get(mime, "OpenDocument 文档")
            report.fail("zip-not-xlsx", NOT_SPREADSHEET, what=what)
    elif "word/document.xml" in by_name:
        report.fail("docx", NOT_SPREADSHEET, what="Word 文档（.docx）")
    elif "ppt/presentation.xml" in by_name:
        report.fail("pptx", NOT_SPREADSHEET, what="PowerPoint 演示文稿（.pptx）")
    elif "ofd.xml" in lower:
        report.fail("ofd", NOT_SPREADSHEET, what="OFD 版式文件（电子公文或电子发票格式）")
    elif any(n.startswith("xl/") for n in lower):
        report.fail(family, CORRUPT, detail="工作簿缺少必需的部件 xl/workbook.xml")
    elif has_types:
        report.fail("zip-not-xlsx", NOT_SPREADSHEET, what="其他 Office Open XML 文档（不是 Excel 工作簿）")
    else:
        report.fail("zip-not-xlsx", ARCHIVE, what="ZIP")
    return report.kind, None


def _bomb_free(infos: list[zipfile.ZipInfo], limits: Limits, report: _Report) -> bool:
    total = sum(i.file_size for i in infos)
    found = False
    if total > limits.max_total_uncompressed:
        report.add(
            ZIP_BOMB, detail=f"解压后总大小为 {_human(total)}", limit=_human(limits.max_total_uncompressed)
        )
        found = True
    worst: tuple[float, zipfile.ZipInfo] | None = None
    offenders = 0
    for info in infos:
        if info.file_size <= limits.ratio_min_size:
            continue
        ratio = info.file_size / info.compress_size if info.compress_size else float("inf")
        if ratio > limits.max_ratio:
            offenders += 1
            if worst is None or ratio > worst[0]:
                worst = (ratio, info)
    if worst is not None:
        ratio, info = worst
        shown = "无穷" if ratio == float("inf") else f"{ratio:.0f}"
        more = f"（共 {offenders} 个部件超限）" if offenders > 1 else ""
        report.add(
            ZIP_BOMB,
            detail=f"部件 {info.filename} 解压后为 {_human(info.file_size)}，压缩比 {shown}:1{more}",
            limit=f"{limits.max_ratio:.0f}:1",
        )
        found = True
    return not found


def _check_members(infos: list[zipfile.ZipInfo], size: int) -> None:
    for info in infos:
        if info.flag_bits & 0x41:
            raise _Corrupt(f"部件 {info.filename} 使用了 ZIP 加密，Excel/WPS 不会生成这样的文件")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _Corrupt(f"部件 {info.filename} 使用了 Excel/WPS 不支持的压缩方式（{info.compress_type}）")
        if info.header_offset < 0 or info.header_offset + _LOCAL_LEN + info.compress_size > size:
            raise _Corrupt(f"部件 {info.filename} 的数据超出文件末尾，文件不完整", kind="truncated")


def _check_macros(infos: list[zipfile.ZipInfo], report: _Report) -> None:
    vba = [i.filename for i in infos if i.filename.lower().endswith("vbaproject.bin")]
    xlm = [i.filename for i in infos if i.filename.lower().startswith("xl/macrosheets/")]
    parts = []
    if vba:
        parts.append(f"VBA 工程 {vba[0]}")
    if xlm:
        parts.append(f"Excel 4.0 宏表 {xlm[0]}" + (f" 等 {len(xlm)} 个" if len(xlm) > 1 else ""))
    if parts:
        report.add(MACRO, what="，".join(parts))


def _part_priority(info: zipfile.ZipInfo, workbook: str) -> tuple[int, str]:
    # The parts openpyxl reads first and that matter most get the CRC budget first.
    name = info.filename
    lname = name.lower()
    if name in ("[Content_Types].xml", workbook) or lname == "_rels/.rels":
        rank = 0
    elif lname.startswith("xl/_rels/") or lname in ("xl/styles.xml", "xl/sharedstrings.xml"):
        rank = 1
    elif lname.startswith("xl/worksheets/"):
        rank = 2
    elif _XML_PART.search(name):
        rank = 3
    else:
        rank = 4
    return rank, name


def _sniff_parts(
    f: BinaryIO, size: int, infos: list[zipfile.ZipInfo], workbook: str, limits: Limits, report: _Report
) -> None:
    """Look at the start of every member for a DTD; verify the CRC of small XML parts within a budget.

    Every member is looked at, not only those named .xml: openpyxl finds shared strings through the content
    types and worksheets through the relationships, and both may name any part.
    """
    budget = limits.crc_budget
    window = limits.sniff_bytes
    for info in sorted(infos, key=lambda i: _part_priority(i, workbook)):
        xml_named = bool(_XML_PART.search(info.filename))
        small = info.file_size <= limits.crc_max_member and info.compress_size <= limits.crc_max_member
        if xml_named and small and info.file_size + info.compress_size <= budget:
            budget -= info.file_size + info.compress_size
            data = _verified_member(f, size, info)
            head, complete = data[: 2 * window], len(data) <= 2 * window
        else:
            head, complete = _read_member(f, size, info, out_cap=2 * window, in_cap=4 * window + 1024)
        problem = _xml_prolog_problem(head, complete, window, strict=xml_named)
        if problem is not None:
            check, detail = problem
            if check is CORRUPT:
                raise _Corrupt(f"XML 部件 {info.filename} {detail}")
            report.add(check, part=info.filename, detail=detail)
            return


def _local_data_start(f: BinaryIO, size: int, info: zipfile.ZipInfo) -> int:
    header = _read_at(f, info.header_offset, _LOCAL_LEN)
    if len(header) < _LOCAL_LEN or header[:4] != _LOCAL:
        raise _Corrupt(f"部件 {info.filename} 的文件头损坏")
    flags = int(struct.unpack_from("<H", header, 6)[0])
    n, m = struct.unpack_from("<HH", header, 26)
    raw_name = f.read(n)
    try:
        local_name = raw_name.decode("utf-8" if flags & 0x800 else "cp437")
    except UnicodeDecodeError:
        local_name = None
    if local_name != info.orig_filename:
        raise _Corrupt(f"部件 {info.filename} 在 ZIP 目录和文件头中的名称不一致")
    start: int = info.header_offset + _LOCAL_LEN + int(n) + int(m)
    if start + info.compress_size > size:
        raise _Corrupt(f"部件 {info.filename} 的数据超出文件末尾，文件不完整", kind="truncated")
    return start


def _read_member(
    f: BinaryIO, size: int, info: zipfile.ZipInfo, *, out_cap: int, in_cap: int
) -> tuple[bytes, bool]:
    """Inflate at most ``out_cap`` bytes of a member, consuming at most ``in_cap`` compressed bytes.

    Returns the bytes and whether they are the whole member.  Capping the input as well as the output matters:
    a deflate stream can be padded with empty blocks that consume input and produce nothing.
    """
    start = _local_data_start(f, size, info)
    raw = _read_at(f, start, min(info.compress_size, in_cap))
    if info.compress_type == zipfile.ZIP_STORED:
        return raw[:out_cap], info.compress_size <= min(in_cap, out_cap)
    if info.compress_type != zipfile.ZIP_DEFLATED:
        raise _Corrupt(f"部件 {info.filename} 使用了 Excel/WPS 不支持的压缩方式（{info.compress_type}）")
    inflater = zlib.decompressobj(-15)
    try:
        data = inflater.decompress(raw, out_cap)
    except zlib.error as exc:
        raise _Corrupt(f"部件 {info.filename} 的压缩数据损坏（{exc}）") from None
    return data, inflater.eof


def _verified_member(f: BinaryIO, size: int, info: zipfile.ZipInfo) -> bytes:
    """Inflate a small member whole and check its length and CRC-32 against the directory."""
    start = _local_data_start(f, size, info)
    raw = _read_at(f, start, info.compress_size)
    if info.compress_type == zipfile.ZIP_STORED:
        data, eof = raw, True
    else:
        inflater = zlib.decompressobj(-15)
        try:
            data = inflater.decompress(raw, info.file_size + 1)
        except zlib.error as exc:
            raise _Corrupt(f"部件 {info.filename} 的压缩数据损坏（{exc}）") from None
        eof = inflater.eof
    if not eof or len(data) != info.file_size:
        raise _Corrupt(f"部件 {info.filename} 的数据长度与 ZIP 目录不符")
    if zlib.crc32(data) != info.CRC:
        raise _Corrupt(f"部件 {info.filename} 的 CRC 校验失败，数据已损坏")
    return data


# Encodings that write ASCII characters as the ASCII bytes, so a byte-level look at the markup is faithful.
_ASCII_COMPATIBLE = frozenset(
    "utf-8 utf8 us-ascii ascii iso-8859-1 iso8859-1 latin1 latin-1 windows-1252 cp1252 "
    "gb2312 gbk gb18030".split()
)
_UTF16 = frozenset({"utf-16", "utf16", "utf-16le", "utf-16be", "ucs-2", "iso-10646-ucs-2"})
_XML_DECL_ENCODING = re.compile(r"""^<\?xml\b[^>]*?\bencoding\s*=\s*["']([^"']{1,40})["']""")


# A DOCTYPE that declares something: an internal subset ("[") or an external DTD to fetch (SYSTEM/PUBLIC).
_EXTERNAL_OR_INTERNAL_DTD = re.compile(r"<!DOCTYPE[^>\[]*(?:\[|\bSYSTEM\b|\bPUBLIC\b)")


def _xml_prolog_problem(
    data: bytes, complete: bool, window: int, *, strict: bool = True
) -> tuple[Check, str] | None:
    """Why the start of a part is unacceptable (the check to raise and a detail), or None.

    A DTD can only appear in the prolog, before the root element, but the prolog may be padded with comments
    and processing instructions; so we walk it to the root element rather than only grepping a fixed window.
    Odd encodings (UTF-7, UTF-32, EBCDIC) could hide ``<!DOCTYPE`` from a byte-level look and are refused
    outright: libxml2, which openpyxl uses when lxml is installed, would decode them.

    ``strict`` is for parts named .xml/.rels/.vml, which must be XML and may hold no DOCTYPE at all.  Other
    parts are judged only if they look like XML, and then only an ENTITY, an internal subset or an external
    DTD counts, so that an embedded ``<!DOCTYPE html>`` page is not mistaken for a bomb.
    """
    if data[:4] in (b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00", b"\x00\x00\x00<", b"<\x00\x00\x00"):
        return ENTITY_BOMB, "使用了 UTF-32 编码"
    if data[:4] == b"\x4c\x6f\xa7\x94":  # "<?xm" in EBCDIC
        return ENTITY_BOMB, "使用了 EBCDIC 编码"
    utf16 = data[:2] in (b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")
    if utf16:
        codec = "utf-16-le" if data[:2] in (b"\xff\xfe", b"<\x00") else "utf-16-be"
        body = data[2:] if data[:2] in (b"\xff\xfe", b"\xfe\xff") else data
        text = body[: len(body) // 2 * 2].decode(codec, "replace")
    else:
        # latin-1 maps bytes to code points one to one, so ASCII markup in UTF-8 or GBK reads faithfully.
        text = (data[3:] if data.startswith(b"\xef\xbb\xbf") else data).decode("latin-1")
    stripped = text.lstrip(" \t\r\n\ufeff")
    if stripped and not stripped.startswith("<"):
        return (CORRUPT, "的内容不是 XML（或使用了不常见的字符编码）") if strict else None
    if not stripped and not strict:
        return None
    match = _XML_DECL_ENCODING.match(stripped)
    if match is not None and match.group(1).strip().lower() not in (_UTF16 if utf16 else _ASCII_COMPATIBLE):
        return ENTITY_BOMB, f"声明了不常见的字符编码 {match.group(1)}"
    whole = complete and len(text) <= window
    text = text[:window]
    upper = text.upper()
    if "<!ENTITY" in upper:
        return ENTITY_BOMB, "含有 DOCTYPE/ENTITY 声明"
    if "<!DOCTYPE" in upper and (strict or _EXTERNAL_OR_INTERNAL_DTD.search(upper)):
        return ENTITY_BOMB, "含有 DOCTYPE/ENTITY 声明"
    i, n = 0, len(text)
    while True:
        while i < n and text[i] in " \t\r\n\ufeff":
            i += 1
        if i >= n:
            break
        if text.startswith("<?", i):
            end = text.find("?>", i + 2)
            if end < 0:
                break
            i = end + 2
        elif text.startswith("<!--", i):
            end = text.find("-->", i + 4)
            if end < 0:
                break
            i = end + 3
        elif text.startswith("<!", i):
            if strict or _EXTERNAL_OR_INTERNAL_DTD.match(text.upper(), i):
                return ENTITY_BOMB, "在根元素之前含有 DTD 标记声明"
            return None
        else:
            return None  # the root element: no DTD can follow it
    if whole:
        return None  # a part that is nothing but a prolog: the XML parser rejects it, nothing to expand
    return ENTITY_BOMB, f"开头的声明部分超过 {window} 个字符仍未结束"


# --- OLE2 compound files ------------------------------------------------------------------------------

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAXREGSECT = 0xFFFFFFFA
_ENDOFCHAIN = 0xFFFFFFFE
_NOSTREAM = 0xFFFFFFFF
_STORAGE, _STREAM, _ROOT = 1, 2, 5


@dataclass(frozen=True)
class _DirEntry:
    name: str
    type: int
    left: int
    right: int
    child: int
    start: int
    size: int


class _Chain:
    """A sector chain followed lazily through the FAT, refusing loops and sectors outside the file."""

    def __init__(self, ole: _Ole, start: int, what: str) -> None:
        self._ole = ole
        self._next = start
        self._what = what
        self.sectors: list[int] = []
        self._seen: set[int] = set()

    def get(self, k: int) -> int:
        while len(self.sectors) <= k:
            sid = self._next
            if sid == _ENDOFCHAIN:
                raise _Corrupt(f"{self._what}的扇区链提前结束")
            if sid > _MAXREGSECT or sid >= self._ole.nsect:
                raise _Corrupt(f"{self._what}的扇区链指向文件范围之外")
            if sid in self._seen:
                raise _Corrupt(f"{self._what}的扇区链出现循环")
            self._seen.add(sid)
            self.sectors.append(sid)
            self._next = self._ole.fat_next(sid)
        return self.sectors[k]


class _Ole:
    """Just enough of [MS-CFB] to list the root storage and read the start of a stream, bounds-checked."""

    def __init__(self, f: BinaryIO, size: int, limits: Limits) -> None:
        self.f = f
        header = _read_at(f, 0, 512)
        if len(header) < 512:
            raise _Corrupt("文件头不完整", kind="truncated")
        byte_order, shift, mini_shift = struct.unpack_from("<HHH", header, 0x1C)
        if byte_order != 0xFFFE:
            raise _Corrupt("字节序标记错误")
        if shift not in (9, 12) or mini_shift != 6:
            raise _Corrupt("扇区大小无效")
        self.ss = 1 << shift
        self.nsect = max(0, (size - self.ss + self.ss - 1) // self.ss)
        (num_fat, dir_start, _txn, mini_cutoff, minifat_start, _num_minifat, difat_start, _num_difat) = (
            struct.unpack_from("<8I", header, 0x2C)
        )
        if mini_cutoff != 4096:
            raise _Corrupt("小流阈值无效")
        if num_fat == 0 or num_fat > self.nsect:
            raise _Corrupt("分配表（FAT）扇区数无效")
        self.num_fat = num_fat
        self.difat: list[int] = list(struct.unpack_from("<109I", header, 0x4C))[: min(109, num_fat)]
        self._difat_next = difat_start
        self._difat_seen: set[int] = set()
        self._fat_cache: dict[int, bytes] = {}
        self._sector_cache: dict[int, bytes] = {}
        self.per = self.ss // 4
        self.per_dir = self.ss // 128
        self.max_entries = limits.ole_max_directory_entries
        self.dir_chain = _Chain(self, dir_start, "目录")
        self.minifat_chain = _Chain(self, minifat_start, "小扇区分配表")
        self.mini_chain: _Chain | None = None
        self.root = self.entry(0)
        if self.root.type != _ROOT:
            raise _Corrupt("根目录项无效")

    def sector(self, sid: int) -> bytes:
        if sid >= self.nsect:
            raise _Corrupt("扇区编号超出文件范围")
        cached = self._sector_cache.get(sid)
        if cached is not None:
            return cached
        data = _read_at(self.f, (sid + 1) * self.ss, self.ss)
        if not data:
            raise _Corrupt("扇区超出文件末尾", kind="truncated")
        data = data.ljust(self.ss, b"\x00")  # a short last sector is tolerated, as Office does
        if len(self._sector_cache) < 256:
            self._sector_cache[sid] = data
        return data

    def _fat_sector_id(self, index: int) -> int:
        if index >= self.num_fat:
            raise _Corrupt("扇区编号超出分配表范围")
        while index >= len(self.difat):
            sid = self._difat_next
            if sid > _MAXREGSECT or sid >= self.nsect or sid in self._difat_seen:
                raise _Corrupt("分配表索引（DIFAT）链损坏")
            self._difat_seen.add(sid)
            values = struct.unpack_from(f"<{self.per}I", self.sector(sid))
            self.difat.extend(values[:-1])
            self._difat_next = values[-1]
        return self.difat[index]

    def fat_next(self, sid: int) -> int:
        index, slot = divmod(sid, self.per)
        fat = self._fat_cache.get(index)
        if fat is None:
            fsid = self._fat_sector_id(index)
            if fsid > _MAXREGSECT or fsid >= self.nsect:
                raise _Corrupt("分配表扇区指向文件范围之外")
            fat = self._fat_cache[index] = self.sector(fsid)
        return int(struct.unpack_from("<I", fat, slot * 4)[0])

    def entry(self, index: int) -> _DirEntry:
        if index >= self.max_entries:
            raise _Corrupt("目录项编号超出范围")
        k, slot = divmod(index, self.per_dir)
        raw = self.sector(self.dir_chain.get(k))[slot * 128 : slot * 128 + 128]
        name_len, kind = struct.unpack_from("<HB", raw, 64)
        left, right, child = struct.unpack_from("<III", raw, 68)
        start, size = struct.unpack_from("<IQ", raw, 116)
        if self.ss == 512:
            size &= 0xFFFFFFFF  # version 3 files may leave garbage in the high half
        if name_len > 64 or name_len % 2:
            raise _Corrupt("目录项名称长度无效")
        name = raw[: max(0, name_len - 2)].decode("utf-16-le", "replace")
        return _DirEntry(name, kind, left, right, child, start, size)

    def root_children(self) -> dict[str, _DirEntry]:
        """The entries directly under the root storage, keyed by upper-case name (CFB is case-blind)."""
        found: dict[str, _DirEntry] = {}
        seen: set[int] = set()
        stack = [self.root.child]
        while stack:
            index = stack.pop()
            if index == _NOSTREAM:
                continue
            if index == 0 or index in seen:
                raise _Corrupt("目录树出现循环")
            seen.add(index)
            entry = self.entry(index)
            if entry.type not in (_STORAGE, _STREAM):
                raise _Corrupt("目录树含有无效的目录项")
            found.setdefault(entry.name.upper(), entry)
            stack.append(entry.left)
            stack.append(entry.right)
        return found

    def read_prefix(self, entry: _DirEntry, n: int) -> bytes:
        n = min(n, entry.size)
        if n <= 0:
            return b""
        if entry.size >= 4096:
            chain = _Chain(self, entry.start, "数据流")
            data = b"".join(self.sector(chain.get(k)) for k in range((n + self.ss - 1) // self.ss))
            return data[:n]
        # Small streams live in 64-byte mini sectors inside the root entry's stream, chained by the mini FAT.
        if self.mini_chain is None:
            self.mini_chain = _Chain(self, self.root.start, "小流容器")
        out = bytearray()
        msid = entry.start
        seen: set[int] = set()
        while len(out) < n:
            if msid > _MAXREGSECT or msid * 64 >= self.root.size or msid in seen:
                raise _Corrupt("小流的扇区链损坏")
            seen.add(msid)
            offset = msid * 64
            sector = self.sector(self.mini_chain.get(offset // self.ss))
            out += sector[offset % self.ss : offset % self.ss + 64]
            k, slot = divmod(msid, self.per)
            msid = int(struct.unpack_from("<I", self.sector(self.minifat_chain.get(k)), slot * 4)[0])
        return bytes(out[:n])


def _biff_encrypted(stream: bytes) -> bool:
    """True when the workbook globals carry a FILEPASS record (the .xls/.et open password)."""
    pos = 0
    while pos + 4 <= len(stream):
        rtype, rlen = struct.unpack_from("<HH", stream, pos)
        if rtype == 0x002F:
            return True
        if rtype == 0x000A:  # EOF of the globals substream: FILEPASS comes right after BOF if at all
            return False
        pos += 4 + rlen
    return False


_SPREADSHEET_EXTS = (".et", ".ett")


def _check_ole(f: BinaryIO, size: int, ext: str, limits: Limits, report: _Report) -> None:
    report.kind = "ole2"
    try:
        ole = _Ole(f, size, limits)
        streams = ole.root_children()
    except (_Corrupt, OSError, struct.error) as exc:
        detail = exc.detail if isinstance(exc, _Corrupt) else _describe(exc)
        kind = exc.kind if isinstance(exc, _Corrupt) else "corrupt"
        report.fail(
            kind, CORRUPT, detail=f"旧版 Office 复合文档（.xls/.et/.doc 等格式）的内部结构已损坏：{detail}"
        )
        return

    if "ENCRYPTEDPACKAGE" in streams:
        report.fail("encrypted", ENCRYPTED, how="这是加密后的 Office 文件")
        return
    books = [e for e in (streams.get("WORKBOOK"), streams.get("BOOK")) if e is not None and e.type == _STREAM]
    if books:
        # An open password first: saving as .xlsx keeps it, so it has to be removed before anything else.
        try:
            encrypted, unreadable = _biff_encrypted(ole.read_prefix(books[0], 4096)), None
        except (_Corrupt, OSError, struct.error) as exc:
            encrypted, unreadable = False, exc.detail if isinstance(exc, _Corrupt) else _describe(exc)
        if encrypted:
            report.add(ENCRYPTED, how="取消密码后再另存为 .xlsx")
        # WPS .et is BIFF8 in the same container as .xls; no stream tells them apart, only the name does.
        if ext in _SPREADSHEET_EXTS:
            report.fail(
                "et", WPS_ET, basis=f"根据扩展名 {ext} 判断，文件内部是与旧版 .xls 相同的二进制表格格式"
            )
        else:
            report.fail("xls", LEGACY_XLS)
        if unreadable is not None:
            report.add(CORRUPT, detail=f"工作簿数据流无法读取：{unreadable}")
        return
    if "WORDDOCUMENT" in streams:
        report.fail("doc", NOT_SPREADSHEET, what="旧版 Word/WPS 文字文档（.doc/.wps）")
    elif "POWERPOINT DOCUMENT" in streams:
        report.fail("ppt", NOT_SPREADSHEET, what="旧版 PowerPoint 演示文稿（.ppt）")
    elif "__PROPERTIES_VERSION1.0" in streams:
        report.fail("ole2", NOT_SPREADSHEET, what="Outlook 邮件（.msg），请从邮件中取出报表附件")
    elif ext in _SPREADSHEET_EXTS:
        report.fail("et", WPS_ET, basis=f"根据扩展名 {ext} 判断，文件内部结构未能进一步识别")
    else:
        report.fail("ole2", NOT_SPREADSHEET, what="其他程序的复合文档（OLE2 格式）")


# --- everything else ----------------------------------------------------------------------------------

_SIGNATURES: tuple[tuple[bytes, str, Check, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image", NOT_SPREADSHEET, "图片（PNG）"),
    (b"\xff\xd8\xff", "image", NOT_SPREADSHEET, "图片（JPEG），拍照或截图无法校验"),
    (b"GIF87a", "image", NOT_SPREADSHEET, "图片（GIF）"),
    (b"GIF89a", "image", NOT_SPREADSHEET, "图片（GIF）"),
    (b"II*\x00", "image", NOT_SPREADSHEET, "图片（TIFF），扫描件无法校验"),
    (b"MM\x00*", "image", NOT_SPREADSHEET, "图片（TIFF），扫描件无法校验"),
    (b"Rar!\x1a\x07", "archive", ARCHIVE, "RAR"),
    (b"7z\xbc\xaf\x27\x1c", "archive", ARCHIVE, "7z"),
    (b"\x1f\x8b", "archive", ARCHIVE, "gzip"),
    (b"\xfd7zXZ\x00", "archive", ARCHIVE, "xz"),
    (b"\x7fELF", "executable", NOT_SPREADSHEET, "可执行程序（Linux）"),
    (b"MZ", "executable", NOT_SPREADSHEET, "可执行程序（Windows .exe/.dll）"),
)


def _check_other(head: bytes, size: int, ext: str, report: _Report) -> None:
    if b"%PDF-" in head[:1024]:
        report.fail("pdf", NOT_SPREADSHEET, what="PDF 文件，PDF 里的表格无法校验")
        return
    for magic, kind, check, what in _SIGNATURES:
        if head.startswith(magic):
            report.fail(kind, check, what=what)
            return
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        report.fail("image", NOT_SPREADSHEET, what="图片（WebP）")
        return
    if head[:2] == b"BM" and len(head) >= 6 and struct.unpack_from("<I", head, 2)[0] == size:
        report.fail("image", NOT_SPREADSHEET, what="图片（BMP）")
        return
    text = _as_text(head, complete=len(head) >= size)
    if text is not None:
        what, rtf = _describe_text(text)
        if rtf:
            report.fail("text", NOT_SPREADSHEET, what=what)
        else:
            ext_note = f"只是扩展名为 {ext}" if ext else "文件也没有扩展名"
            report.fail("text", TEXT, what=what, ext_note=ext_note)
        return
    report.fail("unknown", UNKNOWN, magic=head[:8].hex(" ").upper())


def _as_text(head: bytes, complete: bool) -> str | None:
    """Decode the head if it plausibly is text (a BOM, or UTF-8/GB18030 with almost no control bytes)."""
    if head.startswith(b"\xef\xbb\xbf"):
        return head[3:].decode("utf-8", "replace")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        codec = "utf-16-le" if head.startswith(b"\xff\xfe") else "utf-16-be"
        return head[2 : 2 + (len(head) - 2) // 2 * 2].decode(codec, "replace")
    if b"\x00" in head:
        # UTF-16 without BOM: ASCII interleaved with zero bytes.
        sample = head[: len(head) // 2 * 2]
        if len(sample) >= 4 and sample[1::2].count(0) > 0.9 * len(sample) / 2 and 0 not in sample[0::2]:
            return sample.decode("utf-16-le", "replace")
        return None
    controls = sum(1 for b in head if b < 0x20 and b not in (0x09, 0x0A, 0x0C, 0x0D, 0x1A))
    if controls > len(head) // 100:
        return None
    for codec in ("utf-8", "gb18030"):
        try:
            return codecs.getincrementaldecoder(codec)().decode(head, final=complete)
        except UnicodeDecodeError:
            continue
    return None


def _describe_text(text: str) -> tuple[str, bool]:
    """A Chinese name for what the text is, and whether it is RTF (a word-processor document, not a table)."""
    t = text.lstrip("\ufeff \t\r\n").lower()
    if t.startswith("{\\rtf"):
        return "RTF 格式的文字处理文档", True
    if t.startswith("mime-version:") or "\nmime-version:" in t[:4096]:
        return "单个文件网页（.mht）格式的表格", False
    if t.startswith("<!doctype html") or "<html" in t[:4096] or "<table" in t[:4096]:
        return "网页（HTML）格式的表格", False
    if t.startswith("<?xml") or t.startswith("<"):
        if "urn:schemas-microsoft-com:office:spreadsheet" in t:
            return "Excel 2003 XML 表格", False
        return "XML 文本", False
    lines = [line for line in t.splitlines()[:30] if line.strip()]
    if lines:
        if sum(1 for line in lines if "\t" in line) >= 0.6 * len(lines):
            return "制表符分隔的文本", False
        if sum(1 for line in lines if "," in line) >= 0.6 * len(lines):
            return "CSV（逗号分隔）文本", False
    return "纯文本", False
