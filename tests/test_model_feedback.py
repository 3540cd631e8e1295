"""What a student reads about their network points at the real cause, on real submissions graded
through the real sandbox: the line, what was observed, what was expected and the fix.

Each mistake is graded with its passing counterpart: the same code with that one thing right.
"""
from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest

from grader.checks import CATALOG, Finding
from grader.checks.data import SplitSubject, SplitTrial, not_stratified
from grader.exercises import load
from grader.model.size import SizeCaps
from grader.parts.model import ModelPart
from grader.parts.normalize import NormalizePart
from grader.parts.split import SplitPart
from tests.harness import REFERENCE, ROOT, reference_with

IRIS = load("iris_net")
DIGITS = load("digits")


@pytest.fixture(scope="module")
def grade(grade_report):
    def grade(source: str, exercise=IRIS) -> dict:
        return grade_report(source, exercise)["exercises"][0]
    return grade


def model(*layers: str, compile: str = 'optimizer="adam", loss="sparse_categorical_crossentropy"', setup: str = "") -> str:
    """An iris submission whose build_model returns a Sequential of these layers, compiled so
    (`setup`: lines of build_model before the model)."""
    body = "".join(f"        {layer},\n" for layer in layers)
    return reference_with(build_model=f"def build_model(n_features, n_classes):\n{setup}"
                                      f"    model = keras.Sequential([\n{body}    ])\n"
                                      f"    model.compile({compile}, metrics=['accuracy'])\n    return model\n")


HIDDEN, OUTPUT = 'keras.layers.Dense(16, activation="relu")', 'keras.layers.Dense(n_classes, activation="softmax")'


def line_of(source: str, text: str) -> int:
    return next(number for number, line in enumerate(source.splitlines(), 1) if text in line)


def found(report: dict, mistake_id: str) -> dict:
    mistakes = [m for m in report["mistakes"] if m["id"] == mistake_id]
    assert len(mistakes) == 1, (mistake_id, [m["message"] for m in report["mistakes"]], report["errors"])
    return mistakes[0]


def check(report: dict, check_id: str) -> dict:
    return next(c for c in report["checks"] if c["id"] == check_id)


def assert_full_marks(report: dict) -> None:
    assert report["mistakes"] == [] and report["errors"] == [], ([m["message"] for m in report["mistakes"]], report["errors"])
    assert report["score"] == report["max_score"], [c["message"] for c in report["checks"] if not c["passed"]]


@pytest.mark.parametrize(("declared", "shown"), [
    ('keras.layers.Dense(16, activation="relu", input_shape=(1, n_features))', "(1, 4)"),
    ("keras.Input(shape=(n_features, 1))", "(4, 1)"),
], ids=["dense-1-by-n", "input-n-by-1"])
def test_an_input_with_an_extra_dimension_names_the_declared_shape_and_the_rows(grade, declared, shown):
    layers = (declared, OUTPUT) if "Dense" in declared else (declared, HIDDEN, OUTPUT)
    source = model(*layers)
    report = grade(source)
    mistake = found(report, "input-shape-mismatch")
    assert mistake["line"] == line_of(source, declared)
    assert f"the model's input is declared with shape {shown}, but each row the grader feeds it has shape (4,)" \
        in mistake["message"]
    assert "Expected: an input of shape (4,)" in mistake["message"] and "keras.Input(shape=(n_features,))" in mistake["fix"]
    accuracy = check(report, "model-accuracy")
    assert not accuracy["passed"] and "because of input-shape-mismatch" in accuracy["message"], accuracy["message"]
    assert "Sequential" not in accuracy["message"] and "features per row" not in mistake["message"]


@pytest.mark.parametrize("declared", ['keras.layers.Dense(16, activation="relu", input_shape=(n_features,))',
                                      "keras.Input(shape=(n_features,))"], ids=["dense", "input"])
@pytest.mark.filterwarnings("ignore:Do not pass an `input_shape`:UserWarning")
def test_an_input_of_one_number_per_feature_passes(grade, declared):
    layers = (declared, OUTPUT) if "Dense" in declared else (declared, HIDDEN, OUTPUT)
    assert_full_marks(grade(model(*layers)))


