"""The verifier's own checks (reading, integrity, codes, evaluation, internal); preflight.py has the file checks
and every relation of the spec is a check of its own (see :func:`relation_check`)."""

from __future__ import annotations

from .findings import Check, Level, define_check
from .spec import Relation

E, W, N = Level.ERROR, Level.WARNING, Level.NOTE

# -- reading ------------------------------------------------------------------------------------------------
NOT_OURS = define_check(
    "R-非本工具模板", E, "不是本工具的模板",
    "{detail}。这不是 juesuan-xlsx 生成的部门决算模板，无法按表样校验。请用 juesuan-xlsx new 生成的模板填写后重新报送。",
    "工作簿中没有模板标记（自定义文档属性 juesuan-xlsx），也就不知道年度和表样。", "reading")
READ_FAILED = define_check(
    "R-读取失败", E, "无法读取工作簿",
    "无法读取工作簿：{detail}。请在 Excel/WPS 中打开并另存为 .xlsx 后重新报送。",
    "文件通过了预检，但 openpyxl 读取时出错（内部结构不符合规范）。", "reading")
MISSING_TABLE = define_check(
    "R-缺少表", E, "缺少表",
    "找不到{label}（按{how}都没有找到）。请不要删除工作表{keep}。",
    "九张表都必须在工作簿中；改名、调整顺序没有关系。", "reading")
MISSING_ROW = define_check(
    "R-找不到行", E, "找不到行",
    "{sheet} 中找不到“{label}”这一行。请不要修改或删除表中的项目名称和科目编码。",
    "固定行按项目名称（或经济分类编码）查找；插入行没有关系，删除或改名会导致无法校验。", "reading")
ROW_DELETED = define_check(
    "R-行已删除", E, "行已删除",
    "{sheet} 中“{label}”这一行已被删除（其下各行上移了 {count} 行）。请撤销删除，或从新生成的模板中复制这一行恢复；"
    "没有金额的行留空即可，不要删除。",
    "表样的固定行不能删除：删除后引用它的合计、跨表公式随之改变或变成 #REF!。", "reading")
MISSING_DICTIONARY = define_check(
    "R-缺少字典表", E, "缺少字典表",
    "找不到“{name}”表（按工作表代码名和工作表名都没有找到）。各表的“科目名称”由公式从该表查出，删除后显示为 #REF!。"
    "请撤销删除，或改用新生成的模板填写。",
    "“字典”表是隐藏的功能分类科目表，科目名称公式引用它。", "reading")
MISSING_SUM_ROW = define_check(
    "R-缺少合计行", E, "缺少合计行",
    "{sheet} 中找不到“合计”行。请不要删除或修改合计行。", "功能分类表必须有“合计”行（在科目行之上或之下，依表样）。", "reading")

# -- integrity of the workbook ----------------------------------------------------------------------------------
OVERWRITTEN = define_check(
    "I-公式被改写", E, "公式被改写成数值",
    "{where} 应为公式 ={expected}，现在是手工输入的 {value}。请恢复公式（可从新生成的模板中复制该单元格），只在浅黄色单元格中填写。",
    "合计、小计和跨表引用由公式计算；直接输入数字会使它不再随明细变化。", "integrity")
FORMULA_CHANGED = define_check(
    "I-公式被修改", E, "公式被修改",
    "{where} 的公式是 ={actual}，应为 ={expected}。请恢复原公式（可从新生成的模板中复制该单元格）。",
    "公式与模板不一致：范围被改动、引用了别的单元格，或行被删除。", "integrity")
FORMULA_MISSING = define_check(
    "I-缺少公式", E, "缺少公式",
    "{where} 应有公式 ={expected}，现在是空白。如果这是新插入的行：请改在表格预留的空白行填写；确需插入时，先撤销工作表保护（无密码），复制一整行空白行，再用“插入复制的单元格”插入，使新行带有公式。",
    "公式单元格被清空，或插入的新行没有复制公式。", "integrity")
FORBIDDEN = define_check(
    "I-不允许的公式", E, "不允许的公式",
    "{where} 的公式 ={formula} {detail}，为安全起见没有计算。请删除该公式，改为直接填写数值或恢复模板公式。",
    "只计算模板使用的少数函数和本工作簿内的引用；外部链接、INDIRECT、WEBSERVICE、DDE 等一律不计算。", "integrity")
