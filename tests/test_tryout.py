"""Code outside the functions that fails when the file is imported (a cell trying the functions out)
costs no points of its own: the functions defined before it are graded as if it were not there, and
every format names the line (and the cell) where it failed. Through the real sandbox."""
import ast
import dataclasses
import json

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbformat.v4 import new_code_cell

from grader.authoring.generate import solution_notebook
from grader.exercises import load
from grader.grading import grade_path
from grader.render.html import render_html
from grader.render.terminal import render
from grader.sandbox.calls import Limits
from grader.submission.definitions import definitions_before
from tests.harness import REFERENCE

SOLUTION = (REFERENCE / "iris_net.py").read_text()
# What every student writes below their functions: load iris, split, build, fit.
TRY_OUT = """
from sklearn.datasets import load_iris

X, y = load_iris(return_X_y=True)
X_train, X_test, y_train, y_test = split_data(X, y)
X_train, X_test = normalize(X_train, X_test)
model = build_model(4, 3)
{failing}
print("test accuracy", model.evaluate(X_test, y_test, verbose=0))
"""
FAILURES = {  # each fails at its last line
    "name-error": "model.fit(X_train, y_trian, epochs=5, verbose=0)",  # a typo
    "wrong-call": "split_data(X)",  # a call with the wrong arguments
    "exit": "import sys\nsys.exit('done')",
    "input": "input('press enter')",  # no one types in the sandbox
}
# Endless, killed or out of memory: the worker is gone, so a fresh one imports the definitions alone.
QUICK = Limits(import_seconds=8, call_seconds=60)
LOST = {  # code, the line it stops at, kind, message
    "endless": ("while True:\n    pass", "while True:", "timeout", "did not finish within 8 seconds"),
    "os-exit": ("import os\nos._exit(3)", "os._exit(3)", "crashed", "status 3"),
    "memory": ("hoard = []\nwhile True:\n    hoard.append(bytearray(100 * 1024**2))",
               "    hoard.append(bytearray(100 * 1024**2))", "memory-limit", "MemoryError"),
}


def failing_line(source: str, text: str) -> int:
    """The number of the line of source that is exactly text (the last line of text when it has several)."""
    return next(number for number, line in enumerate(source.splitlines(), start=1) if line == text.splitlines()[-1])


def passed(exercise: dict) -> dict:
    return {check["id"]: (check["passed"], check["points"]) for check in exercise["checks"]}


@pytest.fixture(scope="module")
def solution(grade_report):
    return grade_report(SOLUTION)["exercises"][0]


@pytest.mark.parametrize("failure", FAILURES)
def test_a_failing_try_out_after_the_functions_costs_nothing(grade_report, solution, failure):
    source = SOLUTION + TRY_OUT.format(failing=FAILURES[failure])
    report = grade_report(source)
    exercise = report["exercises"][0]
    assert passed(exercise) == passed(solution) and exercise["score"] == exercise["max_score"]
    assert exercise["passed"] and not exercise["mistakes"]
    [error] = exercise["errors"]
    line = failing_line(source, FAILURES[failure])
    assert error["function"] == "<module>" and error["kind"] == "exception" and error["line"] == line
    assert error["not_graded"] == []
    assert error["message"].endswith(f"(line {line})")
    assert f'line {line}, in <module>' in error["traceback"]
    said = error["message"].removesuffix(f" (line {line})")
    assert exercise["notes"][0] == (f"Your code outside the functions failed at line {line} ({said}); "
                                    "your functions were graded anyway: it costs no points.")
    assert f"exception in <module>: {error['message']}" in render(report)


@pytest.mark.parametrize("failure", LOST)
def test_a_try_out_that_takes_the_worker_along_costs_nothing(grade_report, solution, failure):
    code, stops_at, kind, text = LOST[failure]
    source = SOLUTION + TRY_OUT.format(failing=code)
    exercise = grade_report(source, dataclasses.replace(load("iris_net"), limits=QUICK))["exercises"][0]
    assert passed(exercise) == passed(solution)
    [error] = exercise["errors"]
    line = failing_line(source, stops_at)
    assert error["function"] == "<module>" and error["kind"] == kind and text in error["message"]
    assert error["line"] == line and error["message"].endswith(f"(line {line})")
    assert "from their definitions alone" in exercise["notes"][0] and "it costs no points" in exercise["notes"][0]


