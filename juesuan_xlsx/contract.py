"""What the generator writes and every reader relies on: sheet names and code names, document properties, the
marker that says "made by juesuan-xlsx, year/layout".

The writer (:mod:`juesuan_xlsx.generate`) and the readers (:mod:`juesuan_xlsx.reader`, merge, ``new --like``,
the source readers) all take these from here, so a reader never imports the writer and the marker is read one way.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# --- sheets ----------------------------------------------------------------------------------------------------
GUIDE_SHEET = "填表说明"
CHECK_SHEET = "校验"
DICT_SHEET = "字典"
SHUOMING_SHEET = "说明"
# sheet code names (xlsxwriter set_vba_name, openpyxl sheet_properties.codeName): survive renaming a sheet;
# the nine tables use GK01 … GK09 (spec.Table.codename)
CHECK_CODENAME, GUIDE_CODENAME, DICT_CODENAME, SHUOMING_CODENAME = "GKJY", "GKSM", "GKZD", "GKSM2"
UNKNOWN_NAME = "（字典未收录，请填写科目名称）"  # the 科目名称 lookup's default for a code the 字典 lacks
# each table's 部门 line (layout.DEPT_ROW): this label in column A, the name typed in the (merged) cell beside it;
# workbooks of earlier versions hold "部门：名称" in column A alone
DEPT_LABEL = "部门："

# --- units ----------------------------------------------------------------------------------------------------
WAN, YUAN = "万元", "元"  # a workbook's amounts are typed in one of these; publications always print 万元
UNIT_NAMES = {"万元": WAN, "wan": WAN, "元": YUAN, "yuan": YUAN}  # what ``new --unit`` accepts
VIEW_SUFFIX = "（万元）"  # a 元 workbook's printed view of table 公开NN表 is sheet "公开NN表（万元）"
VIEW_CODENAME_SUFFIX = "W"  # … with code name GK01W … GK09W


def view_sheet(sheet: str) -> str:
    """The sheet name of a table's 万元 view in a 元 workbook (Excel's 31-character limit kept)."""
    return sheet[:31 - len(VIEW_SUFFIX)] + VIEW_SUFFIX

# --- what our publications print, and our readers of them recognise (export/ writes, sources/ reads back) ----
STAMP = "未通过校验"  # on every output of a workbook exported with errors
EXPORT_SCHEMA_PREFIX = "juesuan-xlsx/export/"  # the json export's "schema", followed by its version
CSV_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")  # a csv text starting so is written with a leading ' (injection)

# --- custom document properties ---------------------------------------------------------------------------------
MARKER_PROPERTY = "juesuan-xlsx"  # "YEAR/PROFILE"
MODE_PROPERTY = "juesuan-mode"  # "free" (blank entry rows) or "fixed" (--codes)
DEPT_PROPERTY = "juesuan-dept"
VERSION_PROPERTY = "juesuan-version"
SOURCES_PROPERTY = "juesuan-sources"  # file names a merged workbook was made from
SOURCES_COUNT_PROPERTY = "juesuan-sources-count"
OUTPUT_PROPERTY = "juesuan-output"  # set on files this tool writes as outputs (annotated copies, summaries)
UNIT_PROPERTY = "juesuan-unit"  # "元" when amounts are typed in 元; absent or "万元" otherwise

CREATED = dt.datetime(2000, 1, 1)  # fixed, so the same arguments give a byte-identical file
GENERATOR = "juesuan-xlsx"  # author; with CREATED as modified date it tells that no application saved the file

MAX_CUSTOM_XML = 1 << 20  # a custom.xml larger than this is not ours


@dataclass(frozen=True)
class Marker:
    """What a workbook's custom properties say about it."""

    year: int | None
    profile: str | None
    raw: str  # the marker text as stored ("2024/central"); "" when absent
    mode: str = "free"
    dept: str = ""
    sources_count: int = 1
    output: str = ""  # non-empty: a file this tool wrote as an output (not a return)
    unit: str = WAN  # what the amounts are typed in (WAN or YUAN)

    @property
    def ours(self) -> bool:
        return bool(self.raw)


def marker_from_properties(props: Mapping[str, Any]) -> Marker:
    """The marker from a name → value mapping of custom properties (any reader's)."""
    raw = str(props.get(MARKER_PROPERTY) or "").strip()
    year: int | None = None
    profile: str | None = None
    if raw:
        year_text, _, profile_text = raw.partition("/")
        try:
            year = int(year_text)
        except ValueError:
            year = None
        profile = profile_text or None
    try:
        count = max(1, int(props.get(SOURCES_COUNT_PROPERTY) or 1))
    except (TypeError, ValueError):
        count = 1
    unit = UNIT_NAMES.get(str(props.get(UNIT_PROPERTY) or WAN).strip(), WAN)
    return Marker(year, profile, raw, str(props.get(MODE_PROPERTY) or "free"), str(props.get(DEPT_PROPERTY) or ""),
                  count, str(props.get(OUTPUT_PROPERTY) or ""), unit)


def mark_output(wb: Any, kind: str) -> None:
    """Mark an openpyxl workbook as an output of this tool (``kind``: annotated, summary, export); xlsxwriter
    writers call ``set_custom_property(OUTPUT_PROPERTY, kind, "text")``."""
    from openpyxl.packaging.custom import StringProperty

    props = wb.custom_doc_props
    for prop in list(props):
        if prop.name == OUTPUT_PROPERTY:
            props.props.remove(prop)
    props.append(StringProperty(name=OUTPUT_PROPERTY, value=kind))


def workbook_marker(wb: Any) -> Marker:
    """The marker of a loaded workbook (openpyxl's, or :class:`juesuan_xlsx.book.Book`)."""
    return marker_from_properties({p.name: p.value for p in getattr(wb, "custom_doc_props", [])})


def read_marker(path: str | Path) -> Marker | None:
    """The marker of a file, from ``docProps/custom.xml`` only (cheap: no sheet is parsed); None when the file is
    not a readable xlsx.  The XML is parsed by defusedxml (returned files come from many hands)."""
    from defusedxml.ElementTree import fromstring

    try:
        with zipfile.ZipFile(path) as archive:
            try:
                info = archive.getinfo("docProps/custom.xml")
            except KeyError:
                return marker_from_properties({})
            if info.file_size > MAX_CUSTOM_XML:
                return None
            root = fromstring(archive.read(info))
    except Exception:  # noqa: BLE001 - not a zip, a damaged one, hostile XML: no marker; verify says why
        return None
    props: dict[str, str] = {}
    for prop in root:
        name = prop.get("name")
        if name:
            props[name] = "".join(prop.itertext()).strip()
    return marker_from_properties(props)
