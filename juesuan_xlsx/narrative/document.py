"""How a layout's published document is put together: the ``[document]`` table of ``templates/YEAR/PROFILE.toml``.

The tables themselves are the spec's (titles, headers, ``label_visible``, ``sum_row`` …); what the spec does not say
is the frame around them: the cover, the headings of 第一部分/第二部分/第三部分, whether each table page carries a
部门 line, whether there is a 第五部分 附件, and which sections the 情况说明 has, in which order and under which
titles.  Every key is optional; a missing key takes the structure of the seed document (the ``central`` layout),
so a spec without ``[document]`` publishes exactly as before.  Texts may hold ``{year}`` and ``{dept}``.

Sections are lists of *blocks*, each a paragraph generator of :mod:`juesuan_xlsx.narrative.text`
(:data:`BLOCKS`); a block given as ``{ heading = "（一）…", block = "jiguan" }`` is printed under a sub-heading
(Shanghai's 十一、其他重要事项的情况说明 groups 机关运行经费, 政府采购 and 国有资产 this way).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from ..resources import spec_path
from ..spec import SpecError

# every paragraph generator the narrative has (narrative.py maps each name to a method; a test keeps them equal)
BLOCKS = ("total", "income", "expense", "fiscal", "general", "basic", "sangong", "funds", "fund", "soe", "jiguan",
          "general_spending", "procurement", "assets", "performance")


@dataclass(frozen=True)
class Block:
    name: str  # one of BLOCKS
    heading: str = ""  # a sub-heading printed before the block's paragraphs ("" = none)


@dataclass(frozen=True)
class SectionSpec:
    title: str  # without its ordinal (一、二、… are added in order)
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class DocumentSpec:
    cover: tuple[str, str]  # the small line above and the large line of the cover
    overview: tuple[str, str]  # 第一部分's two headings, without ordinals: 部门职责 (duty) and 机构设置 (organization)
    overview_title: str
    tables_title: str
    narrative_title: str
    dept_line: bool  # each table page prints "部门：…" beside "单位：万元"
    annex: bool  # 第五部分 附件 is printed even when the 说明 sheet has no attachment
    sections: tuple[SectionSpec, ...]

    def text(self, template: str, year: int, dept: str) -> str:
        return template.format(year=year, dept=dept)


# The seed's structure (central layout).
DEFAULT: Mapping[str, Any] = {
    "cover": ["{year}年度{dept}", "部门决算"],
    "overview": ["部门职责", "机构设置及决算单位构成"],
    "overview_title": "{dept}概况",
    "tables_title": "部门决算表",
    "narrative_title": "{year}年度部门决算情况说明",
    "dept_line": True,
    "annex": True,
    "sections": [
        {"title": "收入支出决算总体情况说明", "blocks": ["total"]},
        {"title": "收入决算情况说明", "blocks": ["income"]},
        {"title": "支出决算情况说明", "blocks": ["expense"]},
        {"title": "财政拨款收入支出决算总体情况说明", "blocks": ["fiscal"]},
        {"title": "一般公共预算财政拨款支出决算情况说明", "blocks": ["general"]},
        {"title": "一般公共预算财政拨款基本支出决算情况说明", "blocks": ["basic"]},
        {"title": "财政拨款“三公”经费支出决算情况说明", "blocks": ["sangong"]},
        {"title": "政府性基金预算和国有资本经营预算财政拨款收支决算情况说明", "blocks": ["funds"]},
        {"title": "关于机关运行经费支出说明", "blocks": ["jiguan"]},
        {"title": "一般性支出情况说明", "blocks": ["general_spending"]},
        {"title": "关于政府采购支出说明", "blocks": ["procurement"]},
        {"title": "关于国有资产占用情况说明", "blocks": ["assets"]},
        {"title": "关于{year}年度预算绩效管理情况的说明", "blocks": ["performance"]},
    ],
}


@cache
def document_spec(year: int, profile: str) -> DocumentSpec:
    """The ``[document]`` table of a shipped spec, completed with :data:`DEFAULT`."""
    path = spec_path(year, profile)
    raw = tomllib.loads(path.read_text(encoding="utf-8")).get("document", {}) if path.is_file() else {}
    return parse_document({**DEFAULT, **raw}, str(path))


def parse_document(raw: Mapping[str, Any], where: str = "[document]") -> DocumentSpec:
    unknown = set(raw) - set(DEFAULT)
    if unknown:
        raise SpecError(f"{where}: [document] 中没有这些项：{'、'.join(sorted(unknown))}")
    sections = []
    for item in raw["sections"]:
        blocks = []
        for entry in item["blocks"]:
            block = Block(entry) if isinstance(entry, str) else Block(entry["block"], entry.get("heading", ""))
            if block.name not in BLOCKS:
                raise SpecError(f"{where}: 情况说明没有“{block.name}”这一部分。可用：{'、'.join(BLOCKS)}")
            blocks.append(block)
        sections.append(SectionSpec(item["title"], tuple(blocks)))
    cover, overview = tuple(raw["cover"]), tuple(raw["overview"])
    if len(cover) != 2 or len(overview) != 2:
        raise SpecError(f"{where}: [document] 的 cover 和 overview 各应有两项")
    return DocumentSpec(cover=(cover[0], cover[1]), overview=(overview[0], overview[1]),
                        overview_title=raw["overview_title"], tables_title=raw["tables_title"],
                        narrative_title=raw["narrative_title"], dept_line=bool(raw["dept_line"]),
                        annex=bool(raw["annex"]), sections=tuple(sections))
