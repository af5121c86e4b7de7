"""The spec data: loads, every address resolves, the code dictionaries are sane."""

from __future__ import annotations

import pytest

from juesuan_xlsx.codes import CodeError, expand_codes, load_user_codes
from juesuan_xlsx.model import Instance
from juesuan_xlsx.spec import Address, SpecError, chinese_ordinal, load_spec


@pytest.fixture(scope="module")
def spec():
    return load_spec(2024, "central")


def test_loads_nine_tables(spec):
    assert [t.id for t in spec.tables] == [f"{i:02d}" for i in range(1, 10)]
    assert [t.label for t in spec.tables][0] == "公开01表"
    assert len(spec.classes) == 26 and spec.classes[0] == ("201", "一般公共服务支出")


def test_relation_codes_unique_and_levels(spec):
    codes = [r.code for r in spec.relations]
    assert len(codes) == len(set(codes))
    warnings = {r.code for r in spec.relations if r.level.value == "warning"}
    # 06 is general-budget basic spending only, 09 all 财政拨款: an 06 三公 item above 09's 决算数 is an error; only
    # the 购置 pair (cars are usually bought with project money) and the "09 有金额、06 为零" pairs are warnings
    assert warnings == {"X-09公务用车购置-06", "X-09公务接待-06确认", "X-09公务用车运行-06确认",
                        "X-09因公出国-06确认", "X-09公务用车购置-06确认"}
    assert {r.code for r in spec.relations if r.kind == "implies"} == warnings - {"X-09公务用车购置-06"}


def test_guide_relations_are_all_there(spec):
    """GUIDE §1 'Relations that must hold', one spec relation each (by code)."""
    expected = {
        "T01-本年收入合计",
        "T01-本年支出合计",
        "T01-收入总计",
        "T01-支出总计",
        "T01-收支平衡",
        "T02-收入来源合计",
        "T02-科目层级",
        "T03-支出合计",
        "T03-科目层级",
        "T05-小计",
        "T05-科目层级",
        "T08-合计",
        "T08-科目层级",
        "T07-本年支出小计",
        "T07-科目层级",
        "T04-合计列",
        "T04-年初结转和结余",
        "T04-一般公共预算结转",
        "T04-政府性基金结转",
        "T04-国有资本经营结转",
        "T06-类款",
        "T06-人员经费合计",
        "T06-公用经费合计",
        "T09-预算合计",
        "T09-决算合计",
        "T09-预算公务用车小计",
        "T09-决算公务用车小计",
        "X-01本年收入合计-02",
        "X-01上级补助收入-02",
        "X-01其他收入-02",
        "X-01财政拨款收入-02",
        "X-04本年收入-02",
        "X-01本年支出合计-03",
        "X-01支出类-03",
        "X-01财政拨款收入-04",
        "X-04一般公共预算-05",
        "X-04一般公共预算-05合计",
        "X-04政府性基金-07",
        "X-04国有资本经营-08",
        "X-05基本支出-06",
        "X-05不超过03",
        "X-05基本支出不超过03",
        "X-05项目支出不超过03",
        "T07-年末结转和结余",
        "X-09公务接待-06",
        "X-09公务用车运行-06",
        "X-09因公出国-06",
        "X-09公务用车购置-06",
    }
    assert expected <= {r.code for r in spec.relations}


def test_unknown_year_lists_supported():
    with pytest.raises(SpecError, match="2024 年 central"):
        load_spec(1999, "central")
    with pytest.raises(SpecError, match="不支持"):
        load_spec(2024, "nowhere")


def test_address_parse():
    assert Address.parse("-01.inc1.amt") == Address("01", "inc1", "amt", -1)
    assert Address.parse("04.*.#").bind("201", "gen") == Address("04", "201", "gen")
    with pytest.raises(SpecError):
        Address.parse("01.inc1")


@pytest.mark.parametrize(
    ("n", "text"), [(1, "一"), (9, "九"), (10, "十"), (11, "十一"), (20, "二十"), (26, "二十六")]
)
def test_chinese_ordinal(n, text):
    assert chinese_ordinal(n) == text


def test_dictionaries(spec):
    assert spec.gongneng.name("2013201") == "行政运行"
    assert spec.gongneng.name("20805") == "行政事业单位养老支出"  # the 2024 name, not 2025's
    assert spec.gongneng.fund("2070904") == "基金"
    assert spec.gongneng.fund("2013201") == "一般"
    assert spec.jingji.name("30217") == "公务接待费"
    assert "22198" not in spec.gongneng.entries  # a 2025 code


def test_expand_codes():
    assert expand_codes(["2080505", "2013201"]) == ["201", "20132", "2013201", "208", "20805", "2080505"]
    with pytest.raises(CodeError, match="格式不对"):
        expand_codes(["20132x"])


def test_user_codes_file(tmp_path, spec):
    path = tmp_path / "codes.csv"
    path.write_text(
        "编码,名称,资金性质\n2130101,行政运行,一般\n2120801,征地和拆迁补偿支出,基金\n", encoding="utf-8-sig"
    )
    merged = spec.gongneng.merged(load_user_codes(path))
    assert merged.name("2130101") == "行政运行"
    assert merged.fund("2120801") == "基金"
    bad = tmp_path / "bad.csv"
    bad.write_text("12,xx\n", encoding="utf-8")
    with pytest.raises(CodeError, match="第 1 条"):
        load_user_codes(bad)
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("2130101,行政运行\n".encode("gb18030"))
    assert load_user_codes(gbk)["2130101"].name == "行政运行"


def test_every_formula_cell_defined_once(spec):
    for inst in (
        Instance.free(spec),
        Instance.fixed(spec, {"02": [("201", "x"), ("20132", "y"), ("2013201", "z")]}),
    ):
        cells = inst.formula_cells()
        assert cells  # raises if a cell were defined twice


def test_relation_kinds_are_checked_at_load():
    from juesuan_xlsx.spec import _relation

    base = {"code": "T-x", "title": "x", "lhs": "09.sg.a_recept", "rhs": ["06.30217.amt"]}
    assert _relation({**base, "kind": "implies"}).mode == "check"
    with pytest.raises(SpecError, match="formula mode needs one positive lhs and kind eq"):
        _relation({**base, "kind": "implies", "mode": "formula"})
    with pytest.raises(SpecError, match="implies needs mode check"):
        _relation({**base, "kind": "implies", "rhs": []})
    with pytest.raises(SpecError, match="kind should be one of"):
        _relation({**base, "kind": "imply"})


def test_per_row_relation_holds_on_every_row_and_the_sum_row(spec):
    """``for = ["07", "sum"]``: one equation per 07 row, a repeated code included, and one on the 合计 row."""
    inst = Instance.fixed(spec, {"07": [("207", ""), ("20709", ""), ("2070904", ""), ("2070904", "")]})
    eqs = [eq for eq in inst.equations() if eq.relation.code == "T07-年末结转和结余"]
    assert [eq.anchor.row for eq in eqs if eq.anchor] == ["#1", "#2", "#3", "#4", "sum"]
