"""``juesuan-xlsx new``: the nine 公开 tables as one workbook with live formulas, a 填表说明 and a 校验 sheet.

A view of the spec: every formula cell is the left side of a ``formula`` equation, every 校验 line a ``check``
equation, every per-row status a per-row check of a free-entry table.  Nothing here knows a relation by name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from . import __version__
from .atomic import XLSX_OPTIONS, atomic_output, close_xlsx
from .codes import CodeError, Dictionary, check_func_code, expand_codes
from .contract import (
    CHECK_CODENAME,
    CHECK_SHEET,
    CREATED,
    DEPT_LABEL,
    DEPT_PROPERTY,
    DICT_CODENAME,
    DICT_SHEET,
    GENERATOR,
    GUIDE_CODENAME,
    GUIDE_SHEET,
    MARKER_PROPERTY,
    MODE_PROPERTY,
    SOURCES_COUNT_PROPERTY,
    SOURCES_PROPERTY,
    UNIT_PROPERTY,
    UNKNOWN_NAME,
    VERSION_PROPERTY,
    VIEW_CODENAME_SUFFIX,
    WAN,
    YUAN,
    view_sheet,
)
from .engine import Status
from .layout import DEPT_ROW, HEADER_ROW, LABEL_ROW, TITLE_ROW, TableLayout, layout_all
from .model import Cell, CodeRow, CodeTable, Instance
from .narrative.shuoming import table_names, write_shuoming_sheet
from .plan import CHECK_FIRST_ROW, Plan, Planned, make_plan, status
from .spec import SUM_ROW, Spec, Table, header_merges
from .xlformula import Renderer

AMOUNT = "#,##0.00"
STATUS_FORMAT = '[=0]"";[=1]"尾差";"不符"'
VIEW_SUFFIX_LABEL = "（万元）"
YUAN_NOTES = (
    "本工作簿按“元”填写（保留两位小数），各合计按元精确计算，校验不设尾差：每条关系都必须严格相等。",
    "工作簿末尾另有各表的“（万元）”表（灰色标签），按四舍五入把元换算为万元，即公开时报表软件打印的数；它只读，不需要填写。",
    "公开时用 juesuan-xlsx export --balanced：各数在万元上向上或向下取整到分，"
    "使所有合计与表间关系在公开数上也严格相等。",
)
CHECK_COLUMNS = ("序号", "校验编码", "关系", "左方金额", "右方金额", "差额", "允许尾差", "状态", "提示")


@dataclass(frozen=True)
class FilledRow:
    code: str
    name: str | None = None
    amounts: Mapping[str, Decimal | str] = field(default_factory=dict)  # str: typed as text


@dataclass(frozen=True)
class Filling:
    """Figures typed into a template's input cells (the examples, tests, and merge)."""

    cells: Mapping[Cell, Decimal | str] = field(default_factory=dict)  # str: typed as text
    rows: Mapping[str, list[FilledRow]] = field(default_factory=dict)


@dataclass(frozen=True)
class Options:
    dept: str = ""
    codes: tuple[str, ...] | None = None  # None: free-entry rows
    dictionary: Dictionary | None = None  # 功能分类, with the user's additions
    filling: Filling | None = None
    shuoming: Any = None  # NarrativeInputs pre-filled into the 说明 sheet (examples, merge); None: blank
    sources: tuple[str, ...] = ()  # the units' returns a merged workbook sums (their rounding gaps add up)
    unit: str = WAN  # YUAN: figures typed in 元, exact totals, and a 万元 view of each table (contract.view_sheet)


