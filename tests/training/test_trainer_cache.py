"""The trainer reuses a traced training for a network it has seen, and the result is what a fresh one gives."""
from __future__ import annotations

import json

import numpy as np
import pytest

from grader import datasets
from grader.model.safe_config import strip_compile
from grader.model.size import SizeCaps
from grader.training import trainer

SEEDS = (0, 1)
EPOCHS = 15


def config(hidden: str, name: str | None = None):
    import keras

    layers = {"dense": [keras.layers.Dense(8, activation="relu", name=name)],
              "dropout": [keras.layers.Dense(8, activation="relu"), keras.layers.Dropout(0.3)],
              "batchnorm": [keras.layers.Dense(8), keras.layers.BatchNormalization(), keras.layers.Activation("relu")]}
    model = keras.Sequential([keras.Input((4,)), *layers[hidden], keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    return strip_compile(json.loads(model.to_json()))


def run(architecture, compile_config, **options):
    splits = datasets.training_splits("iris", SEEDS, 0.3)
    return trainer.train(architecture, compile_config, splits, SEEDS, EPOCHS, 16, **options)


def same(a: trainer.TrainingRun, b: trainer.TrainingRun) -> bool:
    return all(np.array_equal(getattr(a, field), getattr(b, field))
               for field in ("initial_loss", "loss", "train_accuracy", "test_loss", "test_accuracy", "test_outputs"))


@pytest.mark.parametrize("hidden", ["dense", "dropout", "batchnorm"])
def test_a_repeat_trains_exactly_like_a_fresh_trace(hidden):
    trainer._COMPILED.clear()
    fresh = run(*config(hidden))
    entry = next(iter(trainer._COMPILED.values()))
    repeat = run(*config(hidden))  # another build: other default layer and optimizer names
    assert list(trainer._COMPILED.values()) == [entry], "the repeat traced again"
    assert same(fresh, repeat)  # weights, optimizer state and dropout's random state were all reset
    trainer._COMPILED.clear()
    assert same(fresh, run(*config(hidden)))


def test_names_do_not_matter_but_the_network_does():
    trainer._COMPILED.clear()
    run(*config("dense"))
    run(*config("dense", name="my_hidden_layer"))
    assert len(trainer._COMPILED) == 1
    run(*config("dropout"))
    assert len(trainer._COMPILED) == 2


def test_the_parameter_limit_holds_for_a_reused_training():
    run(*config("dense"))
    with pytest.raises(trainer.TrainingError, match="parameters"):
        run(*config("dense"), caps=SizeCaps(parameters=10))


def test_the_cache_stays_bounded():
    import keras

    trainer._COMPILED.clear()
    for units in range(1, trainer.CACHE_SIZE + 3):
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(units), keras.layers.Dense(3, activation="softmax")])
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
        splits = datasets.training_splits("iris", (0,), 0.3)
        trainer.train(*strip_compile(json.loads(model.to_json())), splits, (0,), 1, 64)
    assert len(trainer._COMPILED) == trainer.CACHE_SIZE
