"""The nine tables as a publication workbook: values, not formulas; no input tints, protection, helper columns,
填表说明/说明/校验/字典 sheets; print-ready (A4 landscape, one page wide, header rows repeated, page numbers).

Each sheet: the title, the 公开NN表 label where the layout prints one, the 部门/单位 line (单位 only where the layout's
``[document]`` says ``dept_line = false``), the header, the rows, the notes; nothing else is left blank in between.
Without a 部门 line the printed page header names the department instead (the heading of 第二部分, e.g.
"上海市某某局2024年度部门决算表"), so that a sheet printed alone still says whose tables these are."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xlsxwriter.workbook import Workbook

from .. import __version__
from ..atomic import XLSX_OPTIONS, close_xlsx
from ..contract import CREATED, OUTPUT_PROPERTY
from ..narrative.document import document_spec
from ..narrative.values import WorkbookValues
from .tables import STAMP, STAMP_NOTE, PubTable, header_merges, publication_tables

AMOUNT = "#,##0.00"
TITLE_ROW = 0


def write_xlsx(values: WorkbookValues, path: Path, *, stamped: bool = False) -> None:
    """Write the publication workbook to ``path`` (the caller makes it atomic)."""
    wb = Workbook(str(path), XLSX_OPTIONS)
    title = f"{values.year}年度{values.dept}部门决算公开表" + (f"（{STAMP}）" if stamped else "")
    wb.set_properties({"title": title, "subject": values.dept or "部门决算", "author": "juesuan-xlsx",
                       "comments": (STAMP_NOTE if stamped else f"juesuan-xlsx {__version__}"), "created": CREATED})
    wb.set_custom_property(OUTPUT_PROPERTY, "export", "text")  # a publication, not a return: verify . skips it
    fmt = _formats(wb)
    doc = document_spec(values.year, values.profile)
    heading = "" if doc.dept_line else doc.text(doc.tables_title, values.year, values.dept or "（部门名称未填写）")
    for table in publication_tables(values):
        _sheet(wb, table, fmt, stamped, doc.dept_line, heading)
    close_xlsx(wb)


def _sheet(wb: Workbook, pt: PubTable, fmt: dict[str, Any], stamped: bool, dept_line: bool, heading: str) -> None:
    table = pt.table
    ws = wb.add_worksheet(table.sheet)
    for col, width in enumerate(table.widths):
        ws.set_column(col, col, width)
    last = pt.width - 1
    ws.merge_range(TITLE_ROW, 0, TITLE_ROW, last, pt.title(stamped), fmt["title"])
    line = TITLE_ROW + 1
    if stamped or pt.label:  # a layout without labels (shanghai) has no row for one
        if stamped:
            ws.merge_range(line, 0, line, max(0, last - 1), STAMP_NOTE, fmt["stamp"])
        if pt.label:
            ws.write_string(line, last, pt.label, fmt["label"])
        line += 1
    if dept_line:
        ws.merge_range(line, 0, line, max(1, last // 2), f"部门：{pt.dept}", fmt["plain"])
    ws.write_string(line, last, pt.unit, fmt["right"])
    header_row = line + 1
    heights = [15.0] * len(pt.header)
    for r1, c1, r2, c2, text in header_merges(pt.header):
        if (r1, c1) == (r2, c2):
            ws.write_string(header_row + r1, c1, text, fmt["header"])
        else:
            ws.merge_range(header_row + r1, c1, header_row + r2, c2, text, fmt["header"])
        span = sum(table.widths[c1:c2 + 1]) if table.widths else 10 * (c2 - c1 + 1)
        lines = -(-len(text.replace(" ", "")) * 2 // max(span - 1, 1))  # wrapped lines of CJK text
        per_row = 14.0 * lines / (r2 - r1 + 1)
        for r in range(r1, r2 + 1):
            heights[r] = max(heights[r], per_row)
    for r, height in enumerate(heights):
        ws.set_row(header_row + r, height)
    data_row = header_row + len(pt.header)
    for i, row in enumerate(pt.rows):
        r = data_row + i
        bold = row.kind in ("total", "class")
        for c, cell in enumerate(row.cells):
            if row.merge_label and c == 1:
                continue
            if cell.is_amount:
                style = fmt["amount_bold" if bold else "amount"]
                if cell.display:
                    ws.write_number(r, c, float(cell.display), style)
                else:
                    ws.write_blank(r, c, None, style)
            elif row.merge_label and c == 0:
                ws.merge_range(r, 0, r, 1, cell.text, fmt["total_label"])
            elif cell.centered:
                ws.write_string(r, c, cell.text, fmt["line"])
            else:
                ws.write_string(r, c, cell.text, fmt["text_bold" if bold else "text"])
    r = data_row + len(pt.rows)
    span = sum(table.widths) or 80
    for text, style in ([(pt.empty_note, "empty_note")] if pt.empty_note else []) + [(n, "note") for n in pt.notes]:
        ws.merge_range(r, 0, r, last, text, fmt[style])
        lines = -(-len(text) * 2 // span)  # a CJK character is about two column-width units wide
        if lines > 1:
            ws.set_row(r, 14 * lines)  # merged cells do not grow by themselves
        r += 1
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(header_row, data_row - 1)
    ws.center_horizontally()
    ws.set_margins(left=0.5, right=0.5, top=0.75, bottom=0.75)
    ws.set_footer("&C第 &P 页，共 &N 页")
    header = f"&L{heading.replace('&', '&&')}" if heading else ""  # & starts a header code: a literal one is &&
    if stamped:
        header += f"&C&\"宋体,加粗\"&KFF0000{STAMP}"
    if header:
        ws.set_header(header)
    ws.hide_gridlines(2)


def _formats(wb: Workbook) -> dict[str, Any]:
    base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter"}
    border = {"border": 1}

    def f(**props: Any) -> Any:
        return wb.add_format({**base, **props})

    return {
        "title": f(bold=True, font_size=16, align="center", font_name="黑体"),
        "stamp": f(bold=True, font_color="#C00000"),
        "label": f(align="right"),
        "plain": f(),
        "right": f(align="right"),
        "header": f(bold=True, align="center", text_wrap=True, **border),
        "text": f(text_wrap=True, **border),
        "text_bold": f(text_wrap=True, bold=True, **border),
        "total_label": f(bold=True, align="center", **border),
        "line": f(align="center", **border),
        "amount": f(num_format=AMOUNT, **border),
        "amount_bold": f(num_format=AMOUNT, bold=True, **border),
        "note": f(font_size=9, text_wrap=True),
        "empty_note": f(text_wrap=True),
    }