def build_instance(spec: Spec, options: Options) -> Instance:
    """Free-entry rows, or the --codes rows (类/款 added) split by fund into 02/03 and 05/07/08."""
    dictionary = options.dictionary or spec.gongneng
    if options.codes is None:
        inst = Instance.free(spec)
        if options.filling is not None:  # room for every filled row plus the usual blank ones
            for tid, rows in options.filling.rows.items():
                table = spec.table(tid)
                need = max(table.free_rows, len(rows) + 20)
                inst.code_tables[tid] = CodeTable([CodeRow(f"#{i + 1}", None) for i in range(need)], True)
        return inst
    check_template_codes(spec, options.codes, dictionary)
    full = expand_codes(options.codes)
    per_table: dict[str, list[tuple[str, str]]] = {}
    for table in spec.tables:
        if table.kind != "codes":
            continue
        wanted = full if table.fund is None else [c for c in full if table.fund in _funds_of(c, full, dictionary)]
        per_table[table.id] = [(c, dictionary.name(c) or "") for c in wanted]
    return Instance.fixed(spec, per_table)


def check_template_codes(spec: Spec, codes: Iterable[str], dictionary: Dictionary) -> None:
    """Refuse codes a fixed-row template cannot work with (CodeError, naming each code):

    - a 类 or 款 with no 项 below it among the codes: its row would be a formula summing nothing (=0), with no
      cell to type its amount in — the template's 类/款 rows add up their 项 rows;
    - a code whose 类 is not one of the layout's 类 rows of the 收入支出决算总表 and 财政拨款收入支出决算总表: its
      amounts would reach the code tables' 合计 but no 类 row there, so the workbook could never balance."""
    codes = [check_func_code(c) for c in codes]
    problems: list[str] = []
    outside = sorted({c for c in codes if c[:3] not in spec.class_codes})
    if outside:
        classes = f"{spec.class_codes[0]}—{spec.class_codes[-1]} 共 {len(spec.class_codes)} 个"
        problems.append(f"科目 {'、'.join(outside)} 所属的类不在本表样的类级科目中（{classes}），"
                        "收入支出决算总表无法与之平衡，请核对编码")
    for code in sorted({c for c in codes if len(c) < 7 and c[:3] in spec.class_codes}):
        if not any(len(c) == 7 and c.startswith(code) for c in codes):
            known = [c for c in sorted(dictionary.entries) if len(c) == 7 and c.startswith(code)][:3]
            hint = f"，如 {'、'.join(known)}" if known else ""
            level = "类" if len(code) == 3 else "款"
            problems.append(f"科目 {code} 是{level}级编码，却没有给出它下面的项级（7 位）科目{hint}："
                            "类、款行由公式汇总其项级科目，只给类、款会生成一行无法填写的 0")
    if problems:
        raise CodeError("；".join(problems) + "。")


def _funds_of(code: str, full: list[str], dictionary: Dictionary) -> set[str]:
    """The fund tables a code's row belongs in: a 项 its own fund's; a 类/款 every fund of a 项 under it (a 类 can
    hold 一般 and 基金 项, and each fund table needs the 类 row its 项 add up to)."""
    if len(code) == 7:
        return {dictionary.fund(code)}
    return {dictionary.fund(c) for c in full if len(c) == 7 and c.startswith(code)} or {dictionary.fund(code)}


def generate(spec: Spec, path: str | Path, options: Options = Options(), *, overwrite: bool = False) -> Path:
    """Write the workbook atomically; an existing file is kept unless ``overwrite``."""
    inst = build_instance(spec, options)
    inst.set_unit(options.unit, len(options.sources))
    with atomic_output(Path(path), overwrite=overwrite) as tmp:
        _Writer(spec, inst, options, tmp).write()
    return Path(path)


