"""The whole 部门决算 document as .docx, in the structure of the layout's published document.

封面 → 目录 → 第一部分 部门概况 (说明 sheet) → 第二部分 the nine tables in the spec's order (landscape pages:
merged headers repeated on every page, the 公开NN表 label where the layout has one, 部门/单位：万元 line, notes, the
说明 line of an empty table) → 第三部分 情况说明 (the generated narrative) → 第四部分 名词解释
(templates/YEAR/mingci[-PROFILE].txt) → 第五部分 附件 (说明 sheet; a layout without one prints it only when there
is an attachment).  Headings, cover and sections come from the spec's ``[document]`` (:mod:`.document`): the seed's
structure for ``central``, the Shanghai template's for ``shanghai``.
A4, 宋体/黑体 for Chinese text (w:eastAsia), page numbers in the footer; a forced export carries 未通过校验 on the
cover and in the header of every page.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from ..narrative.document import DocumentSpec, document_spec
from ..narrative.inputs import NarrativeInputs
from ..narrative.text import Figure, Missing, Paragraph, Section, UserText
from ..narrative.values import WorkbookValues
from ..resources import templates_dir
from ..spec import chinese_ordinal
from .tables import STAMP, STAMP_NOTE, PubTable, header_merges, publication_tables

SONG, HEI, LATIN = "宋体", "黑体", "Times New Roman"
RED = RGBColor(0xC0, 0x00, 0x00)
BLACK = RGBColor(0, 0, 0)
A4 = (Cm(21.0), Cm(29.7))
EMU_PER_PT = 12700
TABLE_SIZES = (9.0, 8.5, 8.0, 7.5, 7.0, 6.5, 6.0)  # type sizes a table may be set in to fit its page
CELL_LINE = 1.25  # a table line's height, in type sizes (exact line spacing of every cell)
ROW_EXTRA_PT = 1.0  # border and rounding, per row
HEADER_LINES = 2  # a header row may wrap (merged titles over narrow columns)
SAFETY_PT = 18.0  # the page break's paragraph and what the estimate cannot see
MISSING_HINT = "（未填写）"


def mingci_text(year: int, profile: str = "central") -> str:
    """The default 名词解释 of a year and layout: ``mingci-PROFILE.txt`` of that year or the nearest earlier year
    that has one, else ``mingci.txt`` likewise (Shanghai's template has a glossary of its own)."""
    root = templates_dir()
    for name in (f"mingci-{profile}.txt", "mingci.txt"):
        years = sorted((int(p.parent.name) for p in root.glob(f"*/{name}") if p.parent.name.isdigit()), reverse=True)
        chosen = next((y for y in years if y <= year), years[-1] if years else None)
        if chosen is not None:
            return (root / str(chosen) / name).read_text(encoding="utf-8")
    return ""


def mingci_paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def write_docx(values: WorkbookValues, inputs: NarrativeInputs, sections: Sequence[Section], path: Path, *,
               stamped: bool = False, mingci: str | None = None, document: DocumentSpec | None = None) -> None:
    text = mingci if mingci is not None else mingci_text(values.year, values.profile)
    _Writer(values, inputs, sections, stamped, text,
            document or document_spec(values.year, values.profile)).write(path)


class _Writer:
    def __init__(self, values: WorkbookValues, inputs: NarrativeInputs, sections: Sequence[Section], stamped: bool,
                 mingci: str, document: DocumentSpec) -> None:
        self.v, self.i, self.sections, self.stamped, self.mingci = values, inputs, sections, stamped, mingci
        self.d = document
        self.doc: Any = Document()
        self.year = values.year
        self.dept = values.dept or "（部门名称未填写）"

    def _t(self, template: str) -> str:
        return self.d.text(template, self.year, self.dept)

    @property
    def part_titles(self) -> tuple[str, str, str]:
        return (f"第一部分 {self._t(self.d.overview_title)}", f"第二部分 {self._t(self.d.tables_title)}",
                f"第三部分 {self._t(self.d.narrative_title)}")

    @property
    def annex(self) -> bool:
        """第五部分 附件: always in the seed's structure; in a layout without it, only when there is an attachment."""
        return self.d.annex or bool(str(self.i.attachments or "").strip())

    def write(self, path: Path) -> None:
        doc = self.doc
        self._styles()
        props = doc.core_properties
        props.title = f"{self.year}年度{self.dept}部门决算" + (f"（{STAMP}）" if self.stamped else "")
        props.author = "juesuan-xlsx"
        props.comments = STAMP_NOTE if self.stamped else ""
        self._page(doc.sections[0], landscape=False)
        self._header_footer(doc.sections[0])
        self._cover()
        self._contents()
        self._part_one()
        self._part_two()
        self._part_three()
        self._part_four()
        if self.annex:
            self._part_five()
        doc.save(str(path))

    # -- styles and pages ------------------------------------------------------------------------------------
    def _styles(self) -> None:
        styles = self.doc.styles
        normal = styles["Normal"]
        _font(normal, SONG, 12)
        normal.paragraph_format.space_after = Pt(0)
        normal.paragraph_format.line_spacing = 1.25
        for name, size in (("Heading 1", 16), ("Heading 2", 14), ("Heading 3", 12), ("Title", 26)):
            style = styles[name]
            _font(style, HEI, size, bold=name != "Title")
            style.font.color.rgb = BLACK
            style.paragraph_format.space_before = Pt(12 if name != "Heading 3" else 6)
            style.paragraph_format.space_after = Pt(6)
        styles["Heading 1"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _east_asian_language(self.doc)

    def _page(self, section: Any, landscape: bool) -> None:
        width, height = A4
        section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = (height, width) if landscape else (width, height)
        margin = Cm(1.8) if landscape else Cm(2.5)
        section.left_margin = section.right_margin = margin
        section.top_margin = section.bottom_margin = Cm(2.0) if landscape else Cm(2.54)

    def _header_footer(self, section: Any) -> None:
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        footer.add_run("第 ")
        _page_field(footer)
        footer.add_run(" 页")
        if self.stamped:
            header = section.header.paragraphs[0]
            header.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = header.add_run(f"{STAMP}：{STAMP_NOTE}")
            _run_font(run, HEI, 10, bold=True, color=RED)

    def _new_section(self, landscape: bool) -> None:
        from docx.enum.section import WD_SECTION

        section = self.doc.add_section(WD_SECTION.NEW_PAGE)
        self._page(section, landscape)

    # -- parts -------------------------------------------------------------------------------------------------
    def _para(self, text: str = "", *, align: Any = None, font: str | None = None, size: float | None = None,
              bold: bool | None = None, color: RGBColor | None = None, indent: bool = False) -> Any:
        p = self.doc.add_paragraph()
        if align is not None:
            p.alignment = align
        if indent:
            p.paragraph_format.first_line_indent = Pt(24)
        if text:
            run = p.add_run(text)
            if font or size or bold is not None or color is not None:
                _run_font(run, font or SONG, size, bold=bold, color=color)
        return p

    def _page_break(self) -> None:
        """A break at the end of the last paragraph (a paragraph of its own could spill onto an empty page)."""
        self.doc.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)

    def _cover(self) -> None:
        for _ in range(6):
            self._para()
        small, large = self.d.cover
        self._para(self._t(small), align=WD_ALIGN_PARAGRAPH.CENTER, font=HEI, size=22)
        self._para()
        self._para(self._t(large), align=WD_ALIGN_PARAGRAPH.CENTER, font=HEI, size=36, bold=True)
        if self.stamped:
            self._para()
            self._para(f"（{STAMP}）", align=WD_ALIGN_PARAGRAPH.CENTER, font=HEI, size=22, bold=True, color=RED)
            self._para(STAMP_NOTE, align=WD_ALIGN_PARAGRAPH.CENTER, size=12, color=RED)
        self._page_break()

    def _contents(self) -> None:
        self._para("目  录", align=WD_ALIGN_PARAGRAPH.CENTER, font=HEI, size=18)
        self._para()
        one, two, three = self.part_titles
        duty, organization = self.d.overview
        lines: list[tuple[str, int]] = [(one, 0), (f"一、{duty}", 1), (f"二、{organization}", 1), (two, 0)]
        lines += [(f"{chinese_ordinal(k + 1)}、{t.title}", 1) for k, t in enumerate(self.v.spec.tables)]
        lines.append((three, 0))
        lines += [(s.title, 1) for s in self.sections]
        lines.append(("第四部分 名词解释", 0))
        if self.annex:
            lines.append(("第五部分 附件", 0))
        for text, level in lines:
            p = self._para(text, font=HEI if level == 0 else SONG, size=14 if level == 0 else 12)
            if level:
                p.paragraph_format.left_indent = Pt(24)
        self._page_break()

    def _heading(self, text: str, level: int) -> None:
        self.doc.add_heading(text, level)

    def _user(self, key: str, optional_text: str | None = None) -> None:
        value = getattr(self.i, key)
        lines = [ln.strip() for ln in str(value or "").splitlines() if ln.strip()]
        if not lines:
            if optional_text is not None:
                self._para(optional_text, indent=True)
            else:
                self._missing_para()
            return
        for line in lines:
            self._para(line, indent=True)

    def _missing_para(self) -> None:
        p = self._para(indent=True)
        _run_font(p.add_run(MISSING_HINT), SONG, None, color=RED)

    def _part_one(self) -> None:
        duty, organization = self.d.overview
        self._heading(self.part_titles[0], 1)
        self._heading(f"一、{duty}", 2)
        self._user("duty")
        self._heading(f"二、{organization}", 2)
        self._user("organization")

    def _part_two(self) -> None:
        """The part's title on a page of its own (as the seed prints it), then each table on a page of its own,
        landscape, its type size chosen so that it fits on that page (:meth:`_fit`) as the printed original does."""
        self._new_section(landscape=True)
        self._heading(self.part_titles[1], 1)
        self._page_break()
        tables = publication_tables(self.v)
        for k, pt in enumerate(tables):
            self._table(pt)
            if k + 1 < len(tables):
                self._page_break()

    def _fit(self, pt: PubTable) -> float:
        """The largest type size (of :data:`TABLE_SIZES`) at which the table, its title, 部门/单位 line and notes
        fit on one landscape page; the smallest when even that does not (the header rows then repeat)."""
        section = self.doc.sections[-1]
        height = (section.page_height - section.top_margin - section.bottom_margin) / EMU_PER_PT
        width = (section.page_width - section.left_margin - section.right_margin) / EMU_PER_PT
        lines = [*pt.notes, *([pt.empty_note] if pt.empty_note else [])]
        fixed = 16 * 1.25 + 6 + (12.5 if pt.label else 0) + 12.5 + SAFETY_PT
        fixed += sum(9 * 1.25 * -(-len(text) * 9 // int(width)) for text in lines)
        start = 8.0 if pt.width >= 9 else 9.0
        for size in (s for s in TABLE_SIZES if s <= start):
            line = size * CELL_LINE + ROW_EXTRA_PT
            if fixed + len(pt.header) * HEADER_LINES * line + len(pt.rows) * line <= height:
                return size
        return TABLE_SIZES[-1]

    def _table(self, pt: PubTable) -> None:
        table = pt.table
        self._para(pt.title(self.stamped), align=WD_ALIGN_PARAGRAPH.CENTER, font=HEI, size=16, bold=True,
                   color=RED if self.stamped else None)
        if pt.label:
            self._para(pt.label, align=WD_ALIGN_PARAGRAPH.RIGHT, size=10)
        usable = self.doc.sections[-1].page_width - self.doc.sections[-1].left_margin \
            - self.doc.sections[-1].right_margin
        line = self._para(size=10)
        line.paragraph_format.tab_stops.add_tab_stop(usable, WD_TAB_ALIGNMENT.RIGHT)
        dept = f"部门：{pt.dept}" if self.d.dept_line else ""
        _run_font(line.add_run(f"{dept}\t{pt.unit}"), SONG, 10)
        size = self._fit(pt)
        head = len(pt.header)
        grid = self.doc.add_table(rows=head + len(pt.rows), cols=pt.width)
        grid.style = self.doc.styles["Table Grid"]
        grid.alignment = WD_TABLE_ALIGNMENT.CENTER
        grid.autofit = False
        widths = table.widths or (10,) * pt.width
        total = sum(widths)
        col_widths = [int(usable * w / total) for w in widths]
        # every cell fetched once: python-docx's table.cell(r, c) rescans the whole table on each call
        cells = [list(row.cells) for row in grid.rows]
        for c, width in enumerate(col_widths):
            grid.columns[c].width = width
            for row_cells in cells:
                row_cells[c].width = width
        for r1, c1, r2, c2, text in header_merges(pt.header):
            cell = cells[r1][c1]
            if (r2, c2) != (r1, c1):
                cell = cell.merge(cells[r2][c2])
            _cell_text(cell, text, size, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        for r in range(head):
            _repeat_header(grid.rows[r])
        for i, row in enumerate(pt.rows):
            r = head + i
            bold = row.kind in ("total", "class")
            for c, pc in enumerate(row.cells):
                if row.merge_label and c == 1:
                    continue
                cell = cells[r][c]
                if row.merge_label and c == 0:
                    cell = cell.merge(cells[r][1])
                    _cell_text(cell, pc.text, size, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
                elif pc.is_amount:
                    _cell_text(cell, pc.display, size, bold=bold, align=WD_ALIGN_PARAGRAPH.RIGHT)
                else:
                    align = WD_ALIGN_PARAGRAPH.CENTER if pc.centered else WD_ALIGN_PARAGRAPH.LEFT
                    _cell_text(cell, pc.text, size, bold=bold and not pc.centered, align=align)
        if pt.empty_note:
            self._para(pt.empty_note, size=10)
        for note in pt.notes:
            self._para(note, size=9)

    def _part_three(self) -> None:
        self._new_section(landscape=False)
        self._heading(self.part_titles[2], 1)
        for section in self.sections:
            self._heading(section.title, 2)
            for paragraph in section.paragraphs:
                self._narrative(paragraph)

    def _narrative(self, paragraph: Paragraph) -> None:
        if paragraph.style == "subheading":
            self._heading(paragraph.text, 3)
            return
        p = self._para(indent=True)
        for part in paragraph.parts:
            if isinstance(part, Missing):
                _run_font(p.add_run(part.text), SONG, None, color=RED)
            elif isinstance(part, Figure | UserText):
                p.add_run(part.text)
            elif part:
                p.add_run(part)

    def _part_four(self) -> None:
        self._page_break()
        self._heading("第四部分 名词解释", 1)
        for line in mingci_paragraphs(self.mingci):
            self._para(line, indent=True)

    def _part_five(self) -> None:
        self._page_break()
        self._heading("第五部分 附件", 1)
        self._user("attachments", optional_text="无。")


# ---------------------------------------------------------------------------------------------------------------
# python-docx helpers


def _set_fonts(rpr_owner: Any, east_asian: str) -> None:
    """ASCII in Times New Roman, Chinese in ``east_asian``; theme fonts removed (they would win in Word)."""
    rpr = rpr_owner.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), LATIN)
    fonts.set(qn("w:hAnsi"), LATIN)
    fonts.set(qn("w:eastAsia"), east_asian)


def _font(style: Any, east_asian: str, size: float | None = None, bold: bool | None = None) -> None:
    _set_fonts(style.element, east_asian)
    if size is not None:
        style.font.size = Pt(size)
    if bold is not None:
        style.font.bold = bold


def _run_font(run: Any, east_asian: str, size: float | None, *, bold: bool | None = None,
              color: RGBColor | None = None) -> None:
    _set_fonts(run._element, east_asian)
    if size is not None:
        run.font.size = Pt(size)
    if bold is not None:
        run.bold = bold
    if color is not None:
        run.font.color.rgb = color


def _east_asian_language(doc: Any) -> None:
    rpr = doc.styles.element.find(qn("w:docDefaults"))
    if rpr is None:
        return
    run_defaults = rpr.find(qn("w:rPrDefault"))
    target = run_defaults.find(qn("w:rPr")) if run_defaults is not None else None
    if target is None:
        return
    lang = target.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        target.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")


def _cell_text(cell: Any, text: str, size: float, *, bold: bool = False, align: Any = None) -> None:
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    p = cell.paragraphs[0]
    for extra in cell.paragraphs[1:]:  # merging keeps the paragraphs of every merged cell
        extra._element.getparent().remove(extra._element)
    for run in list(p.runs):
        run._element.getparent().remove(run._element)
    # exact line height for the type size, and the paragraph mark at that size too: an empty cell would
    # otherwise be as tall as a line of the 12 pt Normal style, and the table would not fit where _fit says
    p.paragraph_format.line_spacing = Pt(size * CELL_LINE)
    p.paragraph_format.space_before = p.paragraph_format.space_after = Pt(0)
    ppr = p._p.get_or_add_pPr()
    mark = ppr.find(qn("w:rPr"))
    if mark is None:
        mark = OxmlElement("w:rPr")
        ppr.append(mark)
    for tag in ("w:sz", "w:szCs"):
        node = mark.find(qn(tag))
        if node is None:
            node = OxmlElement(tag)
            mark.append(node)
        node.set(qn("w:val"), str(int(size * 2)))
    if align is not None:
        p.alignment = align
    if text:
        run = p.add_run(text)
        _run_font(run, SONG, size, bold=bold)


def _repeat_header(row: Any) -> None:
    props = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    props.append(flag)


def _page_field(paragraph: Any) -> None:
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)
