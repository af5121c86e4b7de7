"""Derive the seed department's books in 元 from its published 万元 figures (issue 17's "done when").

    python examples/seed_in_yuan.py [-o examples/seed-2024-yuan.toml]

The published tables (examples/seed-2024.toml) were rounded from 元 one figure at a time, so their totals do
not tie (本年收入合计 235.81 beside 本年支出合计 235.80).  The books they came from did tie.  This script finds
such books: a 元 figure (whole 分) for every typed cell such that

  * each rounds to its published 万元 figure (|元 − 10 000 × 万元| < 50 元); a published 0 stays 0;
  * every relation of the spec holds exactly in 元 (totals, cross-table equalities, ≤ and ≥);
  * the computed totals are as close as possible to the published totals, and each typed figure as close as
    possible to a target that is its published figure plus a fixed pseudo-random offset (real books are not
    round hundreds of 元; the offsets are seeded, so the result is reproducible).

It is a small integer program (SciPy's milp, HiGHS).  The [printed] and [shuoming] tables are copied unchanged:
the 说明 sheet keeps 万元 (last year's published figures).
"""

from __future__ import annotations

import argparse
import random
import re
import tempfile
from decimal import Decimal
from pathlib import Path

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_array

from juesuan_xlsx.filling import load_fill_file
from juesuan_xlsx.generate import Options, generate
from juesuan_xlsx.model import Cell, Ref
from juesuan_xlsx.spec import load_spec
from juesuan_xlsx.verify import verify

HERE = Path(__file__).resolve().parent
FEN_PER_WAN = 1_000_000  # 1 万元 = 10 000 元 = 1 000 000 分
HALF = 4_999  # 分: a 元 figure within 49.99 元 of 10 000 × p prints as p


def books_in_yuan(data_path: Path) -> tuple[dict[Cell, int], dict[Cell, str]]:
    """Typed cells → 元 in 分, and the fill-file key of each typed cell."""
    data = load_fill_file(data_path)
    spec = load_spec(data.year, data.profile)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "seed.xlsx"
        generate(spec, path, Options(dept=data.dept, filling=data.filling))
        result = verify(path, evaluate=False)
    assert result.engine is not None and result.read is not None
    engine, figures = result.engine, result.figures
    cells = sorted({*figures, *(t.cell for eq in engine.equations for t in (*eq.lhs, *eq.rhs) if isinstance(t, Ref))})
    index = {c: i for i, c in enumerate(cells)}
    published = {c: round(figures[c].value * FEN_PER_WAN) if c in figures else 0 for c in cells}
    typed = [c for c in cells if c not in engine.formulas]
    rng = random.Random(2024)
    n = len(cells)
    # variables: x (分) per cell, then t ≥ |x − target| per cell
    lower = np.zeros(2 * n)
    upper = np.full(2 * n, np.inf)
    target = np.zeros(n)
    weight = np.zeros(n)
    for c in typed:
        i, p = index[c], published[c]
        if p == 0:
            upper[i] = 0  # nothing in the books
        else:
            lower[i], upper[i] = max(0, p - HALF), p + HALF
            target[i] = p + rng.randint(-HALF, HALF)
            weight[i] = 1
    for c in engine.formulas:
        i = index[c]
        upper[i] = np.inf
        target[i] = published[c]
        weight[i] = 100  # a total far from its published figure costs more than a typed figure off its target
    rows: list[tuple[dict[int, float], float, float]] = []
    for eq in engine.equations:
        if eq.kind == "implies":
            continue
        coef: dict[int, float] = {}
        for sign, side in ((1, eq.lhs), (-1, eq.rhs)):
            for term in side:
                assert isinstance(term, Ref)
                j = index[term.cell]
                coef[j] = coef.get(j, 0) + sign * term.sign
        lo, hi = {"eq": (0, 0), "le": (-np.inf, 0), "ge": (0, np.inf)}[eq.kind]
        rows.append((coef, lo, hi))
    for i in range(n):  # t_i − x_i ≥ −target_i and t_i + x_i ≥ target_i
        rows.append(({n + i: 1, i: -1}, -target[i], np.inf))
        rows.append(({n + i: 1, i: 1}, target[i], np.inf))
    matrix = lil_array((len(rows), 2 * n))
    for r, (coef, _, _) in enumerate(rows):
        for j, v in coef.items():
            matrix[r, j] = v
    constraint = LinearConstraint(matrix.tocsr(), [r[1] for r in rows], [r[2] for r in rows])
    cost = np.concatenate([np.zeros(n), weight])
    integrality = np.concatenate([np.ones(n), np.zeros(n)])
    solved = milp(cost, constraints=constraint, integrality=integrality, bounds=Bounds(lower, upper))
    if solved.x is None:
        raise SystemExit(f"没有与公开数一致的元数：{solved.message}")
    x = np.round(solved.x[:n]).astype(np.int64)
    books = {c: int(x[index[c]]) for c in typed}
    keys = {}
    for c in typed:
        ct = result.read.inst.code_tables.get(c.table)
        if ct is None:
            keys[c] = f"{c.table}.{c.row}.{c.col}"
        else:
            code = next(r.code for r in ct.rows if r.key == c.row)
            keys[c] = f"{c.table}|{code}|{c.col}"
    return books, keys


def yuan(fen: int) -> str:
    return f"{Decimal(fen).scaleb(-2):.2f}"


def write_toml(data_path: Path, books: dict[Cell, int], keys: dict[Cell, str], out: Path) -> None:
    """The seed's fill file with [cells] and [[rows]] amounts in 元 (``unit = "元"``), all else as it is."""
    text = data_path.read_text(encoding="utf-8")
    by_key = {keys[c]: v for c, v in books.items()}
    head, _, rest = text.partition("[cells]")
    body, sep, tail = rest.partition("\n[printed]")
    lines = ["[cells]"]
    table = code = None
    for line in body.splitlines()[1:]:
        cell = re.match(r'"([^"]+)" = "([^"]*)"', line)
        rows = re.match(r'\[\[rows\."(\d+)"\]\]', line)
        field = re.match(r'(\w+) = "([^"]*)"', line)
        if cell:
            lines.append(f'"{cell[1]}" = "{yuan(by_key.get(cell[1], 0))}"')
        elif rows:
            table, code = rows[1], None
            lines.append(line)
        elif field and field[1] == "code":
            code = field[2]
            lines.append(line)
        elif field and field[1] != "name" and table is not None:
            lines.append(f'{field[1]} = "{yuan(by_key.get(f"{table}|{code}|{field[1]}", 0))}"')
        else:
            lines.append(line)
    head = head.replace("金额单位：万元。",
                        "金额单位：元（由 examples/seed_in_yuan.py 从公开的万元数推出，各关系按元严格成立）。")
    head = head.replace('profile = "central"', 'profile = "central"\nunit = "元"')
    out.write_text(head + "\n".join(lines) + sep + tail, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(HERE / "seed-2024.toml"))
    parser.add_argument("-o", "--output", default=str(HERE / "seed-2024-yuan.toml"))
    args = parser.parse_args()
    books, keys = books_in_yuan(Path(args.data))
    write_toml(Path(args.data), books, keys, Path(args.output))
    print(f"已生成：{args.output}（{len(books)} 个填写单元格，单位：元）")


if __name__ == "__main__":
    main()
