"""Figures to type into a template, from a TOML file (examples, tests) — the library's way to fill a workbook."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .generate import FilledRow, Filling
from .model import Cell
from .narrative.shuoming import inputs_from_mapping
from .spec import Spec


@dataclass(frozen=True)
class FillFile:
    year: int
    profile: str
    dept: str
    filling: Filling
    printed: dict[Cell, Decimal]
    shuoming: Any = None  # NarrativeInputs for the 说明 sheet, from a [shuoming] table


def _amount(value: Any, where: str) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{where}: 金额“{value}”不是数字") from None


def _cell(text: str) -> Cell:
    table, row, col = text.split(".")
    return Cell(table, row, col)


def load_fill_file(path: str | Path, spec: Spec | None = None) -> FillFile:
    raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    cells = {_cell(k): _amount(v, k) for k, v in raw.get("cells", {}).items()}
    rows: dict[str, list[FilledRow]] = {}
    for table_id, items in raw.get("rows", {}).items():
        rows[table_id] = [
            FilledRow(str(item["code"]), item.get("name"),
                      {k: _amount(v, f"{table_id} {item['code']} {k}") for k, v in item.items()
                       if k not in ("code", "name")})
            for item in items
        ]
    if spec is not None:
        valid = {c for t in spec.tables if t.kind == "grid"
                 for c in (Cell(t.id, key, col) for key, r in t.grid_rows().items() for col in r.values)}
        unknown = [str(c) for c in cells if c not in valid]
        if unknown:
            raise ValueError(f"{path}: 以下单元格不在 {spec.key} 表样中：{'、'.join(unknown)}")
    printed = {_cell(k): _amount(v, k) for k, v in raw.get("printed", {}).items()}
    shuoming = None
    if "shuoming" in raw:
        shuoming = inputs_from_mapping(raw["shuoming"])
    return FillFile(int(raw["year"]), raw.get("profile", "central"), raw.get("dept", ""),
                    Filling(cells, rows), printed, shuoming)
