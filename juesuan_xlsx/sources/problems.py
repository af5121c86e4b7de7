"""Every problem a source reader reports, with its Chinese message template.

A problem is ``(code, where, args)`` in :attr:`juesuan_xlsx.disclosure.Disclosure.problems`; the message is
``PROBLEMS[code].format(**args)``, and the place (``where``) is said separately, in the source's own terms.
"""

from __future__ import annotations

from collections.abc import Mapping

PROBLEMS: Mapping[str, str] = {
    # the document as a whole
    "S-年度未识别": "文件中没有找到年度（如“2024年度”），按 {year} 年度处理，请核对",
    "S-部门未识别": "文件中没有找到部门名称（“部门：”行或标题）",
    "S-页数超限": "PDF 共 {pages} 页，只读取了前 {read} 页",
    "S-无文字页": "第 {pages} 页没有文字层（可能是扫描件），未读取",
    "S-页面损坏": "第 {pages} 页已损坏，未读取",
    "S-工作表过多": "工作簿有 {sheets} 张工作表，只读取了前 {read} 张",
    "S-宏已忽略": "文件含有宏（VBA），只读取了单元格中保存的值，宏没有运行",
    "S-公式无缓存值": "{cells} 个公式单元格没有保存计算结果，按无法识别读取；请在 Excel 或 WPS 中打开、保存后重试",
    # tables
    "S-表重复": "{table}出现了不止一次，以第一次为准",
    "S-表号与标题不符": "表号“{label}”与标题“{title}”不符，按标题识别为{table}",
    "S-表头无法识别": "{table}的表头无法识别，无法确定各列的含义，本段数字未读取",
    "S-表头按位置对应": "{table}的表头无法识别，列数与表样相同，按位置对应各列，请核对",
    "S-续表列数不符": "{table}续表的列数（{width}）与前面不同，按表头或位置重新对应",
    "S-列未找到": "{table}没有找到“{column}”列",
    "S-多余列": "{table}的“{column}”列不属于表样，其中的数字未读取",
    "S-单位换算": "{table}的金额单位为{unit}，已换算为万元（{factor} {unit} = 1 万元）",
    "S-疑似单位为元": "{table}的金额约为其他各表的 {ratio} 倍，单位可能是元而不是万元，请核对",
    # rows and cells
    "S-行无法识别": "行“{label}”不是{table}的行，其中的数字未读取",
    "S-行未找到": "{table}没有找到这些行：{rows}",
    "S-行重复": "行“{label}”在{table}中重复出现，以第一次为准",
    "S-行次不符": "行“{label}”的行次印为 {printed}，表样为 {expected}",
    "S-科目编码无效": "科目编码“{code}”不是 3、5 或 7 位数字，本行数字未读取",
    "S-科目编码缺失": "行“{label}”有数字但没有科目编码，未读取",
    "S-数字无对应行": "数字“{text}”所在的行没有项目名称或科目编码，未读取",
    "S-疑似错行": "{table}“{column}”列的数字与各行的项目错开了一行（整体向{direction}），请核对原表",
    "S-数字无法识别": "“{text}”不是金额，按无法识别处理",
    "S-疑似年份": "“{text}”像年份或序号，不像金额，请核对",
}


def message(code: str, args: Mapping[str, object]) -> str:
    """The Chinese message of one problem (unknown placeholders are left as they are)."""
    template = PROBLEMS.get(code, code)
    try:
        return template.format(**args)
    except (KeyError, IndexError, ValueError):
        return template
