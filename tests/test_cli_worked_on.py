"""`grader check .` grades what the student worked on: untouched stubs found in a folder are skipped with
one line each, a run of several ends with "k of n passed", and a file named or declared is always graded."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from grader.authoring.notebooks import dumps, notebook_from_source
from grader.exercises import load, names
from grader.submission.notebook import convert, read_notebook
from grader.submission.untouched import is_untouched
from tests.harness import ROOT
from tests.test_cli import grader

STUBS = ROOT / "exercises"


def solved_notebook(name: str) -> str:
    """The exercise's notebook as a student who solved it in Jupyter hands it in."""
    return dumps(notebook_from_source((ROOT / "reference" / f"{name}.py").read_text(encoding="utf-8"), name))


def stub(name: str) -> str:
    return (STUBS / f"{name}.py").read_text(encoding="utf-8")


def class_folder(tmp_path: Path, worked: dict[str, str]) -> Path:
    """A student's checkout: every stub (.py and notebook) in exercises/, the files in worked replaced."""
    shutil.copytree(STUBS, tmp_path / "exercises")
    for name, text in worked.items():
        (tmp_path / "exercises" / name).write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("name", names())
def test_every_generated_stub_is_untouched_and_its_reference_is_not(name):
    exercise = load(name)
    assert is_untouched(stub(name), exercise)
    assert is_untouched(convert(read_notebook(STUBS / f"{name}.ipynb")).source, exercise)
    assert not is_untouched((ROOT / "reference" / f"{name}.py").read_text(encoding="utf-8"), exercise)


def test_layout_docstrings_and_the_stubs_message_are_not_work():
    source = stub("iris_net").replace("EPOCHS = 200", "EPOCHS=200  # the default")
    source = source.replace('raise NotImplementedError("split_data: split X and y into train and test sets")',
                            "raise NotImplementedError  # TODO")
    source = source.replace("Split the rows into a training set and a test set.", "My notes on splitting.")
    assert is_untouched(source + "\n\ndef helper():\n    return 1\n", load("iris_net"))


@pytest.mark.parametrize("name, old, new", [
    ("iris_net", 'raise NotImplementedError("split_data: split X and y into train and test sets")',
     "return X, X, y, y"),
    ("iris_net", 'raise NotImplementedError("normalize: scale X_train and X_test with X_train\'s statistics")',
     "pass"),
    ("iris_net", "EPOCHS = 200", "EPOCHS = 50"),  # a constant changed is work (its default is not)
    ("neuron", 'raise NotImplementedError("relu: turn negatives into 0, keep positives")', "return np.maximum(z, 0)"),
    ("concepts", "Q3 = None", 'Q3 = "c"'),
    ("concepts", 'EXPLAIN = """\n"""', 'EXPLAIN = "A neuron weighs its inputs."'),
])
def test_any_graded_function_or_constant_changed_is_work(name, old, new):
    assert old in stub(name)
    assert not is_untouched(stub(name).replace(old, new), load(name))


@pytest.mark.parametrize("addition", [
    "\n\ndef split_data(X, y):\n    return X, X, y, y\n",  # redefined below the stub's: that one counts
    "\nsplit_data = lambda X, y: (X, X, y, y)\n",
    "\nfrom sklearn.model_selection import train_test_split as split_data\n",
    "\nEPOCHS = 10\n",
])
def test_a_graded_name_bound_again_anywhere_is_work(addition):
    assert not is_untouched(stub("iris_net") + addition, load("iris_net"))


def test_a_file_that_does_not_parse_or_lacks_a_graded_function_is_work():
    exercise = load("iris_net")
    assert not is_untouched(stub("iris_net") + "\ndef broken(:\n", exercise)
    assert not is_untouched(stub("iris_net").replace("def build_model", "def build_my_model"), exercise)
    assert not is_untouched("", exercise)


