"""Values the grader cannot use, and code that cannot run: clear errors, other functions still graded."""
import json

import pytest

from grader.sandbox.calls import MAX_MESSAGE_CHARS, MAX_TRACEBACK_CHARS
from tests.harness import reference_with
from tests.sandbox.conftest import error, errors, grade


@pytest.mark.parametrize("function, kind, text", [
    ("def split_data(X, y):\n    return None\n", "invalid-return", "expected a tuple"),
    ("def build_model(n_features, n_classes):\n    return 'a model'\n", "invalid-return", "not a Keras model"),
    ("def normalize(X_train, X_test):\n    return X_train[:0] / 0, X_test\n", "invalid-return", "shape"),
    ("def output_activation(task):\n    return open\n", "invalid-return", "builtin_function_or_method"),
    ("def build_model(n_features, n_classes):\n    raise ValueError('my own bug')\n", "exception", "my own bug"),
])
def test_broken_functions_get_a_clear_error(sandbox, tmp_path, function, kind, text):
    name = function.split("def ")[-1].split("(")[0]
    exercise = grade(sandbox, tmp_path, reference_with(**{name: function}))
    failure = error(exercise, name)
    assert failure["kind"] == kind and text in failure["message"]
    assert all(c["passed"] for c in exercise["checks"] if c["function"] != name)


def test_syntax_error_is_reported_without_running(sandbox, tmp_path):
    exercise = grade(sandbox, tmp_path, "def split_data(X, y)\n    return X\n")
    assert exercise["score"] == 0 and errors(exercise) == {"<module>": "syntax-error"}
    assert exercise["errors"][0]["line"] == 1


DEEP_CONFIG = """
import json

import keras


def build_model(n_features, n_classes):
    model = keras.Sequential([keras.Input(shape=(n_features,)), keras.layers.Dense(n_classes, activation="softmax")])
    deep = {}
    for _ in range(500):
        deep = {"config": deep}
    model.to_json = lambda: json.dumps({"module": "keras", "class_name": "Sequential", "config": {"name": "s", "layers": [deep]}})
    return model
"""


@pytest.mark.parametrize("function, text", [
    # A ragged X_train: its first row lost a value.
    ("def split_data(X, y):\n    rows = [list(r) for r in X]\n    rows[0].pop()\n"
     "    return rows[:100], rows[100:], list(y[:100]), list(y[100:])\n",
     "returned a tuple whose X_train is a ragged sequence (rows of 4 numbers and 5 numbers)"),
    ("def normalize(X_train, X_test):\n    return [[1.0, 2.0], [3.0]], X_test\n",
     "returned a tuple whose X_train_scaled is a ragged sequence (rows of 2 numbers and 1 number)"),
    ("def output_activation(task):\n    import numpy as np\n    return np.array([0.5, 0.5])\n",
     "returned an array of shape (2,); expected a string or None"),
    ("def split_data(X, y):\n    value = X\n    for _ in range(100_000):\n        value = [value]\n    return value\n",
     "returned a value nested more than 32 levels deep"),
    (DEEP_CONFIG, "a model config nested more than 64 levels deep"),
])
def test_a_value_that_does_not_fit_costs_only_its_function(sandbox, tmp_path, function, text):
    """Ragged arrays, an array for a string, deep nesting: an invalid-return of that function, never a grader error."""
    name = function.split("def ")[-1].split("(")[0]
    exercise = grade(sandbox, tmp_path, reference_with(**{name: function}))
    assert "grader_error" not in exercise
    failure = error(exercise, name)
    assert failure["kind"] == "invalid-return" and text in failure["message"], failure["message"]
    assert errors(exercise) == {name: "invalid-return"}
    assert all(c["passed"] == (c["function"] != name) for c in exercise["checks"])


def test_a_huge_exception_message_adds_little_to_the_report(sandbox, tmp_path):
    source = reference_with(normalize="def normalize(X_train, X_test):\n    raise ValueError('x' * 2_000_000)\n")
    exercise = grade(sandbox, tmp_path, source)
    failure = error(exercise, "normalize")
    assert failure["kind"] == "exception" and failure["message"].endswith(" more characters)")
    assert len(failure["message"]) <= MAX_MESSAGE_CHARS and len(failure["traceback"]) <= MAX_TRACEBACK_CHARS
    assert len(json.dumps(exercise)) < 100_000  # the message is copied into every check of normalize
    assert all(c["passed"] == (c["function"] != "normalize") for c in exercise["checks"])


@pytest.mark.parametrize("source, kind, text", [
    ("x = 1\n" * 400_000, "too-large", "at most 1,000,000 bytes"),  # parsing 20 MB cost gigabytes and minutes
    ("x = " + "(" * 100_000 + ")" * 100_000 + "\n", "syntax-error", "nested"),
    ("x = " + "-" * 200_000 + "1\n", "syntax-error", "nested too deeply"),
])
def test_a_file_the_grader_cannot_read_costs_nothing_but_its_points(sandbox, tmp_path, source, kind, text):
    exercise = grade(sandbox, tmp_path, source)
    assert "grader_error" not in exercise
    assert exercise["score"] == 0 and errors(exercise) == {"<module>": kind}
    assert text in exercise["errors"][0]["message"]