def test_keras_refusing_integer_labels_is_reported_as_the_loss_mistake(grade):
    source = model("keras.Input(shape=(n_features,))", HIDDEN, OUTPUT,
                   compile='optimizer="adam", loss="categorical_crossentropy"')
    report = grade(source)
    mistake = found(report, "loss-label-mismatch")
    assert mistake["line"] == line_of(source, "model.compile(")
    assert mistake["message"].startswith("categorical cross-entropy expects one-hot labels, but the labels are "
                                         "integers 0..2"), mistake["message"]
    assert "Fix: compile with loss='sparse_categorical_crossentropy'" in mistake["message"]
    accuracy = check(report, "model-accuracy")
    assert "because of loss-label-mismatch" in accuracy["message"], accuracy["message"]
    texts = [c["message"] for c in report["checks"]] + [m["message"] for m in report["mistakes"]]
    assert not any("shape=" in text or "target" in text for text in texts), texts


def test_the_matching_loss_trains(grade):
    assert_full_marks(grade(model("keras.Input(shape=(n_features,))", HIDDEN, OUTPUT)))


def test_a_wide_relu_network_trains_and_passes(grade):
    report = grade(model("keras.Input(shape=(n_features,))", 'keras.layers.Dense(512, activation="relu")',
                         'keras.layers.Dense(512, activation="relu")', OUTPUT))
    assert_full_marks(report)
    assert report["details"]["build_model"]["training"]["epochs"] == 200 and report["notes"] == []


def test_a_network_over_the_parameter_cap_is_refused_with_a_fix(grade):
    report = grade(model("keras.Input(shape=(n_features,))", 'keras.layers.Dense(4000, activation="relu")',
                         'keras.layers.Dense(4000, activation="relu")', OUTPUT))
    (error,) = report["errors"]
    assert error["kind"] == "invalid-return"
    assert f"the model has 16,036,003 parameters (weights and biases); this exercise allows at most " \
           f"{SizeCaps().parameters:,}" in error["message"]
    assert "Fix: use fewer units in the hidden layers" in error["message"]


def digits(hidden: int, batch_size: int, epochs: int = 20) -> str:
    source = (REFERENCE / "digits.py").read_text()
    source = source.replace("EPOCHS = 20", f"EPOCHS = {epochs}").replace("BATCH_SIZE = 32", f"BATCH_SIZE = {batch_size}")
    return source.replace('keras.layers.Dense(256, activation="relu")', f'keras.layers.Dense({hidden}, activation="relu")') \
        .replace('keras.layers.Dense(128, activation="relu")', f'keras.layers.Dense({hidden}, activation="relu")')


def test_one_epoch_over_the_grader_s_work_says_which_batch_size_trains(grade):
    report = grade(digits(1024, batch_size=1), DIGITS)  # 1,126,410 parameters updated after each of 1,257 rows
    assert report["errors"] == [] and report["mistakes"] == []
    accuracy = check(report, "model-accuracy")
    assert not accuracy["passed"]
    assert accuracy["message"].startswith("not trained: one epoch of 1,257 batches of 1 row for a network of "
                                          "1,126,410 parameters"), accuracy["message"]
    assert accuracy["message"].endswith("Fix: set BATCH_SIZE to at least 2 (fewer, larger batches), "
                                        "or use fewer units in the hidden layers"), accuracy["message"]
    assert "training" not in report["details"]["build_model"]


def test_the_same_network_in_larger_batches_trains(grade):
    report = grade(digits(1024, batch_size=128, epochs=2), DIGITS)
    assert report["errors"] == [] and report["details"]["build_model"]["training"]["epochs"] == 2


ADAM = "    optimizer = keras.optimizers.Adam(learning_rate={})\n"
BY_OPTIMIZER = "optimizer=optimizer, loss='sparse_categorical_crossentropy'"


