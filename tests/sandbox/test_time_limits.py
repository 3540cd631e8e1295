"""Code that never finishes: it ends as `timeout`, on its own function where it can."""
from grader.sandbox.calls import Limits
from tests.harness import reference_with
from tests.sandbox.conftest import error, errors, grade

QUICK = Limits(import_seconds=4, call_seconds=4)


def test_infinite_loop_at_import(sandbox, tmp_path):
    exercise = grade(sandbox, tmp_path, "while True:\n    pass\n" + reference_with(), QUICK)
    assert errors(exercise) == {"<module>": "timeout"} and exercise["score"] == 0
    assert "4 seconds" in error(exercise, "<module>")["message"]


def test_infinite_loop_in_a_function_costs_only_its_points(sandbox, tmp_path):
    source = reference_with(normalize="def normalize(X_train, X_test):\n    while True:\n        pass\n")
    exercise = grade(sandbox, tmp_path, source, Limits(import_seconds=30, call_seconds=10))  # the others must finish
    assert errors(exercise) == {"normalize": "timeout"}
    assert exercise["score"] == 80  # everything but normalize's 20 points


def test_sleeping_forever_is_a_wall_clock_timeout(sandbox, tmp_path):
    source = "import time\n\ndef split_data(X, y):\n    time.sleep(10**6)\n"
    assert errors(grade(sandbox, tmp_path, source, QUICK))["split_data"] == "timeout"


def test_cpu_time_limit(sandbox, tmp_path):
    source = "def split_data(X, y):\n    while True:\n        pass\n"
    exercise = grade(sandbox, tmp_path, source, Limits(import_seconds=10, call_seconds=60, cpu_seconds=2))
    failure = error(exercise, "split_data")
    assert failure["kind"] == "timeout" and "CPU time" in failure["message"]
