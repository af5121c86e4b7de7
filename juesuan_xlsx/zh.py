"""Chinese for click's own words (Usage, Options, its error messages).

click marks its texts for gettext (``from gettext import gettext as _`` in each module); we point those
module-level ``_`` at a small catalogue instead of shipping a compiled .mo file.  Anything not in the catalogue
stays English, which is still readable, and the error translator below adds the Chinese wording.
"""

from __future__ import annotations

import re
from collections.abc import Callable

CATALOGUE = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本号并退出。",
    "[default: {default}]": "[默认：{default}]",
    "default: {default}": "默认：{default}",
    "required": "必填",
    "Error": "错误",
}

_QUOTED = r"'([^']*)'"
_HINT = r"Invalid value for (?:'([^']+)'(?: / '[^']+')*|([^:]+)): "


def _hint(m: re.Match[str]) -> str:
    return m[1] or m[2]


def _range(m: re.Match[str]) -> str:
    low = re.search(r"(-?\d+)<=?x", m[4])
    high = re.search(r"x<=?(-?\d+)", m[4])
    if low and high:
        return f"{_hint(m)} 应为 {low[1]} 到 {high[1]} 之间的整数，实际为 {m[3]}"
    return f"{_hint(m)} 超出范围：{m[3]}"


ERRORS: list[tuple[str, Callable[[re.Match[str]], str]]] = [
    (_HINT + r"(?:File|Directory|Path) '([^']*)' is a directory\.",
     lambda m: f"{_hint(m)}：“{m[3]}”是一个目录，请给出文件名"),
    (_HINT + r"(?:File|Directory|Path) '([^']*)' is a file\.",
     lambda m: f"{_hint(m)}：“{m[3]}”是一个文件，请给出目录"),
    (_HINT + r"(?:File|Directory|Path) '([^']*)' does not exist\.",
     lambda m: f"{_hint(m)}：找不到“{m[3]}”"),
    (_HINT + r"'([^']*)' is not one of (.*?)\.?$",
     lambda m: f"{_hint(m)} 的值“{m[3]}”无效，可选：{'、'.join(re.findall(_QUOTED, m[4]))}"),
    (_HINT + r"(-?\d+) is not in the range (.*?)\.?$", _range),
    (_HINT + r"'([^']*)' is not a valid integer range\.",
     lambda m: f"{_hint(m)} 应为整数，实际为“{m[3]}”"),
    (r"No such option:? '?([^'\s]+)'?\.?(?:\s+Did you mean '?([^'\s?]+)'?\?)?",
     lambda m: f"没有选项 {m[1]}" + (f"，是不是 {m[2]}？" if m[2] else "")),
    (r"No such command '([^']+)'\.", lambda m: f"没有命令“{m[1]}”。可用命令见 juesuan-xlsx --help"),
    (r"Missing argument '([^']+)'\.", lambda m: f"缺少参数 {m[1]}"),
    (r"Missing option '([^']+)'(?: / '([^']+)')?\.", lambda m: f"缺少选项 {m[1]}" + (f"/{m[2]}" if m[2] else "")),
    (r"Option '([^']+)' requires an argument\.", lambda m: f"选项 {m[1]} 后面需要给出一个值"),
    (r"Invalid value for '([^']+)': '([^']*)' is not a valid integer\.",
     lambda m: f"{m[1]} 应为整数（如 2024），实际为“{m[2]}”"),
    (r"Invalid value for '([^']+)': (.*)", lambda m: f"{m[1]} 的值无效：{m[2]}"),
    (r"Got unexpected extra arguments? \((.*)\)", lambda m: f"多余的参数：{m[1]}"),
    (r"Missing command\.", lambda m: "缺少命令。可用命令见 juesuan-xlsx --help"),
]


def translate(message: str) -> str:
    return CATALOGUE.get(message, message)


def translate_error(message: str) -> str:
    for pattern, render in ERRORS:
        match = re.search(pattern, message)
        if match:
            return render(match)
    return message


_installed = False


def install_chinese() -> None:
    global _installed
    if _installed:
        return
    import click.core
    import click.decorators
    import click.exceptions
    import click.formatting

    for module in (click.core, click.decorators, click.exceptions, click.formatting):
        if hasattr(module, "_"):
            module._ = translate  # type: ignore[attr-defined]
    _installed = True



