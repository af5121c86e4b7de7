"""Formula builders, tested as strings: the small vocabulary every engine agrees on."""

from __future__ import annotations

import pytest

from juesuan_xlsx.layout import layout_all
from juesuan_xlsx.model import ByCode, ByLevel, Cell, Children, Instance, Ref
from juesuan_xlsx.spec import load_spec
from juesuan_xlsx.xlformula import Renderer


@pytest.fixture(scope="module")
def render():
    spec = load_spec(2024, "central")
    return Renderer(layout_all(Instance.free(spec)))


def test_contiguous_cells_become_one_range(render):
    terms = [Ref(Cell("01", f"inc{i}", "amt")) for i in range(1, 9)]
    assert render.sum(terms, "01") == "SUM(C7:C14)"


def test_single_reference_across_sheets_is_quoted(render):
    assert render.sum([Ref(Cell("04", "inc1", "amt"))], "01") == "SUM(公开04表!C7)"


def test_negative_terms(render):
    text = render.sum([Ref(Cell("01", "inc1", "amt")), Ref(Cell("01", "inc3", "amt"), -1)], "01")
    assert text == "SUM(C7)-SUM(C9)"


def test_by_code_is_sumif_on_text_code(render):
    text = render.symbolic(ByCode("03", "total", code="201"), "01")
    assert text == 'SUMIF(公开03表!$A$8:$A$67,"201",公开03表!$C$8:$C$67)'


def test_by_level_uses_hidden_level_column(render):
    assert render.symbolic(ByLevel("05", "basic", 3), "05") == "SUMIF($G$8:$G$67,3,$D$8:$D$67)"


def test_children_use_hidden_parent_column(render):
    text = render.symbolic(Children("05", "#2", "basic"), "05")
    assert text == 'SUMIF($H$8:$H$67,$A9&"",$D$8:$D$67)'
    assert (
        render.row_count([Ref(Cell("05", "#2", "basic")), Children("05", "#2", "basic")], "05")
        == '1+COUNTIF($H$8:$H$67,$A9&"")'
    )


def test_status_formulas_work_in_whole_fen():
    assert (
        Renderer.status_number("D5", "E5", "J5", "eq")
        == "IF(ABS(ROUND((D5-(E5))*100,0))<=0,0,IF(2*ABS(ROUND((D5-(E5))*100,0))<=(J5),1,2))"
    )
    assert Renderer.status_number("D5", "E5", "J5", "ge").startswith("IF(-ROUND((D5-(E5))*100,0)<=0")
    assert (
        Renderer.row_status_number("C9", "X", "2", "le")
        == "MIN(2,ROUNDUP(2*MAX(0,ROUND((C9-(X))*100,0))/(2),0))"
    )
    assert Renderer.status_text("K5") == 'IF(K5=0,"相符",IF(K5=1,"尾差","不符"))'
