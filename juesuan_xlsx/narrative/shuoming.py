"""The 说明 sheet of the template: what the narrative needs and the nine tables cannot know.

The layout is data (:data:`LAYOUT`): one row per input, with its label, kind and a help text.  The generator calls
:func:`write_shuoming_sheet`; the exporter and the verifier call :func:`read_shuoming_sheet`, which finds the
sheet by its code name (GKSM2) or its title and each input by its label, so inserted rows and a renamed sheet are
tolerated, and a workbook without the sheet reads as "nothing filled in".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..amounts import parse_amount
from ..contract import SHUOMING_CODENAME as CODENAME
from ..contract import SHUOMING_SHEET as SHEET
from .inputs import FIELD_BY_KEY, FIELDS, LAYOUT, ItemBudget, Kind, NarrativeInputs

if TYPE_CHECKING:
    from ..spec import Table

TITLE = "情况说明填报（报表以外的内容：部门概况、上年数、年初预算、“三公”明细、绩效等）"
INTRO = ("浅黄色单元格为填写项，金额单位：万元（保留两位小数），数量填整数。导出文档时，这些内容和九张表的数字一起生成"
         "“第一部分 部门概况”“第三部分 部门决算情况说明”和“第五部分 附件”；未填写的项目在文档中显示为“（未填写）”。")
HEADER = ("项目", "填写内容", "填写说明")
FIRST_ROW = 4  # 0-based row of the first layout entry
ITEM_ROWS = 40  # rows of the per-项 年初预算 block
ITEM_HEADING = "各项目年初预算数（{t05}的项级科目）"
ITEM_HEADER = ("科目编码", "年初预算数（万元）", "决算数与年初预算数差异的主要原因")

def row_of(key: str) -> int:
    """0-based row of an input in the sheet as written."""
    return FIRST_ROW + next(i for i, f in enumerate(LAYOUT) if f.key == key)


def cell_of(key: str) -> str:
    """Where an input is in the sheet as written, e.g. "说明!B6" (a read workbook: :func:`shuoming_cells`)."""
    return f"{SHEET}!B{row_of(key) + 1}"


ITEM_HEADING_ROW = FIRST_ROW + len(LAYOUT) + 1
ITEM_FIRST_ROW = ITEM_HEADING_ROW + 2


# ---------------------------------------------------------------------------------------------------------------
# writing (xlsxwriter)


def table_names(tables: Iterable[Table]) -> dict[str, str]:
    """{t01} … {t09} of the help texts → each table's name as its layout shows it (``Table.display_name``)."""
    return {f"t{table.id}": table.display_name for table in tables}


def _named(text: str, names: Mapping[str, str] | None) -> str:
    """A help text with its tables named; without ``names`` by their 公开NN表 labels."""
    return text.format_map(_Labels(names or {}))


