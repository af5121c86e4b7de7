"""Build hostile and foreign files for the preflight tests, at test time.

No binary file is committed: every function here writes its file into a directory in milliseconds and with
little memory.  The 1 GB zip bomb is one deflated megabyte of zeros repeated (with a full flush after each
megabyte the compressor emits byte-identical blocks), the OLE2 files come from a small, spec-following writer
(:func:`ole2_bytes`), and the xlsx files start from a real xlsxwriter workbook.

``build_all(directory)`` returns ``{name: path}`` for every builder; the tests map each name to the finding
code preflight must report.
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import xlsxwriter

_DATE_TIME = (2024, 1, 1, 0, 0, 0)

# --- a real workbook ----------------------------------------------------------------------------------


def valid_xlsx_bytes() -> bytes:
    """A small but real workbook: Chinese sheet name, shared strings, numbers, a formula."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    workbook.set_properties({"created": datetime(2024, 1, 1)})  # deterministic bytes
    sheet = workbook.add_worksheet("公开01表")
    sheet.write_string("A1", "收入支出决算总表")
    sheet.write_string("A2", "一般公共预算财政拨款收入")
    sheet.write_number("B2", 235.81)
    sheet.write_string("A3", "其他收入")
    sheet.write_number("B3", 0)
    sheet.write_string("A4", "本年收入合计")
    sheet.write_formula("B4", "=SUM(B2:B3)", None, "")
    workbook.close()
    return buffer.getvalue()


def members(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(info.filename, zf.read(info)) for info in zf.infolist()]


