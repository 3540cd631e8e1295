"""Inside the sandbox, `import grader; grader.check(...)` does nothing: a notebook's check cells and a script's
check call grade exactly as the same file without them (the real sandbox, the real grading)."""
from __future__ import annotations

import nbformat
import pytest

from grader.exercises import load
from grader.grading import grade_path
from tests.harness import REFERENCE
from tests.kernel.sessions import solution_notebook, without_checks

pytestmark = pytest.mark.slow

CHECKS = ("\n\nimport grader\nfrom grader import check, submit\nresult = grader.check('iris_net')\n"
          "assert result is None and check() is None and submit('iris_net') is None\n")


def _graded(path, warm) -> dict:
    exercise = load("iris_net")
    report = grade_path(path, exercise, warm)["exercises"][0]
    return {key: value for key, value in report.items() if key not in ("source", "cells")}


def test_a_script_with_check_calls_grades_as_without_them(tmp_path, warm):
    plain, checked = tmp_path / "plain" / "iris_net.py", tmp_path / "checked" / "iris_net.py"
    for path in (plain, checked):
        path.parent.mkdir()
    source = REFERENCE.joinpath("iris_net.py").read_text().replace('"linear"}[task]', '"softmax"}[task]')
    plain.write_text(source)
    checked.write_text(source + CHECKS)
    with_checks = _graded(checked, warm)
    assert with_checks == _graded(plain, warm)
    assert with_checks["notes"] == [] and with_checks["errors"] == []  # the check lines ran, and did nothing


def test_a_generated_notebook_with_its_check_cells_grades_as_without_them(tmp_path, warm):
    notebook = solution_notebook(tmp_path)
    assert sum("grader.check(" in cell.source for cell in notebook.cells) >= 2
    checks_last = without_checks(notebook)
    checks_last.cells += [cell for cell in notebook.cells if "grader.check(" in cell.source]  # same cell numbers
    nbformat.write(checks_last, tmp_path / "checked.ipynb")
    plain = without_checks(notebook)
    nbformat.write(plain, tmp_path / "plain.ipynb")
    with_checks = _graded(tmp_path / "checked.ipynb", warm)
    assert with_checks == _graded(tmp_path / "plain.ipynb", warm)
    assert with_checks["score"] == 100 and with_checks["notes"] == []
