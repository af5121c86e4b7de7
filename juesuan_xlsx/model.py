"""Relations of the spec instantiated on one workbook's rows: concrete equations over logical cells.

The same equations feed three views:
  * the generator renders them as Excel formulas (left side of a ``formula`` equation) and live checks;
  * the rule engine (:mod:`juesuan_xlsx.engine`) evaluates them in ``decimal.Decimal``;
  * the verifier compares both with what a returned workbook holds.

Code tables (02 03 05 07 08) have rows ``#1 … #n``.  When the codes are known (``new --codes``, or a workbook read
back) every by-code term resolves to concrete rows.  In a blank free-entry template the codes are unknown, so the
terms stay symbolic (:class:`ByCode`, :class:`ByLevel`, :class:`Children`) and the generator renders them as
``SUMPRODUCT`` over the code column.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from .codes import parent
from .contract import WAN, YUAN
from .spec import CLASSES, SUM_ROW, Address, Relation, Spec, SpecError, Table


@dataclass(frozen=True, order=True)
class Cell:
    """A logical cell: table id, row key (grid key, ``sum`` or ``#i``), column key."""

    table: str
    row: str
    col: str

    def __str__(self) -> str:
        return f"{self.table}.{self.row}.{self.col}"


def figure_cell(spec: Spec, name: str) -> Cell:
    """The cell of a named figure of the spec (``[figures]``: income_grand, personnel, sangong_actual …)."""
    at = spec.figure(name)
    return Cell(at.table, at.row, at.col)


def free_input_keys(spec: Spec) -> tuple[list[Cell], dict[str, list[str]]]:
    """The input cells of the grid tables and the input columns of the code tables, in a free-entry template:
    what a filling types (merge, import); everything else is a live formula."""
    formulas = Instance.free(spec).formula_cells()
    grid: list[Cell] = []
    columns: dict[str, list[str]] = {}
    for table in spec.tables:
        if table.kind == "grid":
            grid.extend(c for key, row in table.grid_rows().items() for col in row.values
                        if (c := Cell(table.id, key, col)) not in formulas)
        else:
            columns[table.id] = [c.key for c in table.columns if Cell(table.id, "#1", c.key) not in formulas]
    return grid, columns


@dataclass(frozen=True)
class Ref:
    cell: Cell
    sign: int = 1


@dataclass(frozen=True)
class ByCode:
    """Σ of column ``col`` over the rows of code table ``table`` whose code equals ``code`` (a literal) or the code
    of row ``code_of`` of ``code_of_table`` (free-entry templates only)."""

    table: str
    col: str
    code: str | None = None
    code_of: Cell | None = None
    sign: int = 1


@dataclass(frozen=True)
class ByLevel:
    """Σ of ``col`` over the rows whose code has ``length`` digits (the 合计 row of a free-entry table)."""

    table: str
    col: str
    length: int
    sign: int = 1


@dataclass(frozen=True)
class Children:
    """Σ of ``col`` over the direct children (by code) of row ``row`` (free-entry 类/款 rows)."""

    table: str
    row: str
    col: str
    sign: int = 1


Term = Ref | ByCode | ByLevel | Children


@dataclass(frozen=True)
class Equation:
    relation: Relation
    lhs: tuple[Term, ...]
    rhs: tuple[Term, ...]
    mode: Literal["formula", "check"]
    kind: Literal["eq", "le", "ge", "implies"]
    anchor: Cell | None = None  # the cell a finding points at (left-hand cell, or the row's first amount)
    per_row: str | None = None  # code table id when this is a per-row live check of a free-entry template
    # Checks on the rows of a free-entry table count one rounded figure per row involved (GUIDE §1: a typed
    # total against n typed children allows (n + 1) × 0.005), so that the live formula stays one SUMIF/COUNTIF
    # per term; other checks count the non-zero figures behind each side.
    row_allowance: bool = False
    code: str | None = None  # the 功能分类 code a per-code relation was instantiated for

    @property
    def target(self) -> Cell:
        first = self.lhs[0]
        assert self.mode == "formula" and isinstance(first, Ref)
        return first.cell


@dataclass(frozen=True)
class CodeRow:
    key: str  # "#1", "#2", …
    code: str | None  # None: free-entry row, code typed later
    name: str = ""


@dataclass
class CodeTable:
    """The rows of one code table in one workbook."""

    rows: list[CodeRow]
    parents_typed: bool  # free-entry layout: 类/款 rows are typed figures, checked against their children

    @property
    def known(self) -> bool:
        return all(r.code is not None for r in self.rows)

    def with_code(self, code: str) -> list[CodeRow]:
        return [r for r in self.rows if r.code == code]

    def children(self, code: str) -> list[CodeRow]:
        return [r for r in self.rows if r.code is not None and parent(r.code) == code]


@dataclass
class Instance:
    spec: Spec
    code_tables: dict[str, CodeTable] = field(default_factory=dict)
    # how many independently rounded figures each typed figure stands for: 1, or N for the sum of N units'
    # returns (merge), whose rounding gaps add up; 0 for figures typed in 元, which are exact (no 尾差 allowed)
    weight: int = 1
    unit: str = WAN  # what the typed figures are in: WAN or YUAN

    def set_unit(self, unit: str, sources: int = 1) -> None:
        """The unit figures are typed in, and with it the rounding allowance: none in 元, one per source in 万元."""
        self.unit = unit
        self.weight = 0 if unit == YUAN else max(1, sources)

    @classmethod
    def free(cls, spec: Spec) -> Instance:
        """A blank template: every code table has its spec's number of free-entry rows."""
        inst = cls(spec)
        for table in spec.tables:
            if table.kind == "codes":
                rows = [CodeRow(f"#{i + 1}", None) for i in range(table.free_rows)]
                inst.code_tables[table.id] = CodeTable(rows, parents_typed=True)
        return inst

    @classmethod
    def fixed(cls, spec: Spec, codes_per_table: dict[str, list[tuple[str, str]]]) -> Instance:
        """Known (code, name) rows per code table; 类/款 rows are formulas."""
        inst = cls(spec)
        for table in spec.tables:
            if table.kind == "codes":
                items = codes_per_table.get(table.id, [])
                rows = [CodeRow(f"#{i + 1}", code, name) for i, (code, name) in enumerate(items)]
                inst.code_tables[table.id] = CodeTable(rows, parents_typed=False)
        return inst

    # -- equations ------------------------------------------------------------------------------------------
    def equations(self) -> list[Equation]:
        eqs: list[Equation] = []
        for rel in self.spec.relations:
            if rel.kind == "hierarchy":
                eqs.extend(self._hierarchy(rel))
            else:
                eqs.extend(self._instantiate(rel))
        return eqs

    def _rows_of(self, table_id: str) -> list[CodeRow]:
        return self.code_tables[table_id].rows

    def _hierarchy(self, rel: Relation) -> Iterator[Equation]:
        table = self.spec.table(rel.table or "")
        if table.kind == "grid":  # 06: econ 类 row = Σ its 款 rows, all present in the spec
            rows = table.grid_rows()
            for key, row in rows.items():
                if row.code and len(row.code) == 3:
                    kids = [k for k, r in rows.items() if r.code and len(r.code) == 5 and r.code[:3] == row.code]
                    for col in rel.columns:
                        yield Equation(rel, (Ref(Cell(table.id, key, col)),),
                                       tuple(Ref(Cell(table.id, k, col)) for k in kids), "formula", "eq",
                                       Cell(table.id, key, col))
            return
        ct = self.code_tables[table.id]
        for col in rel.columns:
            total = Cell(table.id, SUM_ROW, col)
            if ct.known:
                tops = tuple(Ref(Cell(table.id, r.key, col)) for r in ct.rows if r.code and len(r.code) == 3)
                yield Equation(rel, (Ref(total),), tops, "formula", "eq", total)
            else:
                yield Equation(rel, (Ref(total),), (ByLevel(table.id, col, 3),), "formula", "eq", total)
        mode: Literal["formula", "check"] = "check" if ct.parents_typed else "formula"
        # a column that every row computes from its own other columns (02 本年收入合计 …) needs no hierarchy of
        # its own: it follows exactly from the hierarchy of its source columns
        columns = [c for c in rel.columns if _row_formula(table.id, c, self) is None]
        for code_row in ct.rows:
            if code_row.code is None:
                for col in columns:
                    cell = Cell(table.id, code_row.key, col)
                    yield Equation(rel, (Ref(cell),), (Children(table.id, code_row.key, col),), "check", "eq", cell,
                                   per_row=table.id, row_allowance=True)
            elif len(code_row.code) != 7:  # 类/款 (a malformed code is treated as the workbook's formulas do)
                children = ct.children(code_row.code)
                for col in columns:
                    cell = Cell(table.id, code_row.key, col)
                    yield Equation(rel, (Ref(cell),), tuple(Ref(Cell(table.id, k.key, col)) for k in children),
                                   mode, "eq", cell, row_allowance=ct.parents_typed)

    def _bindings(self, rel: Relation) -> Iterator[tuple[str | None, str | None, CodeRow | None]]:
        """(row binding, column binding, code row) for every instance of a quantified relation."""
        cols: tuple[str | None, ...] = rel.each_col or (None,)
        rows: list[tuple[str | None, CodeRow | None, str | None]] = []
        if not rel.for_rows:
            rows.append((None, None, None))
        seen_codes: set[str] = set()
        tables = sum(1 for item in rel.for_rows if item in self.code_tables)
        for item in rel.for_rows:
            if item == CLASSES:
                rows.extend((code, None, None) for code in self.spec.class_codes)
            elif item in self.code_tables:
                for r in self._rows_of(item):
                    # a relation over several tables' rows (05/07/08 against 03) is checked once per code; a
                    # per-row relation of one table holds on every row, a repeated code included (its 合计 row
                    # may be listed too: ``for = ["07", "sum"]``)
                    if r.code is not None and tables > 1:
                        if r.code in seen_codes:
                            continue
                        seen_codes.add(r.code)
                    rows.append((r.key, r, item))
            else:
                rows.append((item, None, None))
        for row_key, code_row, origin in rows:
            for col in cols:
                yield (row_key if origin is None else f"{origin}:{row_key}"), col, code_row

    def _instantiate(self, rel: Relation) -> Iterator[Equation]:
        for binding, col, code_row in self._bindings(rel):
            origin, row_key = (binding.split(":", 1) if binding and ":" in binding else (None, binding))
            lhs = tuple(t for a in rel.lhs for t in self._terms(a.bind(row_key, col), origin, code_row))
            rhs = tuple(t for a in rel.rhs for t in self._terms(a.bind(row_key, col), origin, code_row))
            if not lhs and not rhs:
                continue
            anchor = next((t.cell for t in lhs if isinstance(t, Ref)), None)
            free_row = code_row is not None and code_row.code is None
            per_row = origin if (free_row and rel.mode == "check") else None
            typed_rows = origin is not None and self.code_tables[origin].parents_typed
            if rel.mode == "formula" and not (len(lhs) == 1 and isinstance(lhs[0], Ref)):
                raise SpecError(f"relation {rel.code}: formula target did not resolve to one cell")
            kind: Literal["eq", "le", "ge", "implies"] = rel.kind  # type: ignore[assignment]
            yield Equation(rel, lhs, rhs, rel.mode, kind, anchor, per_row,
                           row_allowance=typed_rows and rel.mode == "check",
                           code=code_row.code if code_row is not None else None)

    def _terms(self, addr: Address, origin: str | None, code_row: CodeRow | None) -> Iterator[Term]:
        table = self.spec.table(addr.table)
        sign = addr.sign
        if addr.row == CLASSES:
            for class_code in self.spec.class_codes:
                yield Ref(Cell(table.id, class_code, addr.col), sign)
            return
        if table.kind == "grid":
            yield Ref(Cell(table.id, addr.row, addr.col), sign)
            return
        if addr.row == SUM_ROW:
            yield Ref(Cell(table.id, SUM_ROW, addr.col), sign)
            return
        # a code-table row: the bound row itself, or a by-code lookup into another code table
        if origin == table.id and code_row is not None:
            yield Ref(Cell(table.id, code_row.key, addr.col), sign)
            return
        code: str | None = code_row.code if code_row is not None else addr.row
        if code is None:  # free entry: the code of the bound row, typed later
            assert code_row is not None and origin is not None
            yield ByCode(table.id, addr.col, code_of=Cell(origin, code_row.key, addr.col), sign=sign)
            return
        ct = self.code_tables[table.id]
        if ct.known:
            for r in ct.with_code(code):
                yield Ref(Cell(table.id, r.key, addr.col), sign)
        else:
            yield ByCode(table.id, addr.col, code=code, sign=sign)

    # -- roles ----------------------------------------------------------------------------------------------
    def formula_cells(self, equations: Iterable[Equation] | None = None) -> dict[Cell, Equation]:
        """Every cell the workbook computes, with the equation that defines it (one per cell)."""
        out: dict[Cell, Equation] = {}
        for eq in equations if equations is not None else self.equations():
            if eq.mode == "formula":
                target = eq.target
                if target in out:
                    raise SpecError(f"{target} is defined by both {out[target].relation.code} and {eq.relation.code}")
                out[target] = eq
        return out

    def value_cells(self) -> list[Cell]:
        """Every amount cell of the workbook (inputs and formulas)."""
        cells: list[Cell] = []
        for table in self.spec.tables:
            cells.extend(self.table_cells(table))
        return cells

    def table_cells(self, table: Table) -> list[Cell]:
        if table.kind == "grid":
            return [Cell(table.id, key, col) for key, row in table.grid_rows().items() for col in row.values]
        keys = [SUM_ROW, *(r.key for r in self._rows_of(table.id))]
        return [Cell(table.id, key, c.key) for key in keys for c in table.columns]


# --------------------------------------------------------------------------------------------------------------
# support: how many independently rounded figures stand behind a value (the rounding allowance, GUIDE §1)


@dataclass(frozen=True)
class ColumnAtom:
    """A symbolic set of input cells of a free-entry code table: column ``col`` of the rows matching ``term``."""

    term: ByCode | ByLevel | Children


Atom = Cell | ColumnAtom


def support(terms: Iterable[Term], formulas: dict[Cell, Equation], inst: Instance) -> Counter[Atom]:
    """The input cells (with multiplicity) that a sum of terms is computed from.

    A typed figure counts once (its rounding interval is ±0.005); a computed figure counts its inputs.  The
    verifier counts only non-zero figures; blank and 0 are exact.
    """
    out: Counter[Atom] = Counter()
    for term in terms:
        _support(term, formulas, inst, out, 0)
    return _collapse_classes(out, inst)


def _collapse_classes(atoms: Counter[Atom], inst: Instance) -> Counter[Atom]:
    """Σ over every 类 of the class list of a by-code lookup is the Σ over the 类 rows: one atom, not 26.

    (Equal whenever every 类 code typed is in the list; one that is not is reported by the cross-table check.)
    """
    classes = set(inst.spec.class_codes)
    groups: dict[tuple[str, str], dict[str, int]] = {}
    for atom, n in atoms.items():
        if isinstance(atom, ColumnAtom) and isinstance(atom.term, ByCode) and atom.term.code in classes:
            groups.setdefault((atom.term.table, atom.term.col), {})[atom.term.code] = n
    for (table, col), per_code in groups.items():
        counts = set(per_code.values())
        if set(per_code) == classes and len(counts) == 1:
            for code in per_code:
                del atoms[ColumnAtom(ByCode(table, col, code=code))]
            atoms[ColumnAtom(ByLevel(table, col, 3))] += counts.pop()
    return atoms


def _support(term: Term, formulas: dict[Cell, Equation], inst: Instance, out: Counter[Atom], depth: int) -> None:
    if depth > 64:
        raise SpecError("relations form a cycle")
    if isinstance(term, Ref):
        eq = formulas.get(term.cell)
        if eq is None:
            out[term.cell] += 1
        else:
            for t in eq.rhs:
                _support(t, formulas, inst, out, depth + 1)
        return
    # symbolic terms: expand a per-row formula column into its source columns, else an input column
    row_formula = _row_formula(term.table, term.col, inst)
    if row_formula is None:
        out[ColumnAtom(term)] += 1
        return
    for src in row_formula:
        _support(_retarget(term, src), formulas, inst, out, depth + 1)


def _retarget(term: ByCode | ByLevel | Children, col: str) -> ByCode | ByLevel | Children:
    if isinstance(term, ByCode):
        return ByCode(term.table, col, term.code, term.code_of, term.sign)
    if isinstance(term, ByLevel):
        return ByLevel(term.table, col, term.length, term.sign)
    return Children(term.table, term.row, col, term.sign)


def _row_formula(table_id: str, col: str, inst: Instance) -> tuple[str, ...] | None:
    """Source columns when ``col`` of every row of a code table is a per-row formula (e.g. 02 total)."""
    for rel in inst.spec.relations:
        if rel.mode == "formula" and rel.kind == "eq" and rel.for_rows == (table_id,):
            target = rel.lhs[0]
            if target.table == table_id and target.col == col:
                return tuple(a.col for a in rel.rhs)
    return None
