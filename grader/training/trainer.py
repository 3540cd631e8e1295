"""The trusted trainer: trains a rebuilt model on several seeds inside one compiled function.

Keras `fit` spends almost all of its time on per-step Python overhead for data this
small; running every epoch of every seed inside one tf.function costs a fraction of
that and is fully determined by the seeds. Only the student's architecture and
compile config come from the submission: the loop, the data, the shuffling and the
measurements are the grader's own.
"""
from __future__ import annotations

import hashlib
import json
import math
import re
from collections import OrderedDict
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
    import tensorflow as tf

    n = len(datasets[0].X_train)
    batch_size = max(1, min(int(batch_size), n))
    key = _signature(architecture, compile_config, datasets, seeds, epochs, batch_size)
    compiled = _COMPILED.pop(key, None)
    if compiled is None:
        compiled = _Compiled(architecture, compile_config, datasets, seeds, epochs, batch_size)
    else:
        compiled.reset()
    _COMPILED[key] = compiled  # most recently used last
    while len(_COMPILED) > CACHE_SIZE:
        _COMPILED.popitem(last=False)
    parameters = compiled.replicas[0][0].count_params()
    if max_parameters is not None and parameters > max_parameters:
        raise TrainingError(f"the model has {parameters:,} parameters; this exercise allows at most {max_parameters:,}")
    replicas, from_logits = compiled.replicas, compiled.from_logits
    try:
        initial = np.array([float(compiled.measure(m, lf, t[0], t[1])[0]) for m, _, lf, _, t in replicas])
        loss, train_acc, test_loss, test_acc = (np.asarray(c).T for c in compiled.run())
        outputs = [model(t[2], training=False) for model, _, _, _, t in replicas]  # one forward pass per seed
        predictions = np.stack([np.asarray(_predict_classes(out, from_logits)) for out in outputs])
        test_outputs = np.stack([np.asarray(out, dtype=np.float32) for out in outputs])
    except (ValueError, TypeError, tf.errors.OpError) as exc:
        raise TrainingError(_error_summary(exc)) from None
    return TrainingRun(tuple(seeds), epochs, batch_size, initial, loss, train_acc, test_loss, test_acc, predictions,
                       test_outputs)


# Tracing the training function costs most of a grading (about 1 s against 0.2 s to run it),
# and a class hands in the same network many times over. So the traced function and its
# models are kept per signature, and a repeat resets the models' and optimizers' variables
# to the values a fresh build gives, which makes the training identical to a fresh one.
CACHE_SIZE = 16
_COMPILED: OrderedDict[str, _Compiled] = OrderedDict()


def _signature(architecture: dict, compile_config: dict, datasets: Sequence[Dataset], seeds: tuple[int, ...],
               epochs: int, batch_size: int) -> str:
    data = hashlib.sha256()
    for dataset in datasets:
        for array in (dataset.X_train, dataset.y_train, dataset.X_test, dataset.y_test):
            data.update(np.ascontiguousarray(array).tobytes())
    return json.dumps([_unnamed([architecture, compile_config]), list(seeds), epochs, batch_size, data.hexdigest()],
                      sort_keys=True, default=str)


def _unnamed(configs: object) -> object:
    """The configs with model, layer and optimizer names replaced by their order of appearance:
    Keras numbers default names per process (dense_7, adam_2), which says nothing about the network."""
    names: dict[str, str] = {}

    def collect(value: object) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("config"), dict) and isinstance(value["config"].get("name"), str):
                names.setdefault(value["config"]["name"], f"\0name{len(names)}")
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    def rename(value: object) -> object:
        if isinstance(value, dict):
            return {key: rename(item) for key, item in value.items()}
        if isinstance(value, list):
            return [rename(item) for item in value]
        return names.get(value, value) if isinstance(value, str) else value

    collect(configs)
    return rename(configs)


class _Compiled:
    """One model and optimizer per seed, and the tf.function that trains them all, every epoch."""

    def __init__(self, architecture: dict, compile_config: dict, datasets: Sequence[Dataset],
                 seeds: tuple[int, ...], epochs: int, batch_size: int):
        import keras
        import tensorflow as tf

        self.replicas = []
        for seed, data in zip(seeds, datasets, strict=True):
            keras.utils.set_random_seed(seed)
            model = rebuild(architecture, data.X_train.shape[1])
            optimizer = rebuild_optimizer(compile_config)
            optimizer.build(model.trainable_variables)
            tensors = tuple(tf.constant(a, t) for a, t in ((data.X_train, tf.float32), (data.y_train, tf.int32),
                                                            (data.X_test, tf.float32), (data.y_test, tf.int32)))
            self.replicas.append((model, optimizer, rebuild_loss(compile_config), seed, tensors))
        self.variables = [v for model, optimizer, *_ in self.replicas for v in (*model.variables, *optimizer.variables)]
        self.initial = [v.numpy() for v in self.variables]
        self.from_logits = _from_logits(compile_config)
        self.run = self._training_function(len(datasets[0].X_train), epochs, batch_size)

    def reset(self) -> None:
        for variable, value in zip(self.variables, self.initial):
            variable.assign(value)

    def measure(self, model, loss_fn, x, y):
        import tensorflow as tf

        out = model(x, training=False)
        loss = tf.reduce_mean(loss_fn(_fit_labels(y, out), out))
        predicted = _predict_classes(out, self.from_logits)
        return loss, tf.reduce_mean(tf.cast(tf.equal(predicted, y), tf.float32)), predicted

    def _training_function(self, n: int, epochs: int, batch_size: int):
        import tensorflow as tf

        replicas, measure = self.replicas, self.measure
        steps = math.ceil(n / batch_size)

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
                            loss = tf.reduce_mean(loss_fn(_fit_labels(yb, out), out))
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

        return run


def _fit_labels(y, out):
    """Integer labels shaped for the loss: a one-unit (yes/no) output takes them as a column."""
    import tensorflow as tf

    return tf.reshape(y, [-1, 1]) if out.shape[-1] == 1 else y


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
