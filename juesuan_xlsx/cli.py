"""The command line: a thin layer over the library.  Every message a user reads is Chinese.

Exit status: 0 success, 1 the files have errors (verify), 2 a usage error or a file that cannot be written.
"""

from __future__ import annotations

import os
import re
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from . import __version__, errors
from .atomic import OutputExists
from .codes import CodeError, load_user_codes
from .contract import UNIT_NAMES, YUAN
from .spec import SpecError, load_spec
from .zh import install_chinese, translate_error


class UsageError(click.ClickException):
    """A problem with the arguments or the environment: one Chinese line, exit status 2, no traceback."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"错误：{self.format_message()}", err=True)


# -j/--jobs for every command that verifies a batch of files
jobs_option = click.option("-j", "--jobs", type=click.IntRange(1, 64), default=None, metavar="N",
                           help="同时校验的文件数，默认为 CPU 核数。")

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=CONTEXT, options_metavar="[选项]", subcommand_metavar="命令 [参数]...")
@click.version_option(__version__, "-V", "--version", prog_name="juesuan-xlsx", message="%(prog)s %(version)s",
                      help="显示版本号并退出。")
def cli() -> None:
    """部门决算公开九张表（公开01表—公开09表）：生成带公式的 Excel 模板，校验回收的报表，导出公开文件。

    Chinese public final accounts (部门决算) workbooks: generate, verify, export.
    """


def os_reason(exc: OSError) -> str:
    """An OS error met while writing an output, in Chinese."""
    return errors.os_reason(exc, writing=True)


def _load_spec(year: int, profile: str) -> Any:
    try:
        return load_spec(year, profile)
    except SpecError as exc:
        raise UsageError(str(exc)) from None


def _user_codes(codes_file: str | None) -> dict[str, Any] | None:
    """The entries of a --codes-file (None without one); a file that cannot be read is a usage error."""
    if not codes_file:
        return None
    try:
        return dict(load_user_codes(codes_file))
    except OSError as exc:
        raise UsageError(f"读取科目文件失败：{codes_file}：{errors.os_reason(exc)}") from None
    except CodeError as exc:
        raise UsageError(f"读取科目文件失败：{exc}") from None


def _dictionary(spec: Any, codes_file: str | None) -> Any:
    extra = _user_codes(codes_file)
    return spec.gongneng.merged(extra) if extra else spec.gongneng


def _output(output: str | None, suffixes: tuple[str, ...]) -> str | None:
    """An output name as given (None: the command's default), refused when it cannot be what the command writes:
    empty, "-" (no command writes to standard output) or a name whose extension says another kind of file."""
    if output is None:
        return None
    if not output.strip():
        raise UsageError("-o/--output 不能为空，请给出输出文件名")
    if output.strip() == "-":
        raise UsageError("-o/--output 不能是“-”：本工具不向标准输出写文件，请给出文件名")
    if suffixes and not output.lower().endswith(suffixes):
        raise UsageError(f"输出文件应以 {' 或 '.join(suffixes)} 结尾：{output}")
    return output


def _existing(paths: Sequence[str]) -> None:
    """Every path named on the command line exists (a missing one is a usage error, not a finding)."""
    missing = [p for p in paths if not os.path.lexists(p)]
    if missing:
        raise UsageError(f"找不到文件或目录：{'、'.join(missing)}")


def _parse_codes(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    codes = tuple(c for c in re.split(r"[,，;；\s]+", text.strip()) if c)
    if not codes:
        raise UsageError("--codes 没有给出任何科目编码，例如：--codes 2013201,2080505")
    for code in codes:
        if not re.fullmatch(r"\d{3}(\d{2}){0,2}", code):
            raise UsageError(f"科目编码“{code}”格式不对：应为 3 位（类）、5 位（款）或 7 位（项）数字")
    return codes


def _check_prior(path: str, last: Any, spec: Any) -> None:
    """--like takes last year's figures as 上年数: refuse a file that cannot give them (issue 15 #9)."""
    from .checks import BLANK_RETURN

    prior = last.spec
    if prior is not None and prior.year != spec.year - 1:
        raise UsageError(f"--like 应给出上一年度（{spec.year - 1} 年）的报表，{path} 是 {prior.year} 年的")
    # a publication's narrative mistakes (N-…) do not make its tables' figures wrong; table errors do
    errors = sum(1 for f in last.report.findings if f.level.value == "error" and not f.code.startswith("N-"))
    if errors:
        raise UsageError(f"上年报表 {path} 有 {errors} 个错误，其数字不能作为上年数："
                         f"请先改正（juesuan-xlsx verify {path}）")
    if BLANK_RETURN.code in last.report.codes():
        raise UsageError(f"上年报表 {path} 没有填写任何金额（空白模板），没有上年数可沿用")
    if prior is not None and prior.profile != spec.profile:
        click.echo(f"注意：上年报表是{prior.layout_name}，新模板按{spec.layout_name}生成（--profile）", err=True)


def _read_prior(path: str) -> Any:
    """Last year's workbook or publication for ``new --like``, read once (its layout is the default layout)."""
    from .verify import verify

    last = verify(path, evaluate=False)
    if last.read is None and last.disclosure is None:
        problem = "；".join(f.message for f in last.report.findings if f.level.value == "error")
        raise UsageError(f"无法读取上年报表 {path}：{problem or last.report.kind}")
    return last


def _carry(path: str, last: Any, spec: Any) -> tuple[Any, str]:
    """What ``new --like`` takes from last year's workbook or publication, and its 部门."""
    from .carry import carry_forward

    _check_prior(path, last, spec)
    try:
        return carry_forward(last, spec), last.dept
    except (OSError, ValueError, KeyError) as exc:
        raise UsageError(f"无法读取上年报表 {path}：{exc}") from None


@cli.command("new", context_settings=CONTEXT, options_metavar="[选项]")
@click.argument("year", type=int)
@click.option("--dept", default="", help="部门（单位）名称，写入每张表的“部门：”一行。")
@click.option("--profile", default=None,
              help="表样格式：central（通用/中央、湖南等，默认）或 shanghai（上海）；"
                   "给了 --like 时默认沿用上年报表的表样。")
@click.option("--codes", "codes_text", metavar="编码,编码,…",
              help="本部门使用的功能分类科目（项级 7 位即可，类、款自动补齐）。不给则生成可自由填写科目的空白行。")
@click.option("--codes-file", type=click.Path(dir_okay=False), metavar="文件.csv",
              help="补充或覆盖内置的功能分类科目字典（每行：编码,名称[,一般/基金/国资]）。")
@click.option("--like", type=click.Path(dir_okay=False), metavar="上年报表.xlsx",
              help="以上年的报表为底：沿用其功能分类科目（名称按本年字典，改名的列出），上年数填入“说明”表。")
@click.option("--unit", default="万元", show_default=True, metavar="万元|元",
              type=click.Choice(sorted(UNIT_NAMES), case_sensitive=False),
              help="金额填写单位。元（也可写 yuan）：按账上的元填写，合计精确、校验不留尾差，另附各表的万元视图；"
                   "公开时用 export --balanced 使万元数也严格相符。")
@click.option("-o", "--output", type=click.Path(dir_okay=False), metavar="文件.xlsx",
              help="输出文件，默认“YEAR年部门决算公开表.xlsx”。")
@click.option("--force", is_flag=True, help="输出文件已存在时覆盖。")
def new_command(year: int, dept: str, profile: str | None, codes_text: str | None, codes_file: str | None,
                like: str | None, unit: str, output: str | None, force: bool) -> None:
    """生成 YEAR 年度的部门决算公开表模板（一个 .xlsx 工作簿，含九张表、填表说明和校验表）。

    \b
    例：juesuan-xlsx new 2024 --dept 某某局
        juesuan-xlsx new 2024 --codes 2013201,2080505,2210201 -o 某某局2024.xlsx
        juesuan-xlsx new 2025 --like 2024年报表.xlsx
        juesuan-xlsx new 2024 --unit 元
    """
    from .generate import Options, check_template_codes, generate

    output = _output(output, (".xlsx",))
    prior = _read_prior(like) if like is not None else None
    # the layout goes on as last year's (a workbook's marker, or the layout a publication was recognised as)
    prior_profile = prior.spec.profile if prior is not None and prior.spec is not None else None
    spec = _load_spec(year, (profile or prior_profile or "central").lower())
    codes = _parse_codes(codes_text)
    dictionary = _dictionary(spec, codes_file)
    path = Path(output or f"{year}年部门决算公开表.xlsx")
    shuoming = None
    if like is not None:
        if codes is not None:
            raise UsageError("--like 与 --codes 不能同时使用")
        carried, last_dept = _carry(like, prior, spec)
        codes, shuoming = carried.codes or None, carried.shuoming
        dept = dept or last_dept
        click.echo(f"沿用上年报表 {like}（{carried.source}）：{len(carried.codes)} 个功能分类科目，"
                   "上年数已填入“说明”表")
        for item in carried.renamed:
            click.echo(f"  科目 {item.code} 改名：{item.old} → {item.new}")
    if codes:
        check_template_codes(spec, codes, dictionary)  # refused before any hint about names (issue 15 #10)
        unknown = [c for c in codes if dictionary.name(c) is None]
        if unknown:
            click.echo(f"提示：以下科目不在内置字典中，请在表中“科目名称”列填写名称：{'、'.join(unknown)}", err=True)
    try:
        generate(spec, path, Options(dept=dept, codes=codes, dictionary=dictionary, shuoming=shuoming,
                                     unit=UNIT_NAMES[unit.lower()]), overwrite=force)
    except OutputExists as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"无法写入 {path}：{os_reason(exc)}") from None
    first, last = spec.tables[0], spec.tables[-1]
    tables = f"{first.display_name}—{last.display_name}" if first.label_visible else f"共 {len(spec.tables)} 张表"
    in_yuan = "，金额单位：元，附万元视图" if UNIT_NAMES[unit.lower()] == YUAN else ""
    click.echo(f"已生成：{path}（{spec.year} 年 {spec.layout_name}，{tables}{in_yuan}）")


