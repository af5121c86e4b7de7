"""Excel formula text for the model's terms, supports and checks.

A small vocabulary that Excel, WPS, LibreOffice and our ``formulas`` evaluator agree on (GUIDE §2): plain
references, SUM, SUMPRODUCT with LEN/LEFT conditions, ROUND, ABS, IF, IFERROR, VLOOKUP exact, MAX.  No wildcard
criteria, no whole-column ranges; every comparison of amounts is done in whole 分 after ROUND.

Conditions are multiplied by 1 and passed to SUMPRODUCT as a separate array so that a number stored as text in an
amount column is ignored exactly as SUM ignores it (``(cond)*range`` would coerce it, ``range`` alone does not).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from xlsxwriter.utility import quote_sheetname, xl_col_to_name, xl_rowcol_to_cell

from .engine import Status
from .layout import TableLayout
from .model import Atom, ByCode, ByLevel, Cell, Children, ColumnAtom, Ref, Term


class Renderer:
    """Renders terms as formula text as seen from one sheet."""

    def __init__(self, layouts: dict[str, TableLayout], weight: int = 1) -> None:
        self.layouts = layouts
        self.weight = weight  # rounded figures behind each typed figure (Instance.weight)

    def _weighted(self, count: str) -> str:
        if self.weight == 0:  # figures in 元 are exact: no rounding allowance
            return "0"
        return count if self.weight == 1 or count == "0" else f"{self.weight}*({count})"

    # -- addresses ------------------------------------------------------------------------------------------
    def sheet_prefix(self, table_id: str, here: str) -> str:
        return "" if table_id == here else quote_sheetname(self.layouts[table_id].table.sheet) + "!"

    def cell(self, cell: Cell, here: str, absolute: bool = False) -> str:
        row, col = self.layouts[cell.table].cells[cell]
        return self.sheet_prefix(cell.table, here) + str(xl_rowcol_to_cell(row, col, absolute, absolute))

    def _column_range(self, table_id: str, col: int, here: str) -> str:
        lay = self.layouts[table_id]
        letter = xl_col_to_name(col)
        return f"{self.sheet_prefix(table_id, here)}${letter}${lay.entry_first + 1}:${letter}${lay.entry_last + 1}"

    def codes_range(self, table_id: str, here: str) -> str:
        return self._column_range(table_id, 0, here)

    def values_range(self, table_id: str, col_key: str, here: str) -> str:
        return self._column_range(table_id, self.layouts[table_id].value_col(col_key), here)

    def row_code(self, cell: Cell, here: str) -> str:
        """The code cell of a code-table row, as text."""
        row = self.layouts[cell.table].code_rows[cell.row]
        return f"{self.sheet_prefix(cell.table, here)}$A{row + 1}&\"\""

    # -- sums -----------------------------------------------------------------------------------------------
    def _helper_range(self, table_id: str, which: str, here: str) -> str:
        lay = self.layouts[table_id]
        col = lay.level_col if which == "level" else lay.parent_col
        assert col is not None, f"{table_id} has no helper columns"
        return self._column_range(table_id, col, here)

    def _criterion(self, term: ByCode | ByLevel | Children, here: str) -> tuple[str, str]:
        """(range, criterion) selecting the rows of a symbolic term: one SUMIF/COUNTIF each."""
        if isinstance(term, ByLevel):
            return self._helper_range(term.table, "level", here), str(term.length)
        if isinstance(term, ByCode):
            target = f"\"{term.code}\"" if term.code is not None else self.row_code(_cell(term.code_of), here)
            return self.codes_range(term.table, here), target
        return self._helper_range(term.table, "parent", here), self.row_code(Cell(term.table, term.row, term.col),
                                                                               here)

    def condition(self, term: ByCode | ByLevel | Children, here: str) -> str:
        """The same selection as an array condition, for SUMPRODUCT counts."""
        rng, criterion = self._criterion(term, here)
        return f"({rng}&\"\"={criterion}&\"\")"

    def symbolic(self, term: ByCode | ByLevel | Children, here: str) -> str:
        rng, criterion = self._criterion(term, here)
        return f"SUMIF({rng},{criterion},{self.values_range(term.table, term.col, here)})"

    def row_count(self, terms: Sequence[Term], here: str) -> str:
        """How many rows a sum of terms reads (the allowance of per-row checks)."""
        parts: list[str] = []
        refs = sum(1 for t in terms if isinstance(t, Ref))
        if refs:
            parts.append(str(refs))
        for term in terms:
            if not isinstance(term, Ref):
                rng, criterion = self._criterion(term, here)
                parts.append(f"COUNTIF({rng},{criterion})")
        return self._weighted("+".join(parts) if parts else "0")

    def sum(self, terms: Sequence[Term], here: str) -> str:
        """Σ of signed terms, without the leading '='.  Empty → 0."""
        positive = [t for t in terms if t.sign > 0]
        negative = [t for t in terms if t.sign < 0]
        text = self._plain_sum(positive, here) if positive else "0"
        if negative:
            text += "-" + self._wrap(self._plain_sum(negative, here))
        return text

    @staticmethod
    def _wrap(text: str) -> str:
        return text if "+" not in text else f"({text})"

    def _plain_sum(self, terms: Sequence[Term], here: str) -> str:
        refs = [t.cell for t in terms if isinstance(t, Ref)]
        parts = [self.symbolic(t, here) for t in terms if not isinstance(t, Ref)]
        if refs:
            # SUM even around a single reference: a number stored as text then counts 0 everywhere, as in every
            # total, instead of passing through as text (=A1) or being coerced (=+A1)
            parts.insert(0, f"SUM({','.join(self._ranges(refs, here))})")
        return "+".join(parts)

    def _ranges(self, cells: Sequence[Cell], here: str) -> list[str]:
        """Merge vertically contiguous cells of one sheet and column into ranges (C7:C14)."""
        placed = sorted({(c.table, *self.layouts[c.table].cells[c][::-1]) for c in cells})
        out: list[str] = []
        i = 0
        while i < len(placed):
            table, col, row = placed[i]
            j = i
            while j + 1 < len(placed) and placed[j + 1] == (table, col, placed[j][2] + 1):
                j += 1
            prefix = self.sheet_prefix(table, here)
            first = xl_rowcol_to_cell(row, col)
            out.append(prefix + (first if j == i else f"{first}:{xl_rowcol_to_cell(placed[j][2], col)}"))
            i = j + 1
        # a cell listed twice (a figure behind both sides of a sum) keeps its multiplicity
        out += [self.cell(c, here) for c, n in Counter(cells).items() for _ in range(n - 1)]
        return out

    # -- rounding allowance -----------------------------------------------------------------------------------
    def count_typed(self, atoms: Counter[Atom], here: str) -> str:
        """How many supporting cells hold a typed figure (each widens the interval by 0.005; blank is exact)."""
        parts: list[str] = []
        cells = [a for a in atoms.elements() if isinstance(a, Cell)]
        for rng in self._ranges(cells, here) if cells else []:
            parts.append(f'SUMPRODUCT(({rng}<>"")*1)')
        for atom, n in atoms.items():
            if isinstance(atom, ColumnAtom):
                term = atom.term
                values = self.values_range(term.table, term.col, here)
                text = f'SUMPRODUCT({self.condition(term, here)}*({values}<>""))'
                parts.append(text if n == 1 else f"{n}*{text}")
        return self._weighted("+".join(parts) if parts else "0")

    # -- status -----------------------------------------------------------------------------------------------
    @staticmethod
    def status_number(left: str, right: str, k: str, kind: str) -> str:
        """0 相符 / 1 尾差 / 2 不符, from the two sides in 分 and the count k of rounded figures."""
        if kind == "implies":
            return Renderer.implies_number(left, right)
        delta = f"ROUND(({left}-({right}))*100,0)"
        if kind == "le":
            excess = delta
        elif kind == "ge":
            excess = f"-{delta}"
        else:
            excess = f"ABS({delta})"
        return f"IF({excess}<=0,0,IF(2*{excess}<=({k}),1,2))"

    @staticmethod
    def row_status_number(left: str, right: str, k: str, kind: str) -> str:
        """Per-row status with k row figures: 0, 1 within k × 0.005, else 2 — the difference computed once (k = 0, a
        元 workbook: 0 or 2)."""
        if kind == "implies":
            return Renderer.implies_number(left, right)
        delta = f"ROUND(({left}-({right}))*100,0)"
        excess = {"le": f"MAX(0,{delta})", "ge": f"MAX(0,-{delta})"}.get(kind, f"ABS({delta})")
        if k == "0":  # figures in 元: exact, any difference is 不符
            return f"IF({excess}>0,2,0)"
        return f"MIN(2,ROUNDUP(2*{excess}/({k}),0))"

    @staticmethod
    def implies_number(left: str, right: str) -> str:
        """2 when the left side has a figure (in whole 分) and the right side none, else 0: no rounding allowance."""
        return f"IF(AND(ROUND(({left})*100,0)<>0,ROUND(({right})*100,0)=0),2,0)"

    @staticmethod
    def status_text(number_cell: str) -> str:
        ok, rounding, bad = (s.value for s in Status)
        return f'IF({number_cell}=0,"{ok}",IF({number_cell}=1,"{rounding}","{bad}"))'


def _cell(cell: Cell | None) -> Cell:
    assert cell is not None
    return cell


def join_max(parts: Iterable[str]) -> str:
    items = list(parts)
    return items[0] if len(items) == 1 else f"MAX({','.join(items)})"
