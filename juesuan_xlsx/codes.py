"""Code dictionaries: 支出功能分类 (类 3 / 款 5 / 项 7 digits) and 经济分类 (类 3 / 款 5 digits).

The shipped 功能分类 list is partial (see its header), so a user can extend or override it with a CSV/TSV file
of ``code,name[,fund[,aliases]]`` lines; unknown codes are warnings, never errors.

A code renamed between years keeps its earlier names as *aliases* (a fourth column, names separated by ``|``):
the year's own name is the official one, an alias is accepted with a note that names the official name (a 2025
workbook that still says 20805 行政事业单位养老支出 is not wrong, only out of date).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from .errors import JuesuanError
from .resources import templates_dir

FUNC_CODE = re.compile(r"\d{3}(\d{2}){0,2}")
LEVEL_NAMES = {3: "类", 5: "款", 7: "项"}
FUNDS = ("一般", "基金", "国资")
ALIAS_SEPARATOR = "|"
_NAME_SPACES = re.compile(r"\s+")


class CodeError(JuesuanError, ValueError):
    """A malformed code or dictionary file; the message is Chinese and names the culprit."""


@dataclass(frozen=True)
class CodeInfo:
    code: str
    name: str
    fund: str = "一般"  # 一般 / 基金 / 国资: which fiscal fund's table (05 / 07 / 08) the code belongs to
    aliases: tuple[str, ...] = ()  # earlier names of a renamed code, accepted with a note

    @property
    def level(self) -> str:
        return LEVEL_NAMES[len(self.code)]


def normalize_name(name: str) -> str:
    """A 科目名称 as compared: no spaces, full-width brackets (what people type varies, the name does not)."""
    return _NAME_SPACES.sub("", name).replace("(", "（").replace(")", "）")


@dataclass(frozen=True)
class Dictionary:
    """One code list, read-only."""

    entries: Mapping[str, CodeInfo]

    def get(self, code: str) -> CodeInfo | None:
        return self.entries.get(code)

    def name(self, code: str) -> str | None:
        info = self.entries.get(code)
        return info.name if info else None

    def is_official(self, code: str, name: str) -> bool:
        """``name`` is the dictionary's own name for ``code`` (spaces and bracket widths aside)."""
        info = self.entries.get(code)
        return info is not None and normalize_name(name) == normalize_name(info.name)

    def is_alias(self, code: str, name: str) -> bool:
        """``name`` is an earlier name of ``code`` (accepted, with a note giving the official name)."""
        info = self.entries.get(code)
        if info is None or self.is_official(code, name):
            return False
        wanted = normalize_name(name)
        return any(normalize_name(alias) == wanted for alias in info.aliases)

    def official_name(self, code: str, name: str) -> str:
        """What a publication prints for a row named ``name``: the official name when ``name`` is an alias,
        else ``name`` as typed."""
        info = self.entries.get(code)
        return info.name if info is not None and self.is_alias(code, name) else name

    def fund(self, code: str) -> str:
        """Fund of a code: its own entry, else its nearest known ancestor, else 一般."""
        for length in (7, 5, 3):
            info = self.entries.get(code[:length]) if len(code) >= length else None
            if info is not None:
                return info.fund
        return "一般"

    def merged(self, extra: Mapping[str, CodeInfo]) -> Dictionary:
        entries = dict(self.entries)
        entries.update(extra)
        return Dictionary(MappingProxyType(entries))


def check_func_code(code: str) -> str:
    code = code.strip()
    if not FUNC_CODE.fullmatch(code):
        raise CodeError(f"科目编码“{code}”格式不对：功能分类编码应为 3 位（类）、5 位（款）或 7 位（项）数字")
    return code


def ancestors(code: str) -> list[str]:
    """The 类 and 款 above a code, top first: 2013201 → [201, 20132]."""
    return [code[:n] for n in (3, 5) if len(code) > n]


def parent(code: str) -> str | None:
    return code[: len(code) - 2] if len(code) > 3 else None


def _read_tsv(text: str, source: str, func: bool) -> dict[str, CodeInfo]:
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        return {}
    dialect = "excel-tab" if "\t" in lines[0] else "excel"
    rows = list(csv.reader(io.StringIO("\n".join(lines)), dialect=dialect))
    if rows and rows[0] and rows[0][0].strip().lower() in ("code", "编码", "科目编码"):
        rows = rows[1:]
    entries: dict[str, CodeInfo] = {}
    first_line: dict[str, int] = {}
    for number, row in enumerate(rows, start=1):
        if len(row) < 2 or not row[1].strip():
            raise CodeError(f"{source} 第 {number} 条：每行应为“编码,名称[,资金性质[,曾用名]]”，实际为 {row!r}")
        code = row[0].strip().lstrip("\ufeff")
        if func:
            try:
                check_func_code(code)
            except CodeError as exc:
                raise CodeError(f"{source} 第 {number} 条：{exc}") from None
        fund = row[2].strip() if len(row) > 2 and row[2].strip() else "一般"
        if fund not in FUNDS:
            raise CodeError(f"{source} 第 {number} 条：资金性质应为 一般/基金/国资 之一，实际为“{fund}”")
        aliases = tuple(a.strip() for a in row[3].split(ALIAS_SEPARATOR) if a.strip()) if len(row) > 3 else ()
        if code in entries:  # which of the two names is meant only the file's author knows
            raise CodeError(f"{source} 第 {number} 条：编码 {code} 与第 {first_line[code]} 条重复"
                            f"（“{entries[code].name}”和“{row[1].strip()}”），每个编码只写一行")
        first_line[code] = number
        entries[code] = CodeInfo(code, row[1].strip(), fund, aliases)
    return entries


def load_dictionary(relative: str, func: bool = True) -> Dictionary:
    path = templates_dir() / relative
    return Dictionary(MappingProxyType(_read_tsv(path.read_text(encoding="utf-8"), path.name, func)))


def load_user_codes(path: str | Path) -> dict[str, CodeInfo]:
    """A user's ``code,name[,fund[,aliases]]`` file (CSV or TSV, UTF-8 with or without BOM, or GBK)."""
    raw = Path(path).read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise CodeError(f"{path}：无法识别文件编码，请另存为 UTF-8")
    return _read_tsv(text, Path(path).name, func=True)


def expand_codes(codes: Iterable[str]) -> list[str]:
    """Codes plus every 类/款 above them, de-duplicated, in code order (类 before its 款 before its 项)."""
    full: set[str] = set()
    for code in codes:
        code = check_func_code(code)
        full.add(code)
        full.update(ancestors(code))
    return sorted(full)
