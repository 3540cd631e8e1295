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

from grader.model.safe_config import UnsafeModel, rebuild, rebuild_loss, rebuild_optimizer, validate
from grader.model.size import ModelSize, ModelTooLarge, SizeCaps, UnbuildableModel, model_size


class TrainingError(RuntimeError):
    """The model could not be trained on this data (e.g. its loss does not accept the labels)."""


class TooMuchTraining(TrainingError):
    """Even one epoch of the network is more training than WorkCaps allow; the message says the fix."""


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


@dataclass(frozen=True)
class WorkCaps:
    """The most training the grader does for one network on one seed, counted from the network's
    size, so that the same submission always trains the same way, however fast the machine:

    - row_work: epochs x training rows x (parameters + activations per row), the forward and
      backward passes over every row;
    - update_work: epochs x batches x parameters, the gradient and optimizer update of every
      weight after each batch (with small batches, most of the time);
    - call_work: epochs x batches x layer calls, the fixed cost of each call in each step
      (a network of many tiny layers, or one layer called many times).
    """

    # Each alone is at most about 15 s of training for 3 seeds here (2 shared cores); the worst case
    # they and grader.model.size.SizeCaps allow together is measured there. None cuts what the
    # exercises were calibrated with: digits' 512-256 network for 100 epochs is 2.1e10 row work and
    # 6.7e8 update work, the lesson's iris network in batches of 1 for 571 epochs 120,000 call work.
    row_work: int = 30_000_000_000
    update_work: int = 1_000_000_000
    call_work: int = 150_000

    def epochs(self, size: ModelSize, epochs: int, rows: int, batch_size: int) -> int:
        """The most epochs, up to `epochs`, that stay within all three caps.

        Raises TooMuchTraining when even one epoch is over a cap, with the fix: a larger batch
        size when fewer batches would do, else a smaller network.
        """
        steps = -(-rows // max(1, batch_size))
        per_epoch = (rows * (size.parameters + size.activations), steps * size.parameters, steps * size.calls)
        caps = (self.row_work, self.update_work, self.call_work)
        affordable = min(epochs, *(cap // max(1, used) for cap, used in zip(caps, per_epoch)))
        if affordable < 1:
            raise TooMuchTraining(self._too_much(size, rows, batch_size, steps))
        return affordable

    def _too_much(self, size: ModelSize, rows: int, batch_size: int, steps: int) -> str:
        """Why one epoch is too much, in the student's terms, and the fix."""
        if rows * (size.parameters + size.activations) > self.row_work:
            return (f"one pass of the {rows:,} training rows through a network of {size.parameters:,} parameters "
                    f"is more training than the grader does (at most {self.row_work:,} row x parameter "
                    f"operations per training run). Fix: use fewer units in the hidden layers")
        most_steps = min(self.update_work // max(1, size.parameters), self.call_work // max(1, size.calls))
        work = ("weight updates" if steps * size.parameters > self.update_work else "layer calls")
        done, cap = ((steps * size.parameters, self.update_work) if work == "weight updates"
                     else (steps * size.calls, self.call_work))
        fix = ("use fewer units in the hidden layers" if most_steps < 1 else
               f"set BATCH_SIZE to at least {-(-rows // most_steps)} (fewer, larger batches), or use fewer "
               + ("units in the hidden layers" if work == "weight updates" else "layers"))
        rows_each = f"{batch_size:,} row{'s' if batch_size > 1 else ''}"
        return (f"one epoch of {steps:,} batches of {rows_each} for a network of {size.parameters:,} "
                f"parameters and {size.calls:,} layer calls is {done:,} {work}, more than the grader does "
                f"in a whole training run ({cap:,}). Fix: {fix}")


def train(architecture: dict, compile_config: dict, datasets: Sequence[Dataset], seeds: tuple[int, ...],
          epochs: int, batch_size: int, caps: SizeCaps = SizeCaps()) -> TrainingRun:
    """Train one fresh copy of the model per seed, seed i on datasets[i], measuring every epoch.

    The datasets must have the same number of rows (e.g. several stratified splits).
    The configs are validated (UnsafeModel) and the model's size is read from its config and
    checked against caps before anything is built: a model over them, or whose layers do not fit
    together, raises TrainingError.
    """
    from grader import quiet_tensorflow

    quiet_tensorflow.load()
    import tensorflow as tf

    validate(architecture)
    if not isinstance(compile_config, dict):
        raise UnsafeModel("the model's compile settings are not in the form Keras writes")
    validate(compile_config)
    try:
        size = model_size(architecture, datasets[0].X_train.shape[1], caps)
    except (ModelTooLarge, UnbuildableModel) as exc:
        raise TrainingError(str(exc)) from None
    n = len(datasets[0].X_train)
    batch_size = max(1, min(int(batch_size), n))
    key = _signature(architecture, compile_config, datasets, seeds, epochs, batch_size)
    compiled = _COMPILED.pop(key, None) or _Compiled(architecture, compile_config, datasets, seeds, epochs, batch_size)
    if compiled.model.count_params() > size.parameters:  # a fault of the grader's size inference, not the student's
        raise RuntimeError(f"Keras built {compiled.model.count_params():,} parameters where the model's config "
                            f"describes {size.parameters:,}")
    _COMPILED[key] = compiled  # most recently used last
    while len(_COMPILED) > 1 and (len(_COMPILED) > CACHE_SIZE or
                                  sum(c.parameters for c in _COMPILED.values()) > CACHE_PARAMETERS):
        _COMPILED.popitem(last=False)
    try:
        initial, curves, outputs = compiled.run()
        loss, train_acc, test_loss, test_acc = (np.asarray(c) for c in curves)
        test_outputs = np.asarray(outputs, dtype=np.float32)
        predictions = np.stack([np.asarray(_predict_classes(out, compiled.from_logits)) for out in outputs])
    except (ValueError, TypeError, tf.errors.OpError) as exc:
        raise TrainingError(_error_summary(exc)) from None
    return TrainingRun(tuple(seeds), epochs, batch_size, np.asarray(initial), loss, train_acc, test_loss, test_acc,
                       predictions, test_outputs)


# Tracing the training function costs most of a grading (about 0.7 s against 0.2 s to run it),
# and a class hands in the same network many times over. So the traced function is kept per
# signature; it starts every seed from the values a fresh build gives, so a repeat trains
# exactly like the first time.
CACHE_SIZE = 16
# Each kept training holds its network, optimizer state and every seed's starting values (about 50 bytes
# a parameter), so large networks are kept fewer: a worker's cache stays within a few hundred MB.
CACHE_PARAMETERS = 3_000_000
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
    """The model, optimizer and loss, each seed's starting values, and the tf.function that trains
    every seed in turn: one traced copy of the network serves all seeds (tracing is the cost)."""

    def __init__(self, architecture: dict, compile_config: dict, datasets: Sequence[Dataset],
                 seeds: tuple[int, ...], epochs: int, batch_size: int):
        import keras
        import tensorflow as tf

        stacked: list[np.ndarray] = []  # per variable: (seeds, ...), filled in place (a large network's weights are copied once)
        for index, (seed, data) in enumerate(zip(seeds, datasets, strict=True)):
            keras.utils.set_random_seed(seed)  # each seed's fresh build gives that seed's starting values
            model = rebuild(architecture, data.X_train.shape[1])
            optimizer = rebuild_optimizer(compile_config, model)
            variables = [*model.variables, *optimizer.variables]
            if not stacked:
                stacked = [np.empty((len(seeds), *v.shape), np.dtype(v.dtype)) for v in variables]
            for values, variable in zip(stacked, variables, strict=True):
                values[index] = variable.numpy()
        self.model, self.optimizer, self.loss_fn, self.variables = model, optimizer, rebuild_loss(compile_config), variables
        self.parameters = model.count_params()
        self.starts = [tf.constant(values) for values in stacked]
        self.data = tuple(tf.constant(np.stack([getattr(d, name) for d in datasets]), dtype)
                          for name, dtype in (("X_train", tf.float32), ("y_train", tf.int32),
                                              ("X_test", tf.float32), ("y_test", tf.int32)))
        self.seeds = tf.constant(seeds, tf.int32)
        self.from_logits = _from_logits(compile_config)
        self.run = self._training_function(len(datasets[0].X_train), epochs, batch_size)

    def _training_function(self, n: int, epochs: int, batch_size: int):
        import tensorflow as tf

        model, optimizer, loss_fn, from_logits = self.model, self.optimizer, self.loss_fn, self.from_logits
        variables, starts, seeds, (X_train, Y_train, X_test, Y_test) = self.variables, self.starts, self.seeds, self.data
        steps = math.ceil(n / batch_size)

        def measure(x, y):
            out = model(x, training=False)
            loss = tf.reduce_mean(loss_fn(_fit_labels(y, out), out))
            accuracy = tf.reduce_mean(tf.cast(tf.equal(_predict_classes(out, from_logits), y), tf.float32))
            return tf.cast(loss, tf.float32), accuracy

        def loop(count, body, state):
            """for i in range(count): state = body(i, *state), as one graph loop. Written out so that the training
            function needs no autograph, which would write a converted copy of this code into $TMPDIR."""
            return tf.while_loop(lambda i, *_: i < count, lambda i, *state: (i + 1, *body(i, *state)),
                                 (tf.constant(0), *state))[1:]

        def batch(order, x_train, y_train, i, total):
            idx = order[i * batch_size: tf.minimum((i + 1) * batch_size, n)]
            xb, yb = tf.gather(x_train, idx), tf.gather(y_train, idx)
            with tf.GradientTape() as tape:
                out = model(xb, training=True)
                loss = tf.reduce_mean(loss_fn(_fit_labels(yb, out), out))
                if model.losses:
                    loss += tf.add_n(model.losses)
            pairs = [(g, v) for g, v in zip(tape.gradient(loss, model.trainable_variables),
                                             model.trainable_variables) if g is not None]
            optimizer.apply_gradients(pairs)
            return (total + tf.cast(loss, tf.float32),)

        def epoch_of(s, data, epoch, *epoch_curves):
            x_train, y_train, x_test, y_test = data
            order = tf.random.experimental.stateless_shuffle(tf.range(n), seed=tf.stack([seeds[s], epoch]))
            (total,) = loop(steps, lambda i, total: batch(order, x_train, y_train, i, total), (tf.constant(0.0),))
            _, train_acc = measure(x_train, y_train)
            test_loss, test_acc = measure(x_test, y_test)
            values = (total / steps, train_acc, test_loss, test_acc)
            return tuple(c.write(epoch, v) for c, v in zip(epoch_curves, values))

        def seed_of(s, initial, outputs, *curves):
            for variable, values in zip(variables, starts):  # weights and optimizer state as built for seed s
                variable.assign(values[s])
            data = x_train, y_train, x_test, y_test = X_train[s], Y_train[s], X_test[s], Y_test[s]
            initial = initial.write(s, measure(x_train, y_train)[0])
            epoch_curves = loop(epochs, lambda epoch, *c: epoch_of(s, data, epoch, *c),
                                tuple(tf.TensorArray(tf.float32, size=epochs) for _ in range(4)))
            curves = tuple(c.write(s, e.stack()) for c, e in zip(curves, epoch_curves))
            outputs = outputs.write(s, tf.cast(model(x_test, training=False), tf.float32))
            return (initial, outputs, *curves)

        @tf.function(autograph=False)
        def run():
            count = len(starts[0])
            arrays = [tf.TensorArray(tf.float32, size=count) for _ in range(6)]  # initial, outputs, 4 curves per seed
            initial, outputs, *curves = loop(count, seed_of, arrays)
            return initial.stack(), [c.stack() for c in curves], outputs.stack()

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


# What TensorFlow's and Keras's errors say about the grader's own graph and code rather than the network: the
# graph node that failed, the traced function, the grader's source lines and files, and the labels listed one by one.
_GRAPH_NOISE = re.compile(r"\s*\[\[\{\{node [^}]*\}\}\]\]|\s*\[Op:[^\]]*\]|\s*for '\{\{node [^}]*\}\}[^']*'"
                          r"|\s*Label values:[\d\s-]*|\s*\(defined at [^)]*\)")
_TRACE_LINE = re.compile(r"^(Graph execution error:|Detected at node|in user code:|File \"|Traceback )")
_PATH = re.compile(r"(?:[A-Za-z]:)?(?:/[\w.+-]+)+\.py\b(?:, line \d+)?")
# Keras's names for the two sides of a loss, in the student's terms.
_LOSS_SIDES = "(target: the grader's labels, one per row; output: what the network returns for those rows)"


def _error_summary(exc: Exception) -> str:
    """TensorFlow's or Keras's useful line of a (possibly multi-line, traced) error, quoted in the student's terms:
    without graph node names, the traced function's name or the grader's paths and source lines."""
    lines = []
    follows_file = False
    for raw in str(exc).splitlines():
        line = _GRAPH_NOISE.sub("", raw).strip()
        code_line = follows_file and raw.startswith("    ") and not re.match(r"^\s*\w*(Error|Exception): ", raw)
        follows_file = line.startswith('File "')
        if line and not _TRACE_LINE.match(line) and not code_line:
            lines.append(_PATH.sub("", line).strip())
    errors = [m.group(2) for m in (re.match(r"^\w*(Error|Exception): (.+)", line) for line in lines) if m]
    text = (errors or lines or [""])[-1].rstrip(" .") or f"it raised {type(exc).__name__}"
    text = text if len(text) <= 300 else text[:297] + "..."
    sides = f" {_LOSS_SIDES}" if re.search(r"\btarget\b", text) and re.search(r"\boutput\b", text) else ""
    return f'Keras stopped with "{text}"{sides}'