def write_zip(path: Path, parts: Iterable[tuple[str, bytes]]) -> Path:
    """A well-formed zip written by :mod:`zipfile` (deflated, fixed timestamps)."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in parts:
            info = zipfile.ZipInfo(name, date_time=_DATE_TIME)
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return path


def _replace(parts: list[tuple[str, bytes]], name: str, data: bytes) -> list[tuple[str, bytes]]:
    assert any(n == name for n, _ in parts), name
    return [(n, data if n == name else d) for n, d in parts]


# --- a raw zip writer, for archives zipfile would refuse to write -------------------------------------


@dataclass(frozen=True)
class RawMember:
    name: str
    payload: bytes  # the bytes stored in the archive (already deflated when method is 8)
    method: int
    crc: int
    size: int  # the uncompressed size declared in the local header and the central directory


def deflated(name: str, data: bytes, *, crc: int | None = None, size: int | None = None) -> RawMember:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    payload = compressor.compress(data) + compressor.flush()
    return RawMember(
        name, payload, 8, zlib.crc32(data) if crc is None else crc, len(data) if size is None else size
    )


def stored(name: str, data: bytes) -> RawMember:
    return RawMember(name, data, 0, zlib.crc32(data), len(data))


def raw_zip_bytes(entries: Iterable[RawMember]) -> bytes:
    out = bytearray()
    central = bytearray()
    dos_date = (2024 - 1980) << 9 | 1 << 5 | 1
    count = 0
    for m in entries:
        name = m.name.encode("utf-8")
        offset = len(out)
        fields = (m.method, 0, dos_date, m.crc, len(m.payload), m.size, len(name))
        out += struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0x800, *fields, 0)
        out += name
        out += m.payload
        central += struct.pack(
            "<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0x800, *fields, 0, 0, 0, 0, 0, offset
        )
        central += name
        count += 1
    cd_offset = len(out)
    out += central
    out += struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, count, count, len(central), cd_offset, 0)
    return bytes(out)


def zeros_member(name: str, size: int) -> RawMember:
    """A deflated member of ``size`` zero bytes (a multiple of 1 MiB) built from one compressed megabyte."""
    chunk = 1 << 20
    assert size % chunk == 0 and size > 0
    zeros = bytes(chunk)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    # After a full flush the compressor state is reset, so every further megabyte deflates to the same bytes.
    assert block == compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    payload = first + block * (size // chunk - 1) + compressor.flush()
    crc = 0
    big = bytes(16 * chunk) if size % (16 * chunk) == 0 else zeros
    for _ in range(size // len(big)):
        crc = zlib.crc32(big, crc)
    return RawMember(name, payload, 8, crc, size)


# --- an OLE2 compound file writer ---------------------------------------------------------------------

_ENDOFCHAIN = 0xFFFFFFFE
_FREESECT = 0xFFFFFFFF
_FATSECT = 0xFFFFFFFD
_NOSTREAM = 0xFFFFFFFF
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

OleTree = Mapping[str, "bytes | OleTree"]


@dataclass
class _Entry:
    name: str
    type: int  # 1 storage, 2 stream, 5 root
    data: bytes = b""
    child: int = _NOSTREAM
    right: int = _NOSTREAM
    start: int = _ENDOFCHAIN
    size: int = 0


def ole2_bytes(tree: OleTree) -> bytes:
    """A version 3 compound file (512-byte sectors) holding ``tree``: names map to stream bytes or sub-trees.

    Streams under 4096 bytes go to the mini stream, as [MS-CFB] requires; siblings form a sorted chain of
    right links (a valid binary search tree; the red-black colouring is not checked by any reader).
    """
    ss, cutoff = 512, 4096
    entries = [_Entry("Root Entry", 5)]

    def add(parent: int, children: OleTree) -> None:
        indexes = []
        for name, node in children.items():
            assert len(name) <= 31
            index = len(entries)
            indexes.append(index)
            if isinstance(node, Mapping):
                entries.append(_Entry(name, 1))
                add(index, node)
            else:
                entries.append(_Entry(name, 2, bytes(node)))
        indexes.sort(key=lambda i: (len(entries[i].name), entries[i].name.upper()))
        if indexes:
            entries[parent].child = indexes[0]
        for a, b in zip(indexes, indexes[1:], strict=False):
            entries[a].right = b

    add(0, tree)

    mini = bytearray()
    minifat: list[int] = []
    big: list[_Entry] = []
    for entry in entries[1:]:
        if entry.type != 2 or not entry.data:
            entry.start = _ENDOFCHAIN if entry.type == 2 else 0
            continue
        entry.size = len(entry.data)
        if entry.size < cutoff:
            first = len(mini) // 64
            count = -(-entry.size // 64)
            minifat += [first + k + 1 for k in range(count - 1)] + [_ENDOFCHAIN]
            mini += entry.data.ljust(count * 64, b"\x00")
            entry.start = first
        else:
            big.append(entry)

    def sectors(n: int) -> int:
        return -(-n // ss)

    n_dir = -(-len(entries) // 4)
    n_minifat = sectors(len(minifat) * 4)
    n_mini = sectors(len(mini))
    n_big = sum(sectors(e.size) for e in big)
    n_fat = 1
    while n_fat * 128 < n_fat + n_dir + n_minifat + n_mini + n_big:
        n_fat += 1
    assert n_fat <= 109, "no DIFAT sectors in this writer"
    fat = [_FREESECT] * (n_fat * 128)
    next_free = 0

    def allocate(count: int) -> int:
        nonlocal next_free
        if count == 0:
            return _ENDOFCHAIN
        first = next_free
        for k in range(count - 1):
            fat[first + k] = first + k + 1
        fat[first + count - 1] = _ENDOFCHAIN
        next_free += count
        return first

    fat_sectors = list(range(n_fat))
    for sid in fat_sectors:
        fat[sid] = _FATSECT
    next_free = n_fat
    dir_start = allocate(n_dir)
    minifat_start = allocate(n_minifat)
    entries[0].start = allocate(n_mini)
    entries[0].size = len(mini)
    for entry in big:
        entry.start = allocate(sectors(entry.size))

    header = bytearray(512)
    header[:8] = OLE_MAGIC
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into(
        "<9I", header, 0x28, 0, n_fat, dir_start, 0, cutoff, minifat_start, n_minifat, _ENDOFCHAIN, 0
    )
    struct.pack_into("<109I", header, 0x4C, *(fat_sectors + [_FREESECT] * (109 - n_fat)))

    directory = bytearray()
    for entry in entries:
        raw = bytearray(128)
        name = entry.name.encode("utf-16-le") + b"\x00\x00"
        raw[: len(name)] = name
        struct.pack_into("<HBB", raw, 64, len(name), entry.type, 1)
        struct.pack_into("<III", raw, 68, _NOSTREAM, entry.right, entry.child)
        struct.pack_into("<IQ", raw, 116, entry.start, entry.size)
        directory += raw
    while len(directory) < n_dir * ss:
        empty = bytearray(128)
        struct.pack_into("<III", empty, 68, _NOSTREAM, _NOSTREAM, _NOSTREAM)
        directory += empty

    body = bytearray()
    body += struct.pack(f"<{len(fat)}I", *fat)
    body += directory
    body += struct.pack(f"<{n_minifat * 128}I", *(minifat + [_FREESECT] * (n_minifat * 128 - len(minifat))))
    body += mini.ljust(n_mini * ss, b"\x00")
    for entry in big:
        body += entry.data.ljust(sectors(entry.size) * ss, b"\x00")
    return bytes(header + body)


def _biff(rtype: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", rtype, len(data)) + data


# BOF of a BIFF8 workbook-globals substream, then the records a real file starts with.
_BOF = _biff(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x06))
_CODEPAGE = _biff(0x0042, struct.pack("<H", 1200))
_EOF = _biff(0x000A)
_FILEPASS = _biff(0x002F, struct.pack("<HHH", 1, 1, 1) + bytes(48))  # RC4 encryption header


def biff_workbook(*, encrypted: bool = False, pad_to: int = 0) -> bytes:
    stream = _BOF + (_FILEPASS if encrypted else b"") + _CODEPAGE + _EOF
    return stream.ljust(pad_to, b"\x00")


_SUMMARY = b"\xfe\xff\x00\x00\x06\x01\x02\x00" + bytes(40)

# --- builders -----------------------------------------------------------------------------------------

Builder = Callable[[Path], Path]

_BILLION_LAUGHS = '<!ENTITY lol "lol">' + "".join(
    f'<!ENTITY lol{i} "{("&lol;" if i == 1 else f"&lol{i - 1};") * 10}">' for i in range(1, 10)
)


def _with_doctype(xml: bytes, root: str) -> str:
    head, rest = xml.decode("utf-8").split("?>", 1)
    return f"{head}?>\n<!DOCTYPE {root} [{_BILLION_LAUGHS}]>\n{rest.lstrip()}"


def build_valid(directory: Path) -> Path:
    path = directory / "valid.xlsx"
    path.write_bytes(valid_xlsx_bytes())
    return path


def build_xlsx_named_xls(directory: Path) -> Path:
    path = directory / "xlsx_named_xls.xls"
    path.write_bytes(valid_xlsx_bytes())
    return path


def build_entity_bomb(directory: Path) -> Path:
    """Billion laughs in xl/sharedStrings.xml of an otherwise valid workbook; a cell uses the top entity."""
    parts = members(valid_xlsx_bytes())
    shared = dict(parts)["xl/sharedStrings.xml"]
    bomb = _with_doctype(shared, "sst").replace("收入支出决算总表", "&lol9;")
    return write_zip(directory / "entity_bomb.xlsx", _replace(parts, "xl/sharedStrings.xml", bomb.encode()))


def build_entity_bomb_workbook(directory: Path) -> Path:
    """Billion laughs in xl/workbook.xml (openpyxl parses this part with lxml when lxml is installed)."""
    parts = members(valid_xlsx_bytes())
    xml = _with_doctype(dict(parts)["xl/workbook.xml"], "workbook").replace(
        'name="公开01表"', 'name="&lol9;"'
    )
    return write_zip(
        directory / "entity_bomb_workbook.xlsx", _replace(parts, "xl/workbook.xml", xml.encode())
    )


def build_entity_bomb_padded(directory: Path) -> Path:
    """The DOCTYPE pushed beyond the first 4 KB by a long comment, to defeat a naive fixed-window grep."""
    parts = members(valid_xlsx_bytes())
    xml = _with_doctype(dict(parts)["xl/sharedStrings.xml"], "sst")
    head, rest = xml.split("?>", 1)
    padded = f"{head}?>\n<!--{'x' * 10_000}-->{rest}".replace("收入支出决算总表", "&lol9;")
    return write_zip(
        directory / "entity_bomb_padded.xlsx", _replace(parts, "xl/sharedStrings.xml", padded.encode())
    )


def build_entity_bomb_utf16(directory: Path) -> Path:
    """The bomb in UTF-16, where a byte-level search for ``<!DOCTYPE`` finds nothing."""
    parts = members(valid_xlsx_bytes())
    xml = _with_doctype(dict(parts)["xl/sharedStrings.xml"], "sst").replace(
        'encoding="UTF-8"', 'encoding="UTF-16"'
    )
    data = xml.replace("收入支出决算总表", "&lol9;").encode("utf-16")
    return write_zip(directory / "entity_bomb_utf16.xlsx", _replace(parts, "xl/sharedStrings.xml", data))


def build_entity_bomb_renamed(directory: Path) -> Path:
    """The bomb in shared strings stored as xl/strings.bin: openpyxl follows the content types to any name."""
    parts = members(valid_xlsx_bytes())
    bomb = _with_doctype(dict(parts)["xl/sharedStrings.xml"], "sst").replace("收入支出决算总表", "&lol9;")
    renamed = []
    for name, data in parts:
        if name == "xl/sharedStrings.xml":
            name, data = "xl/strings.bin", bomb.encode()
        elif name in ("[Content_Types].xml", "xl/_rels/workbook.xml.rels"):
            data = data.replace(b"sharedStrings.xml", b"strings.bin")
        renamed.append((name, data))
    return write_zip(directory / "entity_bomb_renamed.xlsx", renamed)


def build_zip_bomb(directory: Path, size: int = 1 << 30) -> Path:
    """A valid-looking workbook whose worksheet is ``size`` bytes (1 GB) of zeros, about 1 MB deflated."""
    entries = [
        zeros_member(name, size) if name == "xl/worksheets/sheet1.xml" else deflated(name, data)
        for name, data in members(valid_xlsx_bytes())
    ]
    path = directory / "zip_bomb.xlsx"
    path.write_bytes(raw_zip_bytes(entries))
    return path


def build_zip_bomb_declared(directory: Path) -> Path:
    """Directory sizes that lie: the worksheet claims 4,000,000,000 bytes for a few hundred deflated ones."""
    entries = [
        deflated(name, data, size=4_000_000_000)
        if name == "xl/worksheets/sheet1.xml"
        else deflated(name, data)
        for name, data in members(valid_xlsx_bytes())
    ]
    path = directory / "zip_bomb_declared.xlsx"
    path.write_bytes(raw_zip_bytes(entries))
    return path


def build_zip_bomb_members(directory: Path, count: int = 10_001) -> Path:
    """A workbook padded with ``count`` empty members: the directory alone would cost a reader dearly."""
    entries = [deflated(name, data) for name, data in members(valid_xlsx_bytes())]
    entries += [stored(f"xl/media/pad{i}.bin", b"") for i in range(count)]
    path = directory / "zip_bomb_members.xlsx"
    path.write_bytes(raw_zip_bytes(entries))
    return path


def build_many_parts(directory: Path, count: int = 9_000) -> Path:
    """A workbook with ``count`` small extra XML parts, under the member cap: preflight sniffs them all."""
    extra = b'<?xml version="1.0" encoding="UTF-8"?>\n<x xmlns="urn:test">' + b"<y/>" * 50 + b"</x>"
    entries = [deflated(name, data) for name, data in members(valid_xlsx_bytes())]
    entries += [deflated(f"customXml/item{i}.xml", extra) for i in range(count)]
    path = directory / "many_parts.xlsx"
    path.write_bytes(raw_zip_bytes(entries))
    return path


def build_bad_crc(directory: Path) -> Path:
    entries = [
        deflated(name, data, crc=(zlib.crc32(data) ^ 0xFFFF))
        if name == "xl/workbook.xml"
        else deflated(name, data)
        for name, data in members(valid_xlsx_bytes())
    ]
    path = directory / "bad_crc.xlsx"
    path.write_bytes(raw_zip_bytes(entries))
    return path


def build_truncated(directory: Path) -> Path:
    data = valid_xlsx_bytes()
    path = directory / "truncated.xlsx"
    path.write_bytes(data[: len(data) // 2])
    return path


def build_empty_zip(directory: Path) -> Path:
    path = directory / "empty_zip.xlsx"
    path.write_bytes(b"PK\x05\x06" + bytes(18))
    return path


def build_xls(directory: Path) -> Path:
    """A legacy .xls: a Workbook stream over 4 KB (regular sectors) plus the usual property streams."""
    tree = {
        "Workbook": biff_workbook(pad_to=6000),
        "\x05SummaryInformation": _SUMMARY,
        "\x05DocumentSummaryInformation": _SUMMARY,
    }
    path = directory / "legacy.xls"
    path.write_bytes(ole2_bytes(tree))
    return path


def build_xls_encrypted(directory: Path) -> Path:
    """A legacy .xls with an open password: FILEPASS right after BOF, in a small (mini-stream) Workbook."""
    tree = {"\x05SummaryInformation": _SUMMARY, "Workbook": biff_workbook(encrypted=True)}
    path = directory / "legacy_encrypted.xls"
    path.write_bytes(ole2_bytes(tree))
    return path


def build_et(directory: Path) -> Path:
    tree = {"Workbook": biff_workbook(), "\x05SummaryInformation": _SUMMARY}
    path = directory / "wps.et"
    path.write_bytes(ole2_bytes(tree))
    return path


def build_encrypted(directory: Path) -> Path:
    """An xlsx with an open password as Office writes it: EncryptionInfo + EncryptedPackage in OLE2."""
    rng = random.Random(2024)
    info = struct.pack("<HHI", 4, 4, 0x40) + b'<?xml version="1.0"?><encryption/>'
    tree = {
        "\x06DataSpaces": {"Version": b"\x3c\x00\x00\x00" + bytes(60), "DataSpaceMap": bytes(112)},
        "EncryptionInfo": info,
        "EncryptedPackage": struct.pack("<Q", 8000) + rng.randbytes(8192),
    }
    path = directory / "encrypted.xlsx"
    path.write_bytes(ole2_bytes(tree))
    return path


def build_doc_named_xls(directory: Path) -> Path:
    """A Word .doc with an embedded Excel object (a Workbook stream one storage down), misnamed .xls."""
    tree = {
        "WordDocument": bytes(600),
        "1Table": bytes(200),
        "ObjectPool": {"_1234567890": {"Workbook": biff_workbook()}},
    }
    path = directory / "doc_named_xls.xls"
    path.write_bytes(ole2_bytes(tree))
    return path


def build_ole_corrupt(directory: Path) -> Path:
    """A .xls whose header points the directory outside the file."""
    data = bytearray(ole2_bytes({"Workbook": biff_workbook()}))
    struct.pack_into("<I", data, 0x30, 0x00FFFF00)
    path = directory / "ole_corrupt.xls"
    path.write_bytes(bytes(data))
    return path


def build_text(directory: Path) -> Path:
    path = directory / "text.xlsx"
    path.write_text("项目,金额\n一般公共服务支出,235.81\n教育支出,12.50\n合计,248.31\n", encoding="utf-8")
    return path


def build_html(directory: Path) -> Path:
    """What many finance systems export as "Excel": an HTML table in GBK, named .xls."""
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk"></head><body>'
        "<table><tr><td>收入合计</td><td>235.81</td></tr></table></body></html>"
    )
    path = directory / "html.xls"
    path.write_bytes(html.encode("gbk"))
    return path


def build_empty(directory: Path) -> Path:
    path = directory / "empty.xlsx"
    path.write_bytes(b"")
    return path


def build_docx(directory: Path) -> Path:
    types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.wordprocessingml.document.main+xml"/></Types>'
    )
    parts = [
        ("[Content_Types].xml", types.encode()),
        ("_rels/.rels", b'<?xml version="1.0" encoding="UTF-8"?><Relationships/>'),
        ("word/document.xml", b'<?xml version="1.0" encoding="UTF-8"?><w:document/>'),
    ]
    return write_zip(directory / "docx.xlsx", parts)


def build_ods(directory: Path) -> Path:
    parts = [
        ("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
        ("content.xml", b'<?xml version="1.0" encoding="UTF-8"?><office:document-content/>'),
        ("META-INF/manifest.xml", b'<?xml version="1.0" encoding="UTF-8"?><manifest:manifest/>'),
    ]
    return write_zip(directory / "ods.xlsx", parts)


def build_zip_archive(directory: Path) -> Path:
    """An xlsx zipped up (a plain archive) and sent as if it were the workbook."""
    return write_zip(directory / "archive.xlsx", [("部门决算.xlsx", valid_xlsx_bytes())])


def build_pdf(directory: Path) -> Path:
    path = directory / "pdf.xlsx"
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n")
    return path


def build_png(directory: Path) -> Path:
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    chunk = struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    path = directory / "png.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk)
    return path


def build_unknown(directory: Path) -> Path:
    path = directory / "unknown.xlsx"
    path.write_bytes(random.Random(7).randbytes(3000))
    return path


def build_xlsm(directory: Path) -> Path:
    """A macro-enabled workbook: xlsxwriter with a (dummy) vbaProject.bin, itself an OLE2 file."""
    vba = directory / "vbaProject.bin"
    vba.write_bytes(
        ole2_bytes({"PROJECT": b'ID="{00000000-0000-0000-0000-000000000000}"', "VBA": {"dir": bytes(64)}})
    )
    path = directory / "macro.xlsm"
    workbook = xlsxwriter.Workbook(str(path))
    workbook.set_properties({"created": datetime(2024, 1, 1)})
    workbook.add_worksheet().write_number("A1", 1)
    workbook.add_vba_project(str(vba))
    workbook.close()
    vba.unlink()
    return path


def build_big_dimension(directory: Path) -> Path:
    """A few real cells under a dimension declaring the whole grid, A1:XFD1048576 (1,048,576 rows)."""
    parts = members(valid_xlsx_bytes())
    sheet = dict(parts)["xl/worksheets/sheet1.xml"].decode()
    assert '<dimension ref="A1:B4"/>' in sheet
    sheet = sheet.replace('<dimension ref="A1:B4"/>', '<dimension ref="A1:XFD1048576"/>')
    return write_zip(
        directory / "big_dimension.xlsx", _replace(parts, "xl/worksheets/sheet1.xml", sheet.encode())
    )


def build_missing(directory: Path) -> Path:
    return directory / "不存在.xlsx"


def build_directory(directory: Path) -> Path:
    path = directory / "folder.xlsx"
    path.mkdir(exist_ok=True)
    return path


BUILDERS: dict[str, Builder] = {
    "valid": build_valid,
    "xlsx_named_xls": build_xlsx_named_xls,
    "entity_bomb": build_entity_bomb,
    "entity_bomb_workbook": build_entity_bomb_workbook,
    "entity_bomb_padded": build_entity_bomb_padded,
    "entity_bomb_utf16": build_entity_bomb_utf16,
    "entity_bomb_renamed": build_entity_bomb_renamed,
    "zip_bomb": build_zip_bomb,
    "zip_bomb_declared": build_zip_bomb_declared,
    "zip_bomb_members": build_zip_bomb_members,
    "many_parts": build_many_parts,
    "bad_crc": build_bad_crc,
    "truncated": build_truncated,
    "empty_zip": build_empty_zip,
    "xls": build_xls,
    "xls_encrypted": build_xls_encrypted,
    "et": build_et,
    "encrypted": build_encrypted,
    "doc_named_xls": build_doc_named_xls,
    "ole_corrupt": build_ole_corrupt,
    "text": build_text,
    "html": build_html,
    "empty": build_empty,
    "docx": build_docx,
    "ods": build_ods,
    "zip_archive": build_zip_archive,
    "pdf": build_pdf,
    "png": build_png,
    "unknown": build_unknown,
    "xlsm": build_xlsm,
    "big_dimension": build_big_dimension,
    "missing": build_missing,
    "directory": build_directory,
}


def build_all(directory: Path | str) -> dict[str, Path]:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    return {name: builder(directory) for name, builder in BUILDERS.items()}