@cli.command("verify", context_settings=CONTEXT, options_metavar="[选项]")
@click.argument("paths", nargs=-1, required=True, metavar="文件或目录...")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON（带版本号的结构，与库的报告对象一致）。")
@click.option("--strict", is_flag=True, help="把警告也当作错误（影响退出码）。")
@click.option("--annotate", type=click.Path(file_okay=False), metavar="输出目录",
              help="把每个文件复制一份到该目录，问题单元格标色并加批注；原文件不动。")
@click.option("--codes-file", type=click.Path(dir_okay=False), metavar="文件.csv",
              help="补充或覆盖内置的功能分类科目字典。")
@click.option("--notes/--no-notes", default=True, show_default=True, help="是否列出“尾差”等提示。")
@click.option("--force", is_flag=True, help="标注目录中已有同名文件时覆盖。")
@jobs_option
def verify_command(paths: tuple[str, ...], as_json: bool, strict: bool, annotate: str | None,
                   codes_file: str | None, notes: bool, force: bool, jobs: int | None) -> None:
    """校验回收的报表：重算全部公式，逐条核对表内、跨表关系，按单元格报告问题。

    \b
    年度和表样从工作簿读取；可以给多个文件或目录。退出码：0 没有错误，1 有文件存在错误，2 用法错误。
    例：juesuan-xlsx verify 回收/ --annotate 标注/
    """
    from .batch import verify_many
    from .report import to_json, to_text
    from .verify import expand_paths, skipped_note

    _existing(paths)
    skipped: list[Path] = []
    files = expand_paths(paths, skipped)
    note = skipped_note(skipped)
    if note:
        click.echo(f"提示：{note}", err=True)
    if not files:
        raise UsageError("没有找到要校验的 .xlsx 文件")
    extra = _user_codes(codes_file)
    report = verify_many(files, strict=strict, extra_codes=extra, jobs=jobs, progress=not as_json and len(files) > 3)
    if annotate:
        from .annotate import annotate_all

        try:
            written = annotate_all(report, Path(annotate), overwrite=force)
        except OutputExists as exc:
            raise UsageError(str(exc)) from None
        except OSError as exc:
            raise UsageError(f"无法写入标注目录 {annotate}：{os_reason(exc)}") from None
        if not as_json:
            click.echo(f"已写出 {len(written)} 个标注文件到 {annotate}", err=True)
    click.echo(to_json(report) if as_json else to_text(report, notes=notes))
    if not report.valid:
        raise SystemExit(1)


