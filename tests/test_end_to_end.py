"""Whole gradings through the real sandboxed child process."""
import pytest

from grader.exercises import load
from grader.grading import grade_path
from tests.harness import REFERENCE, ROOT, reference_with

IRIS = load("iris_net")
FUNCTIONS = {"split_data", "normalize", "output_activation", "build_model"}


@pytest.fixture(scope="module")
def grade(grade_report):
    def grade(source: str, exercise=IRIS) -> dict:
        return grade_report(source, exercise)["exercises"][0]
    return grade


@pytest.fixture(scope="module")
def reference_report(warm):
    return grade_path(REFERENCE / "iris_net.py", IRIS, warm)


def test_reference_gets_full_marks(reference_report):
    exercise = reference_report["exercises"][0]
    assert exercise["score"] == exercise["max_score"] == 100
    assert exercise["passed"] and not exercise["mistakes"] and not exercise["errors"]
    assert {"submission", "grader_version", "exercises"} <= set(reference_report)
    for check in exercise["checks"]:
        assert {"id", "title", "passed", "points", "max_points", "message"} <= set(check)


def test_grading_is_deterministic(reference_report):
    again = grade_path(REFERENCE / "iris_net.py", IRIS)["exercises"][0]  # in a sandbox of its own
    first = reference_report["exercises"][0]
    assert again["details"]["build_model"]["training"] == first["details"]["build_model"]["training"]
    assert again["checks"] == first["checks"]


def test_untouched_stub_gets_zero_with_not_implemented_errors():
    exercise = grade_path(ROOT / "exercises" / "iris_net.py", IRIS)["exercises"][0]
    assert exercise["score"] == 0 and not exercise["passed"]
    assert {e["function"] for e in exercise["errors"]} == FUNCTIONS
    assert {e["kind"] for e in exercise["errors"]} == {"not-implemented"}


def test_monkeypatching_keras_and_numpy_cannot_raise_the_score(grade):
    broken_model = '''
def build_model(n_features, n_classes):
    model = keras.Sequential([keras.Input(shape=(n_features,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(n_classes, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1e-6), loss="sparse_categorical_crossentropy")
    return model
'''
    honest = grade(reference_with(build_model=broken_model))
    cheat = reference_with(build_model=broken_model) + '''
keras.Model.evaluate = lambda self, *a, **k: [0.0, 1.0]
keras.Model.fit = lambda self, *a, **k: None
np.median = lambda *a, **k: 1.0
np.mean = lambda *a, **k: 1.0
'''
    cheater = grade(cheat)
    assert cheater["score"] == honest["score"] < 100
    assert cheater["details"]["build_model"]["training"]["median_test_accuracy"] < IRIS.parts[-1].min_accuracy


def test_student_traceback_is_trimmed_to_their_own_frames(grade):
    source = reference_with(build_model="def build_model(n_features, n_classes):\n    return helper()\n\ndef helper():\n    return 1 / 0\n")
    error = next(e for e in grade(source)["errors"] if e["function"] == "build_model")
    assert "ZeroDivisionError" in error["traceback"] and "helper" in error["traceback"]
    assert not any(name in error["traceback"] for name in ("grader", "child.py", "zygote.py", "sandbox"))


def test_absurd_training_budget_is_capped_and_said(grade):
    source = reference_with().replace("EPOCHS = 200", "EPOCHS = 10**9")
    exercise = grade(source)
    assert any("EPOCHS = 1000000000" in note for note in exercise["notes"])
    assert exercise["details"]["build_model"]["training"]["epochs"] == 1000
