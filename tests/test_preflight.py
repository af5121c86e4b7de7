"""Preflight against hostile and foreign files: the right finding, fast, in little memory, never raising."""

from __future__ import annotations

import hashlib
import os
import stat
import struct
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import openpyxl.xml
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from juesuan_xlsx import preflight as pf
from juesuan_xlsx.findings import Level, catalogue
from juesuan_xlsx.preflight import KINDS, Limits, Preflight, preflight

sys.path.insert(0, str(Path(__file__).parent))
import hostile  # noqa: E402  (a helper module next to the tests, not a package)

SECONDS = 3.0
PEAK_BYTES = 50 * 1024 * 1024

# name in hostile.BUILDERS -> (expected code or None for "no finding", kind, ok)
EXPECTED: dict[str, tuple[str | None, str, bool]] = {
    "valid": (None, "xlsx", True),
    "xlsx_named_xls": (None, "xlsx", True),
    "entity_bomb": ("P-实体炸弹", "xlsx", False),
    "entity_bomb_workbook": ("P-实体炸弹", "xlsx", False),
    "entity_bomb_padded": ("P-实体炸弹", "xlsx", False),
    "entity_bomb_utf16": ("P-实体炸弹", "xlsx", False),
    "entity_bomb_renamed": ("P-实体炸弹", "xlsx", False),
    "zip_bomb": ("P-压缩炸弹", "xlsx", False),
    "zip_bomb_declared": ("P-压缩炸弹", "xlsx", False),
    "zip_bomb_members": ("P-压缩炸弹", "zip", False),
    "many_parts": (None, "xlsx", True),
    "bad_crc": ("P-文件损坏", "corrupt", False),
    "truncated": ("P-文件损坏", "truncated", False),
    "empty_zip": ("P-文件损坏", "zip-not-xlsx", False),
    "xls": ("P-旧版XLS", "xls", False),
    "xls_encrypted": ("P-加密", "xls", False),
    "et": ("P-WPS格式", "et", False),
    "encrypted": ("P-加密", "encrypted", False),
    "doc_named_xls": ("P-非电子表格", "doc", False),
    "ole_corrupt": ("P-文件损坏", "corrupt", False),
    "text": ("P-文本文件", "text", False),
    "html": ("P-文本文件", "text", False),
    "empty": ("P-空文件", "empty", False),
    "docx": ("P-非电子表格", "docx", False),
    "ods": ("P-ODS格式", "ods", False),
    "zip_archive": ("P-压缩包", "zip-not-xlsx", False),
    "pdf": ("P-非电子表格", "pdf", False),
    "png": ("P-非电子表格", "image", False),
    "unknown": ("P-未知格式", "unknown", False),
    "xlsm": ("P-宏", "xlsm", True),
    "big_dimension": (None, "xlsx", True),
    "missing": ("P-不存在", "missing", False),
    "directory": ("P-文件夹", "directory", False),
}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return hostile.build_all(tmp_path_factory.mktemp("hostile"))


def _measured(path: Path | str) -> tuple[Preflight, float, int]:
    """Run preflight twice: once timed (tracemalloc slows allocation several-fold), once under tracemalloc."""
    start = time.monotonic()
    result = preflight(path)
    elapsed = time.monotonic() - start
    tracemalloc.start()
    try:
        again = preflight(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert again == result
    return result, elapsed, peak


def test_every_builder_has_an_expectation() -> None:
    assert set(EXPECTED) == set(hostile.BUILDERS)


@pytest.mark.parametrize("name", list(EXPECTED))
def test_hostile_file_gets_its_finding_fast_and_small(files: dict[str, Path], name: str) -> None:
    code, kind, ok = EXPECTED[name]
    result, elapsed, peak = _measured(files[name])
    assert elapsed < SECONDS, f"{name}: {elapsed:.2f} s"
    assert peak < PEAK_BYTES, f"{name}: {peak / 1e6:.1f} MB"
    assert result.kind == kind
    assert result.ok is ok
    if code is None:
        assert result.findings == ()
    else:
        assert code in result.codes
    assert "P-内部错误" not in result.codes
    if not ok:
        assert any(f.level is Level.ERROR for f in result.findings)
    for finding in result.findings:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in finding.message)
        assert "{" not in finding.message  # every template field was filled


def test_size_is_reported(files: dict[str, Path]) -> None:
    assert preflight(files["valid"]).size == files["valid"].stat().st_size
    assert preflight(files["empty"]).size == 0
    assert preflight(files["missing"]).size == 0


