"""Every reference gets full marks as .py and as a notebook, every stub zero, through the real sandbox.

One `grader check` process grades them all with one warm sandbox (as it would a class).
"""
import json
import subprocess
import sys
import uuid
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbformat.v4 import new_code_cell

from grader.authoring.generate import exercise_names, outputs, solution_notebook
from grader.exercises import load
from tests.harness import REFERENCE

pytestmark = pytest.mark.slow  # one process grades them all, about 35 s

NAMES = exercise_names(REFERENCE)
MARKER = Path("/tmp") / f"should-not-exist-{uuid.uuid4().hex}"


def mistaken_iris_notebook() -> tuple[nbformat.NotebookNode, dict]:
    """The solution notebook with a shell cell, a linear hidden layer and a normalize that raises in a helper."""
    notebook = nbformat.reads(solution_notebook("iris_net", REFERENCE), as_version=4)
    notebook.cells.insert(1, new_code_cell(f"!pip install keras\n!touch {MARKER}\n%matplotlib inline"))
    for cell in notebook.cells:
        cell.source = cell.source.replace('keras.layers.Dense(16, activation="relu")', "keras.layers.Dense(16)")
        cell.source = cell.source.replace("mean = X_train.mean(axis=0)", "mean = helper(X_train)")
    notebook.cells.append(new_code_cell("def helper(X):\n    raise ValueError('no mean today')\n\n"
                                        "print(output_activation('binary'))"))
    where = {}
    for number, cell in enumerate(notebook.cells, start=1):
        for index, line in enumerate(cell.source.splitlines(), start=1):
            if line.strip() == "keras.layers.Dense(16),":
                where["dense"] = (number, index)
            if "raise ValueError('no mean today')" in line:
                where["helper"] = (number, index)
            if "mean = helper(X_train)" in line:
                where["normalize"] = (number, index)
    return notebook, where


TRY_OUT = ("from sklearn.datasets import load_iris\n\nX, y = load_iris(return_X_y=True)\n"
           "X_train, X_test, y_train, y_test = split_data(X, y)\nmodel = build_model(4, 3)\n"
           "model.fit(X_train, y_trian, epochs=5)\nprint('not reached')")


def without_check_cells(name: str) -> nbformat.NotebookNode:
    """The solution notebook without its `import grader` and `grader.check(...)` cells."""
    notebook = nbformat.reads(solution_notebook(name, REFERENCE), as_version=4)
    ours = {"import grader", f'grader.check("{name}")'}
    notebook.cells = [cell for cell in notebook.cells if cell.source not in ours]
    return notebook


def tryout_iris_notebook() -> nbformat.NotebookNode:
    """The solution notebook with a last cell that tries the functions out and fails at its sixth line (a typo)."""
    notebook = nbformat.reads(solution_notebook("iris_net", REFERENCE), as_version=4)
    notebook.cells.append(new_code_cell(TRY_OUT))
    return notebook


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    kinds = ("solution-py", "solution-nb", "stub-py", "stub-nb", "mistake-nb", "tryout-nb", "nocheck-nb")
    folders = {kind: root / kind for kind in kinds}
    for folder in folders.values():
        folder.mkdir()
    for name in NAMES:
        (folders["solution-py"] / f"{name}.py").write_text((REFERENCE / f"{name}.py").read_text())
        (folders["solution-nb"] / f"{name}.ipynb").write_text(solution_notebook(name, REFERENCE))
        for output in outputs(name, REFERENCE, root, notebooks=True):
            kind = "stub-nb" if output.path.suffix == ".ipynb" else "stub-py"
            (folders[kind] / output.path.name).write_text(output.text)
    notebook, where = mistaken_iris_notebook()
    (folders["mistake-nb"] / "iris_net.ipynb").write_text(nbformat.writes(notebook))
    (folders["tryout-nb"] / "iris_net.ipynb").write_text(nbformat.writes(tryout_iris_notebook()))
    (folders["nocheck-nb"] / "iris_net.ipynb").write_text(nbformat.writes(without_check_cells("iris_net")))
    # The stubs are named one by one: in a folder, `grader check` skips an untouched stub.
    paths = [path for kind, folder in folders.items()
             for path in (sorted(folder.iterdir()) if kind.startswith("stub") else [folder])]
    out = subprocess.run([sys.executable, "-m", "grader", "check", *paths, "--html", "html"], cwd=root,
                         capture_output=True, text=True, timeout=900)
    reports = {path.stem: json.loads(path.read_text()) for path in (root / "reports").glob("*.json")}
    return out, reports, where, root


def test_the_run_fails_only_for_the_stubs_and_the_mistake(graded):
    out, reports, _, _ = graded
    assert out.returncode == 1, out.stderr
    assert "Traceback" not in out.stderr
    assert len(reports) == 4 * len(NAMES) + 3