def test_the_definitions_alone_keep_the_values_the_functions_use(grade_report, solution):
    """An endless try-out, with build_model reading module-level values that the rest of the try-out uses too."""
    source = SOLUTION.replace('keras.layers.Dense(16, activation="relu")', "keras.layers.Dense(HIDDEN, activation=ACT)")
    source = source.replace("EPOCHS = 200\n", "EPOCHS = 200\nWIDTH = 16\nHIDDEN = WIDTH\nACT = 'relu'\n")
    source += TRY_OUT.format(failing="while True:\n    pass")
    exercise = grade_report(source, dataclasses.replace(load("iris_net"), limits=QUICK))["exercises"][0]
    assert passed(exercise) == passed(solution)
    assert [e["kind"] for e in exercise["errors"]] == ["timeout"]


def test_functions_defined_after_the_failing_line_say_so(grade_report):
    before, after = SOLUTION.split("\ndef output_activation(")
    source = before + "\nprint(split_data(X, y))\n\ndef output_activation(" + after
    line = failing_line(source, "print(split_data(X, y))")
    exercise = grade_report(source)["exercises"][0]
    functions = {"split_data": True, "normalize": True, "output_activation": False, "build_model": False}
    for check in exercise["checks"]:
        assert check["passed"] == functions[check["function"]], check
        if not functions[check["function"]]:
            assert check["message"] == (f"{check['function']} is not defined: your file stopped at line {line} before "
                                        "defining it: NameError: name 'X' is not defined")
    [error] = exercise["errors"]
    assert error["not_graded"] == ["build_model", "output_activation"]
    assert exercise["notes"][0].startswith(f"Your code outside the functions failed at line {line} (NameError: name 'X' "
                                           "is not defined); build_model and output_activation come after that line "
                                           "and were never defined, so they could not be graded")


@pytest.mark.parametrize("prelude, kind", [
    ("raise RuntimeError('boom at import')", "exception"),
    ("import os\nos._exit(0)", "crashed"),
])
def test_a_failure_before_the_functions_leaves_them_all_undefined(grade_report, prelude, kind):
    exercise = grade_report(prelude + "\n" + SOLUTION)["exercises"][0]
    assert exercise["score"] == 0
    [error] = exercise["errors"]
    line = len(prelude.splitlines())
    assert error["kind"] == kind and error["line"] == line and error["message"].endswith(f"(line {line})")
    assert error["not_graded"] == ["build_model", "normalize", "output_activation", "split_data"]
    assert all(check["message"].startswith(f"{check['function']} is not defined: your file stopped at line {line} "
                                           "before defining it: ") for check in exercise["checks"])
    assert "before any of the functions was defined, so none could be graded" in exercise["notes"][0]


def test_a_notebook_names_the_cell_and_line_in_every_message(warm, tmp_path):
    notebook = nbformat.reads(solution_notebook("iris_net", REFERENCE), as_version=4)
    notebook.cells.append(new_code_cell("X, y = load_iris(return_X_y=True)\nprint(split_data(X, y))"))
    cell = len(notebook.cells)
    path = tmp_path / "iris_net.ipynb"
    path.write_text(nbformat.writes(notebook))
    report = grade_path(path, load("iris_net"), warm)
    exercise = report["exercises"][0]
    assert exercise["score"] == exercise["max_score"]
    [error] = exercise["errors"]
    assert (error["cell"], error["cell_line"]) == (cell, 1)
    assert error["message"] == f"NameError: name 'load_iris' is not defined (cell {cell}, line 1)"
    assert f'File "iris_net.ipynb", cell {cell}, line 1, in <module>' in error["traceback"]
    assert exercise["notes"][0].startswith(f"Your code outside the functions failed at cell {cell}, line 1 (NameError")
    assert f"exception in <module>: NameError: name 'load_iris' is not defined (cell {cell}, line 1)" in render(report)
    page = BeautifulSoup(render_html(report), "html.parser")
    article = page.select_one("article.error")
    assert article.h3.get_text(" ", strip=True) == f"exception your code outside the functions, cell {cell}, line 1"
    assert f"(cell {cell}, line 1)" in article.select_one(".message").get_text()
    assert "the whole file" not in page.get_text()


