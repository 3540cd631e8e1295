"""The yes/no exercise: equivalent correct outputs are accepted, wrong ones named."""
import pytest

from tests.examples import assert_clean, graded
from tests.harness import mistake_ids


def model(output: str, loss: str) -> str:
    return f"""
def build_model(n_features):
    model = keras.Sequential([keras.Input(shape=(n_features,)), keras.layers.Dense(8, activation="relu"), {output}])
    model.compile(optimizer="adam", loss={loss}, metrics=["accuracy"])
    return model
"""


def test_reference_gets_full_marks():
    report = graded("", "pass_fail")
    assert report["score"] == 100 and not report["mistakes"] and not report["errors"]
    assert report["details"]["build_model"]["training"]["confusion"]["classes"] == ["fail", "pass"]


@pytest.mark.parametrize("output, loss", [
    ('keras.layers.Dense(1, activation="sigmoid")', '"binary_crossentropy"'),
    ('keras.layers.Dense(2, activation="softmax")', '"sparse_categorical_crossentropy"'),
    ("keras.layers.Dense(1)", "keras.losses.BinaryCrossentropy(from_logits=True)"),
    ("keras.layers.Dense(2)", "keras.losses.SparseCategoricalCrossentropy(from_logits=True)"),
])
def test_equivalent_yes_no_outputs_are_correct(output, loss):
    report = graded(model(output, loss), "pass_fail")
    assert_clean(report)
    assert report["score"] == 100


@pytest.mark.parametrize("output, loss, expected", [
    ('keras.layers.Dense(1, activation="relu")', '"binary_crossentropy"', "wrong-output-activation"),
    ('keras.layers.Dense(1, activation="sigmoid")', '"mean_squared_error"', "loss-label-mismatch"),
    ('keras.layers.Dense(2, activation="softmax")', '"binary_crossentropy"', "loss-label-mismatch"),
    ('keras.layers.Dense(3, activation="softmax")', '"sparse_categorical_crossentropy"', "wrong-output-units"),
    ('keras.layers.Dense(1, activation="softmax")', '"binary_crossentropy"', "softmax-single-unit"),
])
def test_wrong_yes_no_outputs_are_named(output, loss, expected):
    assert expected in mistake_ids(graded(model(output, loss), "pass_fail"))
