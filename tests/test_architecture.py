"""The house rules of the package, checked on its source (standard library ``ast``, every import counted — also
the ones inside functions): no import circle, and stages only import downward

    spec → model → evaluation → workbook → verify → export → cli

so nothing under ``juesuan_xlsx`` but the faces (CLI, web page, the public API module) and ``export`` itself imports
``export``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "juesuan_xlsx"

# module (or package prefix) → stage; a new module must be placed here, which is the point
STAGES: dict[str, int] = {
    # 0 spec: the data and what every stage shares
    "__init__": 0, "resources": 0, "errors": 0, "findings": 0, "codes": 0, "spec": 0, "checks": 0, "amounts": 0,
    "contract": 0, "zh": 0,
    # 1 model: the spec instantiated, its equations, layout, formulas, the narrative's inputs and values
    "model": 1, "engine": 1, "layout": 1, "xlformula": 1, "plan": 1, "disclosure": 1, "narrative": 1,
    "rounding": 1,
    # 2 evaluation: the workbook's own formulas, headlessly, over the one-pass cell reader (book)
    "book": 2, "evaluation": 2,
    # 3 workbook: reading and writing files
    "atomic": 3, "preflight": 3, "reader": 3, "generate": 3, "filling": 3, "shadow": 3, "figures": 3,
    "sources": 3, "soffice": 3,
    # 4 verify: the rules, one file and many
    "rules": 4, "verify": 4, "batch": 4, "annotate": 4, "report": 4, "carry": 4, "summary": 4, "merge": 4,
    "narrative_check": 4, "importer": 4,
    # 5 export: output formats
    "export": 5,
    # 6 the faces: command line, web page
    "cli": 6, "serve": 6, "api": 6,
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


def stage(module: str) -> int:
    head = module.split(".")[0]
    if head not in STAGES:
        raise AssertionError(f"juesuan_xlsx.{module} has no stage in tests/test_architecture.py: place it")
    return STAGES[head]


def imports() -> dict[str, set[str]]:
    """Every module of the package → the package modules it imports (anywhere in its body)."""
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".") if package else []
                    base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                    target = ".".join([*base, *(node.module.split(".") if node.module else [])])
                elif node.module and node.module.startswith("juesuan_xlsx"):
                    target = node.module.removeprefix("juesuan_xlsx").lstrip(".")
                else:
                    continue
                for alias in node.names:  # `from . import checks` imports a module
                    sub = f"{target}.{alias.name}" if target else alias.name
                    found.add(sub if sub in modules else target or "__init__")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("juesuan_xlsx."):
                        found.add(alias.name.removeprefix("juesuan_xlsx."))
        graph[name] = {m for m in found if m in modules and m != name}
    return graph


def test_every_module_has_a_stage() -> None:
    for module in imports():
        stage(module)


def test_no_import_circle() -> None:
    graph = imports()
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt):] + [nxt]
                pytest.fail("import circle: " + " → ".join(cycle))
            if nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)


def test_stages_only_import_downward() -> None:
    upward = [f"{a} (stage {stage(a)}) imports {b} (stage {stage(b)})"
              for a, targets in imports().items() for b in targets
              if stage(b) > stage(a) and a != "__init__"]
    assert not upward, "\n".join(sorted(upward))


def test_only_the_faces_import_export() -> None:
    offenders = sorted(a for a, targets in imports().items()
                       if any(b.split(".")[0] == "export" for b in targets)
                       and a.split(".")[0] not in ("export", "cli", "serve", "api", "__init__"))
    assert offenders == []


def test_the_checker_finds_a_planted_circle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The test above would pass on a checker that sees nothing: plant a circle and an upward import."""
    fake = tmp_path / "juesuan_xlsx"
    fake.mkdir()
    (fake / "__init__.py").write_text("")
    (fake / "spec.py").write_text("def f():\n    from .verify import g\n")
    (fake / "verify.py").write_text("from .spec import f\n")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", fake, raising=False)
    monkeypatch.setitem(globals(), "PACKAGE", fake)
    graph = imports()
    assert graph["spec"] == {"verify"} and graph["verify"] == {"spec"}
    with pytest.raises(pytest.fail.Exception, match="import circle"):
        test_no_import_circle()
    with pytest.raises(AssertionError, match="spec .stage 0. imports verify"):
        test_stages_only_import_downward()