@cli.command("export", context_settings=CONTEXT, options_metavar="[选项]")
@click.argument("path", metavar="文件", type=click.Path(dir_okay=False))
@click.option("--to", "fmt", required=True,
              type=click.Choice(["xlsx", "docx", "pdf", "csv", "json"], case_sensitive=False),
              help="导出格式：xlsx（公开用表格）、docx（完整公开文本）、pdf、csv（每表一个文件）、json。")
@click.option("-o", "--output", type=click.Path(), metavar="输出",
              help="输出文件（csv 为输出目录）；默认在原文件旁按格式命名。")
@click.option("--codes-file", type=click.Path(dir_okay=False), metavar="文件.csv",
              help="补充或覆盖内置的功能分类科目字典（校验和导出的科目名称都使用它）。")
@click.option("--force", is_flag=True, help="输出文件已存在时覆盖。")
@click.option("--ignore-errors", is_flag=True,
              help="校验有错误（或报表没有填写任何金额）时仍然导出；有错误的每个输出都醒目标注“未通过校验”。")
@click.option("--balanced", is_flag=True,
              help="（按元填写的工作簿）受控舍入：各数在万元上向上或向下取整到分，使所有合计与表间关系在公开数上"
                   "严格相等，并省略“尾数误差”注释；做不到时改为逐数四舍五入并列出有尾差的关系。")
