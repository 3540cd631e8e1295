"""Required rubric items, through the real sandbox and the grader's full training (3 seeds).

A network that cannot do the task fails the exercise whatever its points, and every format says
which required check it missed; it still keeps the points of every function that works. The
reference and every correct variant still pass.
"""
import pytest
from bs4 import BeautifulSoup

from grader.bulk.classdata import class_results, outcome
from grader.render.github import step_summary
from grader.render.gradescope import gradescope_results
from grader.render.html import render_html
from grader.render.junit import junit_xml
from grader.render.summary import render_summary
from grader.render.terminal import render
from tests.examples.correct_forms import FORMS
from tests.harness import REFERENCE, reference_with

ACCURACY_TITLE = "Trained network reaches the accuracy threshold"


def model(output: str = 'keras.layers.Dense(n_classes, activation="softmax")',
          loss: str = '"sparse_categorical_crossentropy"', optimizer: str = '"adam"',
          signature: str = "n_features, n_classes", hidden: str = 'keras.layers.Dense(16, activation="relu")') -> str:
    """A build_model returning a compiled Sequential network; each argument is source code."""
    return f"""
def build_model({signature}):
    model = keras.Sequential([keras.Input(shape=(n_features,)), {hidden}, {output}])
    model.compile(optimizer={optimizer}, loss={loss}, metrics=["accuracy"])
    return model
"""


BROKEN_NETWORKS = {
    "one-output-unit-for-three-classes": reference_with(build_model=model('keras.layers.Dense(1, activation="sigmoid")')),
    "categorical-crossentropy-on-integer-labels": reference_with(build_model=model(loss='"categorical_crossentropy"')),
    "arguments-swapped": reference_with(build_model=model(signature="n_classes, n_features")),
    "learning-rate-too-small": reference_with(build_model=model(optimizer="keras.optimizers.Adam(learning_rate=1e-6)")),
    "a-single-epoch": reference_with().replace("EPOCHS = 200", "EPOCHS = 1"),
}


@pytest.fixture(scope="module")
def grade(grade_report):
    return grade_report  # the full report (tests/conftest.py)


@pytest.fixture(scope="module")
def broken(grade) -> dict[str, dict]:
    return {name: grade(source) for name, source in BROKEN_NETWORKS.items()}


@pytest.mark.parametrize("name", BROKEN_NETWORKS)
def test_a_network_that_cannot_do_the_task_fails_and_keeps_the_points_of_what_works(broken, name):
    exercise = broken[name]["exercises"][0]
    assert exercise["score"] >= exercise["pass_mark"]  # its points alone would pass it
    assert not exercise["passed"] and "model-accuracy" in exercise["failed_required"]
    assert ACCURACY_TITLE in exercise["failed_required_message"]
    working = [c for c in exercise["checks"] if c["function"] != "build_model"]
    assert all(c["passed"] and c["points"] == c["max_points"] for c in working), working
    assert exercise["score"] == sum(c["points"] for c in exercise["checks"])
    accuracy = next(c for c in exercise["checks"] if c["id"] == "model-accuracy")
    assert accuracy["required"] and not accuracy["passed"] and accuracy["points"] == 0


def test_every_format_shows_the_missed_required_check(broken):
    report = broken["one-output-unit-for-three-classes"]
    exercise = report["exercises"][0]
    reason = f"FAIL: {exercise['failed_required_message']}"
    assert reason.startswith("FAIL: a required check failed: Trained network reaches the accuracy threshold "
                             "(model-accuracy).")
    assert reason in render(report)
    assert reason in render_html(report).replace("&#39;", "'")
    assert f'name="verdict" value="{reason}"' in junit_xml([report])
    assert '"model-accuracy"' in junit_xml([report]).replace("&quot;", '"')
    results = gradescope_results([report])
    assert reason in results["output"]
    accuracy = next(t for t in results["tests"] if "model-accuracy" in t["tags"])
    assert "required" in accuracy["tags"] and "This check is required" in accuracy["output"]
    assert f"**{reason.replace('FAIL:', 'FAIL**:')}" in step_summary([report])
    # grader bulk counts it from the report's own verdict: failed, not passed, and its summary says why
    row = {"student": "ana", "exercise": "iris_net", "status": "graded", "score": exercise["score"],
           "max_score": exercise["max_score"], "passed": exercise["passed"], "report": report}
    assert outcome(row) == "failed"
    cell = BeautifulSoup(render_summary(class_results([row], ["ana"], "class", [])), "html.parser").select_one(
        "table[data-testid=students] tbody td")
    assert f"{exercise['score']:g} / 100 failed required: model-accuracy" == cell.get_text(" ", strip=True)


