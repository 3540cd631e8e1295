"""Values the grader cannot use, and code that cannot run: clear errors, other functions still graded."""
import pytest

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
