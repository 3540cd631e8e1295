"""grader.check() in a real Jupyter kernel: the verdict shown under the cell is the CLI's for the saved notebook."""
from __future__ import annotations

import re

import nbformat
import pytest

from tests.kernel.sessions import (REPORT_CELL, cli_report, ending_with_check, run, saved, shown, solution_notebook,
                                   verdict, without_checks)

pytestmark = pytest.mark.slow

BUG = "    return (X_train - mean) / std, (X_test - mean) / std"
SCALED_SEPARATELY = "    return (X_train - mean) / std, (X_test - X_test.mean(axis=0)) / X_test.std(axis=0)"


def _buggy(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The solution with normalize scaling X_test by its own statistics (mistake scaled-separately)."""
    for cell in notebook.cells:
        if BUG in cell.source:
            cell.source = cell.source.replace(BUG, SCALED_SEPARATELY)
            return notebook
    raise AssertionError("the solution's normalize changed: update BUG")


def _assert_shows(output: dict[str, str], report: dict) -> None:
    """The rendered verdict (HTML and text) names the score, every failed check and every mistake of report,
    and no check that passed as failed."""
    exercise = report["exercises"][0]
    failed = {c["id"] for c in exercise["checks"] if not c["passed"]}
    for text in (output["text/html"], output["text/plain"]):
        assert re.search(rf"\b{exercise['score']:g}\s*/\s*{exercise['max_score']:g}\b", text)
        assert ("PASS" if exercise["passed"] else "FAIL") in text
        for check_id in failed | {m["id"] for m in exercise["mistakes"]}:
            assert check_id in text
        for check in exercise["checks"]:
            if check["id"] not in failed:
                assert not re.search(rf"✗\s*{re.escape(check['id'])}\b", text)


def test_the_reference_notebook_checks_as_the_cli_grades_it_saved(tmp_path):
    notebook = solution_notebook(tmp_path)
    executed = run(ending_with_check(notebook), tmp_path)
    result = saved(tmp_path)
    assert result["message"] == "" and result["passed"] and result["score"] == 100
    expected = cli_report(tmp_path / "iris_net.ipynb")  # the notebook as saved, its own check cells included
    assert verdict(result["report"]) == verdict(expected)
    _assert_shows(shown(executed), expected)


def test_a_buggy_notebook_named_by_its_metadata_checks_as_the_cli_grades_it(tmp_path, monkeypatch):
    notebook = _buggy(solution_notebook(tmp_path))
    nbformat.write(notebook, tmp_path / "my work.ipynb")  # its name names no exercise: the metadata does
    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / "my work.ipynb"))  # as Jupyter Server tells the kernel
    executed = run(ending_with_check(notebook, "grader.check()"), tmp_path)
    result = saved(tmp_path)
    assert result["message"] == ""
    expected = cli_report(tmp_path / "my work.ipynb", "--exercise", "iris_net")
    assert verdict(result["report"]) == verdict(expected)
    assert "scaled-separately" in verdict(expected)["mistakes"]
    output = shown(executed)
    _assert_shows(output, expected)
    # The mistake's place is the kernel's input, as the student saw it numbered, and its line in that input.
    mistake = next(m for m in result["report"]["exercises"][0]["mistakes"] if m["id"] == "scaled-separately")
    label = result["cells"][str(mistake["cell"])]
    assert re.fullmatch(r"In \[\d+\]", label)
    assert f"{label}, line {mistake['cell_line']}" in output["text/plain"]


def test_the_latest_run_of_each_definition_is_checked_and_a_cell_that_raised_is_not(tmp_path):
    cells = [cell.source for cell in without_checks(solution_notebook(tmp_path)).cells if cell.cell_type == "code"]
    imports, split, normalize, activation, build = cells[1:6]
    session = [
        imports, split, normalize.replace(BUG, SCALED_SEPARATELY), activation, build,
        normalize,  # re-run, fixed: this version is the one the kernel holds
        "EPOCHS = EPOCH_COUNT  # a NameError: EPOCHS keeps its value, and nothing below ran\n"
        "def build_model(n_features, n_classes):\n    return None",
        "X = [[1.0, 2.0]] * 10\nprint(split_data(X, list(range(10))))",  # a try-out
        "def split_data(X, y:\n    pass",  # does not parse
        "import grader\nresult = grader.check()\nresult",  # the exercise: the one whose functions were defined
        REPORT_CELL,
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in session])
    executed = run(notebook, tmp_path)
    assert [o.ename for o in executed.cells[6].outputs if o.output_type == "error"] == ["NameError"]
    result = saved(tmp_path)
    reference = tmp_path / "iris_net.py"
    assert verdict(result["report"]) == verdict(cli_report(reference))  # the solution's verdict: 100, no mistake
    assert result["score"] == 100
    assert set(result["cells"].values()) == {"In [1]", "In [2]", "In [4]", "In [5]", "In [6]", "In [8]"}
    source = result["report"]["exercises"][0]["source"]
    assert "EPOCH_COUNT" not in source and "return None" not in source  # the input that raised kept nothing
    assert "\nX = [[1.0, 2.0]] * 10\n# (not checked) print(split_data(" in source  # commented out, not deleted