def test_a_network_that_is_not_compiled_fails_naming_both_required_checks(grade):
    source = reference_with(build_model="""
def build_model(n_features, n_classes):
    return keras.Sequential([keras.Input(shape=(n_features,)), keras.layers.Dense(16, activation="relu"),
                             keras.layers.Dense(n_classes, activation="softmax")])
""")
    exercise = grade(source)["exercises"][0]
    assert exercise["failed_required"] == ["model-compiled", "model-accuracy"] and not exercise["passed"]
    assert "2 required checks failed: The model is compiled (model-compiled); " in exercise["failed_required_message"]


@pytest.mark.parametrize("exercise", ["iris_net", "pass_fail", "fruit", "digits"])
def test_the_reference_passes_with_every_required_check(grade, exercise):
    graded = grade((REFERENCE / f"{exercise}.py").read_text(), exercise)["exercises"][0]
    assert graded["passed"] and graded["failed_required"] == [] and graded["failed_required_message"] == ""
    assert graded["score"] == graded["max_score"]


@pytest.mark.parametrize("source", [pytest.param(source, id=name) for name, source in FORMS.items()])
@pytest.mark.filterwarnings("ignore:Do not pass an `input_shape`:UserWarning")
def test_every_correct_variant_passes(grade, source):
    # The variant's definitions come after the reference's, so they replace them, as in a student's file.
    exercise = grade(reference_with() + "\n" + source)["exercises"][0]
    assert exercise["passed"] and exercise["failed_required"] == [], exercise["failed_required_message"]
    assert exercise["score"] == exercise["max_score"], [c["message"] for c in exercise["checks"] if not c["passed"]]


RELU8 = 'keras.layers.Dense(8, activation="relu")'
OTHER_EXERCISES_CORRECT = {  # (exercise, build_model, the checks it may lose and still pass)
    "pass_fail-sigmoid": ("pass_fail", model('keras.layers.Dense(1, activation="sigmoid")', '"binary_crossentropy"',
                                             signature="n_features", hidden=RELU8), []),
    "pass_fail-two-softmax-units": ("pass_fail", model('keras.layers.Dense(2, activation="softmax")',
                                                       signature="n_features", hidden=RELU8), []),
    "pass_fail-one-logit": ("pass_fail", model("keras.layers.Dense(1)", "keras.losses.BinaryCrossentropy(from_logits=True)",
                                               signature="n_features", hidden=RELU8), []),
    "pass_fail-two-logits": ("pass_fail", model("keras.layers.Dense(2)",
                                                "keras.losses.SparseCategoricalCrossentropy(from_logits=True)",
                                                signature="n_features", hidden=RELU8), []),
    # Not probabilities: it loses that item's points only, since that item is not required.
    "fruit-logits": ("fruit", model("keras.layers.Dense(n_classes)",
                                    "keras.losses.SparseCategoricalCrossentropy(from_logits=True)",
                                    hidden=f"{RELU8}, keras.layers.Dense(6, activation='relu')"), ["model-probabilities"]),
    "digits-64-units": ("digits", model(hidden='keras.layers.Dense(64, activation="relu")'), []),
}


@pytest.mark.parametrize("exercise, source, may_lose", [pytest.param(*case, id=name)
                                                         for name, case in OTHER_EXERCISES_CORRECT.items()])
def test_correct_networks_of_the_other_model_exercises_pass(grade, exercise, source, may_lose):
    graded = grade((REFERENCE / f"{exercise}.py").read_text() + "\n" + source, exercise)["exercises"][0]
    assert graded["passed"] and graded["failed_required"] == [], graded["failed_required_message"]
    assert [c["id"] for c in graded["checks"] if not c["passed"]] == may_lose
