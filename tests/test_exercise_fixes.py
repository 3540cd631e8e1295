"""Every fix and message about a network is right for the exercise that raises it.

For every exercise with a network and every mistake id its network can show, real Keras networks with
that mistake, built for the exercise's sizes, are read by the grader's own checks through the exercise's
own part (its sizes, labels, build_model's arguments and reference); the training mistakes are judged on
curves that show them, with the part's own terms. Each message and fix must name nothing the exercise
does not have: no n_classes argument where build_model takes none, no sparse loss for a yes/no network
without two softmax units, no sigmoid or binary loss for several classes, no hidden size that fails the
exercise, no other exercise's data. The hidden layers the fixes advise are then graded as a student's
network, through the real sandbox: they pass.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace

import numpy as np
import pytest

from grader.checks import CATALOG, Finding, run_family
from grader.checks.model import Probe
from grader.checks.training import LEARNING_BLOCKERS, TrainingSetup, TrainingSubject
from grader.exercises import load, names
from grader.model.facts import model_facts
from grader.parts.model import ModelPart, stub_budget
from tests.harness import REFERENCE

MODEL_PARTS = {name: part for name in names() for part in load(name).parts if isinstance(part, ModelPart)}


def _value(value, part: ModelPart):
    return value(part) if callable(value) else value


def network(part: ModelPart, *, hidden=(("relu", 32),), units=None, activation=None, loss=None,
            from_logits=False, compiled=True, features=None, optimizer="adam"):
    """The facts of a real Keras network for the exercise's sizes: right unless told otherwise."""
    import keras

    binary = part.task == "binary"
    units = _value(units, part) or (1 if binary else part.n_classes)
    activation = activation or ("sigmoid" if binary and units == 1 else "softmax")
    layers = [keras.Input(shape=(_value(features, part) or part.n_features,))]
    layers += [keras.layers.Dense(n, activation=a) for a, n in hidden]
    model = keras.Sequential([*layers, keras.layers.Dense(units, activation=activation)])
    if compiled:
        loss = loss or ("binary_crossentropy" if binary and units == 1 else "sparse_categorical_crossentropy")
        if from_logits:
            logits = {"binary_crossentropy": keras.losses.BinaryCrossentropy,
                      "sparse_categorical_crossentropy": keras.losses.SparseCategoricalCrossentropy}
            loss = logits[loss](from_logits=True)
        model.compile(optimizer=optimizer, loss=loss)
    return model_facts(json.loads(model.to_json()), compiled)


# (the id the network shows, how it differs from a right one)
MODEL_CASES: list[tuple[str, dict]] = [
    ("no-hidden-layer", {"hidden": ()}),
    ("linear-hidden-activation", {"hidden": ((None, 32),)}),
    ("softmax-hidden-activation", {"hidden": (("softmax", 32),)}),
    ("wrong-output-activation", {"activation": "relu"}),
    ("wrong-output-activation", {"units": lambda p: p.n_classes, "activation": "sigmoid"}),
    ("wrong-output-units", {"units": lambda p: p.n_classes + 1}),
    ("loss-label-mismatch", {"loss": "categorical_crossentropy"}),
    ("loss-label-mismatch", {"loss": "mean_squared_error"}),
    ("loss-label-mismatch", {"units": lambda p: p.n_classes, "loss": "binary_crossentropy"}),
    ("loss-label-mismatch", {"units": lambda p: p.n_classes + 1, "loss": "mean_squared_error"}),
    ("softmax-single-unit", {"units": 1, "activation": "softmax"}),
    ("logits-mismatch", {"from_logits": True}),
    ("logits-mismatch", {"activation": "linear"}),
    ("input-shape-mismatch", {"features": lambda p: p.n_features + 1}),
    ("not-compiled", {"compiled": False}),
    ("not-compiled", {"compiled": False, "units": lambda p: p.n_classes + 1}),
    ("vanishing-gradient-risk", {"hidden": (("sigmoid", 32),) * 4}),
]