def export_command(path: str, fmt: str, output: str | None, codes_file: str | None, force: bool,
                   ignore_errors: bool, balanced: bool) -> None:
    """先校验，再把报表导出为公开文件；情况说明由表中数字生成，不会与表格矛盾。

    \b
    年度和表样（通用格式或上海格式）从工作簿读取，导出的文件按该表样排版。
    校验有错误或没有填写任何金额时拒绝导出（退出码 1），除非加 --ignore-errors。
    已有的输出文件不会被覆盖，除非加 --force。
    公开金额一律以万元列示：按元填写的工作簿（new --unit 元）默认逐数四舍五入（与各“（万元）”表相同），
    加 --balanced 则用受控舍入，使各表合计与表间关系在万元上也严格相等。
    例：juesuan-xlsx export 某某局2024.xlsx --to docx
    """
    from .export import BlankReturn, ExportRefused, default_output, export_report
    from .report import to_text
    from .verify import Report

    fmt = fmt.lower()
    _existing([path])
    output = _output(output, () if fmt == "csv" else (f".{fmt}",))
    if fmt == "csv" and output is not None and Path(output).suffix.lower() in _FILE_SUFFIXES:
        raise UsageError(f"导出 csv 时 -o 应为一个目录（九张表各一个文件），不是文件名：{output}")
    extra = _user_codes(codes_file)
    target = Path(output) if output else default_output(path, fmt)
    try:
        exported = export_report(path, fmt, target, force=ignore_errors, overwrite=force, extra_codes=extra,
                                 balanced=balanced)
    except ExportRefused as exc:
        if not isinstance(exc, BlankReturn):
            click.echo(to_text(Report([exc.report]), notes=False))
        click.echo(f"错误：{exc}", err=True)
        raise SystemExit(1) from None
    except OSError as exc:
        if isinstance(exc, errors.JuesuanError):
            raise
        raise UsageError(f"无法写入 {target}：{os_reason(exc)}") from None
    for warning in exported.warnings:
        click.echo(f"警告：{warning}", err=True)
    for note in exported.notes:
        click.echo(f"提示：{note}", err=True)
    for item in exported.written:
        click.echo(f"已导出：{item}" + ("（未通过校验）" if exported.stamped else ""))


