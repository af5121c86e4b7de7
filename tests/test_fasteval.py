"""The fast evaluator (:mod:`juesuan_xlsx.evaluation.fast`) gives exactly the reference evaluator's results.

The reference is ``evaluate_workbook(path, engine="model")``: the whole workbook loaded into a
``formulas.ExcelModel``.  The fast engine compiles each distinct formula shape once and runs the compiled
functions cell by cell.  Both must agree on every formula cell — same values of the same Python types, same
errors, same circular set, same refusals — on the seed example, blank templates, the tricky-inputs workbook of
``test_evaluate.py`` and the damaged-workbook corpus, and ``verify_file`` must write the same report with either,
and the same as without any of the optimisations of issue 6 (openpyxl's full loads instead of
:mod:`juesuan_xlsx.book`, every plan made afresh).
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
import xlsxwriter

from juesuan_xlsx import evaluation as ev
from juesuan_xlsx import plan, reader
from juesuan_xlsx.evaluation import Evaluation, evaluate_workbook
from juesuan_xlsx.evaluation import fast as fasteval
from juesuan_xlsx.evaluation.cache import CACHE_ENV
from juesuan_xlsx.evaluation.shapes import shape_of
from juesuan_xlsx.rules import context as rules_context
from juesuan_xlsx.verify import FileReport, verify_file

from . import corpus
from .test_evaluate import build_tricky_workbook, write_workbook

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "seed-2024.xlsx"


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Each test starts with empty in-memory caches and its own on-disk program cache."""
    directory = tmp_path_factory.mktemp("program-cache")
    monkeypatch.setenv(CACHE_ENV, str(directory))
    fasteval.clear_caches()
    yield directory
    fasteval.clear_caches()


def assert_same(fast: Evaluation, model: Evaluation) -> None:
    assert fast.evaluated == model.evaluated
    assert fast.formulas == model.formulas
    assert fast.skipped == model.skipped
    assert fast.skipped_names == model.skipped_names
    assert fast.circular == model.circular
    assert fast.errors == model.errors
    assert fast.values.keys() == model.values.keys()
    wrong = [
        f"{key}: fast {fast.values[key]!r}, model {value!r}"
        for key, value in model.values.items()
        if type(fast.values[key]) is not type(value) or fast.values[key] != value
    ]
    assert not wrong, "\n".join(wrong[:20])


def evaluate_both(path: Path) -> tuple[Evaluation, Evaluation, int]:
    """(fast, reference, 1 if the fast engine handed the workbook to the reference else 0)."""
    before = fasteval.stats().get("fallbacks", 0)
    fast = evaluate_workbook(path, engine="fast")
    fell_back = fasteval.stats().get("fallbacks", 0) - before
    model = evaluate_workbook(path, engine="model")
    return fast, model, fell_back


def report_rows(report: FileReport) -> dict[str, object]:
    data = report.to_dict()
    data.pop("seconds")
    return data


def verify_both(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, object], dict[str, object]]:
    """verify_file's report as optimised (one-pass read, fast engine, remembered plans) and unoptimised (openpyxl's
    two full loads, the reference engine, every plan made afresh)."""
    monkeypatch.setattr(ev, "ENGINE", "fast")
    fast = report_rows(verify_file(path))
    with monkeypatch.context() as slow:
        slow.setattr(ev, "ENGINE", "model")
        slow.setattr(reader, "load_book", lambda data: None)
        slow.setattr(rules_context, "plan_for", plan.make_plan)  # verify plans through rules.context
        model = report_rows(verify_file(path))
    return fast, model


# ---------------------------------------------------------------------------------------------------------------
# Shapes, registry, engine switch
# ---------------------------------------------------------------------------------------------------------------


def test_formulas_of_one_column_share_a_shape() -> None:
    row9, refs9 = shape_of("=SUM(D9,E9)+$A$1", 9, 3)
    row10, refs10 = shape_of("=SUM(D10,E10)+$A$1", 10, 3)
    assert row9 == row10
    assert [r.area for r in refs10] == ["D10", "E10", "A1"]
    other, _ = shape_of("=SUM(D10,E10)+$A$1", 9, 3)  # the same text one row up: another shape
    assert other != row9