def test_the_check_cells_change_no_grade(graded):
    """A generated notebook's `import grader` and `grader.check(...)` cells do nothing in the sandbox: the
    solution notebook grades as it does without them (the stubs import fine too: see below)."""
    reports = graded[1]
    cells = nbformat.reads(solution_notebook("iris_net", REFERENCE), as_version=4).cells
    assert sum(cell.source == 'grader.check("iris_net")' for cell in cells) == 4
    with_checks, without = (reports[f"{kind}-iris_net"]["exercises"][0] for kind in ("solution-nb", "nocheck-nb"))
    assert graded_part(with_checks) == graded_part(without)


def graded_part(exercise: dict) -> tuple:
    """What a grading decided of an exercise, apart from where its cells are."""
    return ([(c["id"], c["passed"], c["points"], c["message"]) for c in exercise["checks"]], exercise["score"],
            exercise["mistakes"], exercise["errors"], exercise["notes"], exercise["output"])


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("form", ["solution-py", "solution-nb"])
def test_every_reference_gets_full_marks(graded, form, name):
    report = graded[1][f"{form}-{name}"]
    exercise = report["exercises"][0]
    assert report["submission"].endswith(f"{form}/{name}.{'py' if form.endswith('py') else 'ipynb'}")
    assert exercise["score"] == exercise["max_score"], (exercise["mistakes"], exercise["errors"])
    assert not exercise["mistakes"] and not exercise["errors"] and "grader_error" not in exercise


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("form", ["stub-py", "stub-nb"])
def test_every_stub_gets_zero_without_crashing(graded, form, name):
    exercise = graded[1][f"{form}-{name}"]["exercises"][0]
    assert exercise["score"] == 0 and "grader_error" not in exercise
    if any(part.calls() for part in load(name).parts):
        assert exercise["errors"] and {e["kind"] for e in exercise["errors"]} == {"not-implemented"}
        assert all(e["function"] != "<module>" for e in exercise["errors"])  # it imports fine
    else:  # answers only (concepts): nothing to call, every answer still unset
        assert exercise["errors"] == [] and all("not answered" in c["message"] for c in exercise["checks"])


def test_a_notebook_mistake_points_to_its_cell(graded):
    out, reports, where, _ = graded
    exercise = reports["mistake-nb-iris_net"]["exercises"][0]
    mistake = next(m for m in exercise["mistakes"] if m["id"] == "linear-hidden-activation")
    assert (mistake["cell"], mistake["cell_line"]) == where["dense"]
    assert f"(build_model, cell {where['dense'][0]}, line {where['dense'][1]})" in out.stdout
    error = next(e for e in exercise["errors"] if e["function"] == "normalize")
    assert error["kind"] == "exception" and "no mean today" in error["message"]
    for frame in ("normalize", "helper"):
        cell, line = where[frame]
        assert f'File "iris_net.ipynb", cell {cell}, line {line}, in {frame}' in error["traceback"]
    assert 'iris_net.py"' not in error["traceback"]
    assert "sigmoid" in exercise["output"]  # the try-it-out cell ran
    assert any("cell 2, line 1 (!pip install keras)" in note for note in exercise["notes"])
    assert not MARKER.exists()
    page = (graded[3] / "html" / "mistake-nb-iris_net.html").read_text()
    assert f"In <code>build_model</code>, cell {where['dense'][0]}, line {where['dense'][1]}." in page


def test_a_failing_try_out_cell_costs_nothing_and_is_named_by_its_cell(graded):
    out, reports, _, root = graded
    exercise = reports["tryout-nb-iris_net"]["exercises"][0]
    solution = reports["solution-nb-iris_net"]["exercises"][0]
    assert [(c["id"], c["points"]) for c in exercise["checks"]] == [(c["id"], c["points"]) for c in solution["checks"]]
    assert exercise["score"] == 100 and exercise["passed"]
    cell = len(tryout_iris_notebook().cells)
    [error] = exercise["errors"]
    assert (error["function"], error["kind"], error["cell"], error["cell_line"]) == ("<module>", "exception", cell, 6)
    message = f"NameError: name 'y_trian' is not defined (cell {cell}, line 6)"
    assert error["message"] == message
    assert f'File "iris_net.ipynb", cell {cell}, line 6, in <module>' in error["traceback"]
    assert exercise["notes"][0] == (f"Your code outside the functions failed at cell {cell}, line 6 (NameError: name "
                                    "'y_trian' is not defined); your functions were graded anyway: it costs no points.")
    assert f"exception in <module>: {message}" in out.stdout
    page = BeautifulSoup((root / "html" / "tryout-nb-iris_net.html").read_text(), "html.parser")
    article = page.select_one("article.error")
    assert article.h3.get_text(" ", strip=True) == f"exception your code outside the functions, cell {cell}, line 6"
    assert article.select_one("mark").get_text() == "model.fit(X_train, y_trian, epochs=5)"
