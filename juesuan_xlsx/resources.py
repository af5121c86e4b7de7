"""Where the shipped data lives: ``templates/`` inside the wheel, or beside the package in a source checkout."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path


@cache
def templates_dir() -> Path:
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parent / "templates"):
        if (candidate / "codes").is_dir():
            return candidate
    raise FileNotFoundError("找不到模板数据目录 templates/（安装不完整，请重新安装 juesuan-xlsx）")


def available_specs() -> list[tuple[int, str]]:
    """Every (year, profile) that has a spec file, sorted."""
    found = []
    for path in templates_dir().glob("*/*.toml"):
        if re.fullmatch(r"\d{4}", path.parent.name):
            found.append((int(path.parent.name), path.stem))
    return sorted(found)


def spec_path(year: int, profile: str) -> Path:
    return templates_dir() / str(year) / f"{profile}.toml"
