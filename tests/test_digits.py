"""The digits exercise: an MLP on 8x8 digits, measured against logistic regression on the same splits."""
import numpy as np
import pytest

from grader import datasets
from grader.calibration import calibrate, describe
from grader.exercises import load
from grader.training.baseline import baseline_accuracy
from tests.examples import graded
from tests.harness import grade_source, mistake_ids


def model(*hidden: int, epochs: int | None = None) -> str:
    layers = "".join(f'        keras.layers.Dense({h}, activation="relu"),\n' for h in hidden)
    budget = f"EPOCHS = {epochs}\n\n" if epochs else ""
    return f"""
{budget}
def build_model(n_features, n_classes):
    model = keras.Sequential([
        keras.Input(shape=(n_features,)),
{layers}        keras.layers.Dense(n_classes, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
"""


@pytest.fixture(scope="module")
def reference():
    return grade_source("", "digits", light=False)  # 3 seeds at the reference's budget, as graded


def test_the_data_is_sklearns_bundled_digits():
    X, y = datasets.digits()
    assert X.shape == (1797, 64) and sorted(set(y)) == list(range(10)) and X.max() == 16
    [split] = datasets.training_splits("digits", (0,), 0.3)
    assert split.X_train.shape == (1257, 64) and split.X_test.shape == (540, 64)


def test_reference_gets_full_marks(reference):
    assert reference["score"] == 100 and not reference["mistakes"] and not reference["errors"], reference["mistakes"]
    assert reference["details"]["build_model"]["training"]["confusion"]["classes"] == [str(d) for d in range(10)]


def test_the_baseline_is_in_the_report(reference):
    details = reference["details"]["build_model"]
    baseline = details["baseline"]
    assert baseline["model"] == "logistic regression" and baseline["tolerance"] == load("digits").parts[0].baseline_tolerance
    assert len(baseline["test_accuracy"]) == 3 and baseline["median_test_accuracy"] == np.median(baseline["test_accuracy"])
    assert 0.94 < baseline["median_test_accuracy"] < 0.99  # logistic regression is strong on 8x8 digits
    assert details["training"]["median_test_accuracy"] >= baseline["median_test_accuracy"]  # and the reference beats it
    check = next(c for c in reference["checks"] if c["id"] == "model-beats-baseline")
    assert check["passed"] and "logistic regression" in check["message"]


def test_the_baseline_is_fitted_on_the_graders_own_splits():
    seeds = (0, 1, 2)
    accuracies = baseline_accuracy("logistic_regression", "digits", seeds, 0.3)
    from sklearn.linear_model import LogisticRegression

    split = datasets.training_splits("digits", seeds, 0.3)[1]
    fitted = LogisticRegression(max_iter=1000).fit(split.X_train, split.y_train)
    assert accuracies[1] == fitted.score(split.X_test, split.y_test)
    assert baseline_accuracy("logistic_regression", "digits", seeds, 0.3) is accuracies  # fitted once per process
    with pytest.raises(ValueError, match="unknown baseline"):
        baseline_accuracy("random_forest", "digits", seeds, 0.3)


def test_a_network_worse_than_logistic_regression_loses_the_baseline_check():
    report = graded(model(4), "digits")  # four hidden units cannot hold ten digits apart
    failed = {c["id"]: c["message"] for c in report["checks"] if not c["passed"]}
    assert "model-beats-baseline" in failed and "logistic regression" in failed["model-beats-baseline"]
    assert report["details"]["build_model"]["baseline"]["model"] == "logistic regression"


def test_a_long_training_run_does_not_overfit_digits():
    """Measured: even 100-200 epochs of a wide network leave a gap of about 0.02 on digits, far from the warning."""
    report = graded(model(256, 128, epochs=100), "digits")
    assert "overfitting" not in mistake_ids(report)
    training = report["details"]["build_model"]["training"]
    gap = training["curves"]["train_accuracy"][0][-1] - training["curves"]["test_accuracy"][0][-1]
    assert 0 <= gap < load("digits").parts[0].overfit_gap / 2


@pytest.mark.slow
def test_calibrate_reports_the_baseline_margin():
    result = calibrate(load("digits"), n_seeds=3)
    assert result.baseline is not None and result.baseline_statistic.shape == (1,)
    text = describe(result)
    assert "logistic regression on the same splits" in text and "tolerance 0.010" in text
    assert "overfitting warning above 0.100" in text
