"""When Keras or TensorFlow refuses to train a network, the trainer's error quotes their useful line
in the student's terms: never graph node names, the traced function's name, the grader's source
lines or paths, nor the labels listed one by one.

Each network below really fails to train in the grader's trainer, in a different way.
"""
from __future__ import annotations

import json
import re

import pytest

from grader import datasets
from grader.model.safe_config import strip_compile
from grader.training.trainer import TrainingError, train

NOISE = re.compile(r"\{\{node|\[Op:|__inference|while/|File \"|\.py\b|/grader/|Label values|Graph execution")


def failure(layers, loss: str, dataset: str = "iris", n_features: int = 4) -> str:
    import keras

    model = keras.Sequential([keras.Input((n_features,)), *layers])
    model.compile(optimizer="adam", loss=loss)
    architecture, compile_config = strip_compile(json.loads(model.to_json()))
    with pytest.raises(TrainingError) as raised:
        train(architecture, compile_config, datasets.training_splits(dataset, (0,), 0.3), (0,), 2, 32)
    return str(raised.value)


def dense(units: int, activation: str | None = None):
    import keras

    return keras.layers.Dense(units, activation=activation)


def test_a_label_outside_the_outputs_shows_tensorflow_s_line_without_its_graph_nodes():
    message = failure([dense(16, "relu"), dense(2, "softmax")], "sparse_categorical_crossentropy")  # 3 classes
    assert message == 'Keras stopped with "Received a label value of 2 which is outside the valid range of [0, 2)"'


def test_labels_and_outputs_of_another_rank_name_both_sides_in_the_student_s_terms():
    message = failure([dense(16, "relu"), dense(2, "softmax")], "binary_crossentropy", "pass_fail", 2)
    assert message == ('Keras stopped with "Arguments `target` and `output` must have the same rank (ndim). Received: '
                       'target.shape=(280,), output.shape=(280, 2)" (target: the grader\'s labels, one per row; '
                       'output: what the network returns for those rows)')


@pytest.mark.parametrize("loss", ["kl_divergence", "mean_squared_error", "categorical_hinge"])
def test_a_loss_that_does_not_take_class_ids_shows_the_shapes_without_the_failing_operation(loss):
    message = failure([dense(16, "relu"), dense(3, "softmax")], loss)
    assert message == ('Keras stopped with "Dimensions must be equal, but are 105 and 3 with input shapes: '
                       '[105], [105,3]"')
    assert not NOISE.search(message)


def test_an_output_with_an_extra_dimension_shows_keras_s_line():
    import keras

    message = failure([keras.layers.Reshape((4, 1)), dense(16, "relu"), dense(3, "softmax")],
                      "sparse_categorical_crossentropy")
    assert message.startswith('Keras stopped with "Argument `output` must have rank (ndim) `target.ndim - 1`. '
                              'Received: target.shape=(105,), output.shape=(105, 4, 3)"'), message
    assert not NOISE.search(message)