@pytest.mark.parametrize(
    ("text", "areas"),
    [
        ("=LOG10(A2)+1E5+A1", ["A2", "A1"]),  # function names and numbers are not references
        ('="A1"&B2', ["B2"]),  # nor is text in quotes
        ("='公开 07表'!$B$2:C3+Sheet1!A1:A2", ["B2:C3", "A1:A2"]),
        ("=T01_201_amt+SUM(公开07表!$A$8:$A$27)", ["A8:A27"]),  # a defined name is not a reference
        ("=#REF!+Sheet1!#REF!", []),
    ],
)
def test_shape_references(text: str, areas: list[str]) -> None:
    assert [r.area for r in shape_of(text, 5, 2)[1]] == areas


def test_lazy_function_registry_is_formulas_registry() -> None:
    """Importing the evaluator does not import scipy (0.6 s); the registry it completes is formulas' own."""
    code = textwrap.dedent(
        """
        import sys
        import formulas.functions as functions
        original = functions.get_functions  # formulas' own, not called yet
        import juesuan_xlsx.evaluation as ev
        assert "scipy" not in sys.modules and "formulas.functions.stat" not in sys.modules
        lazy = functions.get_functions()
        for name in ev.ALLOWED_FUNCTIONS:  # the whitelist needs no other module
            assert dict.__contains__(lazy, name), name
        assert "formulas.functions.stat" not in sys.modules
        full = original()
        assert set(lazy) == set(full)  # enumerating completes the lazy registry
        for name, func in full.items():
            assert lazy[name] is (ev.registry.INSTALLED.get(name) or func), name
        assert "NORM.DIST" in lazy and lazy["NOT A FUNCTION"] is full["NOT A FUNCTION"]
        import importlib
        seen = {}
        for module in functions.SUBMODULES:
            for name in importlib.import_module(module, "formulas.functions").FUNCTIONS:
                assert name not in seen, (name, module, seen.get(name))
                seen[name] = module
        print("ok")
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_unknown_engine_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "one.xlsx"
    write_workbook(path, {"S": {"A1": 1, "A2": "=A1+1"}})
    with pytest.raises(ValueError, match="engine"):
        evaluate_workbook(path, engine="fast-and-loose")


# ---------------------------------------------------------------------------------------------------------------
# Small workbooks: semantics the fast engine reproduces, and what it hands to the reference
# ---------------------------------------------------------------------------------------------------------------


def test_circular_references_and_blanks_agree(tmp_path: Path) -> None:
    path = tmp_path / "circular.xlsx"
    write_workbook(
        path,
        {
            "校验": {
                "A1": "=A2+1",
                "A2": "=A1+1",
                "A3": "=A1*2",
                "A4": "=IFERROR(A1,5)",
                "A5": "=1+1",
                "A6": "=SUM(A5:A7)",
                "B1": 3,
                "A8": "=B1+B2",
                "C1": "=SUM(B1:B9)&C9",
                "C2": '=SUMIF(B1:B3,"",B1:B3)',
                "C3": "=B5",
                "C4": "=B5=0",
                "C5": "=#DIV/0!",
            },
        },
    )
    fast, model, fell_back = evaluate_both(path)
    assert not fell_back
    assert_same(fast, model)
    assert fast.circular == {("校验", "A1"), ("校验", "A2"), ("校验", "A6")}


def test_error_values_typed_in_cells_agree(tmp_path: Path) -> None:
    """Cells holding error values (t="e", as Excel saves a pasted #N/A): formulas compiles them as formulas."""
    import openpyxl

    path = tmp_path / "errors.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "S"
    sheet["A1"], sheet["A2"], sheet["A3"] = "#N/A", "#REF!", 4
    sheet["B1"], sheet["B2"], sheet["B3"] = "=A1+1", "=IFERROR(A2,7)", "=SUM(A1:A3)"
    sheet["B4"] = "=COUNTIF(A1:A3,\"#N/A\")"
    book.save(path)
    assert openpyxl.load_workbook(path)["S"]["A1"].data_type == "e"
    fast, model, fell_back = evaluate_both(path)
    assert not fell_back
    assert_same(fast, model)


def test_a_formula_using_a_defined_name_goes_to_the_reference(tmp_path: Path) -> None:
    path = tmp_path / "names.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("S")
    sheet.write_number("A1", 2.5)
    sheet.write_formula("B1", "=金额*2", None, "")
    sheet.write_formula("B2", "=A1*2", None, "")
    book.define_name("金额", "=S!$A$1")
    book.close()
    fast, model, fell_back = evaluate_both(path)
    assert fell_back == 1
    assert_same(fast, model)
    assert fast.values[("S", "B1")] == 5.0


def test_unused_defined_names_and_merged_cells_stay_on_the_fast_path(tmp_path: Path) -> None:
    path = tmp_path / "merged.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("表")
    sheet.merge_range("A1:C1", "标题")
    sheet.write_number("A2", 1)
    sheet.write_number("B2", 2)
    sheet.write_formula("C2", "=SUM(A1:B2)&A1&B1", None, "")
    sheet.write_formula("D1", "=COUNTIF(A1:C1,\"\")", None, "")
    book.define_name("未用", "=表!$A$2")
    book.close()
    fast, model, fell_back = evaluate_both(path)
    assert not fell_back
    assert_same(fast, model)


def test_refusals_agree(tmp_path: Path) -> None:
    path = tmp_path / "refused.xlsx"
    write_workbook(path, {"校验": {"A1": 1, "B1": "=SUM(A1:A3)", "B2": '=COUNTIFS(A1:A3,">0")'}})
    fast, model, _ = evaluate_both(path)
    assert not fast.evaluated
    assert_same(fast, model)


def test_inputs_and_fresh_models_use_the_reference(tmp_path: Path) -> None:
    path = tmp_path / "inputs.xlsx"
    write_workbook(path, {"S": {"A1": 1, "A2": "=A1*2"}})
    before = fasteval.stats()
    assert evaluate_workbook(path, inputs={("S", "A1"): 4}).values == {("S", "A2"): 8.0}
    assert evaluate_workbook(path, reuse_model=False).values == {("S", "A2"): 2.0}
    assert fasteval.stats() == before  # neither went through the fast engine


# ---------------------------------------------------------------------------------------------------------------
# The on-disk program cache
# ---------------------------------------------------------------------------------------------------------------


def _tricky(tmp_path: Path) -> Path:
    path = tmp_path / "tricky.xlsx"
    build_tricky_workbook(path)
    return path


def test_programs_are_kept_on_disk_for_the_next_process(tmp_path: Path, private_cache: Path) -> None:
    path = tmp_path / "small.xlsx"
    write_workbook(path, {"S": {**{f"A{i}": float(i) for i in range(1, 6)},
                                **{f"B{i}": f"=ROUND(A{i}*1.005,2)&\"\"" for i in range(1, 6)}, "C1": "=SUM(A1:A5)"}})
    first = evaluate_workbook(path)
    assert fasteval.stats()["compiled"] == 2
    files = list(private_cache.glob("programs-*.json"))
    assert len(files) == 1 and len(list(private_cache.glob("bundles-*.json"))) == 1
    assert stat.S_IMODE(os.stat(files[0]).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(private_cache).st_mode) == 0o700
    fasteval.clear_caches()  # as a new process
    second = evaluate_workbook(path)
    assert fasteval.stats().get("compiled", 0) == 0 and fasteval.stats()["disk hits"] == 2
    assert fasteval.stats()["bundle hits"] == 1
    assert_same(second, first)


def test_an_unsafe_or_damaged_cache_file_is_ignored(tmp_path: Path, private_cache: Path) -> None:
    path = tmp_path / "small.xlsx"
    write_workbook(path, {"S": {"A1": 2, "B1": "=A1*3"}})
    expected = evaluate_workbook(path).values
    (cache_file,) = private_cache.glob("programs-*.json")
    for damage in ("group-writable", "symlink", "garbage", "wrong function"):
        fasteval.clear_caches()
        if damage == "group-writable":
            os.chmod(cache_file, 0o664)
        elif damage == "symlink":
            os.chmod(cache_file, 0o600)
            target = tmp_path / "elsewhere.json"
            target.write_bytes(cache_file.read_bytes())
            os.chmod(target, 0o600)
            cache_file.unlink()
            cache_file.symlink_to(target)
        elif damage == "garbage":
            cache_file.unlink()
            cache_file.write_text("{not json", encoding="utf-8")
            os.chmod(cache_file, 0o600)
        else:
            entries = {"x": 1}
            for key in list(json.loads(target.read_text(encoding="utf-8"))):
                entries[key] = {"inputs": [0], "steps": [[2, ["F", "__import__"], [0], 1, []]], "slots": 2,
                                "output": 1}
            cache_file.write_text(json.dumps(entries), encoding="utf-8")
            os.chmod(cache_file, 0o600)
        assert evaluate_workbook(path).values == expected, damage
        assert fasteval.stats().get("disk hits", 0) == 0, damage


def _copies_of_one_template(tmp_path: Path) -> list[Path]:
    formulas = {"B1": "=A1*2", "B2": "=B1+A2", "B3": "=SUM(B1:B2)", "C1": "=IF(B3>5,\"大\",\"小\")"}
    paths = []
    for i, values in enumerate(({"A1": 1, "A2": 2}, {"A1": 4, "A2": "x"}, {"A1": None, "A2": 3})):
        path = tmp_path / f"copy{i}.xlsx"
        write_workbook(path, {"S": {**values, **formulas}})
        paths.append(path)
    return paths


def test_copies_of_a_template_reuse_its_bundle(tmp_path: Path, private_cache: Path) -> None:
    """The second copy skips the scan, the cycle search and the planning: from memory, then from disk."""
    paths = _copies_of_one_template(tmp_path)
    expected = [evaluate_workbook(p, engine="model") for p in paths]
    assert_same(evaluate_workbook(paths[0]), expected[0])
    assert fasteval.stats().get("bundle hits", 0) == 0
    assert_same(evaluate_workbook(paths[1]), expected[1])
    assert fasteval.stats()["bundle hits"] == 1
    assert len(list(private_cache.glob("bundles-*.json"))) == 1
    fasteval.clear_caches()  # as a new process
    assert_same(evaluate_workbook(paths[2]), expected[2])
    assert fasteval.stats()["bundle hits"] == 1 and fasteval.stats().get("compiled", 0) == 0


def test_a_tampered_bundle_cannot_change_results(tmp_path: Path, private_cache: Path) -> None:
    paths = _copies_of_one_template(tmp_path)
    expected = evaluate_workbook(paths[1], engine="model")
    evaluate_workbook(paths[0])
    (bundle_file,) = private_cache.glob("bundles-*.json")
    data = json.loads(bundle_file.read_text(encoding="utf-8"))
    for bundle in data.values():
        bundle["order"].reverse()  # B3 before B1 and B2
    bundle_file.write_text(json.dumps(data), encoding="utf-8")
    fasteval.clear_caches()
    assert_same(evaluate_workbook(paths[1]), expected)
    assert fasteval.stats()["fallbacks"] == 1  # noticed, and handed to the reference


def test_the_cache_can_be_switched_off(tmp_path: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, "off")
    path = tmp_path / "small.xlsx"
    write_workbook(path, {"S": {"A1": 2, "B1": "=A1*3"}})
    assert evaluate_workbook(path).values == {("S", "B1"): 6.0}
    assert not list(private_cache.iterdir())


# ---------------------------------------------------------------------------------------------------------------
# The examples and the damaged corpus: both engines, cell by cell, and verify's reports
# ---------------------------------------------------------------------------------------------------------------


def _template(tmp_path: Path, *args: str) -> Path:
    from click.testing import CliRunner

    from juesuan_xlsx.cli import cli

    path = tmp_path / "template.xlsx"
    outcome = CliRunner().invoke(cli, ["new", "2024", *args, "-o", str(path)])
    assert outcome.exit_code == 0, outcome.output
    return path


EXAMPLES = {
    "seed": lambda tmp_path: SEED,
    "blank-template": lambda tmp_path: _template(tmp_path),
    "codes-template": lambda tmp_path: _template(tmp_path, "--codes", "2013201,2080505,2210201,2130101"),
    "tricky-inputs": _tricky,
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(EXAMPLES))
def test_engines_agree_on_the_examples(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = EXAMPLES[name](tmp_path)
    fast, model, fell_back = evaluate_both(path)
    assert not fell_back
    assert fast.evaluated and len(fast.formulas) > 400
    assert_same(fast, model)
    if name != "tricky-inputs":
        reports = verify_both(path, monkeypatch)
        assert reports[0] == reports[1]


# A typed-over total, text numbers, a cycle, a #REF! left by a deleted row, rows inserted into a block (formulas
# that differ from the template's), renamed sheets, a re-save that drops cached values, and the refusals.
DAMAGED = [
    "overwritten-subtotals",
    "text-number-shared",
    "text-number-grouped",
    "circular",
    "deleted-fixed-row",
    "inserted-block-row",
    "renamed-reordered",
    "openpyxl-resave",
    "today",
    "indirect",
    "external-link",
    "formula-in-input",
]


@pytest.fixture(scope="module")
def corpus_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return corpus.build_base(tmp_path_factory.mktemp("corpus"))


@pytest.mark.slow
@pytest.mark.parametrize("name", DAMAGED)
def test_engines_agree_on_damaged_workbooks(
    name: str, corpus_base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = corpus.build_variant(name, corpus_base, tmp_path)
    fast, model, fell_back = evaluate_both(path)
    assert not fell_back
    assert_same(fast, model)
    reports = verify_both(path, monkeypatch)
    assert reports[0] == reports[1]
