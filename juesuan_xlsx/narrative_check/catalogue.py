"""The narrative checks: stable codes, levels, Chinese messages (category ``narrative``).

The same rules the exporter obeys (:mod:`juesuan_xlsx.narrative.text`): shares and rates rounded half-up, 持平
only on an exact 0, no 完成率 of a 0 预算, no rate from a 0 base, no placeholder.  Every message quotes the
sentence, the value claimed, the value from the tables and the allowance.
"""

from __future__ import annotations

from ..findings import Check, Level, define_check

_Q = "「{sentence}」"


def _d(code: str, level: Level, title: str, template: str, description: str) -> Check:
    return define_check(code, level, title, template + "：" + _Q, description, category="narrative")


AMOUNT = _d("N-金额不符", Level.ERROR, "说明金额与表不符",
            "{subject}说明为 {claimed} 万元，"
            "{source}为 {expected} 万元（允许差 ±{allowance}）",
            "情况说明中的金额应与决算表所列数一致；"
            "差额超过两数各自的四舍五入区间（±0.005 及说明所用精度的半个单位）即为不符。")
SHARE = _d("N-占比不符", Level.ERROR, "占比与表不符",
           "{subject}占{whole}的比例说明为 {claimed}，"
           "按表计算为 {expected}（允许区间 {allowance}）",
           "占比按表列数重新计算，四舍五入到说明所用的位数；两数各 ±0.005 的区间所能得到的比例都与说明不符即报告。")
SHARE_SUM = _d("N-占比合计", Level.WARNING, "各部分占比合计不为100%",
               "各部分占比合计 {claimed}，应为 100%（允许差 ±{allowance}）",
               "同一总数各组成部分的占比之和应为 100%，允许每项半个末位的舍入误差。")
RATE = _d("N-增减率不符", Level.ERROR, "增减率与增减额不符",
          "{subject}说明增减 {diff} 万元、增减率 {claimed}，"
          "按本年数与上年数计算为 {expected}（允许区间 {allowance}）",
          "增减率 = 增减额 ÷ 上年数；上年数由本年数与增减额推出，按两数的四舍五入区间计算允许范围。")
PREVIOUS = _d("N-上年数不符", Level.ERROR, "上年数与增减额不符",
              "{subject}说明上年数 {claimed} 万元，"
              "本年数与增减额推得 {expected} 万元（允许差 ±{allowance}）",
              "说明的上年数应等于本年数减去增加额（或加上减少额）。")
DIRECTION = _d("N-增减方向不符", Level.ERROR, "增减方向用语矛盾",
               "{subject}说明「{claimed}」，与 {expected} 不符",
               "增加/减少、增长/下降、大于/小于应与数字的符号一致，同一句中的增减用语不得矛盾。")
FLAT = _d("N-持平不符", Level.ERROR, "持平但有差额",
          "{subject}说明持平，但差额为 {expected} 万元",
          "只有差额恰为 0 时才能说持平（与上年持平、决算数等于预算数）。")
COMPLETION = _d("N-完成率不符", Level.ERROR, "完成率与表不符",
                "{subject}完成率说明为 {claimed}，按决算数 {actual} 万元 ÷ 预算数 {budget} 万元"
                "计算为 {expected}（允许区间 {allowance}）",
                "完成率 = 决算数 ÷ 预算数，四舍五入到说明所用位数，允许两数的四舍五入区间。")
COMPARE = _d("N-大于小于不符", Level.ERROR, "大于/小于与数字不符",
             "说明「决算数{claimed}预算数」，但决算数 {actual} 万元、预算数 {budget} 万元",
             "原因说明中的大于/小于/等于应与决算数、预算数的大小一致。")
ZERO_BUDGET = _d("N-零预算完成率", Level.WARNING, "预算为 0 仍写完成率",
                 "{subject}预算数为 0，不应写完成率 {claimed}",
                 "预算数为 0 时完成率无意义，应写“预算数为零，不计算完成率”。")