CIRCULAR = define_check(
    "I-循环引用", E, "循环引用",
    "{where} 处于循环引用中（公式直接或间接引用了自己）。请恢复模板公式。", "循环引用的单元格无法计算。", "integrity")
ERROR_VALUE = define_check(
    "I-错误值", E, "公式结果为错误值",
    "{where} 的公式 ={formula} 计算结果为 {error}。请检查它引用的单元格。", "公式得出 #VALUE!、#REF! 等错误值。", "integrity")
NOT_COVERED = define_check(
    "I-金额未被合计", E, "金额不在任何合计范围内",
    "{where} 有内容（{value}），但这一行不在合计公式的范围内（可能是在表格末尾之后加的行）。请把它移到表格范围内的空白行，"
    "或在表格中间插入行后填写。",
    "表格之外的金额不会进入任何合计，公开表会漏掉它。", "integrity")
TEXT_NUMBER = define_check(
    "I-文本数字", E, "以文本保存的数字",
    "{where} 的金额“{value}”{detail}，Excel 的合计会忽略它。请改为数值（单元格格式设为数值，重新输入 {number}）。",
    "以文本保存的数字、全角数字、带千分位逗号的文字都不参加求和。", "integrity")
NOT_A_NUMBER = define_check(
    "I-非数字", E, "金额不是数字",
    "{where} 的金额填写为“{value}”，不是数字。没有金额请留空（空白按 0 计），不要填写“—”“无”等文字。",
    "金额单元格只能是数字或空白。", "integrity")
SPACES_ONLY = define_check(
    "I-只有空格", W, "单元格中只有空格",
    "{where} 看起来是空白，实际填有空格。请选中该单元格按 Delete 键清空：表中的“校验”会把它当作已填写的金额计算尾差。",
    "只含空格的单元格不是空白单元格；合计按 0 计，但允许尾差按已填写计算。", "integrity")
DATE_AMOUNT = define_check(
    "I-日期金额", E, "金额单元格中是日期",
    "{where} 的金额是日期 {value}（单元格格式为日期或时间），公式会把它当作数字 {number} 计入合计。请把单元格格式设为数值，重新填写金额；没有金额请留空。",
    "Excel 中日期就是数字（2024-12-31 是 45657），填在金额单元格里会以这个数字参加合计。", "integrity")
TOO_LARGE = define_check(
    "I-金额过大", E, "金额大得不合理",
    "{where} 的金额 {value} 万元超出任何一个部门决算的合理范围（{limit} 万元，即 1 万亿元）。{hint}",
    "部门决算公开表以万元为单位；单个部门的任何一项都远小于 1 万亿元。过大的金额多半是按元填写，或多输了数字。", "integrity")
TOO_LARGE_YUAN = define_check(
    "I-金额过大元", E, "金额大得不合理（元）",
    "{where} 的金额 {value} 元超出任何一个部门决算的合理范围（{limit} 元，即 1 万亿元）。请核对是否多输了数字。",
    "按元填写的工作簿（new --unit 元）中，单个部门的任何一项都远小于 1 万亿元。", "integrity")
IN_YUAN = define_check(
    "I-疑似按元填写", W, "金额可能是按元填写的",
    "{where} 的金额 {value} 可能是按元填写的（本表单位为万元）：按 {wan} 万元计算时，{count} 条不符的关系变为相符（{examples}）。请核对单位，改为 {wan}。",
    "按元填写的金额是按万元的 10000 倍；把它换算为万元后，原先不符的关系都相符，说明多半是单位填错了。", "integrity")
DECIMALS = define_check(
    "I-小数位过多", E, "小数位超过两位",
    "{where} 的金额 {value} 超过两位小数。金额单位为万元，保留两位小数：请填写 {rounded}（或核对单位是否误用了元）。",
    "公开表以万元保留两位小数；多出的小数位会在公开时被四舍五入，使合计对不上。", "integrity")
NEGATIVE = define_check(
    "I-负数", E, "金额为负数",
    "{where} 的金额为负数 {value}。该项目不应为负，请核对。", "决算公开表中的收入、支出、结转结余金额不应为负数。", "integrity")

