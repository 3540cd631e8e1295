"""Whole gradings through the real sandboxed child process."""
from pathlib import Path

import pytest

from grader.exercises import load
from grader.grading import grade_path
from grader.sandbox.runner import Limits
from tests.harness import REFERENCE, ROOT

IRIS = load("iris_net")
FUNCTIONS = {"split_data", "normalize", "output_activation", "build_model"}


def grade(tmp_path: Path, source: str, limits: Limits = Limits()) -> dict:
    path = tmp_path / "iris_net.py"
    path.write_text(source)
    return grade_path(path, IRIS, limits)["exercises"][0]


def reference_with(**replacements: str) -> str:
    """The reference source with whole functions replaced, as a student would edit it."""
    source = (REFERENCE / "iris_net.py").read_text()
    for name, new in replacements.items():
        start = source.index(f"def {name}(")
        end = source.find("\ndef ", start + 1)
        source = source[:start] + new.strip() + "\n\n" + (source[end + 1:] if end != -1 else "")
    return source


@pytest.fixture(scope="module")
def reference_report():
    return grade_path(REFERENCE / "iris_net.py", IRIS)


def test_reference_gets_full_marks(reference_report):
    exercise = reference_report["exercises"][0]
    assert exercise["score"] == exercise["max_score"] == 100
    assert exercise["passed"] and not exercise["mistakes"] and not exercise["errors"]
    assert {"submission", "grader_version", "exercises"} <= set(reference_report)
    for check in exercise["checks"]:
        assert {"id", "title", "passed", "points", "max_points", "message"} <= set(check)


def test_grading_is_deterministic(reference_report):
    again = grade_path(REFERENCE / "iris_net.py", IRIS)["exercises"][0]
    first = reference_report["exercises"][0]
    assert again["details"]["build_model"]["training"] == first["details"]["build_model"]["training"]
    assert again["checks"] == first["checks"]


def test_untouched_stub_gets_zero_with_not_implemented_errors():
    exercise = grade_path(ROOT / "exercises" / "iris_net.py", IRIS)["exercises"][0]
    assert exercise["score"] == 0 and not exercise["passed"]
    assert {e["function"] for e in exercise["errors"]} == FUNCTIONS
    assert {e["kind"] for e in exercise["errors"]} == {"not-implemented"}


def test_monkeypatching_keras_and_numpy_cannot_raise_the_score(tmp_path):
    broken_model = '''
def build_model(n_features, n_classes):
    model = keras.Sequential([keras.Input(shape=(n_features,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(n_classes, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1e-6), loss="sparse_categorical_crossentropy")
    return model
'''
    honest = grade(tmp_path, reference_with(build_model=broken_model))
    cheat = reference_with(build_model=broken_model) + '''
keras.Model.evaluate = lambda self, *a, **k: [0.0, 1.0]
keras.Model.fit = lambda self, *a, **k: None
np.median = lambda *a, **k: 1.0
np.mean = lambda *a, **k: 1.0
'''
    cheater = grade(tmp_path, cheat)
    assert cheater["score"] == honest["score"] < 100
    assert cheater["details"]["build_model"]["training"]["median_test_accuracy"] < IRIS.parts[-1].min_accuracy


def test_syntax_error_is_reported_without_running(tmp_path):
    exercise = grade(tmp_path, "def split_data(X, y)\n    return X\n")
    assert exercise["score"] == 0
    assert exercise["errors"][0]["kind"] == "syntax-error" and exercise["errors"][0]["line"] == 1


@pytest.mark.parametrize("prelude, kind", [
    ("raise RuntimeError('boom at import')", "exception"),
    ("import sys; sys.exit(3)", "exception"),
    ("import os; os._exit(0)", "crashed"),
])
def test_import_failures_fail_every_function_once(tmp_path, prelude, kind):
    exercise = grade(tmp_path, prelude + "\n" + reference_with())
    assert exercise["score"] == 0
    assert [(e["function"], e["kind"]) for e in exercise["errors"]] == [("<module>", kind)]


def test_a_hanging_function_costs_only_its_own_points(tmp_path):
    source = reference_with(split_data="def split_data(X, y):\n    while True:\n        pass\n")
    exercise = grade(tmp_path, source, Limits(call_seconds=3))
    errors = {e["function"]: e["kind"] for e in exercise["errors"]}
    assert errors == {"split_data": "timeout"}
    assert exercise["score"] == 80  # everything but the split's 20 points


def test_a_crashing_function_costs_only_its_own_points(tmp_path):
    source = reference_with(normalize="def normalize(X_train, X_test):\n    import os\n    os._exit(1)\n")
    exercise = grade(tmp_path, source)
    assert {e["function"]: e["kind"] for e in exercise["errors"]} == {"normalize": "crashed"}
    assert exercise["score"] == 80


@pytest.mark.parametrize("function, kind, text", [
    ("def split_data(X, y):\n    return None\n", "invalid-return", "expected a tuple"),
    ("def build_model(n_features, n_classes):\n    return 'a model'\n", "invalid-return", "not a Keras model"),
    ("def build_model(n_features, n_classes):\n    m = keras.Sequential([keras.Input((n_features,)), "
     "keras.layers.Lambda(lambda x: x * 2), keras.layers.Dense(16, activation='relu'), keras.layers.Dense(n_classes, activation='softmax')])\n"
     "    m.compile(optimizer='adam', loss='sparse_categorical_crossentropy')\n    return m\n", "invalid-return", "Lambda"),
    ("class Net(keras.Model):\n    def __init__(self, n):\n        super().__init__()\n        self.d = keras.layers.Dense(n, activation='softmax')\n"
     "    def call(self, x):\n        return self.d(x)\n\n"
     "def build_model(n_features, n_classes):\n    m = Net(n_classes)\n    m.compile(optimizer='adam', loss='sparse_categorical_crossentropy')\n    return m\n",
     "invalid-return", "subclassed"),
    ("def normalize(X_train, X_test):\n    return X_train[:0] / 0, X_test\n", "invalid-return", "shape"),
    ("def build_model(n_features, n_classes):\n    raise ValueError('my own bug')\n", "exception", "my own bug"),
])
def test_broken_functions_get_a_clear_error(tmp_path, function, kind, text):
    name = function.split("def ")[-1].split("(")[0]
    exercise = grade(tmp_path, reference_with(**{name: function}))
    errors = [e for e in exercise["errors"] if e["function"] == name]
    assert len(errors) == 1 and errors[0]["kind"] == kind and text in errors[0]["message"]
    assert all(c["passed"] for c in exercise["checks"] if c["function"] != name)


def test_student_traceback_is_trimmed_to_their_own_frames(tmp_path):
    source = reference_with(build_model="def build_model(n_features, n_classes):\n    return helper()\n\ndef helper():\n    return 1 / 0\n")
    error = next(e for e in grade(tmp_path, source)["errors"] if e["function"] == "build_model")
    assert "ZeroDivisionError" in error["traceback"] and "helper" in error["traceback"]
    assert "grader" not in error["traceback"] and "child.py" not in error["traceback"]


def test_absurd_training_budget_is_capped_and_said(tmp_path):
    source = reference_with().replace("EPOCHS = 200", "EPOCHS = 10**9")
    exercise = grade(tmp_path, source)
    assert any("EPOCHS = 1000000000" in note for note in exercise["notes"])
    assert exercise["details"]["build_model"]["training"]["epochs"] == 1000
