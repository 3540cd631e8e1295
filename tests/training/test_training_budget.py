"""The trusted side's own work on a student's network is bounded, from the network's size alone.

Networks the lessons use, and the expensive ones the exercises were calibrated with, train
exactly as before; larger training is cut to fewer epochs with a note; a network over the
size caps is refused before Keras builds anything.
"""
from __future__ import annotations

import json
import re

import keras
import pytest
from hypothesis import given
from hypothesis import strategies as st
from keras import layers as L

from grader import datasets
from grader.exercises import load
from grader.model.safe_config import strip_compile
from grader.model.size import ModelSize, SizeCaps, model_size
from grader.parts.model import ModelPart
from grader.paths import load_reference
from grader.training import trainer
from grader.training.evidence import nonlinear_evidence
from grader.training.trainer import TooMuchTraining, TrainingError, WorkCaps


def part_of(exercise: str) -> ModelPart:
    return next(p for p in load(exercise).parts if isinstance(p, ModelPart))


def mlp(n_features: int, n_classes: int, *hidden: int, activation: str | None = "relu") -> dict:
    model = keras.Sequential([keras.Input((n_features,)), *[L.Dense(u, activation=activation) for u in hidden],
                              L.Dense(n_classes, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return json.loads(model.to_json())


def budget(exercise: str, config: dict, epochs: int | None = None, batch: int | None = None):
    part = part_of(exercise)
    n_train = len(datasets.training_splits(part.dataset, part.seeds, part.test_size)[0].X_train)
    constants = {"EPOCHS": epochs, "BATCH_SIZE": batch}
    return part.budget_from(constants, n_train, model_size(config, part.n_features, part.budget.model)), \
        part.budget_from(constants, n_train)


def reference(exercise: str) -> tuple[dict, dict]:
    module, part = load_reference(exercise), part_of(exercise)
    model = module.build_model(*part.args(part.n_features, part.n_classes))
    return json.loads(model.to_json()), {"EPOCHS": getattr(module, "EPOCHS", None), "BATCH_SIZE": getattr(module, "BATCH_SIZE", None)}


@pytest.mark.parametrize("exercise", ["iris_net", "pass_fail", "fruit", "digits"])
def test_every_reference_trains_exactly_as_before(exercise):
    config, constants = reference(exercise)
    with_size, without = budget(exercise, config, constants["EPOCHS"], constants["BATCH_SIZE"])
    assert with_size == without and with_size[2] == []


@pytest.mark.parametrize(("exercise", "config", "epochs", "batch"), [
    ("digits", mlp(64, 10, 512, 256), 100, 32),  # the overfitting measurement in digits' spec
    ("digits", mlp(64, 10, 256, 128), 200, 32),  # ... and the reference for 200 epochs
    ("fruit", mlp(2, 3, 128, 128), 600, 8),  # fruit's overfitting example
    ("iris_net", mlp(4, 3, 16), 1000, 1),  # the lesson's network at the most steps the grader ever allowed
], ids=["digits 512-256", "digits reference 200 epochs", "fruit 128-128", "iris batches of 1"])
def test_the_expensive_networks_the_exercises_were_calibrated_with_are_not_cut(exercise, config, epochs, batch):
    with_size, without = budget(exercise, config, epochs, batch)
    assert with_size == without


def test_more_training_than_the_budget_is_cut_to_fewer_epochs_with_a_note():
    (epochs, batch, notes), (unbounded, _, _) = budget("digits", mlp(64, 10, 2600), 1000, 32)  # 195,010 parameters
    assert unbounded == 1000 and epochs < 200 and batch == 32
    assert notes == [f"1000 epochs of 40 batches of 1257 rows is more training than the grader does for a network "
                     f"this size (195,010 parameters, 2 layer calls); trained for {epochs} epochs"]


@given(st.integers(1, SizeCaps().parameters), st.integers(0, SizeCaps().activations), st.integers(1, SizeCaps().calls),
       st.integers(1, 10**9), st.integers(1, 2_000), st.integers(1, 5_000))
def test_the_epochs_are_the_most_within_every_cap(parameters, activations, calls, epochs, rows, batch):
    size = ModelSize(layers=calls, calls=calls, parameters=parameters, widest=1, activations=activations)
    caps = WorkCaps()
    steps = -(-rows // batch)

    def within(e: int, steps: int = steps) -> bool:
        return (e * rows * (parameters + activations) <= caps.row_work and e * steps * parameters <= caps.update_work
                and e * steps * calls <= caps.call_work)

    if not within(1):
        with pytest.raises(TooMuchTraining, match="Fix: ") as refused:
            caps.epochs(size, epochs, rows, batch)
        suggested = re.search(r"set BATCH_SIZE to at least ([\d,]+)", str(refused.value))
        if suggested:  # the smallest batch size with which one epoch is within every cap
            smallest = int(suggested.group(1).replace(",", ""))
            assert within(1, -(-rows // smallest)) and not within(1, -(-rows // (smallest - 1)))
        return
    allowed = caps.epochs(size, epochs, rows, batch)
    assert 1 <= allowed <= epochs and within(allowed)
    assert allowed == epochs or not within(allowed + 1)


@pytest.mark.parametrize(("value", "shown"), [
    ("x" * 1_000_000, "'xxxxxxx"), (10**5000, "a number of about 5,001 digits"), (-(10**30), "a number of about"),
    ((((((1,),),),),), "(((...),),)"), (2.5, "2.5"),
], ids=["a long string", "a 5,001-digit number", "a large negative number", "a nested tuple", "a fraction"])
def test_a_students_epochs_constant_adds_only_a_short_note(value, shown):
    _, (_, _, notes) = budget("iris_net", mlp(4, 3, 16), value, None)
    assert len(notes) == 1 and shown in notes[0] and len(notes[0]) < 200


def test_a_whole_number_beyond_float_range_is_more_than_the_grader_allows():
    # EPOCHS = 10**400 crosses the sandbox as inf: it is the student's huge number, not a wrong type.
    (epochs, batch, notes), _ = budget("iris_net", mlp(4, 3, 16), float("inf"), float("inf"))
    assert (epochs, batch) == (part_of("iris_net").budget.max_epochs, 105)
    assert notes[0] == "BATCH_SIZE = inf is more than the 105 training rows; used 105"
    assert notes[1] == "EPOCHS = inf is more than the grader allows; trained for 1000 epochs"


def iris(seeds=(0,)):
    return datasets.training_splits("iris", seeds, 0.3)


@pytest.mark.parametrize("units", [1_000_000, 10**9])
def test_the_trainer_refuses_a_model_over_the_caps_before_keras_builds_it(units):
    model = keras.Sequential([L.Dense(units), L.Dense(3, activation="softmax")])  # unbuilt: no weights yet
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    architecture, compile_config = strip_compile(json.loads(model.to_json()))
    cached = list(trainer._COMPILED)
    with pytest.raises(TrainingError, match=r"the model has [\d,]+ parameters \(weights and biases\); this exercise "
                                            r"allows at most 1,500,000 .*Fix: use fewer units in the hidden layers"):
        trainer.train(architecture, compile_config, iris(), (0,), 1, 32)
    assert list(trainer._COMPILED) == cached  # nothing was built, so nothing was kept


@pytest.mark.parametrize("inputs", [10**5, 10**9])
def test_the_trainer_never_builds_a_config_whose_layers_do_not_fit_together(inputs):
    architecture, compile_config = strip_compile(mlp(4, 3, 16))
    architecture["config"]["layers"][1]["build_config"] = {"input_shape": [None, inputs]}  # Keras would allocate it
    cached = list(trainer._COMPILED)
    with pytest.raises(TrainingError, match="built for inputs of shape"):
        trainer.train(architecture, compile_config, iris(), (0,), 1, 32)
    assert list(trainer._COMPILED) == cached


def test_the_two_circles_evidence_holds_a_network_to_the_same_caps():
    architecture, compile_config = strip_compile(mlp(2, 2, 1_000_000, activation=None))  # 5,000,002 parameters
    cached = list(trainer._COMPILED)
    assert nonlinear_evidence(architecture, compile_config, {"dense"}, SizeCaps()) is None
    assert list(trainer._COMPILED) == cached


def test_the_two_circles_evidence_trains_fewer_epochs_of_a_network_over_the_work_caps():
    architecture, compile_config = strip_compile(mlp(2, 2, 16, activation=None))
    hidden = architecture["config"]["layers"][1]["config"]["name"]
    evidence = nonlinear_evidence(architecture, compile_config, {hidden}, SizeCaps(), WorkCaps(call_work=7 * 2 * 5))
    assert evidence["epochs"] == 5  # 7 batches of the 210 circles, 2 layer calls: 5 epochs are 70 calls
