"""The fruit exercise: the lesson's three fruits, and outputs that must be probabilities."""
import numpy as np
import pytest

from grader import datasets
from grader.checks import run_family
from grader.checks.training import TrainingSubject
from tests.examples import assert_clean, graded, mistake_example
from tests.harness import grade_source, mistake_ids


def model(output: str, loss: str = '"sparse_categorical_crossentropy"') -> str:
    return f"""
def build_model(n_features, n_classes):
    model = keras.Sequential([
        keras.Input(shape=(n_features,)),
        keras.layers.Dense(8, activation="relu"),
        keras.layers.Dense(6, activation="relu"),
        {output},
    ])
    model.compile(optimizer="adam", loss={loss}, metrics=["accuracy"])
    return model
"""


LOGITS = model("keras.layers.Dense(n_classes)", "keras.losses.SparseCategoricalCrossentropy(from_logits=True)")


@pytest.fixture(scope="module")
def reference():
    return grade_source("", "fruit", light=False)  # 3 seeds at the reference's budget, as graded


def test_the_data_is_the_lessons_fruits_unscaled_and_fixed():
    X, y = datasets.fruit()
    assert X.shape == (360, 2) and np.bincount(y).tolist() == [120, 120, 120]
    means = [X[y == c].mean(axis=0) for c in range(3)]
    assert means[1][0] > means[0][0] > means[2][0] and means[1][1] > means[0][1] > means[2][1]  # mango > apple > orange
    assert X[:, 0].std() > 20 * X[:, 1].std()  # grams and a score: very different scales
    again, _ = datasets.fruit()
    assert np.array_equal(X, again)


def test_reference_gets_full_marks(reference):
    assert reference["score"] == 100 and not reference["mistakes"] and not reference["errors"], reference["mistakes"]
    training = reference["details"]["build_model"]["training"]
    assert training["confusion"]["classes"] == ["apple", "mango", "orange"] and training["seeds"] == [0, 1, 2]
    check = next(c for c in reference["checks"] if c["id"] == "model-probabilities")
    assert check["passed"] and "summing to 1" in check["message"]


def test_a_logits_model_loses_only_the_probabilities_check(reference):
    report = grade_source(LOGITS, "fruit", light=False)
    assert mistake_ids(report) == {"outputs-not-probabilities"}
    assert [c["id"] for c in report["checks"] if not c["passed"]] == ["model-probabilities"]
    assert report["score"] == 100 - 13 and report["passed"]
    mistake = report["mistakes"][0]
    assert mistake["checks"] == ["model-probabilities"] and "80% Mango" in mistake["why"]
    assert mistake["line"] == LOGITS.splitlines().index("        keras.layers.Dense(n_classes),") + 1  # the output layer
    # trained just as well: the same accuracy check passes
    accuracy = next(c for c in report["checks"] if c["id"] == "model-accuracy")
    assert accuracy["passed"], accuracy["message"]


def test_the_same_logits_model_is_correct_for_iris():
    """The check is opt-in: iris accepts a linear output with from_logits=True."""
    assert "outputs-not-probabilities" not in mistake_ids(graded(LOGITS))


@pytest.mark.parametrize("output", [
    'keras.layers.Dense(n_classes, activation="softmax")',
    "keras.layers.Dense(n_classes), keras.layers.Softmax()",
])
def test_softmax_outputs_are_probabilities(output):
    report = grade_source(model(output), "fruit", light=False)  # light mode's one seed at 40 epochs is too noisy
    assert_clean(report)
    assert next(c for c in report["checks"] if c["id"] == "model-probabilities")["passed"]


def test_a_sigmoid_output_is_neither_softmax_nor_probabilities():
    report = graded(model('keras.layers.Dense(n_classes, activation="sigmoid")'), "fruit")
    assert {"wrong-output-activation", "outputs-not-probabilities"} <= mistake_ids(report)


def test_an_untrained_model_does_not_get_the_probabilities_points():
    source = model('keras.layers.Dense(n_classes, activation="softmax")').replace(
        '    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])\n', "")
    report = graded(source, "fruit")
    check = next(c for c in report["checks"] if c["id"] == "model-probabilities")
    assert not check["passed"] and "not compiled" in check["message"]


@pytest.mark.slow
def test_overfitting_shows_on_all_three_seeds():
    """The catalog example memorizes on the graded seeds too, not only on the light mode's one."""
    report = grade_source(mistake_example("overfitting")["BAD"], "fruit", light=False)
    found = [m for m in report["mistakes"] if m["id"] == "overfitting"]
    assert found and found[0]["severity"] == "warning"


def subject(outputs, probabilities=True) -> TrainingSubject:
    outputs = np.asarray(outputs, dtype=float)
    curve = np.ones((outputs.shape[0], 1))
    return TrainingSubject(curve, curve, curve, 0.5, test_outputs=outputs, probabilities=probabilities, output_position=2)


def found(outputs, probabilities=True) -> list:
    return [f for f in run_family("training", subject(outputs, probabilities)) if f.id == "outputs-not-probabilities"]


def test_probability_rows_pass():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(3, 50, 4)) * 10
    softmax = np.exp(scores - scores.max(axis=-1, keepdims=True))
    assert not found((softmax / softmax.sum(axis=-1, keepdims=True)).astype(np.float32))
    assert not found(np.eye(3)[None])  # certain answers: exact 0 and 1
    assert not found([[[0.2], [0.9]]])  # one unit: the probability of class 1


@pytest.mark.parametrize("outputs, shown", [
    ([[[2.5, -1.0, 0.3]]], "[2.500, -1.000, 0.300] (sum 1.800)"),  # logits
    ([[[0.9, 0.8, 0.1]]], "(sum 1.800)"),  # sigmoids: each in [0, 1], not summing to 1
    ([[[1.2, -0.2, 0.0]]], "(sum 1.000)"),  # sums to 1 but is not a distribution
    ([[[0.5, 0.502, 0.0]]], "(sum 1.002)"),  # just beyond the tolerance
    ([[[1.5]]], "[1.500]"),  # one unit outside [0, 1]
])
def test_non_probabilities_are_found(outputs, shown):
    [finding] = found(outputs)
    assert shown in finding.observed and finding.locate == "output"


def test_the_check_is_opt_in_and_leaves_nan_rows_to_training_diverged():
    assert not found([[[2.5, -1.0, 0.3]]], probabilities=False)
    assert not found([[[np.nan, np.nan, np.nan]]])
    [finding] = found([[[np.nan, 0.5, 0.5], [3.0, 0.0, 0.0]]])
    assert finding.observed.startswith("1 of 1 rows")


def test_the_trainer_returns_the_outputs_on_the_test_rows():
    import json

    import keras

    from grader.model.safe_config import strip_compile
    from grader.training.trainer import train

    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(4, activation="relu"), keras.layers.Dense(3)])
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    architecture, compile_config = strip_compile(json.loads(model.to_json()))
    data = datasets.training_splits("fruit", (0, 1), 0.3)
    run = train(architecture, compile_config, data, (0, 1), 3, 32)
    assert run.test_outputs.shape == (2, len(data[0].X_test), 3)
    assert np.array_equal(run.test_outputs.argmax(axis=-1), run.test_predictions)