@pytest.mark.parametrize(("change", "cause", "fix", "where"), [
    ({"setup": ADAM.format("1e-6"), "compile": BY_OPTIMIZER},
     "the optimizer's learning rate is 1e-06, 1,000 times smaller than Adam's default 0.001",
     "use the default learning rate: optimizer='adam', or keras.optimizers.Adam(learning_rate=0.001)",
     "keras.optimizers.Adam("),
    ({"epochs": 1}, "it trained for 1 epoch of 4 batches, 4 weight updates in all",
     "set EPOCHS = 200 (the exercise's default) or more", "EPOCHS = 1"),
    ({"output": "relu"}, "the output layer uses relu (wrong-output-activation, above)",
     "give the output layer one unit per class with activation='softmax'",
     'keras.layers.Dense(n_classes, activation="relu")'),
], ids=["tiny-learning-rate", "too-few-epochs", "relu-output"])
def test_underfitting_names_the_likely_cause_found_in_the_network(grade, change, cause, fix, where):
    output = f'keras.layers.Dense(n_classes, activation="{change.get("output", "softmax")}")'
    source = model("keras.Input(shape=(n_features,))", HIDDEN, output, setup=change.get("setup", ""),
                   compile=change.get("compile", 'optimizer="adam", loss="sparse_categorical_crossentropy"'))
    source = source.replace("EPOCHS = 200", f"EPOCHS = {change.get('epochs', 200)}")
    report = grade(source)
    mistake = found(report, "underfitting")
    assert f"; the likely cause: {cause}" in mistake["message"], mistake["message"]
    assert mistake["fix"].startswith(fix) and f"Fix: {mistake['fix']}" in mistake["message"], mistake["fix"]
    assert mistake["line"] == line_of(source, where)


def test_a_diverging_loss_names_a_learning_rate_far_above_the_default(grade):
    source = model("keras.Input(shape=(n_features,))", HIDDEN, OUTPUT, compile=BY_OPTIMIZER,
                   setup="    optimizer = keras.optimizers.SGD(learning_rate=1000.0)\n")
    mistake = found(grade(source), "training-diverged")
    assert "the likely cause: the optimizer's learning rate is 1000, 100,000 times larger than SGD's default 0.01" \
        in mistake["message"], mistake["message"]
    assert mistake["fix"] == "use the default learning rate: optimizer='sgd', or keras.optimizers.SGD(learning_rate=0.01)"
    assert mistake["line"] == line_of(source, "keras.optimizers.SGD(")


def test_underfitting_names_a_mistake_of_the_output_before_others_and_sgd_last():
    from grader.checks.training import TrainingSetup, underfitting_cause

    findings = (Finding("softmax-hidden-activation", "hidden layer 'h' uses softmax", "relu", "dense:0"),
                Finding("wrong-output-units", "the output layer has 2 unit(s) for 3 classes", "3 units", "dense:1"))
    setup = TrainingSetup(epochs=200, batches=4, asked_epochs=200, stub_epochs=200, stub_batch_size=32, stub_batches=4,
                          task=IRIS.parts[-1].terms(),
                          optimizer="sgd", learning_rate=0.01, model_findings=findings, n_classes=3)
    text, fix, where = underfitting_cause(setup)
    assert text.startswith("the output layer has 2 unit(s)") and where == "dense:1"
    assert underfitting_cause(replace(setup, model_findings=()))[0].startswith("the optimizer is SGD")
    assert underfitting_cause(replace(setup, model_findings=(), optimizer="adam", learning_rate=0.001)) is None
    few = replace(setup, model_findings=(), epochs=2, asked_epochs=2, batches=1)
    assert underfitting_cause(few)[0].startswith("it trained for 2 epochs of 1 batch, 2 weight updates in all")


def test_the_default_learning_rate_and_epochs_learn(grade):
    assert_full_marks(grade(model("keras.Input(shape=(n_features,))", HIDDEN, OUTPUT, setup=ADAM.format("0.001"),
                                  compile=BY_OPTIMIZER)))


HELPER = '''
def make_layers(n_classes, units):
    return [
        keras.layers.Dense(units{hidden}),
        keras.layers.Dense({output}, activation="softmax"),
    ]


def build_model(n_features, n_classes):
    model = keras.Sequential([keras.Input(shape=(n_features,)), *make_layers(n_classes, 16)])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
'''


def test_findings_about_layers_built_in_a_helper_point_at_the_helper_s_lines(grade):
    source = reference_with(build_model=HELPER.format(hidden="", output="2"))
    report = grade(source)
    assert found(report, "linear-hidden-activation")["line"] == line_of(source, "keras.layers.Dense(units)")
    assert found(report, "wrong-output-units")["line"] == line_of(source, 'keras.layers.Dense(2, activation="softmax")')


