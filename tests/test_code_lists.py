"""Issue 15: code lists a user gives (--codes, --codes-file) and the dictionaries we ship."""

from __future__ import annotations

from collections import defaultdict

import pytest

from juesuan_xlsx.cli import run
from juesuan_xlsx.codes import CodeError, load_user_codes
from juesuan_xlsx.generate import Options, generate
from juesuan_xlsx.resources import available_specs, templates_dir
from juesuan_xlsx.spec import load_spec

# -- item 10: --codes that no template can work with --------------------------------------------------------------

@pytest.mark.parametrize(("codes", "named"), [
    ("201", "201"),  # a 类 alone: its row would be =0 with nothing to type into
    ("20132", "20132"),  # a 款 alone: the same
    ("2013201,20805", "20805"),  # a 款 beside an unrelated 项
    ("9999999", "9999999"),  # 类 999 is no 类 row of 公开01/04: the workbook could never balance
])
def test_new_refuses_codes_a_fixed_row_template_cannot_use(tmp_path, capsys, codes, named):
    out = tmp_path / "c.xlsx"
    assert run(["new", "2024", "--codes", codes, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：") and named in err and "Traceback" not in err
    assert not out.exists()


def test_shanghai_refuses_a_class_its_layout_does_not_print(tmp_path, capsys):
    assert run(["new", "2024", "--profile", "shanghai", "--codes", "2310101", "-o", str(tmp_path / "s.xlsx")]) == 2
    assert "231" in capsys.readouterr().err


def test_new_accepts_item_codes_and_their_own_parents(tmp_path):
    spec = load_spec(2024, "central")
    generate(spec, tmp_path / "ok.xlsx", Options(codes=("2013201", "201", "20132", "2080505")))
    assert (tmp_path / "ok.xlsx").stat().st_size > 0
    with pytest.raises(CodeError, match="20805"):
        generate(spec, tmp_path / "bad.xlsx", Options(codes=("2013201", "20805")))


# -- item 22: a --codes-file with the same code twice --------------------------------------------------------------

def test_codes_file_with_a_duplicate_code_is_refused_naming_both_lines(tmp_path, capsys):
    path = tmp_path / "dup.csv"
    path.write_text("2013201,行政运行\n2013202,一般行政管理事务\n2013201,另一个名称\n", encoding="utf-8")
    with pytest.raises(CodeError, match=r"第 3 条.*2013201.*第 1 条"):
        load_user_codes(path)
    assert run(["new", "2024", "--codes", "2013201", "--codes-file", str(path), "-o", str(tmp_path / "x.xlsx")]) == 2
    assert "重复" in capsys.readouterr().err


# -- item 11: the shipped dictionaries ----------------------------------------------------------------------------

def test_no_two_codes_under_one_kuan_or_class_share_a_name_in_any_shipped_dictionary():
    """The official 支出功能分类 names each 项 of a 款 (and each 款 of a 类) differently: two codes with one name
    under one parent (2111101 and 2111103 both "减排专项支出") means one of them is misnamed."""
    for year, profile in available_specs():
        entries = load_spec(year, profile).gongneng.entries
        named: dict[tuple[str, str], list[str]] = defaultdict(list)
        for code, info in entries.items():
            if len(code) > 3:
                named[(code[:-2], info.name)].append(code)
        assert {k: v for k, v in named.items() if len(v) > 1} == {}, (year, profile)


def test_shipped_dictionaries_hold_each_code_once():
    for path in sorted((templates_dir() / "codes").glob("*.tsv")):
        lines = [line.split("\t")[0] for line in path.read_text(encoding="utf-8").splitlines()
                 if line.strip() and not line.startswith("#")]
        assert len(lines) == len(set(lines)), path.name
