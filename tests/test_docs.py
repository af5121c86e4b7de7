"""The README's promises: its commands exist, .ci/run runs its test command, every command is documented."""

from __future__ import annotations

import re
from pathlib import Path

from juesuan_xlsx.cli import cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _sh_blocks() -> list[str]:
    return [b.strip() for b in re.findall(r"```sh\n(.*?)```", README, re.S)]


def test_readme_has_the_two_one_line_commands():
    blocks = _sh_blocks()
    assert "pip install . && juesuan-xlsx new 2024" in blocks
    assert any("pip install '.[test]'" in b and "pytest" in b for b in blocks)


def test_ci_runs_the_readme_test_command():
    test_command = next(b for b in _sh_blocks() if "pytest" in b)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci.splitlines()


def test_every_command_is_documented():
    for name in cli.commands:
        assert f"juesuan-xlsx {name}" in README, name
