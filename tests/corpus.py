"""Build the corpus of damaged workbooks (issue 3) from the seed example, at test time.

No binary file is committed.  Every variant starts from ``examples/seed-2024.xlsx`` *as a spreadsheet application
saves it*: :func:`build_base` computes every formula (:func:`juesuan_xlsx.evaluation.evaluate_workbook`, Excel's
semantics) and writes the results as the cached ``<v>`` values of the formula cells, and the document properties
as the saving application sets them, the way Excel or WPS leave a file after typing and saving.  The generator
itself writes empty cached values on purpose (README), so the untouched example has none.

Each variant is then made the way a user's application would leave the file: the xlsx is edited at the XML level
inside the zip (:class:`Book`): only the members a change needs are rewritten (the sheet XML, and where Excel would
also change them ``sharedStrings.xml``, ``workbook.xml``, ``docProps/app.xml``), every other member keeps its exact
bytes, and cached values stay as they were wherever the mutation does not change them.  Where a mutation changes
what formulas compute, the caches are recomputed as Excel recomputes on save (:func:`recalculate`).
The exceptions are the cases about caches and other programs: ``stale-cache`` changes one ``<v>`` only, and
``openpyxl-resave`` goes through openpyxl, which drops every cached value.

Structural edits follow Excel's own reference adjustment (:func:`shift_formula`): deleting row R turns every
single-cell reference to R into ``#REF!`` (``Sheet!#REF!`` when qualified), shrinks every range that spans R and moves
everything below up; inserting a row at R moves R and below down and grows every range that spans R (a row inserted
just below a range, at its last row + 1, stays outside it).  The adjustment is applied to every formula of every
sheet, to conditional-format and data-validation formulas and ranges, merged cells, the sheet dimension and the
workbook's defined names.  Renaming a sheet rewrites every reference to it (quoted when the new name needs quotes)
and the defined names; reordering moves the ``<sheet>`` elements and remaps ``localSheetId``.

``build_variant(name, base, directory)`` writes one variant, ``VARIANTS`` lists them with a description of the
mutation; ``build_corpus(directory)`` writes the base and every variant; ``verify_corpus(directory)`` builds and
verifies each file once for ``tests/test_verify_corpus.py``.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "seed-2024.xlsx"

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
_APP = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
CORE = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
DCTERMS = "http://purl.org/dc/terms/"
EXT_LINK_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLink"
EXT_PATH_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLinkPath"


def _q(tag: str, ns: str = MAIN) -> str:
    return f"{{{ns}}}{tag}"


# ---------------------------------------------------------------------------------------------------------------
# Cell references
# ---------------------------------------------------------------------------------------------------------------

_CELL = re.compile(r"(\$?)([A-Z]{1,3})(\$?)(\d+)")
_STRING = re.compile(r'"(?:[^"]|"")*"')
# A reference: an optional sheet prefix, then a cell, an area, whole rows, or #REF!.  The look-behind keeps names
# such as T01_201_amt and the sheet of an external reference ([1]Sheet1!A1) from being read as references.
_REF = re.compile(
    r"""(?<![\w.$'\]!])
        (?:(?P<sheet>'(?:[^']|'')+'|[^\W\d][\w.]*)!)?
        (?P<area>\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?|\$?\d+:\$?\d+|\#REF!)
        (?![\w(!])""",
    re.X,
)


def split_cell(ref: str) -> tuple[str, int]:
    m = _CELL.fullmatch(ref.replace("$", ""))
    if m is None:
        raise ValueError(ref)
    return m[2], int(m[4])


def sheet_ref(name: str) -> str:
    """A sheet name as a formula writes it: quoted when Excel quotes it."""
    if re.fullmatch(r"[^\W\d]\w*", name) and not re.fullmatch(r"[A-Za-z]{1,3}\d+", name):
        return name
    return "'" + name.replace("'", "''") + "'"


def _unquote(sheet: str) -> str:
    return sheet[1:-1].replace("''", "'") if sheet.startswith("'") else sheet


RowMap = Callable[[int, int], tuple[int, int] | None]
"""(first row, last row) of an area → new (first, last), or None when the area is deleted."""


def deleting(row: int) -> RowMap:
    def shift(r1: int, r2: int) -> tuple[int, int] | None:
        if r2 < row:
            return r1, r2
        if r1 > row:
            return r1 - 1, r2 - 1
        if r1 == r2 == row:
            return None
        return r1, r2 - 1

    return shift


def inserting(row: int) -> RowMap:
    def shift(r1: int, r2: int) -> tuple[int, int] | None:
        if r2 < row:
            return r1, r2
        if r1 >= row:
            return r1 + 1, r2 + 1
        return r1, r2 + 1

    return shift


def _shift_area(area: str, rows: RowMap) -> str | None:
    if area == "#REF!":
        return area
    parts = area.split(":")
    if all(re.fullmatch(r"\$?\d+", p) for p in parts):  # whole rows, 4:6
        r1, r2 = (int(p.lstrip("$")) for p in parts)
        moved = rows(r1, r2)
        if moved is None:
            return None
        return ":".join(f"{'$' if p.startswith('$') else ''}{r}" for p, r in zip(parts, moved, strict=True))
    cells = [_CELL.fullmatch(p) for p in parts]
    assert all(cells), area
    r1, r2 = int(cells[0][4]), int(cells[-1][4])  # type: ignore[index]
    moved = rows(min(r1, r2), max(r1, r2))
    if moved is None:
        return None
    new = moved if r1 <= r2 else (moved[1], moved[0])
    if len(cells) == 1:
        new = (new[0],)
    return ":".join(f"{m[1]}{m[2]}{m[3]}{r}" for m, r in zip(cells, new, strict=True))  # type: ignore[index]


Change = Callable[[str | None, str], tuple[str | None, str]]


def transform_refs(text: str, own_sheet: str | None, change: Change) -> str:
    """Apply ``change(sheet name or None, area) -> (sheet prefix text or None, area)`` to every reference of a
    formula, outside its string literals; ``own_sheet`` resolves unqualified references."""
    out: list[str] = []
    pos = 0
    for lit in [*_STRING.finditer(text), None]:
        end = lit.start() if lit is not None else len(text)
        chunk = text[pos:end]

        def repl(m: re.Match[str]) -> str:
            if m["sheet"] is None:  # an unqualified reference stays unqualified (its sheet is the formula's)
                return change(own_sheet, m["area"])[1]
            sheet = _unquote(m["sheet"])
            prefix, area = change(sheet, m["area"])
            prefix = m["sheet"] if prefix == sheet else sheet_ref(prefix or sheet)  # untouched: same spelling
            return f"{prefix}!{area}"

        out.append(_REF.sub(repl, chunk))
        if lit is not None:
            out.append(lit.group())
            pos = lit.end()
    return "".join(out)


def referenced_sheets(text: str) -> set[str]:
    """The sheets a formula names explicitly (unqualified references name none)."""
    found: set[str] = set()

    def change(sheet: str | None, area: str) -> tuple[str | None, str]:
        if sheet is not None:
            found.add(sheet)
        return sheet, area

    transform_refs(text, None, change)
    return found


def shift_formula(text: str, own_sheet: str | None, target: str, rows: RowMap) -> str:
    """Excel's adjustment of a formula when rows of sheet ``target`` are deleted or inserted."""

    def change(sheet: str | None, area: str) -> tuple[str | None, str]:
        if sheet is None or sheet.upper() != target.upper():
            return sheet, area
        moved = _shift_area(area, rows)
        return sheet, "#REF!" if moved is None else moved

    return transform_refs(text, own_sheet, change)


def rename_in_formula(text: str, own_sheet: str | None, old: str, new: str) -> str:
    def change(sheet: str | None, area: str) -> tuple[str | None, str]:
        if sheet is not None and sheet.upper() == old.upper():
            return new, area
        return sheet, area

    return transform_refs(text, own_sheet, change)


# ---------------------------------------------------------------------------------------------------------------
# The workbook at the XML level
# ---------------------------------------------------------------------------------------------------------------


def _serialize(root: etree._Element) -> bytes:
    body = etree.tostring(root, encoding="UTF-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + body


@dataclass
class _Member:
    info: zipfile.ZipInfo
    data: bytes


class Book:
    """An xlsx edited at the XML level.  Members keep their order, names, timestamps and compression; a member
    that was not edited is written back with exactly the bytes it had."""

    def __init__(self, source: str | os.PathLike[str] | bytes) -> None:
        raw = source if isinstance(source, bytes) else Path(source).read_bytes()
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            self.members = [_Member(info, zf.read(info)) for info in zf.infolist()]
        self._trees: dict[str, etree._Element] = {}  # members being edited (serialised again on save)
        self._views: dict[str, etree._Element] = {}  # members parsed for reading only

    # -- members ------------------------------------------------------------------------------------------------
    def names(self) -> list[str]:
        return [m.info.filename for m in self.members]

    def read(self, name: str) -> bytes:
        if name in self._trees:
            return _serialize(self._trees[name])
        for m in self.members:
            if m.info.filename == name:
                return m.data
        raise KeyError(name)

    def view(self, name: str) -> etree._Element:
        """The parsed member, for reading: the member keeps its bytes unless :meth:`tree` is asked for it."""
        if name in self._trees:
            return self._trees[name]
        if name not in self._views:
            parser = etree.XMLParser(resolve_entities=False, remove_blank_text=False)
            self._views[name] = etree.fromstring(self.read(name), parser)
        return self._views[name]

    def tree(self, name: str) -> etree._Element:
        """The parsed member, marked as changed (serialised again on save); the same object as its view."""
        if name not in self._trees:
            self._trees[name] = self.view(name)
            del self._views[name]
        return self._trees[name]

    def write(self, name: str, data: bytes) -> None:
        """Replace a member's bytes."""
        self._trees.pop(name, None)
        self._views.pop(name, None)
        member = next(m for m in self.members if m.info.filename == name)
        member.data = data

    def add_member(self, name: str, data: bytes) -> None:
        info = zipfile.ZipInfo(name, date_time=self.members[0].info.date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        self.members.append(_Member(info, data))

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as zf:
            for m in self.members:
                name = m.info.filename
                data = _serialize(self._trees[name]) if name in self._trees else m.data
                info = zipfile.ZipInfo(name, date_time=m.info.date_time)
                info.compress_type = m.info.compress_type
                info.external_attr = m.info.external_attr
                zf.writestr(info, data)
        return buffer.getvalue()

    def save(self, path: str | os.PathLike[str]) -> Path:
        Path(path).write_bytes(self.to_bytes())
        return Path(path)

    def copy(self) -> Book:
        return Book(self.to_bytes())

    # -- workbook -----------------------------------------------------------------------------------------------
    @property
    def workbook(self) -> etree._Element:
        return self.tree("xl/workbook.xml")

    def sheet_titles(self) -> list[str]:
        return [el.get("name") for el in self.view("xl/workbook.xml").iter(_q("sheet"))]

    def sheet_member(self, title: str) -> str:
        rels = self.view("xl/_rels/workbook.xml.rels")
        targets = {r.get("Id"): r.get("Target") for r in rels.iter(_q("Relationship", PKG_REL))}
        for el in self.view("xl/workbook.xml").iter(_q("sheet")):
            if el.get("name") == title:
                target = targets[el.get(_q("id", REL))]
                return target.lstrip("/") if target.startswith("/") else "xl/" + target
        raise KeyError(title)

    def sheet(self, title: str, *, write: bool = True) -> etree._Element:
        name = self.sheet_member(title)
        return self.tree(name) if write else self.view(name)

    # -- cells --------------------------------------------------------------------------------------------------
    def cell(self, title: str, ref: str, *, create: bool = True) -> etree._Element | None:
        col, row = split_cell(ref)
        data = self.sheet(title, write=create).find(_q("sheetData"))
        assert data is not None
        row_el = None
        for r in data.iterchildren(_q("row")):
            n = int(r.get("r"))
            if n == row:
                row_el = r
                break
            if n > row:
                if not create:
                    return None
                row_el = etree.Element(_q("row"), r=str(row))
                r.addprevious(row_el)
                break
        if row_el is None:
            if not create:
                return None
            row_el = etree.SubElement(data, _q("row"), r=str(row))
        key = _col_index(col)
        for c in row_el.iterchildren(_q("c")):
            other = _col_index(split_cell(c.get("r"))[0])
            if other == key:
                return c
            if other > key:
                if not create:
                    return None
                new = etree.Element(_q("c"), r=ref)
                c.addprevious(new)
                return new
        if not create:
            return None
        return etree.SubElement(row_el, _q("c"), r=ref)

    def _clear(self, c: etree._Element) -> None:
        for child in list(c):
            c.remove(child)
        for attr in ("t", "cm", "vm"):
            c.attrib.pop(attr, None)

    def set_number(self, title: str, ref: str, text: str) -> None:
        """A typed number (``text`` exactly as Excel stores it in ``<v>``)."""
        c = self.cell(title, ref)
        assert c is not None
        self._clear(c)
        etree.SubElement(c, _q("v")).text = text

    def set_shared_string(self, title: str, ref: str, text: str) -> None:
        """Typed text, stored as Excel stores it: an index into the shared strings."""
        c = self.cell(title, ref)
        assert c is not None
        self._clear(c)
        c.set("t", "s")
        etree.SubElement(c, _q("v")).text = str(self.shared_string(text))

    def set_inline_string(self, title: str, ref: str, text: str) -> None:
        """Text stored inline, as programs that write xlsx without a shared-string table do."""
        c = self.cell(title, ref)
        assert c is not None
        self._clear(c)
        c.set("t", "inlineStr")
        inline = etree.SubElement(c, _q("is"))
        etree.SubElement(inline, _q("t")).text = text

    def set_formula(self, title: str, ref: str, formula: str, cached: Any) -> None:
        c = self.cell(title, ref)
        assert c is not None
        self._clear(c)
        etree.SubElement(c, _q("f")).text = formula
        etree.SubElement(c, _q("v"))
        _set_cached(c, cached)

    def clear_cell(self, title: str, ref: str) -> None:
        c = self.cell(title, ref, create=False)
        if c is not None:
            self._clear(c)

    def value(self, title: str, ref: str) -> Any:
        """What a typed cell holds (shared strings resolved); None for blank."""
        c = self.cell(title, ref, create=False)
        if c is None:
            return None
        v = c.find(_q("v"))
        if c.get("t") == "s":
            return self.shared_strings()[int(v.text)]
        if c.get("t") == "inlineStr":
            return "".join(c.find(_q("is")).itertext())
        return None if v is None or v.text is None else v.text

    def formula(self, title: str, ref: str) -> str | None:
        c = self.cell(title, ref, create=False)
        f = c.find(_q("f")) if c is not None else None
        return f.text if f is not None else None

    def cached(self, title: str, ref: str) -> str | None:
        c = self.cell(title, ref, create=False)
        v = c.find(_q("v")) if c is not None else None
        return v.text if v is not None else None

    def shared_strings(self) -> list[str]:
        root = self.view("xl/sharedStrings.xml")
        return ["".join(si.itertext()) for si in root.iterchildren(_q("si"))]

    def shared_string(self, text: str) -> int:
        existing = self.shared_strings()
        if text in existing:
            index = existing.index(text)
        else:
            root = self.tree("xl/sharedStrings.xml")
            si = etree.SubElement(root, _q("si"))
            t = etree.SubElement(si, _q("t"))
            t.text = text
            if text != text.strip():
                t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            index = len(existing)
            root.set("uniqueCount", str(index + 1))
        root = self.tree("xl/sharedStrings.xml")
        if root.get("count") is not None:
            root.set("count", str(int(root.get("count")) + 1))
        return index

    def formula_cells(self) -> Iterator[tuple[str, str, etree._Element]]:
        for title in self.sheet_titles():
            for c in self.sheet(title, write=False).iter(_q("c")):
                if c.find(_q("f")) is not None:
                    yield title, c.get("r"), c

    def set_cached_values(self, values: Mapping[tuple[str, str], Any]) -> None:
        """Write ``values[(SHEET upper-case, "C9")]`` as the cached value of every formula cell it names; a sheet
        whose cached values are all unchanged keeps its bytes."""
        for title in self.sheet_titles():
            changes = []
            for c in self.sheet(title, write=False).iter(_q("c")):
                key = (title.upper(), c.get("r"))
                if c.find(_q("f")) is not None and key in values and _cached_of(c) != _cached_form(values[key]):
                    changes.append((c, values[key]))
            if changes:
                self.sheet(title)  # the sheet is edited: its view becomes the tree, the same elements
                for c, value in changes:
                    _set_cached(c, value)

    # -- formulas everywhere ------------------------------------------------------------------------------------
    def _rewrite_formulas(self, rewrite: Callable[[str, str | None], str]) -> None:
        """``rewrite(text, own sheet)`` over every formula of the workbook: cells, conditional formats, data
        validations, defined names.  Members without a changed formula keep their bytes."""
        titles = self.sheet_titles()
        for title in titles:
            changes = []
            for tag in ("f", "formula", "formula1", "formula2"):
                for el in self.sheet(title, write=False).iter(_q(tag)):
                    if el.text:
                        new = rewrite(el.text, title)
                        if new != el.text:
                            changes.append((el, new))
            if changes:
                self.sheet(title)
                for el, new in changes:
                    el.text = new
        names = []
        for el in self.view("xl/workbook.xml").iter(_q("definedName")):
            local = el.get("localSheetId")
            new = rewrite(el.text, titles[int(local)] if local is not None else None)
            if new != el.text:
                names.append((el, new))
        if names:
            self.tree("xl/workbook.xml")
            for el, new in names:
                el.text = new

    # -- rows ---------------------------------------------------------------------------------------------------
    def delete_row(self, title: str, row: int) -> None:
        """Delete a whole row and move the rows below up, adjusting references as Excel does."""
        self._move_rows(title, deleting(row), removed=row)

    def insert_row(self, title: str, row: int) -> None:
        """Insert a blank row at ``row`` (formatted like the row above, as Excel does) and move the rest down."""
        self._move_rows(title, inserting(row), removed=None)
        root = self.sheet(title)
        data = root.find(_q("sheetData"))
        above = next((r for r in data.iterchildren(_q("row")) if int(r.get("r")) == row - 1), None)
        new = etree.Element(_q("row"), r=str(row))
        if above is not None:
            for attr in ("spans", "s", "customFormat", "ht", "customHeight"):
                if above.get(attr) is not None:
                    new.set(attr, above.get(attr))
            for c in above.iterchildren(_q("c")):
                col, _ = split_cell(c.get("r"))
                blank = etree.SubElement(new, _q("c"), r=f"{col}{row}")
                if c.get("s") is not None:
                    blank.set("s", c.get("s"))
        following = next((r for r in data.iterchildren(_q("row")) if int(r.get("r")) > row), None)
        if following is not None:
            following.addprevious(new)
        else:
            data.append(new)

    def _move_rows(self, title: str, rows: RowMap, removed: int | None) -> None:
        self._rewrite_formulas(lambda text, own: shift_formula(text, own, title, rows))
        root = self.sheet(title)
        data = root.find(_q("sheetData"))
        for r in list(data.iterchildren(_q("row"))):
            n = int(r.get("r"))
            if n == removed:
                data.remove(r)
                continue
            moved = rows(n, n)
            assert moved is not None
            if moved[0] != n:
                r.set("r", str(moved[0]))
                for c in r.iterchildren(_q("c")):
                    col, _ = split_cell(c.get("r"))
                    c.set("r", f"{col}{moved[0]}")

        def areas(text: str) -> str | None:
            kept = [a for a in (_shift_area(a, rows) for a in text.split()) if a is not None]
            return " ".join(kept) if kept else None

        for el, attr in [(m, "ref") for m in root.iter(_q("mergeCell"))] + \
                        [(c, "sqref") for c in root.iter(_q("conditionalFormatting"))] + \
                        [(v, "sqref") for v in root.iter(_q("dataValidation"))]:
            new = areas(el.get(attr))
            if new is None:
                el.getparent().remove(el)
            else:
                el.set(attr, new)
        for tag in ("mergeCells", "dataValidations"):
            holder = root.find(_q(tag))
            if holder is not None and holder.get("count") is not None:
                holder.set("count", str(len(holder)))
        dim = root.find(_q("dimension"))
        if dim is not None:
            first, _, last = dim.get("ref").partition(":")
            col, r2 = split_cell(last or first)
            moved = rows(r2, r2) or (r2 - 1, r2 - 1)
            dim.set("ref", f"{first}:{col}{moved[0]}" if last else first)

    # -- sheets -------------------------------------------------------------------------------------------------
    def rename_sheet(self, old: str, new: str) -> None:
        """Rename a sheet as Excel does: the tab, every reference to it, the defined names, the document
        properties' list of parts."""
        self._rewrite_formulas(lambda text, own: rename_in_formula(text, own, old, new))
        for s in self.workbook.iter(_q("sheet")):
            if s.get("name") == old:
                s.set("name", new)
        app = self.tree("docProps/app.xml")
        for lp in app.iter(_q("lpstr", VT)):
            if lp.text == old:
                lp.text = new
            elif lp.text and lp.text.startswith(old + "!"):
                lp.text = sheet_ref(new) + lp.text[len(old):]

    def move_sheet(self, title: str, index: int) -> None:
        """Move a sheet tab to position ``index``; sheet-local names follow their sheets."""
        sheets = self.workbook.find(_q("sheets"))
        before = [s.get("name") for s in sheets]
        element = next(s for s in sheets if s.get("name") == title)
        sheets.remove(element)
        sheets.insert(index, element)
        after = [s.get("name") for s in sheets]
        for name in self.workbook.iter(_q("definedName")):
            local = name.get("localSheetId")
            if local is not None:
                name.set("localSheetId", str(after.index(before[int(local)])))
        view = self.workbook.find(f"{_q('bookViews')}/{_q('workbookView')}")
        if view is not None:
            active = before[int(view.get("activeTab", "0"))]
            view.set("activeTab", str(after.index(active)))
            if view.get("firstSheet") is not None:
                view.set("firstSheet", "0")
        app = self.tree("docProps/app.xml")
        titles = app.find(f"{_q('TitlesOfParts', _APP)}/{_q('vector', VT)}")
        if titles is not None:
            parts = list(titles)
            count = len(before)
            head = {p.text: p for p in parts[:count]}
            for p in parts[:count]:
                titles.remove(p)
            for i, name in enumerate(after):
                titles.insert(i, head[name])



def _col_index(col: str) -> int:
    n = 0
    for ch in col:
        n = n * 26 + ord(ch) - 64
    return n


def number_text(value: float) -> str:
    """A number as Excel writes it in ``<v>`` (shortest round-trip form, integers without ".0")."""
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def _cached_of(c: etree._Element) -> tuple[str | None, str | None]:
    v = c.find(_q("v"))
    return c.get("t"), (v.text or "") if v is not None else None


def _cached_form(value: Any) -> tuple[str | None, str | None]:
    """(t attribute, <v> text) Excel writes for a formula result."""
    if value is None:
        return None, None
    if isinstance(value, bool):
        return "b", "1" if value else "0"
    if isinstance(value, int | float):
        return None, number_text(value)
    if isinstance(value, str) and value.startswith("#") and value.endswith(("!", "?", "A")):
        return "e", value
    return "str", str(value)


def _set_cached(c: etree._Element, value: Any) -> None:
    t, text = _cached_form(value)
    v = c.find(_q("v"))
    c.attrib.pop("t", None)
    if text is None:
        if v is not None:
            c.remove(v)
        return
    if v is None:
        v = etree.SubElement(c, _q("v"))
    if t is not None:
        c.set("t", t)
    v.text = text


# ---------------------------------------------------------------------------------------------------------------
# Recalculation, as a spreadsheet application does before saving
# ---------------------------------------------------------------------------------------------------------------


def computed_values(path: str | os.PathLike[str]) -> dict[tuple[str, str], Any]:
    """Every formula's result as a spreadsheet application computes it ((SHEET upper-case, "C9") → number, text,
    bool or error string), by juesuan_xlsx's headless evaluator (Excel semantics, checked against LibreOffice)."""
    from juesuan_xlsx.evaluation import evaluate_workbook

    evaluation = evaluate_workbook(path)
    if not evaluation.evaluated:
        raise ValueError(f"{path}: not evaluated: {sorted(evaluation.skipped)[:3]}")
    return {(sheet.upper(), ref): value for (sheet, ref), value in {**evaluation.values, **evaluation.errors}.items()}


def recalculate(book: Book) -> None:
    """Excel's recalculation before saving: cached values rewritten where they change, the rest kept as they are."""
    with tempfile.TemporaryDirectory(prefix="corpus-recalc-") as tmp:
        book.set_cached_values(computed_values(book.save(Path(tmp) / "book.xlsx")))


SAVED_BY = "财务科"
SAVED_AT = "2025-03-10T09:30:00Z"


def save_as_application(book: Book, by: str = SAVED_BY, at: str = SAVED_AT) -> None:
    """The document properties a spreadsheet application writes on save: last modified by its user, now."""
    core = book.tree("docProps/core.xml")
    for el in core.iter():
        if el.tag == _q("lastModifiedBy", CORE):
            el.text = by
        elif el.tag == _q("modified", DCTERMS):
            el.text = at


def build_base(directory: str | os.PathLike[str]) -> Path:
    """The seed example as a spreadsheet application saves it: every formula's result cached, and the document
    properties saying who saved it and when (the generator's own file says juesuan-xlsx, 2000-01-01)."""
    book = Book(SEED)
    book.set_cached_values(computed_values(SEED))
    save_as_application(book)
    return book.save(Path(directory) / "base.xlsx")


# ---------------------------------------------------------------------------------------------------------------
# The variants
# ---------------------------------------------------------------------------------------------------------------

T01, T02, T03, T04, T05, T06, T09 = "公开01表", "公开02表", "公开03表", "公开04表", "公开05表", "公开06表", "公开09表"
CHECKS = "校验"


@dataclass(frozen=True)
class Variant:
    name: str
    description: str
    build: Callable[[Book], Book | None]  # edits a copy of the base in place, or returns another book


VARIANTS: dict[str, Variant] = {}


Builder = Callable[[Book], Book | None]


def variant(name: str, description: str) -> Callable[[Builder], Builder]:
    def register(func: Builder) -> Builder:
        assert name not in VARIANTS, name
        VARIANTS[name] = Variant(name, description, func)
        return func

    return register


def _type_numbers(book: Book, cells: Mapping[tuple[str, str], str]) -> None:
    """Type numbers into cells (over formulas too) and recalculate."""
    for (title, ref), text in cells.items():
        book.set_number(title, ref, text)
    recalculate(book)


@variant("overwritten-subtotals",
         "公开01表 本年收入合计 (C33) and 公开02表 合计行 财政拨款收入 (D7) typed over with the printed 235.81")
def _overwritten(book: Book) -> None:
    _type_numbers(book, {(T01, "C33"): "235.81", (T02, "D7"): "235.81"})


@variant("overwritten-subtotal-wrong",
         "公开02表 合计行 本年收入合计 (C7) typed over with 300, which no row adds up to")
def _overwritten_wrong(book: Book) -> None:
    _type_numbers(book, {(T02, "C7"): "300"})


@variant("changed-input", "公开05表 2013201 行政运行 基本支出 (D10) 203.08 → 213.08, 公开03表 unchanged")
def _changed_input(book: Book) -> None:
    _type_numbers(book, {(T05, "D10"): "213.08"})


@variant("deleted-fixed-row",
         "公开06表 row 22 (30302 退休费 | 30217 公务接待费 0.08 | 31019) deleted, rows below moved up; references to "
         "it become #REF!, ranges over it shrink (Excel's adjustment)")
def _deleted_fixed_row(book: Book) -> None:
    book.delete_row(T06, 22)
    recalculate(book)


@variant("deleted-block-row",
         "公开03表 row 13 (2080501 行政单位离退休 0.12) deleted inside the code block: every range over the block "
         "shrinks by one")
def _deleted_block_row(book: Book) -> None:
    book.delete_row(T03, 13)
    recalculate(book)


@variant("deleted-blank-block-row",
         "a blank row of 公开03表's code block (row 30) deleted: ranges shrink, nothing else changes")
def _deleted_blank_block_row(book: Book) -> None:
    book.delete_row(T03, 30)
    # every formula result stays what it was (the cached values move up with their cells)


@variant("inserted-block-row",
         "a row inserted in 公开03表 at row 14 (inside the block, every range over it grows) holding code 2080506, a "
         "name and 基本支出 1.00, without the per-row formulas (Excel does not copy them)")
def _inserted_block_row(book: Book) -> None:
    book.insert_row(T03, 14)
    book.set_shared_string(T03, "A14", "2080506")
    book.set_shared_string(T03, "B14", "机关事业单位职业年金缴费支出")
    book.set_number(T03, "D14", "1")
    # no formula result changes: the new row has no level/parent helpers, so no SUMIF picks it up, and no
    # SUMIF over 公开03表's codes meets 2080506; the cached values move down with their cells


@variant("row-below-block",
         "a row inserted in 公开02表 just below the code block (row 68, outside every SUMIF range) with code 2080506 "
         "and 财政拨款收入 1.00")
def _row_below_block(book: Book) -> None:
    book.insert_row(T02, 68)
    book.set_shared_string(T02, "A68", "2080506")
    book.set_number(T02, "D68", "1")
    # no formula reads row 68: every cached value stays right


RENAMES = {T03: "支出决算表", T05: "05 一般公共预算", CHECKS: "勾稽校验", "字典": "科目字典"}
ORDER = [T09, "填表说明", T01, T03, T02]  # then the rest in their old order


@variant("renamed-reordered",
         "sheets renamed (公开03表 → 支出决算表, 公开05表 → '05 一般公共预算' (needs quotes), 校验 → 勾稽校验, "
         "字典 → 科目字典) and reordered (公开09表 first, 03 before 02); every formula and defined name follows")
def _renamed(book: Book) -> None:
    for old, new in RENAMES.items():
        book.rename_sheet(old, new)
    for i, title in enumerate(RENAMES.get(t, t) for t in ORDER):
        book.move_sheet(title, i)


@variant("text-number-shared", "公开06表 30101 基本工资 (C7) holds the text \"58.56\" (t=\"s\", as Excel stores a "
                               "number typed into a text-formatted cell)")
def _text_shared(book: Book) -> None:
    book.set_shared_string(T06, "C7", "58.56")
    recalculate(book)


@variant("text-number-fullwidth", "公开06表 C7 holds full-width digits \"５８．５６\" (inlineStr)")
def _text_fullwidth(book: Book) -> None:
    book.set_inline_string(T06, "C7", "５８．５６")
    recalculate(book)


@variant("text-number-grouped", "公开06表 C7 holds the text \"1,234.50\" (thousands separator)")
def _text_grouped(book: Book) -> None:
    book.set_shared_string(T06, "C7", "1,234.50")
    recalculate(book)


@variant("dash-in-amount", "公开06表 30215 会议费 (F20, typed 0) holds \"—\"")
def _dash(book: Book) -> None:
    book.set_shared_string(T06, "F20", "—")
    recalculate(book)


@variant("openpyxl-resave", "loaded and saved by openpyxl, which keeps formulas but drops every cached value")
def _openpyxl(book: Book) -> Book:
    import warnings

    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        wb = openpyxl.load_workbook(io.BytesIO(book.to_bytes()))
    buffer = io.BytesIO()
    wb.save(buffer)
    return Book(buffer.getvalue())


@variant("stale-cache", "the cached value of 公开01表 本年收入合计 (C33) changed from 235.81 to 200 (inputs unchanged)")
def _stale(book: Book) -> None:
    c = book.cell(T01, "C33")
    _set_cached(c, 200.0)


@variant("circular", "公开01表 本年收入合计 (C33) = SUM(C7:C14,C36): through 总计 (C36 = SUM(C33:C35)) it reads itself")
def _circular(book: Book) -> None:
    book.set_formula(T01, "C33", "SUM(C7:C14,C36)", 0.0)
    _set_cached(book.cell(T01, "C36"), 0.0)  # Excel shows 0 on a reference cycle


@variant("stale-cache-generator-props",
         "the stale 公开01表!C33 cache of stale-cache, in a file whose document properties still say juesuan-xlsx "
         "wrote it on 2000-01-01 (a tool that edits cells without touching docProps/core.xml)")
def _stale_generator(book: Book) -> None:
    _set_cached(book.cell(T01, "C33"), 200.0)
    book.write("docProps/core.xml", Book(SEED).read("docProps/core.xml"))


@variant("changed-formula-range",
         "公开01表 本年支出合计 (F33) = SUM(F7:F24) instead of SUM(F7:F32): the range stops above 221 住房保障支出")
def _changed_range(book: Book) -> None:
    book.set_formula(T01, "F33", "SUM(F7:F24)", 220.1)
    recalculate(book)


@variant("external-link",
         "公开06表 C7 = [1]Sheet1!$B$20, an external link stored the way Excel stores it (xl/externalLinks part, "
         "cached 58.56)")
def _external(book: Book) -> None:
    book.set_formula(T06, "C7", "[1]Sheet1!$B$20", 58.56)
    link = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<externalLink xmlns="{MAIN}" xmlns:r="{REL}"><externalBook r:id="rId1"><sheetNames>'
        '<sheetName val="Sheet1"/></sheetNames><sheetDataSet><sheetData sheetId="0"><row r="20">'
        '<cell r="B20"><v>58.56</v></cell></row></sheetData></sheetDataSet></externalBook></externalLink>'
    ).encode()
    link_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" Type="{EXT_PATH_TYPE}" '
        'Target="other.xlsx" TargetMode="External"/></Relationships>'
    ).encode()
    book.add_member("xl/externalLinks/externalLink1.xml", link)
    book.add_member("xl/externalLinks/_rels/externalLink1.xml.rels", link_rels)
    rels = book.tree("xl/_rels/workbook.xml.rels")
    rid = f"rId{len(rels) + 1}"
    etree.SubElement(rels, _q("Relationship", PKG_REL), Id=rid, Type=EXT_LINK_TYPE,
                     Target="externalLinks/externalLink1.xml")
    types = book.tree("[Content_Types].xml")
    etree.SubElement(types, _q("Override", CT), PartName="/xl/externalLinks/externalLink1.xml",
                     ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml")
    wb = book.workbook
    refs = etree.Element(_q("externalReferences"))
    etree.SubElement(refs, _q("externalReference")).set(_q("id", REL), rid)
    wb.find(_q("sheets")).addnext(refs)


@variant("external-link-literal", "公开06表 C7 = '[other.xlsx]Sheet1'!A1 written literally in the formula text")
def _external_literal(book: Book) -> None:
    book.set_formula(T06, "C7", "'[other.xlsx]Sheet1'!A1", 58.56)


@variant("indirect", "公开06表 C7 = INDIRECT(\"C8\")+37.83 (58.56, a dynamic reference) in an input cell")
def _indirect(book: Book) -> None:
    book.set_formula(T06, "C7", 'INDIRECT("C8")+37.83', 58.56)


@variant("today", "公开09表 预算 公务接待费 (F8) = IF(TODAY()>0,0.2,0), an unlisted function in an input cell")
def _today(book: Book) -> None:
    book.set_formula(T09, "F8", "IF(TODAY()>0,0.2,0)", 0.2)


@variant("formula-in-input", "公开06表 C7 = 50+8.56 (an allowed formula typed into an input cell, value unchanged)")
def _formula_input(book: Book) -> None:
    book.set_formula(T06, "C7", "50+8.56", 58.56)


@variant("three-decimals", "公开09表 预算 公务接待费 (F8) 0.2 → 0.145")
def _decimals(book: Book) -> None:
    _type_numbers(book, {(T09, "F8"): "0.145"})


@variant("negative", "公开09表 预算 因公出国（境）费 (B8) 0 → -0.2")
def _negative(book: Book) -> None:
    _type_numbers(book, {(T09, "B8"): "-0.2"})


@variant("unknown-code", "公开02表 A17 2210201 → 2210288, a code not in the dictionary (name left as typed)")
def _unknown(book: Book) -> None:
    book.set_shared_string(T02, "A17", "2210288")
    recalculate(book)


@variant("code-name-mismatch", "公开03表 B13: 2080501's name typed as 事业单位离退休 (the name of 2080502)")
def _name(book: Book) -> None:
    book.set_shared_string(T03, "B13", "事业单位离退休")


@variant("fund-code-in-05",
         "公开05表 row 18 (first blank row of the block): 2070904 地方旅游开发项目补助 (政府性基金) with 项目支出 5.00")
def _fund(book: Book) -> None:
    book.set_shared_string(T05, "A18", "2070904")
    book.set_shared_string(T05, "B18", "地方旅游开发项目补助")
    book.set_number(T05, "E18", "5")
    recalculate(book)


@variant("duplicate-code",
         "公开02表 2210201 住房公积金 split over two rows: row 17 15.00 and a second 2210201 in row 18 with 0.70 "
         "(sums unchanged)")
def _duplicate(book: Book) -> None:
    book.set_number(T02, "D17", "15")
    book.set_shared_string(T02, "A18", "2210201")
    book.set_number(T02, "D18", "0.7")
    recalculate(book)


@variant("amount-without-code", "公开03表 row 18 (first blank row of the block): 基本支出 5.00 typed, no code")
def _no_code(book: Book) -> None:
    _type_numbers(book, {(T03, "D18"): "5"})


def build_variant(name: str, base: str | os.PathLike[str], directory: str | os.PathLike[str]) -> Path:
    base = Path(base)
    book = Book(base)
    result = VARIANTS[name].build(book)
    return (result or book).save(Path(directory) / f"{name}.xlsx")


# ---------------------------------------------------------------------------------------------------------------
# Building and verifying the corpus in parallel
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One finding, in plain picklable form."""

    code: str
    level: str
    where: str
    message: str
    args: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Verified:
    name: str
    path: str
    build_seconds: float
    verify_seconds: float
    rows: tuple[Row, ...]


def build_and_verify(name: str, base: str, directory: str) -> Verified:
    """Build one file ("seed": the example as committed, "base", or a variant) and verify it once."""
    from juesuan_xlsx.verify import verify_file

    started = time.perf_counter()
    if name == "seed":
        path = SEED
    elif name == "base":
        path = Path(base)
    else:
        path = build_variant(name, base, directory)
    built = time.perf_counter()
    report = verify_file(path)
    rows = tuple(Row(f.code, f.level.value, f.where, f.message, tuple((k, str(v)) for k, v in f.args.items()))
                 for f in report.findings)
    return Verified(name, str(path), built - started, time.perf_counter() - built, rows)


def verify_corpus(directory: str | os.PathLike[str], names: list[str] | None = None) -> dict[str, Verified]:
    """Build the base, then build and verify ``names`` (default: "seed", "base" and every variant), each once.

    The base goes first: it warms the evaluator's caches (compiled formula shapes), which every later file with
    the same formulas reuses, so a file takes a second or two.
    """
    directory = str(directory)
    base = str(build_base(directory))
    names = names if names is not None else ["seed", "base", *VARIANTS]
    order = ["base", *(n for n in names if n != "base")]
    results = {name: build_and_verify(name, base, directory) for name in order}
    return {name: results[name] for name in names}


def build_corpus(directory: str | os.PathLike[str]) -> dict[str, Path]:
    """The base and every variant, written into ``directory``."""
    base = build_base(directory)
    out = {"base": base}
    for name in VARIANTS:
        out[name] = build_variant(name, base, directory)
    return out


def unchanged_members(a: Book, b: Book) -> set[str]:
    """Names of the members two books hold with identical bytes (for tests of the builders themselves)."""
    return {n for n in a.names() if n in b.names() and a.read(n) == b.read(n)}


