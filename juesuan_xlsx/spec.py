"""The spec: one year and layout of the nine 公开 tables, loaded from ``templates/YEAR/PROFILE.toml``.

Plain immutable objects; the generator, the verifier and the exporter are views of them.  Loading validates every
address of every relation, so a typo in the data fails at load time with the relation's code in the message.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from .codes import Dictionary, load_dictionary
from .errors import JuesuanError
from .findings import Level
from .resources import available_specs, spec_path

LABEL_FIELDS = frozenset({"label", "line", "code", "name"})
SUM_ROW = "sum"
CLASSES = "@classes"
RELATION_KINDS = ("eq", "le", "ge", "hierarchy", "implies")


class SpecError(JuesuanError, ValueError):
    """The spec data itself is wrong (a developer error), or the year/profile is not supported (a user error)."""


_DIGITS = "零一二三四五六七八九"


def chinese_ordinal(n: int) -> str:
    """1 → 一, 10 → 十, 11 → 十一, 20 → 二十, 26 → 二十六 (enough for the 26 类 rows)."""
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    head = "十" if tens == 1 else _DIGITS[tens] + "十"
    return head + (_DIGITS[ones] if ones else "")


def header_merges(grid: tuple[tuple[str, ...], ...]) -> list[tuple[int, int, int, int, str]]:
    """(first row, first col, last row, last col, text) of every header cell, merged ones spanning their area."""
    height, width = len(grid), len(grid[0])
    out = []
    for r in range(height):
        for c in range(width):
            text = grid[r][c]
            if text in ("<", "^"):
                continue
            c2 = c
            while c2 + 1 < width and grid[r][c2 + 1] == "<":
                c2 += 1
            r2 = r
            while r2 + 1 < height and all(grid[r2 + 1][x] == "^" for x in range(c, c2 + 1)):
                r2 += 1
            out.append((r, c, r2, c2, text))
    return out


@dataclass(frozen=True)
class GridRow:
    key: str | None  # None for a blank row that only carries a 行次
    label: str = ""
    line: int | None = None
    code: str | None = None  # econ / class code shown in a code field
    values: tuple[str, ...] = ()  # value fields that hold an amount on this row


@dataclass(frozen=True)
class Panel:
    fields: tuple[str, ...]
    rows: tuple[GridRow, ...]
    footer: tuple[GridRow, ...] = ()

    @property
    def value_fields(self) -> tuple[str, ...]:
        return tuple(f for f in self.fields if f not in LABEL_FIELDS)


@dataclass(frozen=True)
class Column:
    key: str
    title: str


@dataclass(frozen=True)
class Table:
    id: str
    sheet: str
    title: str
    kind: Literal["grid", "codes"]
    header: tuple[tuple[str, ...], ...]
    widths: tuple[int, ...]
    notes: tuple[str, ...]
    panels: tuple[Panel, ...] = ()
    columns: tuple[Column, ...] = ()  # code tables: the amount columns after code and name
    free_rows: int = 0
    fund: str | None = None  # code tables restricted to one fiscal fund (05 一般, 07 基金, 08 国资)
    empty_note: str = ""
    label_visible: bool = True  # False: the layout prints no 公开NN表 label (the code name GKnn stays the marker)
    sum_row: Literal["first", "last"] = "first"  # code tables: the 合计 row above or below the code rows

    @property
    def label(self) -> str:
        """The 公开NN表 label: a marker the reader finds sheets by, printed only where ``label_visible``."""
        return f"公开{self.id}表"

    @property
    def display_name(self) -> str:
        """How every text for the user names this table: its 公开NN表 label where the layout prints one, else its
        title, the name the workbook and the publication know it by (上海格式: “收入支出决算总表” …)."""
        return self.label if self.label_visible else self.title

    @property
    def codename(self) -> str:
        """Stable sheet code name, survives renaming the sheet (xlsxwriter set_vba_name / openpyxl codeName)."""
        return f"GK{self.id}"

    @property
    def width(self) -> int:
        return len(self.header[0])

    def value_keys(self) -> tuple[str, ...]:
        if self.kind == "codes":
            return tuple(c.key for c in self.columns)
        keys: list[str] = []
        for panel in self.panels:
            keys.extend(k for k in panel.value_fields if k not in keys)
        return tuple(keys)

    def grid_rows(self) -> dict[str, GridRow]:
        rows: dict[str, GridRow] = {}
        for panel in self.panels:
            for row in (*panel.rows, *panel.footer):
                if row.key is not None:
                    rows[row.key] = row
        return rows

    def column_title(self, key: str) -> str:
        for column in self.columns:
            if column.key == key:
                return column.title
        return key


@dataclass(frozen=True)
class Address:
    """``[-]TABLE.ROW.COL`` with ROW possibly ``*`` / ``@classes`` and COL possibly ``#`` (bound later)."""

    table: str
    row: str
    col: str
    sign: int = 1

    @classmethod
    def parse(cls, text: str) -> Address:
        sign = 1
        if text.startswith("-"):
            sign, text = -1, text[1:]
        parts = text.split(".")
        if len(parts) != 3 or not all(parts):
            raise SpecError(f"地址“{text}”应为 表.行.列")
        return cls(parts[0], parts[1], parts[2], sign)

    def bind(self, row: str | None = None, col: str | None = None) -> Address:
        return Address(
            self.table,
            row if (row is not None and self.row == "*") else self.row,
            col if (col is not None and self.col == "#") else self.col,
            self.sign,
        )

    def __str__(self) -> str:
        return f"{'-' if self.sign < 0 else ''}{self.table}.{self.row}.{self.col}"