ZERO_BASE = _d("N-零基数增长率", Level.ERROR, "上年为 0 仍写增长率",
               "{subject}上年数为 0，不应写增长率 {claimed}",
               "上年数为 0 时不计算增长率（不得写“增长100%”）。")
PERCENT = _d("N-缺百分号", Level.ERROR, "比例缺少 % 号",
             "{claimed} 是比例，缺少 % 号", "占比、增减率、完成率应带 % 号。")
PLACEHOLDER = _d("N-占位符", Level.ERROR, "留有占位符或模板文字",
                 "说明中留有占位符「{claimed}」",
                 "XX、××、某某、【】、（未填写）、大于（小于）等草稿文字不应出现在公开文本中。")
ELLIPSIS = _d("N-省略号", Level.WARNING, "留有省略号",
              "说明中留有「{claimed}」，可能是未填写的内容", "“一是……；二是……”一类的省略号多为未填写的模板。")
GARBLED = _d("N-用语错乱", Level.ERROR, "增减用语错乱",
             "说明中有错乱用语「{claimed}」",
             "如“增减少”“增加减少”，应改为“增加”或“减少”。")
YEAR = _d("N-年度不符", Level.ERROR, "年度与文件不符",
          "说明中的年度 {claimed} 与文件年度 {expected} 不符",
          "本年数据应写文件所属年度；上一年度的年份留在句中多为沿用旧稿。")
SECTION = _d("N-缺少章节", Level.ERROR, "缺少必需的说明",
             "{subject}有数（{source}合计 {expected} 万元），"
             "但情况说明{claimed}",
             "决算表有数的部分必须在情况说明中说明，"
             "不能缺少或写“没有”。")
CLASS_NAME = _d("N-类名不符", Level.WARNING, "类名与表中所印不同",
                "说明中的类名「{claimed}」与表中所印「{expected}」不同",
                "情况说明中的功能分类类名应与决算表所印一致（略去或移动“支出”二字不算不同）；"
                "旧科目名称（如“医疗卫生与计划生育”，现为“卫生健康支出”）或写错的名称按表中的类核对金额，并给出警告。")
CLASS_MISSING = _d("N-类不在表中", Level.ERROR, "说明的类表中没有",
                   "说明「{claimed}」{amount} 万元，但一般公共预算财政拨款支出决算表没有这一类（表中所列：{listed}）",
                   "情况说明列出金额的功能分类类必须是决算表所列的类；表中没有的类只能说明为 0。")
COUNT = _d("N-次数不符", Level.ERROR, "批次、团组、车辆数与“三公”决算数矛盾",
           "{subject}说明「{claimed}」，但“三公”经费支出决算表{expected}",
           "“三公”经费说明中的公务接待批次和人次、因公出国（境）团组和人次、购置公务用车辆数应与决算数一致："
           "决算数为 0（不足 50 元）时不应有接待、出国或购车；决算数大于 0 时不应写 0 批次、0 辆或“未发生”。")
VEHICLES = _d("N-车辆数存疑", Level.WARNING, "公务用车保有量与运行维护费不相称",
              "{subject}说明「{claimed}」，而“三公”经费支出决算表{expected}，请确认",
              "有公务用车运行维护费而说明没有车辆、或说明保有公务用车而没有运行维护费，"
              "可能是年内处置车辆、使用其他资金等，不一定是错误，请确认。")
DEPT = _d("N-部门不符", Level.WARNING, "说明中的部门不是本部门",
          "句中作为主体的部门「{claimed}」与文件的部门「{expected}」不同",
          "以部门名称加年度开头的标题和句子（“XX局2024年度收入支出总计…”）应是本部门；"
          "写成别的部门多是照抄其他部门的文件。")
EMPTY_NOTE = _d("N-空表无说明", Level.WARNING, "空表没有“没有…”的说明",
                "{subject}（{source}）没有数字，文件中没有说明本部门没有这部分{what}",
                "政府性基金、国有资本经营预算财政拨款的表为空，或“三公”经费决算数全部为 0 时，表下或情况说明中应写明"
                "“本单位没有……，故本表无数据”。")
