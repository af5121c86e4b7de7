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


def test_the_python_example_runs(tmp_path, monkeypatch):
    """The README's "use it from Python" block runs as printed, and prints what its comments say."""
    import contextlib
    import io
    import shutil

    block = re.search(r"## 在 Python 中使用.*?```python\n(.*?)```", README, re.S)
    assert block is not None
    (tmp_path / "examples").mkdir()
    shutil.copyfile(ROOT / "examples" / "seed-2024.xlsx", tmp_path / "examples" / "seed-2024.xlsx")
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block.group(1), "README.md", "exec"), {})
    lines = out.getvalue().splitlines()
    assert lines[0] == "True 通过"
    assert lines[-1] == "235.81"
    assert (tmp_path / "某某局2024.xlsx").is_file() and (tmp_path / "seed.json").is_file()