BLANK_RETURN = define_check(
    "I-未填写金额", W, "报表没有填写金额",
    "九张表中没有填写任何金额（全部空白或为 0）。这还是一份空白模板：请填写后再报送；导出、汇总和 --like 都不使用空白报表。",
    "空白模板的各项关系都成立（0 = 0），但它不是一份决算报表。", "integrity")
DEPT_MISSING = define_check(
    "I-部门未填写", W, "部门名称未填写",
    "{where} 的“部门：”后没有填写部门（单位）名称。请在这一行填写，导出的公开文件和汇总表都使用它。",
    "部门名称在第一张表的“部门：”一行填写（浅黄色单元格），生成模板时也可用 --dept 给出。", "integrity")

# -- codes ------------------------------------------------------------------------------------------------------
CODE_FORMAT = define_check(
    "C-编码格式", E, "科目编码格式不对",
    "{where} 的科目编码“{code}”格式不对：应为 3 位（类）、5 位（款）或 7 位（项）数字。", "编码有空格、少位或多位时无法参加汇总。", "codes")
CODE_SPACE = define_check(
    "C-编码含空格", E, "科目编码含空格",
    "{where} 的科目编码“{value}”含空格。表中的公式按原样读取编码，带空格的编码既不是项级科目，也不会汇入上级科目，“校验”列显示不符。请删除空格，填写为 {code}。",
    "编码前后或中间的空格（含全角空格）使公式算出的级次和上级科目都不对。", "codes")
CODE_FULL_WIDTH = define_check(
    "C-编码全角数字", E, "科目编码使用了全角数字",
    "{where} 的科目编码“{value}”使用了全角数字，表中的公式和字典都不认识它，它也不会汇入上级科目。请改为半角数字 {code}。",
    "全角数字（０１２…）看起来和半角数字一样，但在公式中是不同的文字。", "codes")
CODE_UNKNOWN = define_check(
    "C-未收录科目", W, "科目不在字典中",
    "{where} 的科目 {code}“{name}”不在内置的 {year} 年功能分类字典中。内置字典不完整，若确认编码无误可忽略，"
    "或用 --codes-file 补充字典。", "内置字典只收录了公开文件中见过的科目。", "codes")
CODE_NAME = define_check(
    "C-科目名称不符", E, "科目名称与编码不符",
    "{where} 的科目 {code} 名称为“{name}”，{year} 年功能分类中应为“{expected}”。请核对编码和名称。",
    "编码与名称不一致，通常是编码填错了行。", "codes")
CODE_ALIAS = define_check(
    "C-科目曾用名", N, "科目名称是曾用名",
    "{where} 的科目 {code} 名称为“{name}”，这是它的曾用名；{year} 年功能分类中的名称为“{expected}”。可以不改，导出的公开表使用“{expected}”。",
    "科目在年度之间改名时，上年的名称仍被接受（templates/codes 字典的“曾用名”列），只作提示。", "codes")
FUND_CODE_IN_05 = define_check(
    "C-基金科目", E, "政府性基金科目出现在一般公共预算表",
    "{where} 的科目 {code}“{name}”属于政府性基金预算，不应出现在{label}。请移到{target}。",
    "一般公共预算财政拨款支出决算表只反映一般公共预算财政拨款。", "codes")
DUPLICATE_CODE = define_check(
    "C-重复科目", E, "科目重复",
    "{where} 的科目 {code} 在{label}中出现了 {count} 次。同一科目只填一行。", "重复的科目会被重复汇总。", "codes")
MISSING_PARENT = define_check(
    "C-缺少上级科目", E, "缺少上级科目行",
    "{where} 的科目 {code} 没有上级科目“{parent}”行。合计只汇总类级行，请补填它的类、款行。",
    "功能分类表按类、款、项三级填写，合计等于各类之和。", "codes")
AMOUNT_WITHOUT_CODE = define_check(
    "C-金额无科目", E, "有金额但没有科目编码",
    "{where} 这一行有金额但没有科目编码。请填写科目编码，或删除金额。", "没有编码的行不参加任何汇总。", "codes")