def test_valid_workbook_passes_and_opens(files: dict[str, Path]) -> None:
    result = preflight(files["valid"])
    assert result == Preflight(ok=True, kind="xlsx", findings=(), size=files["valid"].stat().st_size)
    workbook = openpyxl.load_workbook(files["valid"])
    assert workbook.worksheets[0]["B2"].value == 235.81


def test_path_types(files: dict[str, Path]) -> None:
    path = files["valid"]
    assert preflight(str(path)).ok
    assert preflight(os.fsencode(path)).ok  # type: ignore[arg-type]
    assert preflight(path).ok


@pytest.mark.parametrize("name", [n for n in EXPECTED if n not in ("missing", "directory")])
def test_input_file_is_not_modified(files: dict[str, Path], name: str) -> None:
    path = files[name]
    before = (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns, path.stat().st_size)
    preflight(path)
    after = (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns, path.stat().st_size)
    assert after == before


def test_directory_is_not_modified(files: dict[str, Path]) -> None:
    path = files["directory"]
    before = path.stat().st_mtime_ns
    preflight(path)
    assert path.stat().st_mtime_ns == before


# --- messages and catalogue ---------------------------------------------------------------------------


def test_catalogue_levels() -> None:
    checks = {code: check for code, check in catalogue().items() if code.startswith("P-")}
    assert {
        "P-旧版XLS",
        "P-加密",
        "P-WPS格式",
        "P-压缩炸弹",
        "P-实体炸弹",
        "P-文件损坏",
        "P-非电子表格",
    } <= set(checks)
    assert {"P-空文件", "P-不存在", "P-宏", "P-内部错误"} <= set(checks)
    for code, check in checks.items():
        assert check.category == "preflight"
        assert check.level is (Level.WARNING if code == "P-宏" else Level.ERROR), code
        assert check.title and check.template and check.description


def test_messages_say_what_to_do(files: dict[str, Path]) -> None:
    assert "另存为 .xlsx" in preflight(files["xls"]).findings[0].message
    assert "取消打开密码" in preflight(files["encrypted"]).findings[0].message
    et = preflight(files["et"]).findings[0].message
    assert "WPS 表格 .et" in et and "扩展名 .et" in et  # says the verdict rests on the extension


def test_ole2_without_known_streams_named_et_is_wps() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "old.et"
        path.write_bytes(hostile.ole2_bytes({"ETCustomData": b"x" * 100}))
        result = preflight(path)
        assert (result.kind, result.codes) == ("et", ("P-WPS格式",))
        assert "未能进一步识别" in result.findings[0].message
        other = Path(tmp) / "other.bin"
        other.write_bytes(hostile.ole2_bytes({"ETCustomData": b"x" * 100}))
        assert preflight(other).codes == ("P-非电子表格",)


# --- limits -------------------------------------------------------------------------------------------


def test_total_size_limit(files: dict[str, Path]) -> None:
    result = preflight(files["valid"], limits=Limits(max_total_uncompressed=1000))
    assert result.codes == ("P-压缩炸弹",) and not result.ok


def test_member_count_limit(files: dict[str, Path]) -> None:
    result = preflight(files["valid"], limits=Limits(max_members=3))
    assert result.codes == ("P-压缩炸弹",) and result.kind == "zip"


def test_zip_bomb_builder_is_a_real_deflate_stream() -> None:
    """The bomb's payload inflates to exactly its declared zeros with the declared CRC (checked at 16 MB)."""
    member = hostile.zeros_member("x.xml", 16 << 20)
    data = hostile.raw_zip_bytes([member])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "z.zip"
        path.write_bytes(data)
        import zipfile

        with zipfile.ZipFile(path) as zf, zf.open("x.xml") as f:
            total = 0
            while chunk := f.read(1 << 20):  # zipfile checks the CRC at the end
                assert chunk.count(0) == len(chunk)
                total += len(chunk)
        assert total == 16 << 20
    assert len(member.payload) < (16 << 20) // 500


# --- special paths ------------------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_does_not_block() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pipe.xlsx"
        os.mkfifo(path)
        start = time.monotonic()
        result = preflight(path)
        assert time.monotonic() - start < SECONDS
        assert (result.kind, result.codes) == ("special", ("P-非普通文件",))