def call_text(part: ModelPart, n_features: int, n_classes: int) -> str:
    return f"{part.function}({', '.join(map(str, part.args(n_features, n_classes)))})"


def model_findings(part: ModelPart) -> Iterator[tuple[Finding, int | None]]:
    """Every model finding of the cases, with the network's output units."""
    for _, change in MODEL_CASES:
        facts = network(part, **change)
        for finding in run_family("model", part.model_subject(facts)):
            yield finding, facts.output.units
    hard_coded = network(part)  # the same network whatever build_model is asked: its sizes are written in
    probes = tuple(Probe(f, c, hard_coded, call=call_text(part, f, c)) for f, c in part.probes)
    failed = tuple(Probe(f, c, None, "exception: ValueError: sizes written in", call=call_text(part, f, c))
                   for f, c in part.probes)
    for found in (probes, failed):
        for finding in run_family("model", part.model_subject(hard_coded, found)):
            yield finding, hard_coded.output.units


def training_findings(part: ModelPart,
                      blockers: list[tuple[Finding, int | None]]) -> Iterator[tuple[Finding, int | None]]:
    """Every training finding of curves that show one, with each cause underfitting can name (the model's
    findings among them, with their network's output units)."""
    terms = part.terms()
    epochs, batch = stub_budget(part.reference) if part.reference else (part.budget.epochs, part.budget.batch_size)
    units = 1 if terms.binary else part.n_classes
    setup = TrainingSetup(epochs=epochs, batches=4, asked_epochs=epochs, stub_epochs=epochs, stub_batch_size=batch,
                          stub_batches=4, task=terms, optimizer="adam", learning_rate=0.001, n_classes=part.n_classes,
                          hidden_units=(("dense", 32, 0),))
    setups = [(s, units) for s in (
        setup, replace(setup, optimizer="sgd", learning_rate=1000.0), replace(setup, learning_rate=1e-7),
        replace(setup, epochs=1, asked_epochs=1), replace(setup, epochs=1, asked_epochs=epochs),
        replace(setup, hidden_units=(("dense", 1, 0),)), replace(setup, optimizer="sgd", learning_rate=0.01))]
    setups += [(replace(setup, model_findings=(finding,)), network_units) for finding, network_units in blockers
               if finding.id in LEARNING_BLOCKERS]
    flat, learned = np.full((1, 5), 0.3), np.full((1, 5), 1.0)
    for s, units in setups:
        cases = [
            TrainingSubject(np.ones(1), np.full((1, 5), np.nan), flat, part.underfit_below, setup=s),
            TrainingSubject(np.ones(1), np.ones((1, 5)), flat, part.underfit_below, setup=s),
            TrainingSubject(np.ones(1), np.ones((1, 5)), learned, part.underfit_below, test_accuracy=flat,
                            overfit_gap=part.overfit_gap, test_outputs=np.full((1, 4, units), 2.0),
                            probabilities=part.probabilities, output_position=1, setup=s),
        ]
        for subject in cases:
            for finding in run_family("training", subject):
                yield finding, units


def walked(name: str) -> list[tuple[Finding, int | None]]:
    part = MODEL_PARTS[name]
    found = list(model_findings(part))
    return found + list(training_findings(part, found))


def possible_ids(part: ModelPart) -> set[str]:
    """The ids this exercise's network can show (the optional checks only where the exercise asks for them)."""
    optional = {"overfitting": part.overfit_gap is not None, "outputs-not-probabilities": part.probabilities}
    return {i for i, entry in CATALOG.items() if entry.family in ("model", "training") and optional.get(i, True)}


def relu_sizes(text: str) -> list[int]:
    """The hidden sizes a text advises: every keras.layers.Dense(N, activation='relu') in it."""
    return [int(n) for n in re.findall(r"Dense\((\d+), activation='relu'\)", text)]


