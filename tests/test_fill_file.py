"""Issue 15 item 12: a fill file names only cells and columns the template lets a user type into; anything else
is an error naming the key, never a figure dropped silently."""

from __future__ import annotations

from pathlib import Path

import pytest

from juesuan_xlsx.filling import load_fill_file
from juesuan_xlsx.spec import load_spec

ROOT = Path(__file__).resolve().parent.parent
SEED_DATA = ROOT / "examples" / "seed-2024.toml"
FIRST_05_ROW = '[[rows."05"]]\ncode = "201"\n'


def _with(tmp_path: Path, old: str, new: str) -> Path:
    text = SEED_DATA.read_text(encoding="utf-8")
    assert text.count(old) >= 1, old
    path = tmp_path / "fill.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(("old", "new", "named"), [
    ("[cells]\n", '[cells]\n"01.inc_total.amt" = "235.81"\n', "01.inc_total.amt"),  # a formula cell
    ("[cells]\n", '[cells]\n"06.nosuch.amt" = "1"\n', "06.nosuch.amt"),  # no such row
    ("[cells]\n", '[cells]\n"06.amt" = "1"\n', "06.amt"),  # not table.row.col
    (FIRST_05_ROW, FIRST_05_ROW + 'bogus = "3"\n', "bogus"),  # no such column
    (FIRST_05_ROW, FIRST_05_ROW + 'total = "203.08"\n', "total"),  # a formula column
    ('[[rows."05"]]\n', '[[rows."99"]]\ncode = "201"\n[[rows."05"]]\n', "99"),  # no such table
])
def test_fill_file_rejects_keys_the_template_would_not_write(tmp_path, old, new, named):
    path = _with(tmp_path, old, new)
    with pytest.raises(ValueError, match=named.replace(".", r"\.")):
        load_fill_file(path)
    with pytest.raises(ValueError, match=named.replace(".", r"\.")):
        load_fill_file(path, load_spec(2024, "central"))


def test_the_example_fill_file_is_accepted_in_every_layout_it_is_used_for():
    for year, profile in ((2024, "central"), (2024, "shanghai"), (2025, "central"), (2025, "shanghai")):
        data = load_fill_file(SEED_DATA, load_spec(year, profile))
        assert data.filling.cells and data.filling.rows
