"""The seed disclosure's nine tables typed by hand from the printed document, and writers that lay them out the
way other programs do (foreign sheet names, header wordings, unit lines, merged cells) as .xlsx, .html, .docx.

``SEED`` is the ground truth for the source readers: every figure below was checked against
``../shared/seed/000_d1da4f3a8c0b1cbc.txt`` (the line numbers are in the comments) and is *as printed* —
totals included, so 02 合计 is 235.81 even though its 类 rows add up to 235.80.  Nothing here is computed by
the code under test.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from juesuan_xlsx.disclosure import Disclosure
from juesuan_xlsx.model import Cell

DEPT = "中共株洲市渌口区委机构编制委员会办公室"
Header = list[list[tuple[str, int, int]]]  # rows of (text, colspan, rowspan); a covered position is skipped


@dataclass
class PrintedTable:
    id: str
    title: str
    header: Header
    rows: list[list[str]]  # cell texts, full width
    notes: list[str] = field(default_factory=list)

    @property
    def width(self) -> int:
        return len(self.rows[0])


def _cls(label: str, line: int, amount: str = "") -> list[str]:
    return [label, str(line), amount]


_CLASS_NAMES = ("一般公共服务支出 外交支出 国防支出 公共安全支出 教育支出 科学技术支出 "
                "文化旅游体育与传媒支出 社会保障和就业支出 卫生健康支出 节能环保支出 城乡社区支出 "
                "农林水支出 交通运输支出 资源勘探工业信息等支出 商业服务业等支出 金融支出 "
                "援助其他地区支出 自然资源海洋气象等支出 住房保障支出 粮油物资储备支出 "
                "国有资本经营预算支出 灾害防治及应急管理支出 其他支出 债务还本支出 债务付息支出 "
                "抗疫特别国债安排的支出").split()
_ORD = ("一 二 三 四 五 六 七 八 九 十 十一 十二 十三 十四 十五 十六 十七 十八 十九 二十 二十一 二十二 二十三 二十四 "
        "二十五 二十六").split()


def _table01() -> PrintedTable:  # seed lines 91-316
    income = [("一、一般公共预算财政拨款收入", "235.81"), ("二、政府性基金预算财政拨款收入", ""),
              ("三、国有资本经营预算财政拨款收入", ""), ("四、上级补助收入", ""), ("五、事业收入", ""),
              ("六、经营收入", ""), ("七、附属单位上缴收入", ""), ("八、其他收入", "")] + [("", "")] * 18
    spending = {"一般公共服务支出": "203.08", "教育支出": "0", "社会保障和就业支出": "17.02", "住房保障支出": "15.7"}
    rows = []
    for i in range(26):
        label, amount = income[i]
        name = _CLASS_NAMES[i]
        rows.append([label, str(i + 1), amount, f"{_ORD[i]}、{name}", str(31 + i), spending.get(name, "")])
    rows += [["本年收入合计", "27", "235.81", "本年支出合计", "57", "235.81"],
             ["使用非财政拨款结余（含专用结余）", "28", "", "结余分配", "58", ""],
             ["年初结转和结余", "29", "0", "年末结转和结余", "59", "0"],
             ["总计", "30", "235.81", "总计", "60", "235.81"]]
    header: Header = [[("收入", 3, 1), ("支出", 3, 1)],
                      [("项    目", 1, 1), ("行次", 1, 1), ("决算数", 1, 1), ("项    目", 1, 1), ("行次", 1, 1),
                       ("决算数", 1, 1)],
                      [("栏    次", 1, 1), ("", 1, 1), ("1", 1, 1), ("栏    次", 1, 1), ("", 1, 1), ("2", 1, 1)]]
    return PrintedTable("01", "收入支出决算总表", header, rows, ["注：本表反映部门本年度的总收支和年末结转结余情况。"])


_CODES = [("201", "一般公共服务支出", "203.08"), ("20132", "组织事务", "203.08"), ("2013201", "行政运行", "203.08"),
          ("208", "社会保障和就业支出", "17.02"), ("20805", "行政事业单位养老支出", "17.02"),
          ("2080501", "行政单位离退休", "0.12"), ("2080505", "机关事业单位基本养老保险缴费支出", "16.9"),
          ("221", "住房保障支出", "15.7"), ("22102", "住房改革支出", "15.7"), ("2210201", "住房公积金", "15.7")]


def _table02() -> PrintedTable:  # seed lines 326-472
    titles = ["本年收入合计", "财政拨款收入", "上级补助收入", "事业收入", "经营收入", "附属单位上缴收入", "其他收入"]
    header: Header = [[("项    目", 2, 1)] + [(t, 1, 2) for t in titles],
                      [("功能分类科目编码", 1, 1), ("科目名称", 1, 1)],
                      [("栏次", 2, 1)] + [(str(i), 1, 1) for i in range(1, 8)]]
    rows = [["合计", "", "235.81", "235.81", "0", "0", "0", "0", "0"]]
    rows += [[code, name, amount, amount, "", "", "", "", ""] for code, name, amount in _CODES]
    return PrintedTable("02", "收入决算表", header, rows)


def _table03() -> PrintedTable:  # seed lines 482-612
    titles = ["本年支出合计", "基本支出", "项目支出", "上缴上级支出", "经营支出", "对附属单位补助支出"]
    header: Header = [[("项    目", 2, 1)] + [(t, 1, 2) for t in titles],
                      [("功能分类科目编码", 1, 1), ("科目名称", 1, 1)],
                      [("栏次", 2, 1)] + [(str(i), 1, 1) for i in range(1, 7)]]
    rows = [["合计", "", "235.81", "235.81", "0", "0", "0", "0"]]
    rows += [[code, name, amount, amount, "", "", "", ""] for code, name, amount in _CODES]
    return PrintedTable("03", "支出决算表", header, rows)


def _table04() -> PrintedTable:  # seed lines 629-970
    income = [("一、一般公共预算财政拨款", "235.81"), ("二、政府性基金预算财政拨款", ""),
              ("三、国有资本经营预算财政拨款", "")] + [("", "")] * 23
    spending = {"一般公共服务支出": "203.08", "社会保障和就业支出": "17.02", "住房保障支出": "15.7"}
    rows = []
    for i in range(26):
        name = _CLASS_NAMES[i]
        amount = spending.get(name, "")
        rows.append([income[i][0], str(i + 1), income[i][1], f"{_ORD[i]}、{name}", str(33 + i), amount, amount, "", ""])
    rows += [["本年收入合计", "27", "235.81", "本年支出合计", "59", "235.81", "235.81", "", ""],
             ["年初财政拨款结转和结余", "28", "0", "年末财政拨款结转和结余", "60", "0", "0", "", ""],
             ["一般公共预算财政拨款", "29", "0", "", "61", "", "", "", ""],
             ["政府性基金预算财政拨款", "30", "", "", "62", "", "", "", ""],
             ["国有资本经营预算财政拨款", "31", "", "", "63", "", "", "", ""],
             ["总计", "32", "235.81", "总计", "64", "235.81", "235.81", "", ""]]
    header: Header = [[("收入", 3, 1), ("支出", 6, 1)],
                      [("项    目", 1, 1), ("行次", 1, 1), ("金额", 1, 1), ("项    目", 1, 1), ("行次", 1, 1),
                       ("合计", 1, 1), ("一般公共预算财政拨款", 1, 1), ("政府性基金预算财政拨款", 1, 1),
                       ("国有资本经营预算财政拨款", 1, 1)],
                      [("栏    次", 1, 1), ("", 1, 1), ("1", 1, 1), ("栏    次", 1, 1), ("", 1, 1), ("2", 1, 1),
                       ("3", 1, 1), ("4", 1, 1), ("5", 1, 1)]]
    return PrintedTable("04", "财政拨款收入支出决算总表", header, rows)


def _table05() -> PrintedTable:  # seed lines 984-1072
    header: Header = [[("项 目", 2, 1), ("本年支出", 3, 1)],
                      [("功能分类科目编码", 1, 1), ("科目名称", 1, 1), ("小计", 1, 1), ("基本支出", 1, 1),
                       ("项目支出", 1, 1)],
                      [("栏次", 2, 1), ("1", 1, 1), ("2", 1, 1), ("3", 1, 1)]]
    rows = [["合计", "", "235.81", "235.81", ""]]
    rows += [[code, name, amount, amount, ""] for code, name, amount in _CODES]
    return PrintedTable("05", "一般公共预算财政拨款支出决算表", header, rows)


# 06: (code, name, amount) per panel, as printed (seed lines 1083-1390)
_P301 = [("301", "工资福利支出", "175.11"), ("30101", "基本工资", "58.56"), ("30102", "津贴补贴", "20.73"),
         ("30103", "奖金", "9.88"), ("30106", "伙食补助费", "5.03"), ("30107", "绩效工资", "22.71"),
         ("30108", "机关事业单位基本养老保险缴费", "15.12"), ("30109", "职业年金缴费", ""),
         ("30110", "职工基本医疗保险缴费", "8.79"), ("30111", "公务员医疗补助缴费", ""),
         ("30112", "其他社会保障缴费", "0.49"), ("30113", "住房公积金", "33.81"), ("30114", "医疗费", ""),
         ("30199", "其他工资福利支出", ""), ("303", "对个人和家庭的补助", "5.72"), ("30301", "离休费", ""),
         ("30302", "退休费", ""), ("30303", "退职（役）费", ""), ("30304", "抚恤金", ""), ("30305", "生活补助", "0.12"),
         ("30306", "救济费", ""), ("30307", "医疗费补助", "5.6"), ("30308", "助学金", ""), ("30309", "奖励金", ""),
         ("30310", "个人农业生产补贴", ""), ("30311", "代缴社会保险费", ""), ("30399", "其他对个人和家庭的补助", "")]
_P302 = [("302", "商品和服务支出", "54.97"), ("30201", "办公费", "29.31"), ("30202", "印刷费", "1.19"),
         ("30203", "咨询费", ""), ("30204", "手续费", ""), ("30205", "水费", "1.83"), ("30206", "电费", "1"),
         ("30207", "邮电费", ""), ("30208", "取暖费", ""), ("30209", "物业管理费", ""), ("30211", "差旅费", "2.22"),
         ("30212", "因公出国（境）费用", ""), ("30213", "维修（护）费", "0.47"), ("30214", "租赁费", ""),
         ("30215", "会议费", "0"), ("30216", "培训费", "0"), ("30217", "公务接待费", "0.08"),
         ("30218", "专用材料费", ""),
         ("30224", "被装购置费", ""), ("30225", "专用燃料费", ""), ("30226", "劳务费", ""), ("30227", "委托业务费", ""),
         ("30228", "工会经费", "8.45"), ("30229", "福利费", "0.17"), ("30231", "公务用车运行维护费", ""),
         ("30239", "其他交通费用", "10.27"), ("30240", "税金及附加费用", ""), ("30299", "其他商品和服务支出", "")]
_P307 = [("307", "债务利息及费用支出", ""), ("30701", "国内债务付息", ""), ("30702", "国外债务付息", ""),
         ("310", "资本性支出", ""), ("31001", "房屋建筑物购建", ""), ("31002", "办公设备购置", ""),
         ("31003", "专用设备购置", ""), ("31005", "基础设施建设", ""), ("31006", "大型修缮", ""),
         ("31007", "信息网络及软件购置更新", ""), ("31008", "物资储备", ""), ("31009", "土地补偿", ""),
         ("31010", "安置补助", ""), ("31011", "地上附着物和青苗补偿", ""), ("31012", "拆迁补偿", ""),
         ("31013", "公务用车购置", ""), ("31019", "其他交通工具购置", ""), ("31021", "文物和陈列品购置", ""),
         ("31022", "无形资产购置", ""), ("31099", "其他资本性支出", ""), ("399", "其他支出", ""),
         ("39907", "国家赔偿费用支出", ""), ("39908", "对民间非营利组织和群众性自治组织补贴", ""),
         ("39909", "经常性赠与", ""), ("39910", "资本性赠与", ""), ("39999", "其他支出", "")]


def _table06() -> PrintedTable:
    n = max(len(_P301), len(_P302), len(_P307))
    rows = []
    for i in range(n):
        row: list[str] = []
        for panel in (_P301, _P302, _P307):
            row.extend(panel[i] if i < len(panel) else ("", "", ""))
        rows.append(row)
    rows.append(["人员经费合计", "", "180.83", "公用经费合计", "", "54.97", "", "", ""])
    header: Header = [[("经济分类科目编码", 1, 1), ("科目名称", 1, 1), ("决算数", 1, 1)] * 3]
    return PrintedTable("06", "一般公共预算财政拨款基本支出决算明细表", header, rows)


def _table07() -> PrintedTable:  # seed lines 1403-1464
    header: Header = [[("项 目", 2, 1), ("年初结转和结余", 1, 2), ("本年收入", 1, 2), ("本年支出", 3, 1),
                       ("年末结转和结余", 1, 2)],
                      [("科目代码", 1, 1), ("科目名称", 1, 1), ("小计", 1, 1), ("基本支出", 1, 1), ("项目支出", 1, 1)],
                      [("栏次", 2, 1)] + [(str(i), 1, 1) for i in range(1, 7)]]
    rows = [["合计", "", "0", "0", "0", "0", "0", "0"]]
    return PrintedTable("07", "政府性基金预算财政拨款收入支出决算表", header, rows,
                        ["说明：我单位没有政府性基金收入，也没有使用政府性基金安排的支出，故本表无数据。"])


def _table08() -> PrintedTable:  # seed lines 1476-1520
    header: Header = [[("项    目", 2, 1), ("本年支出", 3, 1)],
                      [("科目代码", 1, 1), ("科目名称", 1, 1), ("合计", 1, 1), ("基本支出", 1, 1), ("项目支出", 1, 1)],
                      [("栏次", 2, 1), ("1", 1, 1), ("2", 1, 1), ("3", 1, 1)]]
    rows = [["合计", "", "", "0", ""]]
    return PrintedTable("08", "国有资本经营预算财政拨款支出决算表", header, rows,
                        ["说明：我单位没有使用国有资本经营预算安排的支出，故本表无数据。"])


def _table09() -> PrintedTable:  # seed lines 1530-1583
    items: list[tuple[str, int, int]] = [("合计", 1, 2), ("因公出国（境）费", 1, 2), ("公务用车购置及运行维护费", 3, 1),
                                         ("公务接待费", 1, 2)]
    header: Header = [[("预算数", 6, 1), ("决算数", 6, 1)], items + items,
                      [("小计", 1, 1), ("公务用车购置费", 1, 1), ("公务用车运行维护费", 1, 1)] * 2,
                      [(str(i), 1, 1) for i in range(1, 13)]]
    rows = [["0.2", "0", "0", "0", "0", "0.2", "0.08", "0", "0", "0", "0", "0.08"]]
    return PrintedTable("09", "财政拨款“三公”经费支出决算表", header, rows)


def seed_tables() -> list[PrintedTable]:
    return [_table01(), _table02(), _table03(), _table04(), _table05(), _table06(), _table07(), _table08(),
            _table09()]


def _d(text: str) -> Decimal | None:
    return Decimal(text) if text else None


def seed_truth() -> dict[Cell, Decimal | None]:
    """Logical cell → printed figure (None: printed blank) of every cell the seed prints."""
    out: dict[Cell, Decimal | None] = {}
    inc = ["inc1", "inc2", "inc3", "inc4", "inc5", "inc6", "inc7", "inc8"]
    t01 = _table01()
    for i, key in enumerate(inc):
        out[Cell("01", key, "amt")] = _d(t01.rows[i][2])
    for i, (code, _) in enumerate(zip(["201", "202", "203", "204", "205", "206", "207", "208", "210", "211", "212",
                                       "213", "214", "215", "216", "217", "219", "220", "221", "222", "223", "224",
                                       "229", "231", "232", "234"], range(26), strict=True)):
        out[Cell("01", code, "amt")] = _d(t01.rows[i][5])
    for i, (ikey, ekey) in enumerate([("inc_total", "exp_total"), ("inc_surplus", "exp_dist"),
                                      ("inc_begin", "exp_end"), ("inc_grand", "exp_grand")]):
        out[Cell("01", ikey, "amt")] = _d(t01.rows[26 + i][2])
        out[Cell("01", ekey, "amt")] = _d(t01.rows[26 + i][5])
    for tid, table, keys in (("02", _table02(), ["total", "fiscal", "superior", "business", "operating",
                                                  "affiliated", "other"]),
                             ("03", _table03(), ["total", "basic", "project", "upper", "operating", "subsidy"]),
                             ("05", _table05(), ["total", "basic", "project"])):
        for r, row in enumerate(table.rows):
            key = "sum" if r == 0 else f"#{r}"
            for k, text in zip(keys, row[2:], strict=True):
                out[Cell(tid, key, k)] = _d(text)
    out.update({Cell("04", "inc1", "amt"): Decimal("235.81"), Cell("04", "inc2", "amt"): None,
                Cell("04", "inc3", "amt"): None, Cell("04", "inc_total", "amt"): Decimal("235.81"),
                Cell("04", "begin", "amt"): Decimal(0), Cell("04", "begin_gen", "amt"): Decimal(0),
                Cell("04", "begin_fund", "amt"): None, Cell("04", "begin_soe", "amt"): None,
                Cell("04", "inc_grand", "amt"): Decimal("235.81")})
    for code, amount in (("201", "203.08"), ("208", "17.02"), ("221", "15.7"), ("202", "")):
        out[Cell("04", code, "total")] = _d(amount)
        out[Cell("04", code, "gen")] = _d(amount)
    for key, amount in (("exp_total", "235.81"), ("end", "0"), ("exp_grand", "235.81")):
        out[Cell("04", key, "total")] = _d(amount)
        out[Cell("04", key, "gen")] = _d(amount)
        out[Cell("04", key, "fund")] = None
        out[Cell("04", key, "soe")] = None
    for code, _, amount in _P301 + _P302 + _P307:
        out[Cell("06", code, "amt")] = _d(amount)
    out[Cell("06", "personnel", "amt")] = Decimal("180.83")
    out[Cell("06", "public", "amt")] = Decimal("54.97")
    for k in ("begin", "income", "exp_total", "basic", "project", "end"):
        out[Cell("07", "sum", k)] = Decimal(0)
    out[Cell("08", "sum", "total")] = None
    out[Cell("08", "sum", "basic")] = Decimal(0)
    out[Cell("08", "sum", "project")] = None
    keys09 = ["b_total", "b_abroad", "b_car", "b_car_buy", "b_car_run", "b_recept",
              "a_total", "a_abroad", "a_car", "a_car_buy", "a_car_run", "a_recept"]
    for k, text in zip(keys09, _table09().rows[0], strict=True):
        out[Cell("09", "sg", k)] = _d(text)
    return out


SEED_CODES = [code for code, _, _ in _CODES]


# ----------------------------------------------------------------------------------------------------------
# foreign layouts


@dataclass
class Style:
    """How a foreign program lays the tables out."""

    sheet_name: Callable[[PrintedTable], str] = lambda t: f"公开{t.id}表"
    label: bool = True  # print the 公开NN表 line
    unit: Callable[[PrintedTable], str] = lambda t: "万元"
    words: dict[str, str] = field(default_factory=dict)  # header wording replaced
    lanci: bool = True  # print the 栏次 row
    numbers: bool = True  # figures as numbers (False: as text)
    year_title: bool = False  # a title line "2024年度…" at the top of each sheet


def _scaled(text: str, unit: str) -> str | Decimal:
    if not text:
        return ""
    try:
        value = Decimal(text)
    except ArithmeticError:
        return text
    return value * 10000 if unit == "元" else value


def _is_figure(table: PrintedTable, c: int, text: str) -> bool:
    if table.id in ("02", "03", "05", "07", "08"):
        return c >= 2
    if table.id == "06":
        return c % 3 == 2
    if table.id == "01":
        return c in (2, 5)
    if table.id == "04":
        return c in (2, 5, 6, 7, 8)
    return True


def write_xlsx(path: Path, tables: list[PrintedTable], style: Style | None = None) -> Path:
    """The tables as a foreign workbook (openpyxl): one sheet each, title, label, 部门/单位 line, merged header."""
    import openpyxl

    style = style or Style()
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for table in tables:
        ws = wb.create_sheet(style.sheet_name(table))
        unit = style.unit(table)
        r = 1
        if style.year_title:
            ws.cell(r, 1, "2024年度部门决算")
            r += 1
        ws.cell(r, 1, table.title)
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=table.width)
        r += 1
        if style.label:
            ws.cell(r, table.width, f"公开{table.id}表")
            r += 1
        ws.cell(r, 1, f"部门：{DEPT}")
        ws.cell(r, table.width, f"单位：{unit}")
        r += 1
        r = _header_cells(table, style, r, ws.cell,
                          lambda r0, c0, r1, c1, ws=ws: ws.merge_cells(start_row=r0, start_column=c0, end_row=r1,
                                                                       end_column=c1))
        for row in table.rows:
            for c, text in enumerate(row):
                value: object = text
                if _is_figure(table, c, text) and text:
                    scaled = _scaled(text, unit)
                    value = float(scaled) if style.numbers and isinstance(scaled, Decimal) else str(scaled)
                ws.cell(r, c + 1, value if value != "" else None)
            r += 1
        for note in table.notes:
            ws.cell(r, 1, note)
            r += 1
    wb.save(path)
    return path


def _header_cells(table: PrintedTable, style: Style, r: int, put: Callable[[int, int, str], object],
                  merge: Callable[[int, int, int, int], object]) -> int:
    taken: set[tuple[int, int]] = set()
    for i, hrow in enumerate(table.header):
        lanci = any(t.replace(" ", "") == "栏次" for t, _, _ in hrow) or all(t.isdigit() for t, _, _ in hrow)
        if lanci and not style.lanci:
            continue
        c = 0
        for text, cs, rs in hrow:
            while (i, c) in taken:
                c += 1
            put(r, c + 1, style.words.get(text.replace(" ", ""), text))
            if cs > 1 or rs > 1:
                merge(r, c + 1, r + rs - 1, c + cs)
            for dr in range(rs):
                for dc in range(cs):
                    taken.add((i + dr, c + dc))
            c += cs
        r += 1
    return r


def write_html(path: Path, tables: list[PrintedTable]) -> Path:
    parts = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>2024年度部门决算</title></head><body>",
             f"<h1>{DEPT}2024年度部门决算</h1>", "<p>第二部分 部门决算表</p>"]
    for table in tables:
        parts.append(f"<p style='text-align:center'><b>{table.title}（公开{table.id}表）</b></p>")
        parts.append(f"<p>部门：{DEPT}&nbsp;&nbsp;&nbsp;&nbsp;单位：万元</p><table border='1'>")
        for hrow in table.header:
            parts.append("<tr>" + "".join(f"<th colspan='{cs}' rowspan='{rs}'>{t}</th>" for t, cs, rs in hrow)
                         + "</tr>")
        for row in table.rows:
            parts.append("<tr>" + "".join(f"<td>{t}</td>" for t in row) + "</tr>")
        parts.append("</table>")
        parts.extend(f"<p>{n}</p>" for n in table.notes)
    parts.append("<h2>第三部分 情况说明</h2><p>一、收入支出决算总体情况说明</p>"
                 "<p>2024年度收、支总计235.81万元。</p></body></html>")
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def write_docx(path: Path, tables: list[PrintedTable]) -> Path:
    import docx

    document = docx.Document()
    document.add_paragraph(f"{DEPT}2024年度部门决算")
    for table in tables:
        document.add_paragraph(table.title)
        document.add_paragraph(f"公开{table.id}表")
        document.add_paragraph(f"部门：{DEPT}\t\t单位：万元")
        height = len(table.header) + len(table.rows)
        grid = document.add_table(rows=height, cols=table.width)
        cells: dict[tuple[int, int], str] = {}
        merges: list[tuple[int, int, int, int]] = []
        _header_cells(table, Style(), 0, lambda rr, cc, text, cells=cells: cells.__setitem__((rr, cc - 1), text),
                      lambda r0, c0, r1, c1, merges=merges: merges.append((r0, c0 - 1, r1, c1 - 1)))
        for (rr, cc), text in cells.items():
            grid.cell(rr, cc).text = text
        for r0, c0, r1, c1 in merges:
            grid.cell(r0, c0).merge(grid.cell(r1, c1))
            grid.cell(r0, c0).text = cells[(r0, c0)]
        for i, row in enumerate(table.rows):
            r = len(table.header) + i
            for c, text in enumerate(row):
                grid.cell(r, c).text = text
        for note in table.notes:
            document.add_paragraph(note)
    document.add_paragraph("第三部分 部门决算情况说明")
    document.add_paragraph("一、收入支出决算总体情况说明")
    document.add_paragraph("2024年度收、支总计235.81万元。与上年相比，减少13.6万元，降低5.45%。")
    document.save(str(path))
    return path


def convert_to_xls(xlsx: Path, outdir: Path) -> Path | None:
    """The workbook saved as .xls by LibreOffice (None when LibreOffice is not installed)."""
    return convert(xlsx, outdir, "xls")


def convert(source: Path, outdir: Path, fmt: str) -> Path | None:
    """``source`` converted by a headless LibreOffice (None when LibreOffice is not installed)."""
    import shutil

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        return None
    with tempfile.TemporaryDirectory(prefix="juesuan-lo-") as profile:
        subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", fmt,
                        "--outdir", str(outdir), str(source)], check=True, capture_output=True, timeout=180)
    out = outdir / f"{source.stem}.{fmt}"
    return out if out.is_file() else None


# ----------------------------------------------------------------------------------------------------------
# hostile and unusual files, built byte by byte


def minimal_pdf(*, image: bool = False, text: str | None = None, encrypt: bool = False) -> bytes:
    """A one-page PDF: an image only (a scan), a line of text, and/or an /Encrypt dictionary with a user password
    (its /U does not match the empty password, so a reader must ask for one)."""
    content = b""
    if image:
        content += b"q 200 0 0 200 0 0 cm /Im1 Do Q\n"
    if text is not None:
        content += b"BT /F1 12 Tf 20 100 Td (" + text.encode("latin-1") + b") Tj ET\n"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Resources << /XObject << /Im1 4 0 R >> "
        b"/Font << /F1 6 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray /BitsPerComponent 8 "
        b"/Length 4 >>\nstream\n\x00\xff\xff\x00\nendstream",
        b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"endstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    if encrypt:
        objects.append(b"<< /Filter /Standard /V 1 /R 2 /O <" + b"11" * 32 + b"> /U <" + b"22" * 32
                       + b"> /P -44 >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    trailer = f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R".encode()
    if encrypt:
        trailer += f" /Encrypt {len(objects)} 0 R /ID [<{'ab' * 16}> <{'ab' * 16}>]".encode()
    out += trailer + f" >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def ole_file(streams: list[tuple[str, bytes]], storage: tuple[str, list[tuple[str, bytes]]] | None = None) -> bytes:
    """A compound file (OLE2, version 3) with ``streams`` at its root and optionally one storage of streams.
    Every stream is padded to 4096 bytes at least, so no mini stream is needed."""
    import struct

    sector = 512
    end, free, fat_mark, nostream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    inner = storage[1] if storage else []
    named = [(name, data if len(data) >= 4096 else data.ljust(4096, b"\x00")) for name, data in streams + inner]

    def pad(data: bytes) -> bytes:
        return data + b"\x00" * (-len(data) % sector)

    bodies = [pad(data) for _, data in named]
    starts, fat = [], []
    start = 0
    for body in bodies:
        count = len(body) // sector
        starts.append(start)
        fat.extend(range(start + 1, start + count))
        fat.append(end)
        start += count
    n_entries = 1 + len(named) + (1 if storage else 0)
    dir_count = -(-n_entries * 128 // sector)
    dir_start = start
    fat.extend(list(range(dir_start + 1, dir_start + dir_count)) + [end])
    n_fat = 1
    while len(fat) + n_fat > n_fat * 128:
        n_fat += 1
    fat_start = dir_start + dir_count
    fat.extend([fat_mark] * n_fat)
    fat.extend([free] * (n_fat * 128 - len(fat)))

    def entry(name: str, kind: int, right: int, child: int, first: int, size: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\x00\x00"
        return (raw.ljust(64, b"\x00") + struct.pack("<HBB3I", len(raw), kind, 1, nostream, right, child)
                + b"\x00" * 20 + b"\x00" * 16 + struct.pack("<IQ", first, size))

    # root's children: the root streams (and the storage) chained by right siblings
    top = len(streams) + (1 if storage else 0)
    entries = [entry("Root Entry", 5, nostream, 1 if top else nostream, end, 0)]
    for k, (name, data) in enumerate(named[: len(streams)]):
        right = k + 2 if k + 1 < top else nostream
        entries.append(entry(name, 2, right, nostream, starts[k], len(data)))
    if storage:
        first_inner = len(streams) + 2
        entries.append(entry(storage[0], 1, nostream, first_inner, 0, 0))
        for k, (name, data) in enumerate(named[len(streams):]):
            right = first_inner + k + 1 if k + 1 < len(inner) else nostream
            entries.append(entry(name, 2, right, nostream, starts[len(streams) + k], len(data)))
    directory = b"".join(entries)
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\x00" * 6
              + struct.pack("<IIIIIIIII", 0, n_fat, dir_start, 0, 4096, end, 0, end, 0)
              + b"".join(struct.pack("<I", fat_start + i) for i in range(n_fat))
              + b"\xff\xff\xff\xff" * (109 - n_fat))
    return header + b"".join(bodies) + pad(directory) + b"".join(struct.pack("<I", v) for v in fat)


def ole_with_macros(workbook_stream: bytes) -> bytes:
    """An .xls as Excel saves one with macros: its Workbook stream and a _VBA_PROJECT_CUR storage (whose
    content is padding here: it is never run, nor read)."""
    return ole_file([("Workbook", workbook_stream)],
                    ("_VBA_PROJECT_CUR", [("PROJECT", b'ID="{00000000-0000-0000-0000-000000000000}"\r\n')]))


def tables_from(disclosure: Disclosure) -> list[PrintedTable]:
    """A Disclosure's tables laid out as its spec prints them (header, label column texts, figures as printed):
    what another program would save after reading the same document."""
    from juesuan_xlsx.spec import SUM_ROW, chinese_ordinal, header_merges

    spec = disclosure.spec
    out: list[PrintedTable] = []
    for table in spec.tables:
        if table.id in disclosure.missing_tables:
            continue
        header: Header = []
        for r in range(len(table.header)):
            header.append([(text, c1 - c0 + 1, r1 - r0 + 1) for r0, c0, r1, c1, text in header_merges(table.header)
                           if r0 == r])

        def printed(cell: Cell) -> str:
            p = disclosure.figures.get(cell)
            return "" if p is None else p.text

        rows: list[list[str]] = []
        if table.kind == "codes":
            code_rows = [[r.code or "", r.name] + [printed(Cell(table.id, r.key, c.key)) for c in table.columns]
                         for r in disclosure.inst.code_tables[table.id].rows]
            total = ["合计", ""] + [printed(Cell(table.id, SUM_ROW, c.key)) for c in table.columns]
            rows = code_rows + [total] if table.sum_row == "last" else [total] + code_rows
        else:
            columns: list[list[list[str]]] = []
            for panel in table.panels:
                lines: list[list[str]] = []
                classes = iter(range(1, 100))
                for row in panel.rows:
                    texts = []
                    for f in panel.fields:
                        if f == "label":
                            label = row.label
                            if row.code and row.code in spec.class_codes:
                                label = f"{chinese_ordinal(next(classes))}、{dict(spec.classes)[row.code]}"
                            texts.append(label)
                        elif f == "line":
                            texts.append(str(row.line or ""))
                        elif f == "code":
                            texts.append(row.code or "")
                        elif f == "name":
                            texts.append(row.label)
                        else:
                            texts.append(printed(Cell(table.id, row.key, f)) if row.key else "")
                    lines.append(texts)
                columns.append(lines)
            height = max(len(c) for c in columns)
            for i in range(height):
                rows.append([t for panel, lines in zip(table.panels, columns, strict=True)
                             for t in (lines[i] if i < len(lines) else [""] * len(panel.fields))])
            footer = [t for panel in table.panels for t in
                      ([panel.footer[0].label] + [""] * (len(panel.fields) - 2)
                       + [printed(Cell(table.id, str(panel.footer[0].key), "amt"))] if panel.footer
                       else [""] * len(panel.fields))]
            if any(footer):
                rows.append(footer)
        out.append(PrintedTable(table.id, table.title, header, rows))
    return out