class _Writer:
    def __init__(self, spec: Spec, inst: Instance, options: Options, path: Path) -> None:
        self.spec, self.inst, self.options = spec, inst, options
        self.dictionary = options.dictionary or spec.gongneng
        self.wb = Workbook(str(path), XLSX_OPTIONS)
        self.layouts = layout_all(inst)
        self.plan: Plan = make_plan(inst, self.layouts, len(self.dictionary.entries))
        self.fmt = _formats(self.wb)
        self.filling = options.filling or Filling()
        self.fixed = options.codes is not None

    def write(self) -> None:
        wb = self.wb
        wb.set_properties({"title": self.spec.title, "subject": self.options.dept or "部门决算",
                           "author": GENERATOR, "comments": f"juesuan-xlsx {__version__}", "created": CREATED})
        dept = self.options.dept or ""  # a custom property holds 255 characters; the 部门 cells hold the whole name
        for name, value in ((MARKER_PROPERTY, self.spec.key), (MODE_PROPERTY, "fixed" if self.fixed else "free"),
                            (DEPT_PROPERTY, dept if len(dept) <= 255 else dept[:254] + "…"),
                            (VERSION_PROPERTY, __version__)):
            wb.set_custom_property(name, value, "text")
        if self.inst.unit == YUAN:
            wb.set_custom_property(UNIT_PROPERTY, YUAN, "text")
        if self.options.sources:
            names = "；".join(Path(s).name for s in self.options.sources)
            wb.set_custom_property(SOURCES_PROPERTY, names if len(names) <= 255 else names[:254] + "…", "text")
            wb.set_custom_property(SOURCES_COUNT_PROPERTY, len(self.options.sources), "number_int")
        self._guide()
        for table in self.spec.tables:
            self._table(table, self.layouts[table.id])
        write_shuoming_sheet(self.wb, self.fmt, self.options.shuoming, table_names(self.spec.tables))
        self._checks()
        if self.inst.unit == YUAN:
            for table in self.spec.tables:
                self._view(table, self.layouts[table.id])
        self._dictionary()
        wb.set_calc_mode("auto")
        close_xlsx(wb)

    # -- 填表说明 -----------------------------------------------------------------------------------------------
    def _guide(self) -> None:
        ws = self.wb.add_worksheet(GUIDE_SHEET)
        ws.set_vba_name(GUIDE_CODENAME)
        ws.set_column(0, 0, 110)
        ws.write_string(0, 0, self.spec.title, self.fmt["title"])
        where = f"{self.spec.tables[0].display_name}第 {DEPT_ROW + 1} 行“部门：”右侧的浅黄色单元格"
        ws.write_string(1, 0, f"部门：{self.options.dept}" if self.options.dept else f"部门：（请在{where}填写）")
        ws.write_string(2, 0, f"模板：{self.spec.year} 年 {self.spec.layout_name}，juesuan-xlsx {__version__}"
                        f"（{'按指定科目生成' if self.fixed else '科目自由填写'}）", self.fmt["muted"])
        lines = self.spec.instructions.splitlines()
        if self.inst.unit == YUAN:
            lines = [line.replace("金额单位：万元", "金额单位：元") for line in lines] + ["", *YUAN_NOTES]
        if self.options.sources:
            count = len(self.options.sources)
            how = "按元精确汇总，不设尾差" if self.inst.unit == YUAN else "允许尾差按单位数相应放宽"
            lines += ["", f"本工作簿由以下 {count} 个单位的报表汇总生成（{how}）："]
            lines += [f"    {Path(s).name}" for s in self.options.sources]
        for i, line in enumerate(lines):
            ws.write_string(4 + i, 0, line, self.fmt["wrap"])
        ws.protect("", {"format_columns": True})
        ws.activate()

    # -- one table -------------------------------------------------------------------------------------------
    def _table(self, table: Table, lay: TableLayout) -> None:
        ws = self.wb.add_worksheet(table.sheet)
        ws.set_vba_name(table.codename)
        fmt = self.fmt
        for col, width in enumerate(table.widths):
            ws.set_column(col, col, width)
        last = lay.width - 1
        ws.merge_range(TITLE_ROW, 0, TITLE_ROW, last, table.title, fmt["title"])
        if table.label_visible:
            ws.write_string(LABEL_ROW, last, table.label, fmt["label"])
        # 部门： and the name typed beside it (an input: the reader takes the name from here, DEPT_LABEL)
        ws.write_string(DEPT_ROW, 0, DEPT_LABEL, fmt["plain"])
        end = max(1, last - 1)
        if end > 1:
            ws.merge_range(DEPT_ROW, 1, DEPT_ROW, end, self.options.dept, fmt["dept"])
        else:
            ws.write_string(DEPT_ROW, 1, self.options.dept, fmt["dept"])
        ws.write_string(DEPT_ROW, last, self._unit_label(), fmt["right"])
        _header(ws, table.header, HEADER_ROW, fmt["header"])
        if lay.status_col is not None:
            ws.merge_range(HEADER_ROW, lay.status_col, lay.data_row - 1, lay.status_col, "校验", fmt["header"])
            ws.set_column(lay.status_col, lay.status_col, 7)
        if lay.level_col is not None and lay.parent_col is not None:
            ws.write_string(lay.data_row - 1, lay.level_col, "级次", fmt["header"])
            ws.write_string(lay.data_row - 1, lay.parent_col, "上级科目", fmt["header"])
            ws.set_column(lay.level_col, lay.parent_col, 8, None, {"hidden": True})
        if table.kind == "grid":  # a bordered grid, also where a panel is shorter than its neighbours
            for row in range(lay.data_row, lay.end_row):
                for col in range(table.width):
                    ws.write_blank(row, col, None, fmt["text"])
        for (row, col), text in lay.labels.items():
            name = _panel_field(table, col) if table.kind == "grid" else ""
            style = "code" if name == "code" else "line" if name == "line" else "text"
            ws.write_string(row, col, text, fmt[style])
        if table.kind == "codes":
            ws.merge_range(lay.sum_line, 0, lay.sum_line, 1, "合计", fmt["total_label"])
            self._code_rows(ws, table, lay)
        for cell, (row, col) in lay.cells.items():
            self._amount(ws, cell, row, col)
        for i, note in enumerate(table.notes):
            ws.write_string(lay.notes_row + i, 0, note, fmt["note"])
        self._names(table, lay)
        ws.protect("", {"format_columns": True, "insert_rows": table.kind == "codes",
                        "delete_rows": table.kind == "codes"})
        ws.freeze_panes(lay.data_row, 2 if table.kind == "codes" else 0)
        ws.set_landscape()
        ws.set_paper(9)
        # a fixed table prints on one page, as published; a code table grows with its rows
        ws.fit_to_pages(1, 1 if table.kind == "grid" else 0)
        ws.repeat_rows(HEADER_ROW, lay.data_row - 1)
        ws.center_horizontally()
        ws.set_footer("&C第 &P 页，共 &N 页")
        ws.hide_gridlines(2)

    def _amount(self, ws: Worksheet, cell: Cell, row: int, col: int) -> None:
        if self._formula(ws, row, col):
            return
        value = self._typed(cell)
        if value is None:
            ws.write_blank(row, col, None, self.fmt["input"])
        elif isinstance(value, str):  # what an accountant sometimes types: "1,234.50", "—", a number as text
            ws.write_string(row, col, value, self.fmt["input"])
        else:
            ws.write_number(row, col, float(value), self.fmt["input"])
        ws.data_validation(row, col, row, col, {
            "validate": "decimal", "criteria": "between", "minimum": -1e11, "maximum": 1e11,
            "error_title": "金额",
            "error_message": f"请输入数字金额（单位：{self.inst.unit}，保留两位小数），不要输入文字或符号。",
        })

    def _unit_label(self) -> str:
        return self.spec.unit.replace(WAN, self.inst.unit)

    # -- a 元 workbook's 万元 view -------------------------------------------------------------------------------
    def _view(self, table: Table, lay: TableLayout) -> None:
        """The table as it prints in 万元: same rows and columns, each amount ROUND(元/10000, 2) of the 元 sheet
        (independently rounded, as the reporting software prints); nothing to type here."""
        ws = self.wb.add_worksheet(view_sheet(table.sheet))
        ws.set_vba_name(table.codename + VIEW_CODENAME_SUFFIX)
        ws.set_tab_color("#A6A6A6")
        fmt = self.fmt
        source = quote_sheetname(table.sheet)
        for col, width in enumerate(table.widths):
            ws.set_column(col, col, width)
        last = table.width - 1
        ws.merge_range(TITLE_ROW, 0, TITLE_ROW, last, table.title, fmt["title"])
        ws.write_string(LABEL_ROW, last, table.label + VIEW_SUFFIX_LABEL, fmt["label"])
        ws.write_string(DEPT_ROW, 0, DEPT_LABEL, fmt["plain"])
        ws.write_formula(DEPT_ROW, 1, f'={source}!B{DEPT_ROW + 1}&""', fmt["plain"], "")
        ws.write_string(DEPT_ROW, last, self.spec.unit, fmt["right"])
        _header(ws, table.header, HEADER_ROW, fmt["header"])
        for (row, col), text in lay.labels.items():
            name = _panel_field(table, col) if table.kind == "grid" else ""
            ws.write_string(row, col, text, fmt["code" if name == "code" else "line" if name == "line" else "text"])
        if table.kind == "codes":
            ws.merge_range(lay.sum_line, 0, lay.sum_line, 1, "合计", fmt["total_label"])
            for r in lay.code_rows.values():
                if r != lay.sum_line:
                    for col in (0, 1):
                        ref = f"{source}!{xl_rowcol_to_cell(r, col)}"
                        ws.write_formula(r, col, f'={ref}&""', fmt["code" if col == 0 else "text"], "")
        for row, col in lay.cells.values():
            self._formula(ws, row, col)
        ws.write_string(lay.notes_row, 0, f"本表由{table.display_name}（单位：元）按四舍五入换算为万元，"
                        "与报表软件打印的数一致；请在元表中填写。公开时用 juesuan-xlsx export --balanced "
                        "可使各合计在万元上也严格相等。", fmt["note"])
        ws.protect("", {"format_columns": True})
        ws.freeze_panes(lay.data_row, 2 if table.kind == "codes" else 0)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 1 if table.kind == "grid" else 0)
        ws.repeat_rows(HEADER_ROW, lay.data_row - 1)
        ws.hide_gridlines(2)

    def _formula(self, ws: Worksheet, row: int, col: int) -> bool:
        """Write the planned formula of a cell, with an empty cached value (a default LibreOffice computes it)."""
        item: Planned | None = self.plan.formulas.get((ws.name, row, col))
        if item is None:
            return False
        ws.write_formula(row, col, "=" + item.text, self.fmt[item.style], "")
        return True

    def _typed(self, cell: Cell) -> Decimal | str | None:
        if cell.table in self.inst.code_tables:
            rows = self.filling.rows.get(cell.table, [])
            index = int(cell.row[1:]) - 1 if cell.row.startswith("#") else -1
            if self.fixed:
                code = self.inst.code_tables[cell.table].rows[index].code if index >= 0 else None
                match = [r for r in rows if r.code == code]
                return match[0].amounts.get(cell.col) if match else None
            return rows[index].amounts.get(cell.col) if 0 <= index < len(rows) else None
        return self.filling.cells.get(cell)

    def _code_rows(self, ws: Worksheet, table: Table, lay: TableLayout) -> None:
        fmt = self.fmt
        ct = self.inst.code_tables[table.id]
        filled = self.filling.rows.get(table.id, [])
        for i, row in enumerate(ct.rows):
            r = lay.code_rows[row.key]
            if row.code is not None:  # --codes: code and name are labels; an unknown name is typed
                level = "parent" if len(row.code) < 7 else "text"
                ws.write_string(r, 0, row.code, fmt["code"])
                if row.name:
                    ws.write_string(r, 1, row.name, fmt[level])
                else:
                    ws.write_string(r, 1, UNKNOWN_NAME, fmt["input_text"])
                continue
            item = filled[i] if i < len(filled) else None
            if item is not None:
                ws.write_string(r, 0, item.code, fmt["input_code"])
            else:
                ws.write_blank(r, 0, None, fmt["input_code"])
            if item is not None and item.name:
                ws.write_string(r, 1, item.name, fmt["input_text"])
            else:
                self._formula(ws, r, 1)
            for col in (lay.level_col, lay.parent_col, lay.status_col):
                if col is not None:
                    self._formula(ws, r, col)
        if not ct.known:
            first, last = lay.entry_first, lay.entry_last
            ws.data_validation(first, 0, last, 0, {
                "validate": "custom", "value": f'=OR(LEN(A{first + 1})=3,LEN(A{first + 1})=5,LEN(A{first + 1})=7)',
                "error_title": "科目编码",
                "error_message": "功能分类科目编码应为 3 位（类）、5 位（款）或 7 位（项）数字。",
                "error_type": "warning",
            })
            if lay.status_col is not None:
                self._row_highlights(ws, lay)

    def _row_highlights(self, ws: Worksheet, lay: TableLayout) -> None:
        """Red/yellow status cells, and a red typed 类/款 amount that does not match its children."""
        first, last = lay.entry_first, lay.entry_last
        code = f'$A{first + 1}&""'
        first_key = self.inst.code_tables[lay.table.id].rows[0].key
        render = Renderer(self.layouts)
        formulas = self.plan.defining
        for eq in self.plan.equations:
            if eq.per_row == lay.table.id and eq.relation.kind == "hierarchy" and eq.anchor is not None \
                    and eq.anchor.row == first_key:
                _, col = lay.cells[eq.anchor]
                rule = f'=AND({code}<>"",LEN({code})<7,{status(eq, render, formulas, self.inst, lay.table.id)}=2)'
                ws.conditional_format(first, col, last, col, {"type": "formula", "criteria": rule,
                                                              "format": self.fmt["cf_bad"]})
        assert lay.status_col is not None
        for value, style in ((2, "cf_bad"), (1, "cf_warn")):
            ws.conditional_format(first, lay.status_col, last, lay.status_col,
                                  {"type": "cell", "criteria": "==", "value": value, "format": self.fmt[style]})

    def _names(self, table: Table, lay: TableLayout) -> None:
        """Defined names for the key cells: T01_inc_grand_amt, T03_sum_total, …"""
        for cell, (row, col) in lay.cells.items():
            if table.kind == "grid" or cell.row == SUM_ROW:
                ref = f"={quote_sheetname(table.sheet)}!{xl_rowcol_to_cell(row, col, True, True)}"
                self.wb.define_name(f"T{cell.table}_{cell.row}_{cell.col}", ref)

    # -- 校验 --------------------------------------------------------------------------------------------------
    def _checks(self) -> None:
        ws = self.wb.add_worksheet(CHECK_SHEET)
        ws.set_vba_name(CHECK_CODENAME)
        fmt = self.fmt
        for col, width in enumerate((5, 26, 60, 14, 14, 12, 10, 8, 50)):
            ws.set_column(col, col, width)
        ws.set_column(9, 10, None, None, {"hidden": True})
        ws.merge_range(0, 0, 0, 8, "跨表及表内关系校验（实时）", fmt["title"])
        for col, text in enumerate(CHECK_COLUMNS):
            ws.write_string(3, col, text, fmt["header"])
        ws.write_string(3, 9, "k", fmt["header"])
        ws.write_string(3, 10, "状态值", fmt["header"])
        for line in self.plan.check_lines:
            r = line.row
            # wrapped text needs an explicit height: LibreOffice does not grow rows of a generated file
            lines = max(len(line.description) // 30, len(line.hint) // 25, len(line.codes) // 14) + 1
            ws.set_row(r, 14 * min(lines, 4))
            ws.write_number(r, 0, line.number, fmt["text"])
            ws.write_string(r, 1, line.codes, fmt["wrap_border"])
            ws.write_string(r, 2, line.description, fmt["wrap_border"])
            ws.write_string(r, 8, line.hint, fmt["wrap_border"])
            for col in (3, 4, 5, 6, 7, 9, 10):
                if not self._formula(ws, r, col) and col < 8:
                    ws.write_blank(r, col, None, fmt["text"])
        r = self.plan.check_lines[-1].row + 1 if self.plan.check_lines else CHECK_FIRST_ROW
        ok, rounding, bad = (s.value for s in Status)
        ws.merge_range(1, 0, 1, 8, "", fmt["summary"])
        self._formula(ws, self.plan.summary_row, 0)
        ws.conditional_format(4, 7, r - 1, 7, {"type": "cell", "criteria": "==", "value": f'"{bad}"',
                                               "format": fmt["cf_bad"]})
        ws.conditional_format(4, 7, r - 1, 7, {"type": "cell", "criteria": "==", "value": f'"{rounding}"',
                                               "format": fmt["cf_warn"]})
        ws.conditional_format(4, 7, r - 1, 7, {"type": "cell", "criteria": "==", "value": f'"{ok}"',
                                               "format": fmt["cf_ok"]})
        ws.freeze_panes(4, 0)
        ws.protect("", {"format_columns": True})
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)

    # -- 字典 --------------------------------------------------------------------------------------------------
    def _dictionary(self) -> None:
        ws = self.wb.add_worksheet(DICT_SHEET)
        ws.set_vba_name(DICT_CODENAME)
        ws.write_row(0, 0, ["科目编码", "科目名称", "资金性质"])
        for i, info in enumerate(sorted(self.dictionary.entries.values(), key=lambda e: e.code)):
            ws.write_string(i + 1, 0, info.code)
            ws.write_string(i + 1, 1, info.name)
            ws.write_string(i + 1, 2, info.fund)
        ws.protect("")
        ws.hide()