OTHER_DATA = {"iris_net": (), "pass_fail": ("iris", "flower", "species"), "fruit": ("iris", "flower", "species"),
              "digits": ("iris", "flower", "species")}


@pytest.mark.parametrize("name", sorted(MODEL_PARTS))
def test_every_message_and_fix_fits_the_exercise(name):
    part = MODEL_PARTS[name]
    terms, found = part.terms(), walked(name)
    assert {finding.id for finding, _ in found} >= possible_ids(part), "a mistake id the walk does not make"
    smallest = min(terms.hidden_units)
    for finding, units in found:
        entry = CATALOG[finding.id]
        message, fix = entry.message(finding), entry.fix_for(finding)
        where = (finding.id, message)
        assert fix in message, where
        if "n_classes" not in part.arguments:
            assert "n_classes" not in message, where
        if terms.binary and units != 2:
            assert not re.search(r"sparse_categorical|SparseCategorical|one unit per class", fix), where
        if not terms.binary:
            assert not re.search(r"binary_crossentropy|BinaryCrossentropy|sigmoid", fix), where
        assert all(size >= smallest for size in relu_sizes(fix)), where
        assert not re.search(r"\d+ ?(-|to) ?\d+ (relu )?units", fix), where  # no range reaching below what passes
        assert not any(word in message.lower() for word in OTHER_DATA.get(name, ())), where
        assert not re.search(r"\{\{node|__inference|Sequential|target\.shape", message), where


def test_the_fixes_of_a_yes_no_network_without_two_softmax_units_say_one_sigmoid_unit_and_binary_cross_entropy():
    part = MODEL_PARTS["pass_fail"]
    three_units = network(part, units=3, compiled=False)
    (finding,) = [f for f in run_family("model", part.model_subject(three_units)) if f.id == "not-compiled"]
    assert CATALOG["not-compiled"].fix_for(finding) == (
        "call model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy']) before returning "
        "the model, and give it one sigmoid output unit: keras.layers.Dense(1, activation='sigmoid')")
    two_units = network(part, units=2, compiled=False)  # two softmax units: class ids 0 and 1 are right
    (finding,) = [f for f in run_family("model", part.model_subject(two_units)) if f.id == "not-compiled"]
    assert "loss='sparse_categorical_crossentropy'" in CATALOG["not-compiled"].fix_for(finding)


def test_hard_coded_sizes_in_pass_fail_name_only_its_one_argument():
    part = MODEL_PARTS["pass_fail"]
    hard_coded = network(part)
    probes = tuple(Probe(f, c, hard_coded, call=call_text(part, f, c)) for f, c in part.probes)
    (finding,) = run_family("model", part.model_subject(hard_coded, probes))
    assert finding.id == "hardcoded-shapes" and "build_model(7) declares an input of shape (2,)" in finding.observed
    assert CATALOG[finding.id].fix_for(finding) == (
        "use the n_features argument for the input shape (keras.Input(shape=(n_features,))), and "
        "keras.layers.Dense(1, activation='sigmoid') for the output")


def advised_source(name: str) -> str:
    """The exercise's reference with build_model replaced by the network the fixes advise: the hidden
    layers named in underfitting's fix, the output layer and compile call the fixes name."""
    part, terms = MODEL_PARTS[name], MODEL_PARTS[name].terms()
    units = 1 if terms.binary else part.n_classes
    setup = TrainingSetup(epochs=100, batches=1, asked_epochs=100, stub_epochs=100, stub_batch_size=1, stub_batches=1,
                          task=terms, n_classes=part.n_classes)  # nothing in it explains the underfitting
    subject = TrainingSubject(np.ones(1), np.ones((1, 1)), np.zeros((1, 1)), 0.5, setup=setup)
    (finding,) = run_family("training", subject)
    layers = re.findall(r"keras\.layers\.Dense\(\d+, activation='relu'\)", CATALOG["underfitting"].fix_for(finding))
    assert layers, finding
    layers = ["keras.Input(shape=(n_features,))", *layers, terms.output_layer()]
    body = "".join(f"        {layer},\n" for layer in layers)
    source = (REFERENCE / f"{name}.py").read_text()
    start = source.index("def build_model(")
    end = source.find("\ndef ", start + 1)
    build = (f"def build_model({', '.join(part.arguments)}):\n    model = keras.Sequential([\n{body}    ])\n"
             f"    {terms.compile_call(units)}\n    return model\n")
    return source[:start] + build + ("\n\n" + source[end + 1:] if end != -1 else "")