def test_unreadable_file(files: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> int:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(pf.os, "open", refuse)
    result = preflight(files["valid"])
    assert (result.kind, result.codes, result.ok) == ("unreadable", ("P-无法读取",), False)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads everything")
def test_unreadable_by_permissions() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "locked.xlsx"
        path.write_bytes(hostile.valid_xlsx_bytes())
        path.chmod(0)
        try:
            assert preflight(path).codes == ("P-无法读取",)
        finally:
            path.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_internal_error_becomes_a_finding(files: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(pf, "_check_zip", boom)
    result = preflight(files["valid"])
    assert result.codes == ("P-内部错误",) and not result.ok
    assert "simulated bug" in result.findings[0].message


@pytest.mark.parametrize("bad", [None, 42, 3.5, object(), "", "a\x00b.xlsx"])
def test_bad_paths_never_raise(bad: object) -> None:
    result = preflight(bad)  # type: ignore[arg-type]
    assert isinstance(result, Preflight) and not result.ok


def test_integer_path_is_not_a_file_descriptor() -> None:
    # os.open/os.stat accept an int as a descriptor; preflight must not read fd 0 (stdin) or any other.
    assert preflight(0).codes == ("P-内部错误",)  # type: ignore[arg-type]


# --- what openpyxl does with the same files -----------------------------------------------------------


def test_defusedxml_is_active_for_openpyxl() -> None:
    assert openpyxl.xml.DEFUSEDXML is True
    assert pf.defusedxml_active()


def _cause_chain(exc: BaseException | None) -> list[BaseException]:
    chain = []
    while exc is not None and len(chain) < 10:
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    return chain


def test_openpyxl_refuses_shared_strings_entity_bomb(files: dict[str, Path]) -> None:
    """Second line of defence: even without preflight, openpyxl + defusedxml refuse the bomb at once."""
    from defusedxml import EntitiesForbidden

    tracemalloc.start()
    start = time.monotonic()
    try:
        with pytest.raises(Exception) as info:
            openpyxl.load_workbook(files["entity_bomb"])
        elapsed = time.monotonic() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < SECONDS and peak < PEAK_BYTES
    assert any(isinstance(e, EntitiesForbidden) for e in _cause_chain(info.value))


def test_openpyxl_reads_renamed_parts(files: dict[str, Path]) -> None:
    """Why preflight sniffs every member: openpyxl reads shared strings under whatever name the types say."""
    from defusedxml import EntitiesForbidden

    with pytest.raises(Exception) as info:  # noqa: B017 - openpyxl wraps the parser's exception
        openpyxl.load_workbook(files["entity_bomb_renamed"])
    assert any(isinstance(e, EntitiesForbidden) for e in _cause_chain(info.value))
    assert preflight(files["entity_bomb_renamed"]).findings[0].args["part"] == "xl/strings.bin"


def test_html_doctype_in_a_binary_member_is_not_a_bomb() -> None:
    """An embedded part that merely starts with <!DOCTYPE html> declares nothing and is let through."""
    parts = hostile.members(hostile.valid_xlsx_bytes()) + [("xl/embeddings/page.bin", b"<!DOCTYPE html><p>x")]
    with tempfile.TemporaryDirectory() as tmp:
        path = hostile.write_zip(Path(tmp) / "embedded.xlsx", parts)
        assert preflight(path).ok
        hostile.write_zip(
            path, [*parts[:-1], ("xl/embeddings/page.bin", b"<!DOCTYPE x SYSTEM 'file:///etc/passwd'>")]
        )
        assert preflight(path).codes == ("P-实体炸弹",)


def test_openpyxl_refuses_workbook_entity_bomb(files: dict[str, Path]) -> None:
    """workbook.xml is parsed by lxml (resolve_entities=False) when lxml is installed, else by defusedxml."""
    tracemalloc.start()
    start = time.monotonic()
    try:
        with pytest.raises(Exception) as info:  # noqa: B017 - which exception depends on the parser, see below
            openpyxl.load_workbook(files["entity_bomb_workbook"])
        elapsed = time.monotonic() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < SECONDS and peak < PEAK_BYTES
    if openpyxl.xml.LXML:
        from lxml.etree import XMLSyntaxError

        # libxml2 expands the entity in the attribute until its amplification limit stops it.
        assert any(isinstance(e, XMLSyntaxError) for e in _cause_chain(info.value))
    else:
        from defusedxml import EntitiesForbidden

        assert any(isinstance(e, EntitiesForbidden) for e in _cause_chain(info.value))


def test_full_grid_dimension_bounded_read_is_fast(files: dict[str, Path]) -> None:
    """A sheet declaring A1:XFD1048576 loads fast and a bounded region reads fast, in both openpyxl modes."""
    path = files["big_dimension"]
    start = time.monotonic()
    workbook = openpyxl.load_workbook(path, read_only=True)
    sheet = workbook.worksheets[0]
    assert sheet.max_row == 1_048_576 and sheet.max_column == 16_384  # the declaration is believed...
    rows = list(sheet.iter_rows(min_row=1, max_row=60, max_col=12, values_only=True))  # ...so bound the read
    assert len(rows) == 4 and rows[1][:2] == ("一般公共预算财政拨款收入", 235.81)  # no padding to row 60
    assert sum(1 for _ in sheet.iter_rows()) == 4  # openpyxl 3.1 stops at the last real row, not at max_row
    workbook.close()
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.worksheets[0]
    assert sheet.max_row == 4  # the full reader ignores the declaration and counts real cells
    region = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=1, max_row=60, max_col=12)]
    assert region[1][:2] == ["一般公共预算财政拨款收入", 235.81]
    assert time.monotonic() - start < SECONDS