@dataclass(frozen=True)
class Relation:
    code: str
    title: str
    level: Level
    mode: Literal["formula", "check"]
    # eq / le / ge: lhs = / ≤ / ≥ Σ rhs; hierarchy: 类 = Σ 款 …; implies: Σ lhs ≠ 0 ⇒ Σ rhs ≠ 0 (in whole 分, no
    # rounding allowance) — not an equation but a pair of figures worth confirming (09 有金额、06 为零)
    kind: Literal["eq", "le", "ge", "hierarchy", "implies"]
    lhs: tuple[Address, ...] = ()
    rhs: tuple[Address, ...] = ()
    for_rows: tuple[str, ...] = ()  # row keys, @classes, or code-table ids (every row of that table)
    each_col: tuple[str, ...] = ()
    table: str | None = None  # hierarchy
    columns: tuple[str, ...] = ()  # hierarchy
    hint: str = ""


@dataclass(frozen=True)
class NamedFigure:
    """A figure the summary, the narrative and ``new --like`` refer to by name (``[figures]`` of the spec)."""

    name: str
    at: Address
    title: str


@dataclass(frozen=True)
class Spec:
    year: int
    profile: str
    title: str
    unit: str
    rounding_note: str
    instructions: str
    classes: tuple[tuple[str, str], ...]
    tables: tuple[Table, ...]
    relations: tuple[Relation, ...]
    gongneng: Dictionary = field(repr=False, compare=False)
    jingji: Dictionary = field(repr=False, compare=False)
    profile_name: str = ""  # the layout's Chinese name (通用格式, 上海格式)
    figures: tuple[NamedFigure, ...] = ()

    def figure(self, name: str) -> Address:
        """The address of a named figure (``[figures]`` of the spec)."""
        for named in self.figures:
            if named.name == name:
                return named.at
        raise KeyError(name)

    @property
    def key(self) -> str:
        return f"{self.year}/{self.profile}"

    @property
    def layout_name(self) -> str:
        """How texts for the user name the layout: “上海格式（shanghai）”, the --profile value in brackets."""
        return f"{self.profile_name}（{self.profile}）" if self.profile_name else f"{self.profile} 格式"

    def table(self, table_id: str) -> Table:
        for table in self.tables:
            if table.id == table_id:
                return table
        raise KeyError(table_id)

    def fund_table(self, fund: str) -> Table | None:
        """The code table of one fund's codes (基金: 公开07表, 国资: 公开08表), if the layout has one."""
        return next((t for t in self.tables if t.kind == "codes" and t.fund == fund), None)

    def relation(self, code: str) -> Relation:
        for relation in self.relations:
            if relation.code == code:
                return relation
        raise KeyError(code)

    @property
    def class_codes(self) -> tuple[str, ...]:
        return tuple(code for code, _ in self.classes)


