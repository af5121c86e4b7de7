"""Where every logical cell sits on its sheet (0-based row/column), for one instance of the spec.

Every table: title row, 公开NN表 label row, 部门/单位 row, the header grid, the data rows, the notes.
Grid tables place their panels side by side; code tables have code, name, the amount columns, and (free entry)
a 校验 status column.  The reader uses the same numbers as its first guess and then follows labels and codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import Cell, Instance
from .spec import SUM_ROW, GridRow, Table

TITLE_ROW, LABEL_ROW, DEPT_ROW, HEADER_ROW = 0, 1, 2, 3


@dataclass
class TableLayout:
    table: Table
    data_row: int  # first data row
    end_row: int  # one past the last data row
    cells: dict[Cell, tuple[int, int]] = field(default_factory=dict)
    labels: dict[tuple[int, int], str] = field(default_factory=dict)  # static label / 行次 / code / name texts
    code_rows: dict[str, int] = field(default_factory=dict)  # code tables: row key → sheet row
    # grid tables: row key → (sheet row, column of the text that names the row, that text); text "" when the
    # row has no label of its own (公开09表)
    grid_rows: dict[str, tuple[int, int, str]] = field(default_factory=dict)
    status_col: int | None = None  # code tables with per-row live checks
    # free-entry code tables: hidden helper columns with each row's code length and parent code, so that
    # by-level and by-parent sums are one SUMIF each
    level_col: int | None = None
    parent_col: int | None = None
    sum_last: bool = False  # code tables: the 合计 row follows the code rows (shanghai 05) instead of leading

    @property
    def notes_row(self) -> int:
        return self.end_row

    @property
    def sum_line(self) -> int:
        """Sheet row of a code table's 合计 row."""
        return self.end_row - 1 if self.sum_last else self.data_row

    @property
    def entry_first(self) -> int:
        return self.data_row if self.sum_last else self.data_row + 1

    @property
    def entry_last(self) -> int:
        """Last entry row of a code table (inclusive)."""
        return self.end_row - 2 if self.sum_last else self.end_row - 1

    @property
    def width(self) -> int:
        """Visible width: the table plus the 校验 column."""
        return self.table.width + (1 if self.status_col is not None else 0)

    def value_col(self, key: str) -> int:
        return 2 + [c.key for c in self.table.columns].index(key)


def layout_table(table: Table, inst: Instance) -> TableLayout:
    data_row = HEADER_ROW + len(table.header)
    if table.kind == "grid":
        return _grid(table, data_row)
    return _codes(table, inst, data_row)


def layout_all(inst: Instance) -> dict[str, TableLayout]:
    return {t.id: layout_table(t, inst) for t in inst.spec.tables}


def _grid(table: Table, data_row: int) -> TableLayout:
    height = max(len(p.rows) for p in table.panels)
    footer = max(len(p.footer) for p in table.panels)
    lay = TableLayout(table, data_row, data_row + height + footer)
    col0 = 0
    for panel in table.panels:
        placed: list[tuple[int, GridRow]] = [(data_row + i, r) for i, r in enumerate(panel.rows)]
        placed += [(data_row + height + i, r) for i, r in enumerate(panel.footer)]
        for sheet_row, row in placed:
            for offset, name in enumerate(panel.fields):
                col = col0 + offset
                if name == "label" or (name == "name" and row.code is None):
                    if row.label:
                        lay.labels[(sheet_row, col)] = row.label
                elif name == "line":
                    if row.line is not None:
                        lay.labels[(sheet_row, col)] = str(row.line)
                elif name == "code":
                    if row.code:
                        lay.labels[(sheet_row, col)] = row.code
                elif name == "name":
                    lay.labels[(sheet_row, col)] = row.label
                elif row.key is not None and name in row.values:
                    lay.cells[Cell(table.id, row.key, name)] = (sheet_row, col)
            if row.key is not None and row.key not in lay.grid_rows:
                ident = "code" if row.code else ("label" if "label" in panel.fields else "code")
                if ident in panel.fields:
                    lay.grid_rows[row.key] = (sheet_row, col0 + panel.fields.index(ident), row.code or row.label)
                else:
                    lay.grid_rows[row.key] = (sheet_row, col0, "")
            if row.key is not None and row.code is None and "code" in panel.fields and row.label:
                lay.labels[(sheet_row, col0 + panel.fields.index("code"))] = row.label
                lay.labels.pop((sheet_row, col0 + panel.fields.index("name")), None)
        col0 += len(panel.fields)
    return lay


def _codes(table: Table, inst: Instance, data_row: int) -> TableLayout:
    ct = inst.code_tables[table.id]
    lay = TableLayout(table, data_row, data_row + 1 + len(ct.rows), sum_last=table.sum_row == "last")
    lay.labels[(lay.sum_line, 0)] = "合计"
    for j, column in enumerate(table.columns):
        lay.cells[Cell(table.id, SUM_ROW, column.key)] = (lay.sum_line, 2 + j)
    for i, row in enumerate(ct.rows):
        sheet_row = lay.entry_first + i
        lay.code_rows[row.key] = sheet_row
        for j, column in enumerate(table.columns):
            lay.cells[Cell(table.id, row.key, column.key)] = (sheet_row, 2 + j)
    if ct.parents_typed:
        lay.status_col = 2 + len(table.columns)
        lay.level_col, lay.parent_col = lay.status_col + 1, lay.status_col + 2
    return lay