def test_the_same_submission_gets_the_same_report(grade_report):
    source = SOLUTION + TRY_OUT.format(failing="import os\nos._exit(3)")
    spec = dataclasses.replace(load("iris_net"), limits=QUICK)
    first, again = (grade_report(source, spec)["exercises"][0] for _ in range(2))
    assert first["score"] == 100 and "from their definitions alone" in first["notes"][0]
    assert json.dumps(first, sort_keys=True) == json.dumps(again, sort_keys=True)


def test_only_the_definitions_before_the_stop_are_imported_again():
    source = SOLUTION + "\nSEEN = 3\nX, y = load()\nmodel = build_model(4, 3)\nwhile True:\n    pass\n" \
                        "\ndef later(x):\n    return x\n"
    tree = ast.parse(source)
    stop = next(i for i, statement in enumerate(tree.body) if isinstance(statement, ast.While))
    kept = [ast.unparse(tree.body[i]).split("\n")[0]
            for i in definitions_before(source, tree, stop, {"build_model", "EPOCHS", "later"})]
    assert kept == ["import keras", "import numpy as np", "from sklearn.model_selection import train_test_split",
                    "EPOCHS = 200", "def split_data(X, y):", "def normalize(X_train, X_test):",
                    "def output_activation(task):", "def build_model(n_features, n_classes):"]
    # Nothing the grader reads before the stop: nothing to import again.
    assert definitions_before(source, tree, 3, {"build_model"}) == []


def test_a_compile_error_anywhere_runs_nothing(grade_report):
    source = SOLUTION + TRY_OUT.format(failing="return model")  # Python refuses the whole file
    line = failing_line(source, "return model")
    exercise = grade_report(source)["exercises"][0]
    assert exercise["score"] == 0 and exercise["output"] == ""  # not even the try-out's first lines ran
    [error] = exercise["errors"]
    assert (error["kind"], error["line"]) == ("syntax-error", line)
    assert error["message"] == f"SyntaxError: 'return' outside function (line {line})"
    assert all(check["message"] == f"{check['function']} could not be graded: syntax-error: {error['message']}"
               for check in exercise["checks"])


def test_the_terminal_and_html_show_where_a_deep_failure_started(grade_report):
    helpers = "\ndef load(n):\n    return deeper(n)\n\ndef deeper(n):\n    return deepest(n)\n\ndef deepest(n):\n" \
              "    raise ValueError(f'no data for {n}')\n"
    source = SOLUTION + helpers + "\nrows = load(3)\n"
    line = failing_line(source, "rows = load(3)")
    report = grade_report(source)
    text = render(report)
    assert f'File "iris_net.py", line {line}, in <module>' in text  # the outermost frame, not cut
    assert "ValueError: no data for 3" in text.splitlines()[-2]
    article = BeautifulSoup(render_html(report), "html.parser").select_one("article.error")
    assert article.h3.get_text(" ", strip=True) == f"exception your code outside the functions, line {line}"
    assert article.select_one("mark").get_text() == "rows = load(3)"


def test_constants_after_the_failing_line_are_not_read(grade_report):
    source = SOLUTION.replace("BATCH_SIZE = 32\n", "print(undefined_name)\nBATCH_SIZE = 32\n")
    exercise = grade_report(source)["exercises"][0]
    assert exercise["notes"][0].endswith("BATCH_SIZE comes after that line too, so the grader could not read it.")