def test_a_helper_that_builds_the_layers_right_passes(grade):
    assert_full_marks(grade(reference_with(build_model=HELPER.format(hidden=', activation="relu"', output="n_classes"))))


def test_not_stratified_says_the_grader_called_split_data_on_its_own_data(grade):
    source = reference_with(split_data="def split_data(X, y):\n"
                                       "    return train_test_split(X, y, test_size=0.3, random_state=42)\n")
    report = grade(source)
    mistake = found(report, "not-stratified")
    assert mistake["line"] == line_of(source, "return train_test_split(")  # the unstratified draw
    assert re.match(r"when the grader called split_data on its own test data \(150 rows in classes of 60, 50 and 40 "
                    r"rows\), class \d got \d+ of its \d+ rows in the test set\. Expected: \d+ test rows for that class, "
                    r"the same share as the whole test set \(45 of 150 rows\)\. Fix: pass stratify=y", mistake["message"]), \
        mistake["message"]


def split_trial(test_counts: dict[int, int], class_sizes: dict[int, int]) -> SplitTrial:
    y = np.repeat(list(class_sizes), list(class_sizes.values()))
    test = np.concatenate([np.flatnonzero(y == c)[:n] for c, n in test_counts.items()])
    train = np.setdiff1d(np.arange(len(y)), test)
    return SplitTrial(y, train, test, y[train], y[test])


def test_not_stratified_never_fires_on_a_difference_of_one_row():
    # 46 of 150 test rows: the shares are 18.4, 15.3 and 12.3 rows, so a stratified split gives 18 or 19,
    # 15 or 16 and 12 or 13; one row beyond that (20 and 11) is still not a warning, two rows are.
    one_row = split_trial({0: 20, 1: 15, 2: 11}, {0: 60, 1: 50, 2: 40})
    assert list(not_stratified(SplitSubject((one_row,), 0.3))) == []
    two_rows = split_trial({0: 21, 1: 15, 2: 10}, {0: 60, 1: 50, 2: 40})
    (finding,) = not_stratified(SplitSubject((two_rows,), 0.3))
    assert "class 0 got 21 of its 60 rows" in finding.observed and finding.expected.startswith("18 or 19 test rows")


def _ids_per_exercise() -> dict[str, set[str]]:
    """The ids each exercise can report: its rubric's, and every id of the families its parts run."""
    families = {ModelPart: {"model", "training"}, NormalizePart: {"normalize"}, SplitPart: {"split"}}
    ids = {}
    for name in ("iris_net", "pass_fail", "fruit", "digits", "neuron", "concepts"):
        spec = load(name)
        run = set().union(*(families.get(type(part), set()) for part in spec.parts))
        ids[name] = {m for part in spec.parts for item in part.rubric for m in item.mistakes} \
            | {i for i, entry in CATALOG.items() if entry.family in run}
    return ids


def test_why_texts_of_ids_shared_by_several_exercises_do_not_speak_of_iris():
    per_exercise = _ids_per_exercise()
    shared = {i for i in CATALOG if sum(i in ids for ids in per_exercise.values()) > 1}
    assert {"linear-hidden-activation", "hardcoded-shapes", "underfitting"} <= shared
    for mistake_id in sorted(shared):
        entry = CATALOG[mistake_id]
        assert not re.search(r"\biris\b|\b4 inputs\b", entry.why + entry.fix, re.IGNORECASE), (mistake_id, entry.why)


@pytest.mark.parametrize("exercise", ["iris_net", "pass_fail", "fruit", "digits"])
def test_every_stub_states_the_size_limit_the_grader_applies(exercise):
    stub = (ROOT / "exercises" / f"{exercise}.py").read_text()
    docstring = " ".join(stub[stub.index("def build_model("):].split())
    caps = SizeCaps()
    assert f"refuses one with more than {caps.parameters:,} parameters (weights and biases) or {caps.layers} layers" \
        in docstring
    assert f"{caps.parameters:,} parameters" in " ".join((ROOT / "README.md").read_text().split())