@cli.command("merge", context_settings=CONTEXT, options_metavar="[选项]")
@click.argument("paths", nargs=-1, required=True, metavar="文件或目录...")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), metavar="部门汇总.xlsx",
              help="汇总后的新工作簿。")
@click.option("--dept", default=None, help="汇总后的部门名称（默认取各单位共同的名称）。")
@click.option("--force", "--overwrite", "force", is_flag=True, help="输出文件已存在时覆盖（--overwrite 是旧写法）。")
@click.option("--ignore-errors", is_flag=True,
              help="有单位的报表有错误、同一份报表或同一部门出现两次时仍然汇总。")
@jobs_option
def merge_command(paths: tuple[str, ...], output: str, dept: str | None, force: bool, ignore_errors: bool,
                  jobs: int | None) -> None:
    """把各单位的报表汇总为部门决算：逐格相加，功能分类科目按编码合并，生成同年度、同表样、带公式的新工作簿。

    \b
    先校验每个单位的报表，有错误的拒绝汇总（列出问题），除非加 --ignore-errors。汇总结果会再校验一次。
    例：juesuan-xlsx merge 本级.xlsx 事务中心.xlsx -o 部门汇总.xlsx --dept 某某局
    """
    from .merge import InputsHaveErrors, merge
    from .report import render_file

    _output(output, (".xlsx",))
    _existing(paths)
    try:
        result = merge(paths, output, dept=dept, force=ignore_errors, overwrite=force, jobs=jobs, progress=True)
    except InputsHaveErrors as exc:
        for report in exc.reports:
            click.echo("\n".join(render_file(report, notes=False)))
        click.echo("有单位的报表存在错误，未汇总。请改正后重试，或加 --ignore-errors 强制汇总。", err=True)
        raise SystemExit(1) from None
    except OSError as exc:
        if isinstance(exc, errors.JuesuanError):
            raise
        raise UsageError(f"无法写入 {output}：{os_reason(exc)}") from None
    for note in result.notes:
        click.echo(f"提示：{note}", err=True)
    click.echo("\n".join(render_file(result.report)))
    exact = "，按元精确汇总" if result.unit == YUAN else ""
    click.echo(f"已汇总 {len(result.sources)} 个文件：{result.output}{exact}")
    if not result.valid:
        raise SystemExit(1)


@cli.command("summary", context_settings=CONTEXT, options_metavar="[选项]")
@click.argument("paths", nargs=-1, required=True, metavar="目录或文件...")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), metavar="汇总表.xlsx|.csv",
              help="汇总表：.xlsx（可筛选排序）或 .csv。")
@click.option("--force", is_flag=True, help="输出文件已存在时覆盖。")
@click.option("--no-cache", is_flag=True, help="不使用上次的校验结果，全部重新校验。")
@jobs_option
def summary_command(paths: tuple[str, ...], output: str, force: bool, no_cache: bool, jobs: int | None) -> None:
    """一季回收报表的总览：每个文件一行（部门、收支总计、财政拨款、基本/项目支出、人员/公用经费、三公、
    错误和警告数、状态），加合计行，有问题的排在前面。

    \b
    文件未改动时沿用上次的校验结果。
    例：juesuan-xlsx summary 回收/ -o 汇总表.xlsx
    """
    from .summary import summarise

    _output(output, (".xlsx", ".csv"))
    _existing(paths)
    try:
        result = summarise(paths, output, jobs=jobs, overwrite=force, use_cache=not no_cache, progress=True)
    except OSError as exc:
        if isinstance(exc, errors.JuesuanError):
            raise
        raise UsageError(f"无法写入 {output}：{os_reason(exc)}") from None
    for note in result.notes:
        click.echo(f"注意：{note}", err=True)
    counts = "，".join(f"{k} {v}" for k, v in result.counts().items() if v)
    click.echo(f"已写出汇总表：{result.output}（{len(result.rows)} 个文件：{counts}；重新校验 {result.verified} 个，"
               f"沿用上次结果 {result.cached} 个）")


