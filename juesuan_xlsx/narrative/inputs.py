"""What the narrative needs and the nine tables cannot know: :class:`NarrativeInputs`, and the layout of the
说明 sheet that collects them (one row per input: label, kind, help text).

The 说明 sheet (:mod:`.shuoming`) is written by ``new`` and read by ``verify``, ``export``, ``merge`` and
``new --like``; the narrative (:mod:`.text`) reads the inputs.  Both take the fields from here.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Literal, NamedTuple


@dataclass(frozen=True)
class ItemBudget:
    """年初预算数 of one 项 of 公开05表, and the reason its 决算数 differs."""

    code: str
    budget: Decimal | None = None
    reason: str | None = None


@dataclass(frozen=True)
class NarrativeInputs:
    """What the tables cannot know (the 说明 sheet).  ``None`` = not filled in.  Amounts in 万元."""

    # 第一部分 部门概况
    duty: str | None = None  # 部门职责
    organization: str | None = None  # 机构设置及决算单位构成
    # 上年数 and reasons for the year-on-year sentences
    last_total: Decimal | None = None  # 上年收、支总计
    reason_total: str | None = None
    last_fiscal_total: Decimal | None = None  # 上年财政拨款收、支总计
    reason_fiscal: str | None = None
    last_general: Decimal | None = None  # 上年一般公共预算财政拨款支出
    reason_general: str | None = None
    # 年初预算
    budget_general: Decimal | None = None  # 一般公共预算财政拨款支出年初预算数（合计）
    reason_budget: str | None = None
    items: tuple[ItemBudget, ...] = ()  # per 项 of 公开05表
    # 三公
    last_abroad: Decimal | None = None
    last_car_buy: Decimal | None = None
    last_car_run: Decimal | None = None
    last_reception: Decimal | None = None
    reason_sangong: str | None = None
    abroad_groups: int | None = None
    abroad_people: int | None = None
    car_bought: int | None = None
    car_count: int | None = None
    reception_batches: int | None = None
    reception_people: int | None = None
    reception_note: str | None = None
    # 机关运行经费
    jiguan: Decimal | None = None
    last_jiguan: Decimal | None = None
    reason_jiguan: str | None = None
    # 一般性支出
    meeting_fee: Decimal | None = None
    meeting_count: int | None = None
    meeting_people: int | None = None
    training_fee: Decimal | None = None
    training_count: int | None = None
    training_people: int | None = None
    # 政府采购
    proc_goods: Decimal | None = None
    proc_works: Decimal | None = None
    proc_services: Decimal | None = None
    proc_sme: Decimal | None = None
    proc_micro: Decimal | None = None
    # 国有资产
    vehicles: int | None = None
    vehicles_detail: str | None = None
    assets_note: str | None = None
    # 绩效
    perf_work: str | None = None
    perf_result: str | None = None
    perf_use: str | None = None
    # 第五部分 附件
    attachments: str | None = None

    def item(self, code: str) -> ItemBudget | None:
        return next((i for i in self.items if i.code == code), None)


def input_fields() -> tuple[str, ...]:
    """The scalar fields of :class:`NarrativeInputs` (everything but ``items``), in declaration order."""
    return tuple(f.name for f in fields(NarrativeInputs) if f.name != "items")


Kind = Literal["heading", "text", "amount", "integer"]


class ShuomingField(NamedTuple):
    key: str  # NarrativeInputs field ("" for a heading)
    label: str
    kind: Kind
    help: str = ""  # {t01} … {t09}: the name of that table in the workbook's layout (:func:`table_names`)
    required: bool = True


def _h(title: str) -> ShuomingField:
    return ShuomingField("", title, "heading")


LAYOUT: tuple[ShuomingField, ...] = (
    _h("一、部门概况（第一部分）"),
    ShuomingField("duty", "部门职责", "text",
                  "按“三定”规定概述主要职责，可分段；涉密部门写明不予公开的依据。"),
    ShuomingField("organization", "机构设置及决算单位构成", "text",
                  "内设机构和纳入本部门决算汇总的单位（本级及所属单位）。"),
    _h("二、与上年比较（上年决算数）"),
    ShuomingField("last_total", "上年收、支总计", "amount", "上年{t01}的收入总计。"),
    ShuomingField("reason_total", "收、支总计增减的主要原因", "text", "本年与上年不同时必填。"),
    ShuomingField("last_fiscal_total", "上年财政拨款收、支总计", "amount", "上年{t04}的收入总计。"),
    ShuomingField("reason_fiscal", "财政拨款收、支总计增减的主要原因", "text", "本年与上年不同时必填。"),
    ShuomingField("last_general", "上年一般公共预算财政拨款支出", "amount", "上年{t05}的合计。"),
    ShuomingField("reason_general", "一般公共预算财政拨款支出增减的主要原因", "text", "本年与上年不同时必填。"),
    _h("三、年初预算"),
    ShuomingField("budget_general", "一般公共预算财政拨款支出年初预算数", "amount",
                  "年初批复的预算数合计；不填则按下方各项目年初预算数合计。"),
    ShuomingField("reason_budget", "决算数与年初预算数差异的主要原因", "text", "决算数与年初预算数不同时必填。"),
    _h("四、“三公”经费（上年决算数和明细）"),
    ShuomingField("last_abroad", "上年因公出国（境）费", "amount", "上年{t09}决算数。"),
    ShuomingField("last_car_buy", "上年公务用车购置费", "amount", "上年{t09}决算数。"),
    ShuomingField("last_car_run", "上年公务用车运行维护费", "amount", "上年{t09}决算数。"),
    ShuomingField("last_reception", "上年公务接待费", "amount", "上年{t09}决算数。"),
    ShuomingField("reason_sangong", "“三公”经费决算数与预算数差异的主要原因", "text", "决算数与预算数不同时必填。"),
    ShuomingField("abroad_groups", "因公出国（境）团组数（个）", "integer", "有因公出国（境）费支出时必填。"),
    ShuomingField("abroad_people", "因公出国（境）人次", "integer", "有因公出国（境）费支出时必填。"),
    ShuomingField("car_bought", "本年购置公务用车（辆）", "integer", "有公务用车购置费支出时必填。"),
    ShuomingField("car_count", "年末公务用车保有量（辆）", "integer", "有公务用车运行维护费支出时必填。"),
    ShuomingField("reception_batches", "国内公务接待批次", "integer", "有公务接待费支出时必填。"),
    ShuomingField("reception_people", "国内公务接待人次", "integer", "有公务接待费支出时必填。"),
    ShuomingField("reception_note", "公务接待主要内容", "text", "例如：上级部门调研。可不填。", False),
    _h("五、机关运行经费"),
    ShuomingField("jiguan", "本年机关运行经费支出", "amount",
                  "行政单位和参照公务员法管理的事业单位的公用经费，一般等于{t06}公用经费合计。"),
    ShuomingField("last_jiguan", "上年机关运行经费支出", "amount", "上年决算数。"),
    ShuomingField("reason_jiguan", "机关运行经费增减的主要原因", "text", "本年与上年不同时必填。"),
    _h("六、一般性支出"),
    ShuomingField("meeting_fee", "会议费支出", "amount", "全部资金来源的会议费。"),
    ShuomingField("meeting_count", "召开会议次数", "integer", "可不填。", False),
    ShuomingField("meeting_people", "参会人次", "integer", "可不填。", False),
    ShuomingField("training_fee", "培训费支出", "amount", "全部资金来源的培训费。"),
    ShuomingField("training_count", "举办培训次数", "integer", "可不填。", False),
    ShuomingField("training_people", "参训人次", "integer", "可不填。", False),
    _h("七、政府采购"),
    ShuomingField("proc_goods", "政府采购货物支出", "amount", "没有填 0。总额按货物、工程、服务之和计算。"),
    ShuomingField("proc_works", "政府采购工程支出", "amount", "没有填 0。"),
    ShuomingField("proc_services", "政府采购服务支出", "amount", "没有填 0。"),
    ShuomingField("proc_sme", "授予中小企业合同金额", "amount", "可不填。", False),
    ShuomingField("proc_micro", "其中：授予小微企业合同金额", "amount", "可不填。", False),
    _h("八、国有资产占用"),
    ShuomingField("vehicles", "年末车辆数（辆）", "integer", "没有车辆填 0。"),
    ShuomingField("vehicles_detail", "车辆构成", "text", "例如：其中一般公务用车1辆、执法执勤用车2辆。可不填。", False),
    ShuomingField("assets_note", "其他国有资产占用情况", "text", "例如单价较高的设备。可不填。", False),
    _h("九、预算绩效管理"),
    ShuomingField("perf_work", "绩效评价工作开展情况", "text", "绩效自评、部门评价、事前绩效评估的开展情况。"),
    ShuomingField("perf_result", "绩效评价结果", "text", "自评得分、等级、目标完成情况等。"),
    ShuomingField("perf_use", "评价结果应用情况", "text", "发现的问题和整改、应用情况。"),
    _h("十、附件（第五部分）"),
    ShuomingField("attachments", "附件内容", "text", "如绩效自评报告全文，可分段。没有附件可不填。", False),
)

FIELDS: tuple[ShuomingField, ...] = tuple(f for f in LAYOUT if f.kind != "heading")
FIELD_BY_KEY = {f.key: f for f in FIELDS}


def label_of(key: str) -> str:
    return FIELD_BY_KEY[key].label