def _panel_field(table: Table, col: int) -> str:
    for panel in table.panels:
        if col < len(panel.fields):
            return panel.fields[col]
        col -= len(panel.fields)
    return ""


def _header(ws: Worksheet, grid: tuple[tuple[str, ...], ...], top: int, fmt: Any) -> None:
    for r1, c1, r2, c2, text in header_merges(grid):
        if (r1, c1) == (r2, c2):
            ws.write_string(top + r1, c1, text, fmt)
        else:
            ws.merge_range(top + r1, c1, top + r2, c2, text, fmt)


def _formats(wb: Workbook) -> dict[str, Any]:
    base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter"}
    border = {"border": 1, "border_color": "#808080"}

    def f(**props: Any) -> Any:
        return wb.add_format({**base, **props})

    return {
        "title": f(bold=True, font_size=16, align="center", font_name="黑体"),
        "label": f(align="right", bold=True),
        "plain": f(),
        "right": f(align="right"),
        "muted": f(font_color="#666666"),
        "wrap": f(text_wrap=True, valign="top"),
        "wrap_border": f(text_wrap=True, **border),
        "header": f(bold=True, align="center", text_wrap=True, bg_color="#D9E1F2", **border),
        "text": f(**border),
        "parent": f(bold=True, **border),
        "code": f(num_format="@", **border),
        "line": f(align="center", **border),
        "total_label": f(bold=True, align="center", **border),
        "note": f(font_size=9, font_color="#444444"),
        "input": f(num_format=AMOUNT, locked=False, bg_color="#FFF2CC", **border),
        "input_code": f(num_format="@", locked=False, bg_color="#FFF2CC", **border),
        "input_text": f(locked=False, bg_color="#FFF2CC", **border),
        "dept": f(locked=False, bg_color="#FFF2CC", num_format="@"),
        "formula": f(num_format=AMOUNT, **border),
        "total": f(num_format=AMOUNT, bold=True, **border),
        "tolerance": f(num_format="0.000", **border),
        "view": f(num_format=AMOUNT, bg_color="#F2F2F2", **border),
        "view_total": f(num_format=AMOUNT, bold=True, bg_color="#F2F2F2", **border),
        "status": f(num_format=STATUS_FORMAT, align="center", **border),
        "summary": f(bold=True, font_size=12),
        "cf_bad": wb.add_format({"bg_color": "#F8CBAD", "font_color": "#9C0006"}),
        "cf_warn": wb.add_format({"bg_color": "#FFEB9C", "font_color": "#9C5700"}),
        "cf_ok": wb.add_format({"font_color": "#006100"}),
    }

