"""What a phrase of the narrative is about: a named figure, a 类, an income or expenditure item, a 三公 item.

Subjects are resolved by name and by the section the sentence is in (第三部分 says "财政拨款支出" for the
一般公共预算 total in its 五、, "基本支出" for 公开03表's in 三、 and for 公开05表's in 六、), never by value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from difflib import SequenceMatcher

from ..disclosure import Disclosure, Kind
from ..model import Cell, figure_cell
from ..spec import SUM_ROW

SECTION_KINDS = (("基本支出", "basic"), ("三公", "sangong"), ("政府性基金", "fund"), ("国有资本", "soe"),
                 ("财政拨款收入支出", "fiscal"), ("一般公共预算财政拨款支出", "general"), ("收入支出决算总体", "total"),
                 ("收入决算", "income"), ("支出决算", "expense"), ("机关运行", "jiguan"))


def section_kind(title: str) -> str:
    for word, kind in SECTION_KINDS:
        if word in title:
            return kind
    return "other"


@dataclass(frozen=True)
class Subject:
    name: str
    actual: Cell | None = None  # the table's figure for what the sentence states (决算数)
    budget: Cell | None = None  # its 预算数, where a table prints one (三公)
    zero: bool = False  # a 类 the tables do not list: an exact 0
    said: str = ""  # a 类 named otherwise than the tables print it: the name as the narrative writes it
    printed: str = ""  # … and the name the tables print for that 类 ("" when the tables do not list it)


_SANGONG = (("公务用车购置及运行维护费", "car"), ("公务用车购置费及运行维护费", "car"), ("公务用车购置费", "car_buy"),
            ("公务用车运行维护费", "car_run"), ("运行维护费", "car_run"), ("因公出国", "abroad"),
            ("公务接待", "recept"), ("三公", "total"))
_CLASS = re.compile(r"([\u4e00-\u9fff]+?)(?:支出)?（类）(?:支出)?")
# Earlier names of renamed 类 (政府收支分类科目: 2019 机构改革 renamed 210/207/220/215; 211 was 环境保护 until 2011):
# the narrative of a later year still using one names the 类 the tables print under its current name.
CLASS_ALIASES = {"医疗卫生与计划生育": "210", "医疗卫生": "210", "文化体育与传媒": "207",
                 "国土海洋气象等": "220", "国土资源气象等": "220", "资源勘探信息等": "215",
                 "资源勘探电力信息等": "215", "环境保护": "211", "城乡社区事务": "212", "农林水事务": "213"}
# Words that lead into a 类 name inside the same phrase ("其中一般公共服务（类）", "主要用于教育（类）")
_LEAD = re.compile(r"^.*?(?:其中|主要用于|主要是|用于|包括|以下方面|方面)")


def _strip_ordinal(label: str) -> str:
    head, sep, tail = label.partition("、")
    return tail if sep and all(ch in "一二三四五六七八九十" for ch in head) else label


class Subjects:
    def __init__(self, disclosure: Disclosure) -> None:
        self.d = disclosure
        spec = disclosure.spec
        self.named: dict[str, Cell] = {}
        for name in ("income_grand", "expenditure_grand", "income_total", "expenditure_total", "fiscal_income",
                     "fiscal_grand", "fiscal_expenditure_grand", "basic", "project", "general", "general_basic",
                     "personnel", "public"):
            try:
                self.named[name] = figure_cell(spec, name)
            except (KeyError, ValueError, AttributeError):
                continue
        rows01 = spec.table("01").grid_rows()
        self.income_items = {_strip_ordinal(rows01[f"inc{k}"].label): Cell("01", f"inc{k}", "amt")
                             for k in range(4, 9) if f"inc{k}" in rows01}
        self.expense_items = {c.title: Cell("03", SUM_ROW, c.key) for c in spec.table("03").columns
                              if c.key not in ("total", "basic", "project")}
        self.sangong_cols = set(spec.table("09").grid_rows()["sg"].values)
        self.classes: dict[str, Cell] = {}
        self.class_printed: dict[str, str] = {}  # core → the name as the tables print it
        self.class_by_code: dict[str, str] = {}  # code → core
        ct = disclosure.inst.code_tables.get("05")
        for row in ct.rows if ct is not None else []:
            if row.code and len(row.code) == 3:
                name = row.name or disclosure.code_names.get(row.code) or spec.gongneng.name(row.code) or ""
                self.classes[_core(name)] = Cell("05", row.key, "total")
                self.class_printed[_core(name)] = _strip_ordinal(name.strip())
                self.class_by_code[row.code] = _core(name)
        # every 类 name the dictionary knows (and earlier names), core → code
        self.known_classes = {_core(info.name): code for code, info in spec.gongneng.entries.items()
                              if len(code) == 3}
        self.known_classes.update(CLASS_ALIASES)

    def value(self, cell: Cell) -> Decimal | None:
        """The printed figure (blank and dash an exact 0); None when unreadable or not printed."""
        p = self.d.figures.get(cell)
        if p is None:
            return Decimal(0) if cell.table == "05" and cell.table not in self.d.missing_tables else None
        if p.kind is Kind.UNREADABLE:
            return None
        return p.number

    def computed(self, cell: Cell) -> bool:
        p = self.d.figures.get(cell)
        return p is not None and p.computed

    def resolve(self, phrase: str, section: str) -> Subject | None:
        t = re.sub(r"\s+|\d{4}年度?|本部门|本单位|" + re.escape(self.d.dept or "@@"), "", phrase)
        t = t.replace("“", "").replace("”", "").replace('"', "")
        if not t:
            return None
        if "（项）" in t or "（款）" in t:
            return Subject(t)
        if section == "sangong" or "三公" in t:
            for word, item in _SANGONG:
                if word in t:
                    a, b = f"a_{item}", f"b_{item}"
                    return Subject(word, Cell("09", "sg", a) if a in self.sangong_cols else None,
                                   Cell("09", "sg", b) if b in self.sangong_cols else None)
        m = _CLASS.search(t)
        if m:
            return self._class(m.group(1), m.group(0)[len(m.group(1)):])
        fiscal = section == "fiscal" or "财政拨款收" in t or "财政拨款支出总计" in t
        for words, name in ((("收、支总计", "收支总计", "收入支出总计", "收入总计"),
                             "fiscal_grand" if fiscal else "income_grand"),
                            (("支出总计",), "fiscal_expenditure_grand" if fiscal else "expenditure_grand"),
                            (("收入合计",), "income_total"), (("支出合计",), "expenditure_total"),
                            (("一般公共预算财政拨款基本支出",), "general_basic"),
                            (("一般公共预算财政拨款支出",), "general"), (("人员经费",), "personnel"),
                            (("公用经费",), "public")):
            if any(w in t for w in words):
                if "机关运行" in t:
                    return None
                return self._named(name)
        if section == "general" and "财政拨款支出" in t:
            return self._named("general")
        if section == "income":
            if "财政拨款收入" in t:
                return self._named("fiscal_income")
            for label, cell in self.income_items.items():
                if label in t:
                    return Subject(label, cell)
        if section == "expense":
            for label, cell in self.expense_items.items():
                if label in t:
                    return Subject(label, cell)
            if "基本支出" in t:
                return self._named("basic")
            if "项目支出" in t:
                return self._named("project")
        if section == "basic" and "基本支出" in t:
            return self._named("general_basic")
        return None

    def _class(self, raw: str, mark: str) -> Subject:
        """A 类 named "X（类）" (or "X支出（类）", "X（类）支出"): the tables' 类 whose name ends the phrase is the
        subject, named as the tables print it (dropping or moving 支出 is the usual abbreviation, not a finding);
        else a 类 under an earlier name or a near spelling of one the tables list (``said`` and ``printed`` differ,
        the amount is checked against the table's 类); else a 类 the tables do not list (an exact 0)."""
        for core in sorted(self.classes, key=len, reverse=True):
            if core and raw.endswith(core):
                return Subject(f"{core}（类）", self.classes[core])
        said_core = _LEAD.sub("", raw) or raw
        for known in sorted(self.known_classes, key=len, reverse=True):
            if raw.endswith(known):
                said_core = known
                break
        said = said_core + mark
        code = self.known_classes.get(said_core)
        target = self.class_by_code.get(code) if code else None
        if target is None and code is None:
            scored = sorted(((SequenceMatcher(None, said_core, core).ratio(), core) for core in self.classes),
                            reverse=True)
            if scored and scored[0][0] >= 0.6 and (len(scored) == 1 or scored[1][0] < scored[0][0]):
                target = scored[0][1]
        if target is not None:
            return Subject(f"{target}（类）", self.classes[target], said=said, printed=self.class_printed[target])
        return Subject(f"{said_core}（类）", None, zero=True, said=said)

    def _named(self, name: str) -> Subject | None:
        cell = self.named.get(name)
        if cell is None:
            return None
        return Subject(TITLES.get(name, name), cell)


TITLES = {"income_grand": "收入总计", "expenditure_grand": "支出总计", "income_total": "本年收入合计",
          "expenditure_total": "本年支出合计", "fiscal_income": "财政拨款收入", "fiscal_grand": "财政拨款收入总计",
          "fiscal_expenditure_grand": "财政拨款支出总计", "basic": "基本支出", "project": "项目支出",
          "general": "一般公共预算财政拨款支出", "general_basic": "一般公共预算财政拨款基本支出",
          "personnel": "人员经费", "public": "公用经费"}


def _core(name: str) -> str:
    name = _strip_ordinal(name.strip())
    name = re.sub(r"（类）|\(类\)", "", name)
    return name[:-2] if name.endswith("支出") else name