class _Labels(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return f"公开{key.removeprefix('t')}表"


def write_shuoming_sheet(workbook: Any, formats: Mapping[str, Any], inputs: NarrativeInputs | None = None,
                         names: Mapping[str, str] | None = None) -> None:
    """Add the 说明 sheet: labels, help texts, unlocked tinted input cells, protected (no password).

    ``formats`` are the generator's formats (keys title, header, text, wrap_border, input, input_text, muted are
    used when present); ``inputs`` pre-fills the cells (examples and tests); ``names`` (:func:`table_names` of
    the spec) names the tables in the help texts as the layout does, by default by their 公开NN表 labels.
    """
    fmt = _formats(workbook, formats)
    ws = workbook.add_worksheet(SHEET)
    ws.set_vba_name(CODENAME)
    ws.set_column(0, 0, 38)
    ws.set_column(1, 1, 72)
    ws.set_column(2, 2, 52)
    ws.merge_range(0, 0, 0, 2, TITLE, fmt["title"])
    ws.merge_range(1, 0, 1, 2, INTRO, fmt["intro"])
    ws.set_row(1, 42)
    for col, text in enumerate(HEADER):
        ws.write_string(FIRST_ROW - 1, col, text, fmt["header"])
    for i, spec in enumerate(LAYOUT):
        row = FIRST_ROW + i
        if spec.kind == "heading":
            ws.merge_range(row, 0, row, 2, spec.label, fmt["heading"])
            continue
        label = spec.label if spec.required else f"{spec.label}（选填）"
        ws.write_string(row, 0, label, fmt["label"])
        ws.write_string(row, 2, _named(spec.help, names), fmt["help"])
        value = getattr(inputs, spec.key) if inputs is not None else None
        _write_input(ws, row, 1, spec.kind, value, fmt)
        if spec.kind == "text":
            ws.set_row(row, 96 if spec.key in ("duty", "organization", "perf_work", "perf_result", "perf_use",
                                               "attachments") else 36)
    ws.merge_range(ITEM_HEADING_ROW, 0, ITEM_HEADING_ROW, 2, _named(ITEM_HEADING, names), fmt["heading"])
    for col, text in enumerate(ITEM_HEADER):
        ws.write_string(ITEM_HEADING_ROW + 1, col, text, fmt["header"])
    items = inputs.items if inputs is not None else ()
    for k in range(max(ITEM_ROWS, len(items))):
        row = ITEM_FIRST_ROW + k
        item = items[k] if k < len(items) else None
        if item is not None:
            ws.write_string(row, 0, item.code, fmt["input_code"])
        else:
            ws.write_blank(row, 0, None, fmt["input_code"])
        _write_input(ws, row, 1, "amount", item.budget if item is not None else None, fmt)
        _write_input(ws, row, 2, "text", item.reason if item is not None else None, fmt)
    ws.data_validation(ITEM_FIRST_ROW, 0, ITEM_FIRST_ROW + ITEM_ROWS - 1, 0, {
        "validate": "length", "criteria": "==", "value": 7, "error_type": "warning",
        "error_title": "科目编码", "error_message": _named("请填写{t05}中的项级（7位）功能分类科目编码。", names)})
    ws.freeze_panes(FIRST_ROW, 0)
    ws.protect("", {"format_columns": True, "format_rows": True})
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(FIRST_ROW - 1)


def _write_input(ws: Any, row: int, col: int, kind: Kind, value: Any, fmt: Mapping[str, Any]) -> None:
    style = {"amount": "input", "integer": "input_int", "text": "input_wrap"}[kind]
    if value is None:
        ws.write_blank(row, col, None, fmt[style])
    elif kind == "text":
        ws.write_string(row, col, str(value), fmt[style])
    else:
        ws.write_number(row, col, float(value), fmt[style])
    if kind == "amount":
        ws.data_validation(row, col, row, col, {
            "validate": "decimal", "criteria": "between", "minimum": -1e11, "maximum": 1e11,
            "error_title": "金额", "error_message": "请输入数字金额（单位：万元，保留两位小数）。"})
    elif kind == "integer":
        ws.data_validation(row, col, row, col, {
            "validate": "integer", "criteria": "between", "minimum": 0, "maximum": 10**9,
            "error_title": "数量", "error_message": "请输入不小于 0 的整数。"})


def _formats(workbook: Any, given: Mapping[str, Any]) -> dict[str, Any]:
    base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter"}
    border = {"border": 1, "border_color": "#808080"}
    tint = {"locked": False, "bg_color": "#FFF2CC"}

    def own(**props: Any) -> Any:
        return workbook.add_format({**base, **props})

    out = {
        "title": given.get("title") or own(bold=True, font_size=14, font_name="黑体"),
        "header": given.get("header") or own(bold=True, align="center", bg_color="#D9E1F2", **border),
        "input": given.get("input") or own(num_format="#,##0.00", **tint, **border),
        "input_code": given.get("input_code") or own(num_format="@", **tint, **border),
        "intro": own(text_wrap=True, valign="top", font_color="#444444"),
        "heading": own(bold=True, bg_color="#EDEDED", **border),
        "label": own(text_wrap=True, **border),
        "help": own(text_wrap=True, font_color="#666666", font_size=9, **border),
        "input_int": own(num_format="0", **tint, **border),
        "input_wrap": own(text_wrap=True, valign="top", **tint, **border),
    }
    return out


# ---------------------------------------------------------------------------------------------------------------
# reading (openpyxl)

_SPACE = re.compile(r"\s+")


def _norm(value: Any) -> str:
    return _SPACE.sub("", str(value)) if value is not None else ""


def find_sheet(wb: Any) -> Any | None:
    """The 说明 sheet: by code name, then by title."""
    for ws in getattr(wb, "worksheets", []):
        if ws.sheet_properties.codeName == CODENAME:
            return ws
    if SHEET in getattr(wb, "sheetnames", []):
        return wb[SHEET]
    return None


def _rows(ws: Any) -> dict[str, int]:
    """Normalised label (without 选填) → 1-based row; only the region the layout can reach is scanned."""
    found: dict[str, int] = {}
    limit = ITEM_FIRST_ROW + ITEM_ROWS + 200
    for r, (value,) in enumerate(ws.iter_rows(min_row=1, max_row=limit, max_col=1, values_only=True), start=1):
        text = _norm(value).removesuffix("（选填）")
        if text and text not in found:
            found[text] = r
    return found


def shuoming_cells(wb: Any) -> dict[str, str]:
    """Input key → "说明!B7" where the workbook actually has it (for findings that name the cell)."""
    ws = find_sheet(wb)
    if ws is None:
        return {}
    rows = _rows(ws)
    return {f.key: f"{ws.title}!B{rows[_norm(f.label)]}" for f in FIELDS if _norm(f.label) in rows}


def read_shuoming_sheet(wb: Any) -> NarrativeInputs:
    """The 说明 inputs of an openpyxl workbook (formulas or values); missing sheet or cell → None."""
    ws = find_sheet(wb)
    if ws is None:
        return NarrativeInputs()
    rows = _rows(ws)
    values: dict[str, Any] = {}
    for spec in FIELDS:
        r = rows.get(_norm(spec.label))
        if r is not None:
            values[spec.key] = _parse(spec.kind, ws.cell(r, 2).value)
    items: list[ItemBudget] = []
    header = rows.get(_norm(ITEM_HEADER[0]))
    if header is not None:
        seen: set[str] = set()
        for code_raw, budget_raw, reason_raw in ws.iter_rows(min_row=header + 1, max_row=header + ITEM_ROWS + 200,
                                                             max_col=3, values_only=True):
            code = _code(code_raw)
            if not code or code in seen:
                continue
            seen.add(code)
            budget = _parse("amount", budget_raw)
            reason = _parse("text", reason_raw)
            items.append(ItemBudget(code, budget, reason))
    return NarrativeInputs(**values, items=tuple(items))


def _code(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _norm(value) if value is not None else ""


def _parse(kind: Kind, raw: Any) -> Any:
    """Tolerant: a number typed as text is read as the number; anything unreadable is None (shown 未填写)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if kind == "text":
        return str(raw).strip()
    if isinstance(raw, str) and raw.startswith("="):
        return None  # a formula: its value is not ours to compute here
    amount = parse_amount(raw)
    number = amount.value if amount.kind == "number" else amount.meant
    if number is None:
        return None
    if kind == "integer":
        return int(number) if number == number.to_integral_value() and number >= 0 else None
    return Decimal(number)


def input_cell(wb: Any, key: str) -> str | None:
    """Where a finding about input ``key`` should point: its cell, or for a 项's 年初预算数 / reason
    ("budget:2013201", "reason:2013201") its row in the per-项 block, else the block's header; None without
    the sheet."""
    return input_cells(wb, [key]).get(key)


def input_cells(wb: Any, keys: Iterable[str]) -> dict[str, str]:
    """:func:`input_cell` of several keys, the sheet scanned once (verify asks for every missing input)."""
    ws = find_sheet(wb)
    if ws is None:
        return {}
    rows = _rows(ws)
    fields = {f.key: f"{ws.title}!B{rows[_norm(f.label)]}" for f in FIELDS if _norm(f.label) in rows}
    header = rows.get(_norm(ITEM_HEADER[0]))
    items: dict[str, int] = {}
    if header is not None:
        for r, (code_raw,) in enumerate(ws.iter_rows(min_row=header + 1, max_row=header + ITEM_ROWS + 200,
                                                     max_col=1, values_only=True), start=header + 1):
            items.setdefault(_code(code_raw), r)
    out: dict[str, str] = {}
    for key in keys:
        if ":" not in key:
            if key in fields:
                out[key] = fields[key]
            continue
        if header is None:
            continue
        kind, code = key.split(":", 1)
        row = items.get(code)
        out[key] = f"{ws.title}!{'B' if kind == 'budget' else 'C'}{row}" if row is not None else \
            f"{ws.title}!A{header}"
    return out


def inputs_from_mapping(raw: Mapping[str, Any]) -> NarrativeInputs:
    """NarrativeInputs from plain data (a TOML/JSON table: keys of :data:`LAYOUT`, ``items`` a list of
    {code, budget, reason}); values are read as the sheet's cells are, unknown keys are an error."""
    unknown = set(raw) - set(FIELD_BY_KEY) - {"items"}
    if unknown:
        raise ValueError(f"说明中没有这些项目：{'、'.join(sorted(unknown))}")
    values = {key: _parse(FIELD_BY_KEY[key].kind, value) for key, value in raw.items() if key != "items"}
    items = tuple(ItemBudget(_code(i["code"]), _parse("amount", i.get("budget")), _parse("text", i.get("reason")))
                  for i in raw.get("items", ()))
    return NarrativeInputs(**values, items=items)
