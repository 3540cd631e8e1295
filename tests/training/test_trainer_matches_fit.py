"""The grader's compiled trainer learns what Keras `fit` learns.

For each model below, trained on the same iris splits with the same epochs, batch size,
optimizer and loss, over SEEDS seeds each, the final test accuracies of train() (all seeds
in one compiled function) and of model.fit (one call per seed) must agree: their medians
and their means within TOLERANCE = 0.05 (one test row of iris is 1/45 = 0.022 accuracy, so
about two rows), or, where the accuracy varies a lot from seed to seed, within three standard
errors of the difference of the means (the two draw different random numbers, so only their
distributions can be compared). The models include a weak one (a 2-unit hidden layer under
plain SGD) whose accuracy stays well below 1, where a difference in the training loop
(batching, shuffling, learning rate) would show.
"""
from __future__ import annotations

import json
import math
import statistics

import numpy as np
import pytest

from grader import datasets
from grader.model.safe_config import strip_compile
from grader.training.trainer import train

pytestmark = pytest.mark.slow

SEEDS = tuple(range(12))
EPOCHS = 60
BATCH_SIZE = 16  # 105 training rows: 6 full batches and a partial one per epoch
TOLERANCE = 0.05


def build(kind: str):
    import keras

    hidden = {"reference": keras.layers.Dense(16, activation="relu"), "linear-hidden": keras.layers.Dense(16),
              "weak-sgd": keras.layers.Dense(2, activation="relu"), "logits": keras.layers.Dense(16, activation="relu")}
    output = keras.layers.Dense(3) if kind == "logits" else keras.layers.Dense(3, activation="softmax")
    model = keras.Sequential([keras.Input((4,)), hidden[kind], output])
    optimizer = keras.optimizers.SGD(0.01) if kind == "weak-sgd" else keras.optimizers.Adam(0.01)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=kind == "logits")
    model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
    return model


def fit_accuracies(kind: str, splits) -> list[float]:
    import keras

    accuracies = []
    for seed, data in zip(SEEDS, splits):
        keras.utils.set_random_seed(seed)
        model = build(kind)
        model.fit(data.X_train, data.y_train, epochs=EPOCHS, batch_size=BATCH_SIZE, shuffle=True, verbose=0)
        predicted = np.argmax(model.predict(data.X_test, verbose=0), axis=1)
        accuracies.append(float(np.mean(predicted == data.y_test)))
    return accuracies


@pytest.mark.parametrize("kind", ["reference", "linear-hidden", "weak-sgd", "logits"])
def test_trainer_and_fit_reach_the_same_accuracy_distribution(kind):
    splits = datasets.training_splits("iris", SEEDS, 0.3)
    architecture, compile_config = strip_compile(json.loads(build(kind).to_json()))
    ours = train(architecture, compile_config, splits, SEEDS, EPOCHS, BATCH_SIZE).final_test_accuracy.tolist()
    theirs = fit_accuracies(kind, splits)
    summary = f"{kind}: trainer {np.round(sorted(ours), 3)} vs fit {np.round(sorted(theirs), 3)}"
    error = math.sqrt((statistics.variance(ours) + statistics.variance(theirs)) / len(SEEDS))
    tolerance = max(TOLERANCE, 3 * error)
    assert abs(statistics.median(ours) - statistics.median(theirs)) <= tolerance, summary
    assert abs(statistics.mean(ours) - statistics.mean(theirs)) <= tolerance, summary
    if kind == "weak-sgd":  # the sensitive case really is sensitive: it neither saturates nor collapses
        assert 0.4 < statistics.mean(theirs) < 0.95, summary