# --- never raises -------------------------------------------------------------------------------------

_VALID = hostile.valid_xlsx_bytes()
_OLE = hostile.ole2_bytes(
    {"Workbook": hostile.biff_workbook(pad_to=5000), "\x05SummaryInformation": b"x" * 300}
)
_OLE_SMALL = hostile.ole2_bytes({"Workbook": hostile.biff_workbook(encrypted=True), "Book": b"y" * 100})


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield tmp_path_factory.mktemp("fuzz") / "input.xlsx"


def _never_raises(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    result = preflight(path)
    assert isinstance(result, Preflight)
    assert result.kind in KINDS
    assert "P-内部错误" not in result.codes, result.findings
    assert result.ok == (
        result.kind in ("xlsx", "xlsm") and all(f.level is not Level.ERROR for f in result.findings)
    )
    assert result.ok or result.findings


_FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@_FUZZ
@given(data=st.binary(max_size=3000))
def test_random_bytes_never_raise(scratch: Path, data: bytes) -> None:
    _never_raises(scratch, data)


@_FUZZ
@given(
    magic=st.sampled_from(
        [b"PK\x03\x04", b"PK\x05\x06", hostile.OLE_MAGIC, b"\xef\xbb\xbf", b"\xff\xfe", b"%PDF-"]
    ),
    data=st.binary(max_size=3000),
)
def test_random_bytes_behind_a_magic_never_raise(scratch: Path, magic: bytes, data: bytes) -> None:
    _never_raises(scratch, magic + data)


@_FUZZ
@given(cut=st.integers(min_value=0, max_value=len(_VALID)))
def test_truncations_of_a_valid_workbook_never_raise(scratch: Path, cut: int) -> None:
    _never_raises(scratch, _VALID[:cut])


def _mutate(base: bytes, edits: list[tuple[int, int]]) -> bytes:
    data = bytearray(base)
    for position, value in edits:
        data[position % len(data)] = value
    return bytes(data)


@_FUZZ
@given(
    base=st.sampled_from([_VALID, _OLE, _OLE_SMALL]),
    edits=st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), min_size=1, max_size=8),
)
def test_mutated_files_never_raise(scratch: Path, base: bytes, edits: list[tuple[int, int]]) -> None:
    _never_raises(scratch, _mutate(base, edits))


@_FUZZ
@given(
    base=st.sampled_from([_OLE, _OLE_SMALL]),
    field=st.sampled_from([0x1C, 0x1E, 0x20, 0x2C, 0x30, 0x38, 0x3C, 0x40, 0x44, 0x48, 0x4C, 0x50]),
    value=st.sampled_from([0, 1, 2, 0xFFFFFFFA, 0xFFFFFFFE, 0xFFFFFFFF, 0x7FFFFFFF, 5, 109, 4096]),
)
def test_ole_header_fields_never_raise(scratch: Path, base: bytes, field: int, value: int) -> None:
    data = bytearray(base)
    struct.pack_into("<I", data, field, value)
    _never_raises(scratch, bytes(data))


@_FUZZ
@given(
    entry=st.integers(min_value=0, max_value=7),
    offset=st.sampled_from([64, 66, 68, 72, 76, 116, 120, 124]),
    value=st.sampled_from([0, 1, 2, 3, 5, 0xFFFFFFFE, 0xFFFFFFFF, 0x7FFFFFFF, 4095, 4096]),
)
def test_ole_directory_fields_never_raise(scratch: Path, entry: int, offset: int, value: int) -> None:
    data = bytearray(_OLE_SMALL)
    first_dir = struct.unpack_from("<I", data, 0x30)[0]
    position = 512 * (first_dir + 1) + 128 * entry + offset
    if position + 4 <= len(data):
        struct.pack_into("<I", data, position, value)
    _never_raises(scratch, bytes(data))
