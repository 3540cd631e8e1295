"""The trusted trainer: trains a rebuilt model on several seeds inside one compiled function.

Keras `fit` spends almost all of its time on per-step Python overhead for data this
small; running every epoch of every seed inside one tf.function costs a fraction of
that and is fully determined by the seeds. Only the student's architecture and
compile config come from the submission: the loop, the data, the shuffling and the
measurements are the grader's own.
"""
from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from grader.model.safe_config import rebuild, rebuild_loss, rebuild_optimizer


class TrainingError(RuntimeError):
    """The model could not be trained on this data (e.g. its loss does not accept the labels)."""


@dataclass(frozen=True)
class Dataset:
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


@dataclass(frozen=True)
class TrainingRun:
    """Curves of shape (seeds, epochs); the final test predictions of shape (seeds, n_test) and the
    trained model's raw outputs on those test rows, of shape (seeds, n_test, output units)."""

    seeds: tuple[int, ...]
    epochs: int
    batch_size: int
    initial_loss: np.ndarray  # per seed, on the training rows before any update: the baseline for divergence
    loss: np.ndarray
    train_accuracy: np.ndarray
    test_loss: np.ndarray
    test_accuracy: np.ndarray
    test_predictions: np.ndarray
    test_outputs: np.ndarray  # what the model returns (probabilities, or logits with from_logits=True)

    @property
    def final_test_accuracy(self) -> np.ndarray:
        return self.test_accuracy[:, -1]


def train(architecture: dict, compile_config: dict, datasets: Sequence[Dataset], seeds: tuple[int, ...],
          epochs: int, batch_size: int, max_parameters: int | None = None) -> TrainingRun:
    """Train one fresh copy of the model per seed, seed i on datasets[i], measuring every epoch.

    The datasets must have the same number of rows (e.g. several stratified splits).
    A model with more than max_parameters weights is refused before any training.
    """
    import keras
    import tensorflow as tf

    replicas = []
    for seed, data in zip(seeds, datasets, strict=True):
        keras.utils.set_random_seed(seed)
        model = rebuild(architecture, data.X_train.shape[1])
        optimizer = rebuild_optimizer(compile_config)
        optimizer.build(model.trainable_variables)
        tensors = tuple(tf.constant(a, t) for a, t in ((data.X_train, tf.float32), (data.y_train, tf.int32),
                                                        (data.X_test, tf.float32), (data.y_test, tf.int32)))
        replicas.append((model, optimizer, rebuild_loss(compile_config), seed, tensors))
        if max_parameters is not None and model.count_params() > max_parameters:
            raise TrainingError(f"the model has {model.count_params():,} parameters; "
                                f"this exercise allows at most {max_parameters:,}")

    n = len(datasets[0].X_train)
    batch_size = max(1, min(int(batch_size), n))
    steps = math.ceil(n / batch_size)
    from_logits = _from_logits(compile_config)

    def fit_labels(y, out):
        """Integer labels shaped for the loss: a one-unit (yes/no) output takes them as a column."""
        return tf.reshape(y, [-1, 1]) if out.shape[-1] == 1 else y

    def measure(model, loss_fn, x, y):
        out = model(x, training=False)
        loss = tf.reduce_mean(loss_fn(fit_labels(y, out), out))
        predicted = _predict_classes(out, from_logits)
        return loss, tf.reduce_mean(tf.cast(tf.equal(predicted, y), tf.float32)), predicted

    @tf.function
    def run():
        curves = [tf.TensorArray(tf.float32, size=epochs) for _ in range(4)]
        for epoch in tf.range(epochs):
            rows = [[], [], [], []]
            for model, optimizer, loss_fn, seed, (x_train, y_train, x_test, y_test) in replicas:
                order = tf.random.experimental.stateless_shuffle(tf.range(n), seed=tf.stack([seed, epoch]))
                total = tf.constant(0.0)
                for step in tf.range(steps):
                    idx = order[step * batch_size: tf.minimum((step + 1) * batch_size, n)]
                    xb, yb = tf.gather(x_train, idx), tf.gather(y_train, idx)
                    with tf.GradientTape() as tape:
                        out = model(xb, training=True)
                        loss = tf.reduce_mean(loss_fn(fit_labels(yb, out), out))
                        if model.losses:
                            loss += tf.add_n(model.losses)
                    pairs = [(g, v) for g, v in zip(tape.gradient(loss, model.trainable_variables),
                                                     model.trainable_variables) if g is not None]
                    optimizer.apply_gradients(pairs)
                    total += tf.cast(loss, tf.float32)
                _, train_acc, _ = measure(model, loss_fn, x_train, y_train)
                test_loss, test_acc, _ = measure(model, loss_fn, x_test, y_test)
                for row, value in zip(rows, (total / steps, train_acc, test_loss, test_acc)):
                    row.append(tf.cast(value, tf.float32))
            curves = [c.write(epoch, tf.stack(r)) for c, r in zip(curves, rows)]
        return [c.stack() for c in curves]

    try:
        initial = np.array([float(measure(m, lf, t[0], t[1])[0]) for m, _, lf, _, t in replicas])
        loss, train_acc, test_loss, test_acc = (np.asarray(c).T for c in run())
        outputs = [model(t[2], training=False) for model, _, _, _, t in replicas]  # one forward pass per seed
        predictions = np.stack([np.asarray(_predict_classes(out, from_logits)) for out in outputs])
        test_outputs = np.stack([np.asarray(out, dtype=np.float32) for out in outputs])
    except (ValueError, TypeError, tf.errors.OpError) as exc:
        raise TrainingError(_error_summary(exc)) from None
    return TrainingRun(tuple(seeds), epochs, batch_size, initial, loss, train_acc, test_loss, test_acc, predictions,
                       test_outputs)


def _predict_classes(out, from_logits: bool):
    import tensorflow as tf

    if out.shape[-1] == 1:
        threshold = 0.0 if from_logits else 0.5
        return tf.cast(tf.reshape(out, [-1]) > threshold, tf.int32)
    return tf.cast(tf.argmax(out, axis=-1), tf.int32)


def _from_logits(compile_config: dict) -> bool:
    loss = compile_config.get("loss")
    return isinstance(loss, dict) and isinstance(loss.get("config"), dict) and bool(loss["config"].get("from_logits"))


def _error_summary(exc: Exception) -> str:
    """The informative line of a (possibly multi-line, traced) TensorFlow error."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    for line in reversed(lines):
        match = re.match(r"^\w*(Error|Exception): (.+)", line)
        if match:
            return match.group(2)[:300]
    return (lines[-1] if lines else type(exc).__name__)[:300]