@cli.command("import", context_settings=CONTEXT, options_metavar="[选项]")
@click.argument("path", metavar="文件", type=click.Path())  # a folder too: the one `export --to csv` wrote
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), metavar="工作簿.xlsx",
              help="生成的工作簿（本工具的模板，数字已填入）。")
@click.option("--force", is_flag=True, help="输出文件已存在时覆盖。")
def import_command(path: str, output: str, force: bool) -> None:
    """把已公开的文件（PDF、Word、Excel/.xls、文本、网页，或本工具导出的 csv 文件夹、json）中的九张表
    导入为本工具的工作簿，不必重新录入。

    \b
    年度、表样、部门、金额单位从文件中识别（元自动换算为万元）；合计由工作簿的公式重新计算，
    文件中印的合计与公式算出的不同时逐条列出。
    例：juesuan-xlsx import 2024年度部门决算.pdf -o 某某局2024.xlsx
    """
    from .importer import import_source
    from .report import render_file

    if not output.lower().endswith(".xlsx"):
        raise UsageError(f"输出文件应以 .xlsx 结尾：{output}")
    try:
        result = import_source(path, output, overwrite=force)
    except OSError as exc:
        if isinstance(exc, errors.JuesuanError):
            raise
        raise UsageError(f"无法写入 {output}：{os_reason(exc)}") from None
    how = result.source.report.stats.get("how", "")
    click.echo(f"已读取：{path}（{how}）")
    click.echo("\n".join(render_file(result.source.report, notes=False)))
    if result.differs:
        click.echo(f"文件中印的合计与公式计算不同（{len(result.differs)} 处，工作簿中按公式计算）：")
        for item in result.differs:
            click.echo(f"  {item.text}")
    unit = "，金额单位：元" if result.unit == YUAN else ""
    click.echo(f"已导入：{result.output}（填入 {result.typed} 个数字{unit}；新工作簿校验：{result.report.status}）")


@cli.command("serve", context_settings=CONTEXT, options_metavar="[选项]")
@click.option("--host", default=None, metavar="地址",
              help="监听的地址，默认 127.0.0.1（只有本机能打开）；给出其他地址时本机以外也能访问（会提示）。")
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True, help="端口。")
@click.option("--open", "open_browser", is_flag=True, help="启动后用默认浏览器打开页面。")
@jobs_option
def serve_command(host: str | None, port: int, open_browser: bool, jobs: int | None) -> None:
    """启动本机网页：拖入文件即可校验、看问题、下载标注副本和总览表，生成模板、导出公开文件、汇总。

    \b
    上传的文件只保存在本机的临时文件夹中，下载后、超时或停止服务（Ctrl-C）时删除。
    例：juesuan-xlsx serve --open
    """
    from .serve import serve  # here, so that other commands do not import the web framework

    serve(host or "127.0.0.1", port, open_browser=open_browser, jobs=jobs, echo=click.echo)