# --------------------------------------------------------------------------------------------------------------
# loading


def _grid_rows(raw: list[Mapping[str, Any]], panel_values: tuple[str, ...], spec_classes: tuple[tuple[str, str], ...],
               jingji: Dictionary, where: str) -> tuple[GridRow, ...]:
    rows: list[GridRow] = []
    for item in raw:
        line = item.get("line")
        if "blank" in item:
            for i in range(int(item["blank"])):
                rows.append(GridRow(None, line=None if line is None else line + i))
        elif item.get("classes"):
            for i, (code, name) in enumerate(spec_classes):
                rows.append(GridRow(code, f"{chinese_ordinal(i + 1)}、{name}", None if line is None else line + i,
                                    code, panel_values))
        elif "econ" in item:
            for code in item["econ"]:
                econ_name = jingji.name(code)
                if econ_name is None:
                    raise SpecError(f"{where}: 经济分类编码 {code} 不在字典中")
                rows.append(GridRow(code, econ_name, None, code, panel_values))
        else:
            values = tuple(item.get("values", panel_values))
            rows.append(GridRow(item["key"], item.get("label", ""), line, None, values))
    return tuple(rows)


def _table(raw: Mapping[str, Any], classes: tuple[tuple[str, str], ...], jingji: Dictionary) -> Table:
    where = f"table {raw.get('id')}"
    panels = []
    for praw in raw.get("panel", []):
        fields = tuple(praw["fields"])
        values = tuple(f for f in fields if f not in LABEL_FIELDS)
        panels.append(Panel(fields, _grid_rows(praw.get("rows", []), values, classes, jingji, where),
                            _grid_rows(praw.get("footer", []), values, classes, jingji, where)))
    table = Table(
        id=raw["id"], sheet=raw["sheet"], title=raw["title"], kind=raw["kind"],
        header=tuple(tuple(r) for r in raw["header"]), widths=tuple(raw.get("widths", ())),
        notes=tuple(raw.get("notes", ())), panels=tuple(panels),
        columns=tuple(Column(c["key"], c["title"]) for c in raw.get("columns", ())),
        free_rows=int(raw.get("free_rows", 0)), fund=raw.get("fund"), empty_note=raw.get("empty_note", ""),
        label_visible=bool(raw.get("label_visible", True)), sum_row=raw.get("sum_row", "first"),
    )
    if table.sum_row not in ("first", "last"):
        raise SpecError(f"{where}: sum_row 应为 first 或 last")
    width = len(table.header[0])
    if any(len(r) != width for r in table.header):
        raise SpecError(f"{where}: 表头各行列数不一致")
    expected = sum(len(p.fields) for p in panels) if table.kind == "grid" else 2 + len(table.columns)
    if expected != width:
        raise SpecError(f"{where}: 表头 {width} 列，数据 {expected} 列")
    return table


def _as_tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def _relation(raw: Mapping[str, Any]) -> Relation:
    kind = raw.get("kind", "eq")
    mode = raw.get("mode", "formula" if kind == "hierarchy" else "check")
    lhs = tuple(Address.parse(a) for a in _as_tuple(raw.get("lhs")))
    if kind not in RELATION_KINDS:
        raise SpecError(f"relation {raw['code']}: kind should be one of {', '.join(RELATION_KINDS)}")
    if mode == "formula" and kind != "hierarchy" and (len(lhs) != 1 or lhs[0].sign < 0 or kind != "eq"):
        raise SpecError(f"relation {raw['code']}: formula mode needs one positive lhs and kind eq")
    if kind == "implies" and (mode != "check" or not lhs or not raw.get("rhs")):
        raise SpecError(f"relation {raw['code']}: kind implies needs mode check and both sides")
    return Relation(
        code=raw["code"], title=raw["title"], level=Level(raw.get("level", "error")), mode=mode, kind=kind,
        lhs=lhs, rhs=tuple(Address.parse(a) for a in _as_tuple(raw.get("rhs"))),
        for_rows=_as_tuple(raw.get("for")), each_col=_as_tuple(raw.get("each_col")), table=raw.get("table"),
        columns=_as_tuple(raw.get("columns")), hint=raw.get("hint", ""),
    )