@pytest.mark.parametrize("name", sorted(MODEL_PARTS))
def test_the_hidden_layers_the_fixes_advise_pass_the_exercise(grade_report, name):
    report = grade_report(advised_source(name), name)["exercises"][0]
    assert report["mistakes"] == [] and report["errors"] == [], [m["message"] for m in report["mistakes"]]
    assert report["score"] == report["max_score"], [c["message"] for c in report["checks"] if not c["passed"]]


RESHAPED_OUTPUT = {  # a network whose output has one value per feature and class: Keras cannot match it to the labels
    "iris_net": ("keras.Input(shape=(n_features,))", "keras.layers.Reshape((n_features, 1))",
                 "keras.layers.Dense(16, activation='relu')", "keras.layers.Dense(n_classes, activation='softmax')"),
    "pass_fail": ("keras.Input(shape=(n_features,))", "keras.layers.Reshape((n_features, 1))",
                  "keras.layers.Dense(8, activation='relu')", "keras.layers.Dense(1, activation='sigmoid')"),
}


def build_source(name: str, layers: tuple[str, ...], loss: str) -> str:
    part = MODEL_PARTS[name]
    source = (REFERENCE / f"{name}.py").read_text()
    start = source.index("def build_model(")
    end = source.find("\ndef ", start + 1)
    body = "".join(f"        {layer},\n" for layer in layers)
    build = (f"def build_model({', '.join(part.arguments)}):\n    model = keras.Sequential([\n{body}    ])\n"
             f"    model.compile(optimizer='adam', loss='{loss}', metrics=['accuracy'])\n    return model\n")
    return source[:start] + build + ("\n\n" + source[end + 1:] if end != -1 else "")


@pytest.mark.parametrize(("name", "loss", "keras_line", "fix"), [
    ("iris_net", "sparse_categorical_crossentropy",
     'Keras stopped with "Argument `output` must have rank (ndim) `target.ndim - 1`. Received: '
     'target.shape=(105,), output.shape=(105, 4, 3)"',
     "end with keras.layers.Dense(n_classes, activation='softmax'), with no layer after it that changes the shape "
     "of its output, and compile it with loss='sparse_categorical_crossentropy'"),
    ("pass_fail", "binary_crossentropy",
     'Keras stopped with "Arguments `target` and `output` must have the same rank (ndim). Received: '
     'target.shape=(280, 1), output.shape=(280, 2, 1)"',
     "end with keras.layers.Dense(1, activation='sigmoid'), with no layer after it that changes the shape of its "
     "output, and compile it with loss='binary_crossentropy'"),
])
def test_a_network_keras_cannot_train_shows_keras_s_line_in_the_student_s_terms(grade_report, name, loss, keras_line,
                                                                                fix):
    report = grade_report(build_source(name, RESHAPED_OUTPUT[name], loss), name)["exercises"][0]
    accuracy = next(c for c in report["checks"] if c["id"] == "model-accuracy")
    message = accuracy["message"]
    assert not accuracy["passed"] and message.startswith("the grader could not train the network on its data"), message
    assert keras_line in message and "(target: the grader's labels, one per row; output: what the network " \
                                      "returns for those rows)" in message, message
    assert message.endswith(fix), message
    assert not re.search(r"\{\{node|\[Op:|__inference|while/|File \"|\.py\b|/grader/", message), message
    if "n_classes" not in MODEL_PARTS[name].arguments:
        assert "n_classes" not in message
