"""The outcome a bulk run counts for a grading, from real reports of real files graded in the sandbox:
"could not be graded" only when none of the student's functions could be, never for a graded one."""
from __future__ import annotations

import dataclasses

import pytest

from grader.bulk.counts import outcome
from grader.bulk.gradebook import Gradebook, Key
from grader.exercises import load
from grader.grading import grade_path
from grader.parts.normalize import NormalizePart
from grader.sandbox.server import Sandbox
from tests.bulk.classroom import SOLUTION

IRIS = load("iris_net")
# normalize alone, all of it needed to pass: fast, and a failing function fails the exercise
NORMALIZE = dataclasses.replace(IRIS, parts=tuple(p for p in IRIS.parts if isinstance(p, NormalizePart)))
NORMALIZE = dataclasses.replace(NORMALIZE, pass_mark=NORMALIZE.max_score)


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox() as sandbox:
        yield sandbox


@pytest.mark.parametrize("name, source, expected", [
    ("correct", SOLUTION, "passed"),
    ("function-raises", SOLUTION.replace("def normalize(X_train, X_test):\n",
                                         "def normalize(X_train, X_test):\n    raise ValueError('not yet')\n"), "failed"),
    # Trying the functions out at the end of the file, and failing there: they were graded anyway.
    ("try-out-fails", SOLUTION + "\nmodel = build_model(4, 3)\nmodel.fit(None, None)\n", "passed"),
    ("syntax-error", SOLUTION.replace("def normalize(X_train, X_test):", "def normalize(X_train, X_test)"), "errored"),
    ("import-fails", "import tensorflow_addons_that_does_not_exist\n" + SOLUTION, "errored"),
    ("import-loops", "while True:\n    pass\n" + SOLUTION, "errored"),
])
def test_could_not_be_graded_means_no_function_was(sandbox, tmp_path, name, source, expected):
    path = tmp_path / "iris_net.py"
    path.write_text(source)
    exercise = dataclasses.replace(NORMALIZE, limits=dataclasses.replace(NORMALIZE.limits, import_seconds=5))
    report = grade_path(path, exercise, sandbox)
    key = Key(name, "iris_net", "0" * 64, report["grader_version"])
    with Gradebook(tmp_path / "gradebook.sqlite") as book:
        book.record(key, f"{name}/iris_net.py", report["graded_at"], report=report)
        row = book.latest(key)
    assert outcome(row) == expected, report["exercises"][0]["errors"]