@cli.command("rules", context_settings=CONTEXT, options_metavar="[选项]")
@click.option("--year", type=int, default=2024, show_default=True, help="年度。")
@click.option("--profile", default="central", show_default=True, help="表样格式。")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON。")
def rules_command(year: int, profile: str, as_json: bool) -> None:
    """列出全部校验规则：编码、级别、说明（与 verify 使用的是同一份目录）。"""
    import json

    from . import checks, preflight  # noqa: F401 - importing registers their checks
    from .findings import catalogue

    spec = _load_spec(year, profile.lower())
    # the relations of this year and layout, in its own words; other checks are the same for every spec (the
    # catalogue may also hold relations of another spec loaded earlier in this process)
    relations = {c.code: c for c in map(checks.relation_check, spec.relations)}
    others = [c for c in catalogue().values() if c.category != "relation"]
    entries = sorted([*others, *relations.values()], key=lambda c: (_CATEGORY_ORDER.get(c.category, 9), c.code))
    if as_json:
        click.echo(json.dumps([{"code": c.code, "level": c.level.value, "category": c.category, "title": c.title,
                                "description": c.description, "template": c.template} for c in entries],
                              ensure_ascii=False, indent=2))
        return
    for c in entries:
        click.echo(f"{c.code}\t{c.level.zh}\t{c.title}\t{c.description}")


_FILE_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".docx", ".pdf", ".csv", ".json", ".txt"})
_CATEGORY_ORDER = {"preflight": 0, "reading": 1, "integrity": 2, "codes": 3, "relation": 4, "evaluation": 5,
                   "internal": 6}


class Interrupted(BaseException):
    """SIGTERM or SIGHUP, unwound like Ctrl-C: temporary files are removed and worker processes stopped on the
    way out (a BaseException, so no ``except Exception`` of the library swallows it)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_interrupted(signum: int, frame: Any) -> None:
    raise Interrupted(signum)


def _catch_signals() -> Callable[[], None]:
    """For one run: SIGTERM/SIGHUP raise :class:`Interrupted`, and an interrupt that lands in a finaliser
    (ZipFile.__del__) is not printed as "Exception ignored"; returns what puts things back."""
    previous: dict[int, Any] = {}
    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None:
            try:
                previous[number] = signal.signal(number, _raise_interrupted)
            except ValueError:  # not the main thread: leave the signals alone
                pass
    hook = sys.unraisablehook

    def quiet(unraisable: Any) -> None:
        if not isinstance(unraisable.exc_value, KeyboardInterrupt | Interrupted):
            hook(unraisable)

    sys.unraisablehook = quiet

    def restore() -> None:
        for number, handler in previous.items():
            signal.signal(number, handler)
        sys.unraisablehook = hook

    return restore


def _aborted() -> None:
    from .batch import _terminal

    click.echo(("\n" if _terminal() else "") + "已中止。", err=True)  # after a progress bar: on a line of its own


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status; usage errors become one Chinese line (status 2);
    Ctrl-C gives 130, SIGTERM 143 (128 + the signal), each after "已中止。"."""
    install_chinese()
    restore = _catch_signals()
    try:
        return _run(argv)
    except KeyboardInterrupt:
        _aborted()
        return 130
    except Interrupted as exc:
        _aborted()
        return 128 + exc.signum
    finally:
        restore()


def _run(argv: Sequence[str] | None) -> int:
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="juesuan-xlsx", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except SystemExit as exc:
        return int(exc.code or 0)
    except click.exceptions.NoArgsIsHelpError as exc:  # bare juesuan-xlsx: the help, not an error
        click.echo(exc.format_message())
        return 0
    except click.UsageError as exc:  # one line: what is wrong, and where the usage is
        command = exc.ctx.command_path if exc.ctx is not None else "juesuan-xlsx"
        message = translate_error(exc.format_message()).rstrip("。")
        hint = "" if "--help" in message else f"（用法见 {command} --help）"
        click.echo(f"错误：{message}{hint}", err=True)
        return 2
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except errors.JuesuanError as exc:  # every user-facing error of the library: one Chinese line, status 2
        click.echo(f"错误：{exc}", err=True)
        return 2
    except click.exceptions.Abort:  # click's word for Ctrl-C (and end of input at a prompt)
        click.echo("已中止。", err=True)
        return 130
    return 0


def main() -> None:  # console script
    sys.exit(run())


if __name__ == "__main__":  # pragma: no cover
    main()