# -- the 说明 sheet (what the narrative needs and the tables cannot know) -------------------------------------------
SHUOMING_MISSING = define_check(
    "S-说明未填写", W, "说明表未填写",
    "{where} “{label}”没有填写。导出的情况说明中这里会显示“（未填写）”；请在“说明”表中填写。",
    "情况说明的年度比较、预算完成情况等需要表中没有的数字和文字（上年数、年初预算数、原因说明等）。", "shuoming")
SHUOMING_SHEET = define_check(
    "S-缺少说明表", W, "缺少说明表",
    "工作簿中没有“说明”表，导出的情况说明将缺少上年数、年初预算数等内容。请使用新模板的“说明”表填写。",
    "“说明”表保存情况说明所需的文字和数字。", "shuoming")
SHUOMING_CONTRADICTS = define_check(
    "S-说明与表矛盾", E, "说明与决算表矛盾",
    "{where} “{label}”与决算表矛盾：按“说明”表生成的情况说明中，{detail}请核对“说明”表或公开09表。",
    "导出的情况说明按“说明”表填写的批次、人次、车辆数等生成；它们与“三公”经费决算数矛盾时（如决算数为 0 却有接待批次），"
    "公开文件会自相矛盾。与检查公开文件的情况说明用的是同一套规则（N-次数不符、N-车辆数存疑）。", "shuoming")
SHUOMING_PLACEHOLDER = define_check(
    "S-说明含占位符", W, "说明中留有占位符",
    "{where} 的文字中留有占位符“{text}”（如 XX、××、……），请改为实际内容。", "公开文本中不能出现 XX% 之类的占位符。", "shuoming")

# -- evaluation ---------------------------------------------------------------------------------------------------
STALE = define_check(
    "E-缓存值过期", W, "保存的计算结果过期",
    "{count} 个公式单元格保存的结果与重新计算的不同（如 {examples}）。文件保存时没有重新计算，"
    "打开文件的人可能看到旧数字：请在 Excel/WPS 中按 Ctrl+Alt+F9 全部重算后保存。",
    "本工具从不相信保存的结果，校验以重新计算为准。", "evaluation")
NO_CACHE = define_check(
    "E-无计算结果", W, "文件没有保存计算结果",
    "文件中的 {count} 个公式都没有保存计算结果（可能被不计算公式的程序另存过）。请在 Excel/WPS 中打开、重算并保存后再报送。",
    "没有计算结果的文件在部分软件中会显示为 0。", "evaluation")
NOT_EVALUATED = define_check(
    "E-未计算", W, "公式未计算",
    "工作簿中有不允许的公式，为安全起见没有计算任何公式；表间关系仍按输入的数字独立核对。", "见 I-不允许的公式。", "evaluation")

# -- internal --------------------------------------------------------------------------------------------------------
DISAGREE = define_check(
    "X-内部不一致", E, "两种独立计算不一致（内部错误）",
    "内部错误：{where} 用公式计算得 {formula_value}，用规则引擎计算得 {engine_value}。这不是填报的问题，"
    "请把该文件发给 juesuan-xlsx 开发者。",
    "工作簿公式（formulas 计算）与规格关系（Decimal 计算）必须一致；不一致说明本工具有缺陷。", "internal")
INTERNAL = define_check(
    "X-内部错误", E, "内部错误",
    "校验时发生内部错误（{error}）。这不一定是文件的问题；请把该文件和本提示发给 juesuan-xlsx 开发者。",
    "未预料的异常；其他文件照常校验。", "internal")

ROUNDING_NOTE = "尾差"


def relation_check(relation: Relation) -> Check:
    """Every relation of the spec is a check: its code, level and title come from the spec."""
    template = "{title}：{left_label}{left}，{right_label}{right}，差额 {diff}，允许尾差 ±{allowed}{verdict}。{hint}"
    kind = f"{'公式' if relation.mode == 'formula' else '校验'}关系"
    if relation.kind == "implies":  # a pair to confirm: no difference, no rounding allowance
        template = "{title}：{left_label}{left}，{right_label}{right}{verdict}。{hint}"
        kind = "确认提示：左方有金额而右方为零时提示，不计尾差"
    return define_check(relation.code, relation.level, relation.title, template, f"{relation.title}（{kind}）",
                        "relation")