@pytest.mark.slow
def test_a_folder_grades_the_worked_exercise_skips_each_untouched_stub_and_ends_with_k_of_n(tmp_path):
    class_folder(tmp_path, {"neuron.py": (ROOT / "reference" / "neuron.py").read_text(encoding="utf-8")})
    out = grader("check", ".", cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr  # the stubs left alone do not fail the student
    skipped = sorted(line for line in out.stderr.splitlines() if line.startswith("grader: skipped "))
    assert skipped == [f"grader: skipped exercises/{name}.py: the stub is untouched (nothing to grade); so is the "
                       f"notebook exercises/{name}.ipynb beside it" for name in names() if name != "neuron"]
    assert "not the notebook" not in out.stderr  # the untouched notebook beside the work is no news
    assert "neuron: A neuron and a dense layer in numpy  100/100 PASS" in out.stdout
    assert out.stdout.rstrip().splitlines()[-1] == "1 of 1 passed; 5 untouched stubs skipped"
    assert sorted(p.name for p in (tmp_path / "reports").glob("*.json")) == ["neuron.json"]


def test_a_folder_of_untouched_stubs_says_so_and_fails(tmp_path):
    class_folder(tmp_path, {})
    out = grader("check", ".", cwd=tmp_path)
    assert out.returncode == 1
    assert out.stdout.startswith("nothing graded: all 6 exercises found are untouched stubs (nothing filled in "
                                 "yet). Fill in the exercise you are working on: replace each `raise "
                                 "NotImplementedError(...)` with your code"), out.stdout
    assert "`grader check exercises/concepts.py` grades a file as it is." in out.stdout
    assert len(out.stdout.splitlines()) == 1 and "Traceback" not in out.stderr
    assert not (tmp_path / "reports").exists()


@pytest.mark.slow
@pytest.mark.parametrize("args", [["exercises/neuron.py"], [".", "--exercise", "neuron"], [".", "--expect", "neuron"],
                                  ["exercises/neuron.ipynb"]])
def test_a_stub_named_or_declared_is_graded_with_its_0_points(tmp_path, args):
    class_folder(tmp_path, {})
    out = grader("check", *args, cwd=tmp_path)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "skipped" not in out.stderr and "neuron: A neuron and a dense layer in numpy  0/100 FAIL" in out.stdout
    [report] = (tmp_path / "reports").glob("*.json")
    assert json.loads(report.read_text())["exercises"][0]["score"] == 0


@pytest.mark.slow
def test_several_submissions_end_with_how_many_passed(tmp_path):
    for student, source in (("ada", (ROOT / "reference" / "neuron.py").read_text(encoding="utf-8")),
                            ("bob", "import numpy as np\n\ndef relu(z):\n    return np.maximum(z, 0)\n")):
        (tmp_path / student).mkdir()
        (tmp_path / student / "neuron.py").write_text(source, encoding="utf-8")
    out = grader("check", "ada", "bob", cwd=tmp_path)
    assert out.returncode == 1, out.stdout + out.stderr
    assert out.stdout.rstrip().splitlines()[-1] == "1 of 2 passed"


@pytest.mark.slow
@pytest.mark.parametrize("args", [["."], [".", "--expect", "neuron"], ["exercises", "--exercise", "neuron"]])
def test_the_notebook_worked_on_is_graded_not_the_untouched_stub_beside_it(tmp_path, args):
    # The template holds both; this student works in Jupyter. Declared (--expect, as in CI) or not, the work counts.
    class_folder(tmp_path, {"neuron.ipynb": solved_notebook("neuron")})
    out = grader("check", *args, cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert ("grader: grading the notebook exercises/neuron.ipynb: exercises/neuron.py beside it is the untouched "
            "stub") in out.stderr.splitlines()
    assert json.loads((tmp_path / "reports" / "neuron.json").read_text())["submission"] == "exercises/neuron.ipynb"
    assert "neuron: A neuron and a dense layer in numpy  100/100 PASS" in out.stdout


@pytest.mark.slow
def test_when_both_the_py_and_its_notebook_were_worked_on_the_py_is_graded_and_that_is_said(tmp_path):
    broken = stub("neuron").replace('raise NotImplementedError("relu: turn negatives into 0, keep positives")',
                                    "return z")
    class_folder(tmp_path, {"neuron.ipynb": solved_notebook("neuron"), "neuron.py": broken})
    out = grader("check", ".", cwd=tmp_path)
    assert out.returncode == 1, out.stdout + out.stderr
    assert ("grader: grading exercises/neuron.py, not the notebook exercises/neuron.ipynb beside it (name the "
            "notebook to grade it)") in out.stderr.splitlines()
    assert json.loads((tmp_path / "reports" / "neuron.json").read_text())["submission"] == "exercises/neuron.py"


@pytest.mark.slow
def test_json_on_stdout_stays_the_only_output_there_when_stubs_are_skipped(tmp_path):
    class_folder(tmp_path, {"neuron.py": (ROOT / "reference" / "neuron.py").read_text(encoding="utf-8")})
    out = grader("check", ".", "--json", "-", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["exercises"][0]["score"] == 100  # no "k of n passed" after it
    assert out.stderr.count("grader: skipped ") == 5