def _validate(spec: Spec) -> None:
    tables = {t.id: t for t in spec.tables}
    codes = set(spec.relations and [r.code for r in spec.relations])
    if len(codes) != len(spec.relations):
        raise SpecError("relation codes must be unique")
    _validate_names(spec)
    for rel in spec.relations:
        if rel.kind == "hierarchy":
            table = tables.get(rel.table or "")
            if table is None or not set(rel.columns) <= set(table.value_keys()):
                raise SpecError(f"relation {rel.code}: bad hierarchy table/columns")
            continue
        for addr in (*rel.lhs, *rel.rhs):
            table = tables.get(addr.table)
            if table is None:
                raise SpecError(f"relation {rel.code}: unknown table {addr.table}")
            cols = rel.each_col if addr.col == "#" else (addr.col,)
            if not set(cols) <= set(table.value_keys()):
                raise SpecError(f"relation {rel.code}: table {addr.table} has no column {addr.col}")
            if table.kind == "grid" and addr.row not in ("*", CLASSES):
                row = table.grid_rows().get(addr.row)
                if row is None or not set(cols) <= set(row.values):
                    raise SpecError(f"relation {rel.code}: table {addr.table} has no cell {addr}")
    for named in spec.figures:
        table = tables.get(named.at.table)
        ok = table is not None and named.at.col in table.value_keys()
        if ok and table is not None and table.kind == "grid":
            row = table.grid_rows().get(named.at.row)
            ok = row is not None and named.at.col in row.values
        elif ok:
            ok = named.at.row == SUM_ROW
        if not ok:
            raise SpecError(f"figure {named.name}: no cell {named.at}")


def _validate_names(spec: Spec) -> None:
    """The spec's texts for the user name a table the way its layout prints it: a 公开NN表 label the layout does
    not print (``label_visible = false``) must not appear in a relation's title or hint, nor in the instructions
    or a table's notes."""
    hidden = [t for t in spec.tables if not t.label_visible]
    if not hidden:
        return
    texts = [(f"relation {rel.code}", f"{rel.title}\n{rel.hint}") for rel in spec.relations]
    texts.append(("instructions", spec.instructions))
    texts += [(f"table {t.id}", "\n".join((*t.notes, t.empty_note))) for t in spec.tables]
    for where, text in texts:
        for table in hidden:
            if table.label in text:
                raise SpecError(f"{where}: “{table.label}” is not printed in this layout; "
                                f"name the table “{table.display_name}”")


@cache
def load_spec(year: int, profile: str = "central") -> Spec:
    path = spec_path(year, profile)
    if not path.is_file():
        supported = "、".join(f"{y} 年 {p}" for y, p in available_specs()) or "（无）"
        raise SpecError(f"不支持 {year} 年的“{profile}”格式。目前支持：{supported}")
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    jingji = load_dictionary(raw["jingji"], func=False)
    classes = tuple((c[0], c[1]) for c in raw["classes"])
    spec = Spec(
        year=int(raw["year"]), profile=raw["profile"], title=raw["title"], unit=raw["unit"],
        rounding_note=raw["rounding_note"], instructions=raw["instructions"].strip("\n"), classes=classes,
        tables=tuple(_table(t, classes, jingji) for t in raw["table"]),
        relations=tuple(_relation(r) for r in raw["relation"]),
        gongneng=load_dictionary(raw["gongneng"]), jingji=jingji, profile_name=raw.get("profile_name", ""),
        figures=tuple(NamedFigure(name, Address.parse(f["at"]), f["title"]) for name, f in raw["figures"].items()),
    )
    if (spec.year, spec.profile) != (year, profile):
        raise SpecError(f"{path}: year/profile inside the file do not match its path")
    _validate(spec)
    return spec
