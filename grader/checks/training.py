"""Checks on the grader's own training run of the rebuilt model (never the student's run)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from grader.checks.catalog import CATALOG, Finding, mistake
from grader.model.task import Task

# A loss more than this many times the untrained network's loss (about ln(n_classes) for
# cross-entropy) means the updates overshoot, even if it later falls back.
EXPLODING_FACTOR = 10.0
# How far a row of outputs may be from a probability distribution (float32 softmax is within 1e-6).
PROBABILITY_TOLERANCE = 1e-3
# Keras's default learning rate per optimizer: a rate this many times smaller (larger) is named as
# the likely cause of a network that does not learn (whose loss explodes).
DEFAULT_LEARNING_RATES = {"sgd": 0.01, "adam": 0.001, "adamw": 0.001, "rmsprop": 0.001, "adagrad": 0.001,
                          "adadelta": 0.001, "adamax": 0.001, "nadam": 0.001, "ftrl": 0.001, "lion": 0.001,
                          "lamb": 0.001, "adafactor": 0.001}
LEARNING_RATE_FACTOR = 10.0
# Model mistakes that keep a network from learning the classes, named first as the cause of underfitting.
LEARNING_BLOCKERS = ("wrong-output-units", "softmax-single-unit", "wrong-output-activation", "loss-label-mismatch",
                     "logits-mismatch", "softmax-hidden-activation", "vanishing-gradient-risk")


@dataclass(frozen=True)
class TrainingSetup:
    """How the grader trained the network and what the network is, to name the likely cause of a
    network that does not learn instead of a list of everything that could be wrong."""

    epochs: int  # trained, per seed
    batches: int  # per epoch
    asked_epochs: int  # EPOCHS as the student set it (after the grader's fixed caps, before the size's)
    stub_epochs: int  # the stub's EPOCHS and BATCH_SIZE: enough training for the lesson's network
    stub_batch_size: int
    stub_batches: int  # per epoch, with the stub's BATCH_SIZE
    task: Task  # the exercise's right network: its labels, build_model's arguments, hidden sizes that pass
    optimizer: str | None = None  # lower-case class name
    learning_rate: float | None = None
    model_findings: tuple[Finding, ...] = ()  # the mistakes found in the network's structure
    hidden_units: tuple[tuple[str, int, int], ...] = ()  # (name, units, position) of each hidden Dense layer
    n_classes: int = 0


@dataclass(frozen=True)
class TrainingSubject:
    """From the grader's training run: the loss per seed before training, and curves of shape (seeds, epochs).

    The exercise decides which of the optional checks apply: overfit_gap (None: not checked) and
    probabilities (the trained model's outputs on the test rows must be probabilities).
    """

    initial_loss: np.ndarray
    loss: np.ndarray
    train_accuracy: np.ndarray
    underfit_below: float
    test_accuracy: np.ndarray | None = None
    overfit_gap: float | None = None
    test_outputs: np.ndarray | None = None  # (seeds, n_test, output units)
    probabilities: bool = False
    output_position: int | None = None  # the output Dense layer's index, to point at the student's line
    setup: TrainingSetup | None = None  # None: the static advice


@mistake(
    "training-diverged", family="training", severity="error",
    title="Training diverged",
    why="The loss became NaN or infinite, or grew instead of shrinking: the weight updates are "
        "overshooting, usually from a learning rate that is far too large (the grader trains on its own "
        "standardized inputs, so it is not their scale).",
    fix="use the optimizer's default learning rate: optimizer='adam' in model.compile",
)
def training_diverged(s: TrainingSubject):
    loss = np.asarray(s.loss, dtype=float)
    if loss.size == 0:
        return
    broken = ~np.isfinite(loss).all(axis=1)
    baseline = np.maximum(np.asarray(s.initial_loss, dtype=float), 1e-12)
    exploding = ~broken & (loss.max(axis=1) > EXPLODING_FACTOR * baseline)
    bad = int((broken | exploding).sum())
    if bad:
        what = "became NaN or infinite" if broken.any() else \
            f"rose above {EXPLODING_FACTOR:g} times its value before training"
        rate = _learning_rate(s.setup)
        if rate is not None and rate[0] >= LEARNING_RATE_FACTOR * rate[1]:
            yield Finding("training-diverged", f"in {bad} of {len(loss)} training runs the loss {what}; the likely cause: "
                          f"{_rate_text(s.setup, rate, 'larger')}", "a loss that shrinks during training",
                          _optimizer_line(s.setup), fix=_rate_fix(s.setup, rate))
            return
        yield Finding("training-diverged", f"in {bad} of {len(loss)} training runs the loss {what}",
                      "a loss that shrinks during training", "call:compile")


@mistake(
    "underfitting", family="training", severity="error",
    title="The network does not learn the training data",
    why="If the accuracy on the very rows the network trains on stays low, it has not learned the "
        "pattern: the output or the loss may not fit the labels, the learning rate may be tiny, the "
        "network too small, or the training too short. The message names the likely cause found in "
        "this network.",
    fix="use the optimizer's default learning rate, hidden layers as wide as the exercise's docstring asks, and "
        "the exercise's EPOCHS",
)
def underfitting(s: TrainingSubject):
    acc = np.asarray(s.train_accuracy, dtype=float)
    if acc.size == 0:
        return
    final = float(np.median(np.nan_to_num(acc[:, -1], nan=0.0)))
    if final < s.underfit_below:
        observed = f"median training accuracy after the last epoch is {final:.2f}"
        expected = f"at least {s.underfit_below:.2f} on the training rows"
        cause = underfitting_cause(s.setup) if s.setup else None
        if cause is None:
            yield Finding("underfitting", observed, expected, "call:compile",
                          fix=f"use the optimizer's default learning rate, {s.setup.task.hidden_layers()}, and the "
                              f"exercise's EPOCHS = {s.setup.stub_epochs}" if s.setup else None)
        else:
            text, fix, locate = cause
            yield Finding("underfitting", f"{observed}; the likely cause: {text}", expected, locate, fix=fix)


def underfitting_cause(setup: TrainingSetup) -> tuple[str, str, str] | None:
    """The likeliest reason a network does not learn its training rows, found in the network and its
    training: (what was found, its fix, where to point). None when nothing stands out."""
    for blocker in LEARNING_BLOCKERS:
        for finding in setup.model_findings:
            if finding.id == blocker:
                return (f"{finding.observed} ({finding.id}, above)",
                        f"{CATALOG[finding.id].fix_for(finding)} (the fix of {finding.id})", finding.locate or "call:compile")
    rate = _learning_rate(setup)
    if rate is not None and rate[0] * LEARNING_RATE_FACTOR <= rate[1]:
        return _rate_text(setup, rate, "smaller"), _rate_fix(setup, rate), _optimizer_line(setup)
    updates, stub_updates = setup.epochs * setup.batches, setup.stub_epochs * setup.stub_batches
    if updates < stub_updates:
        trained = (f"{_n(setup.epochs, 'epoch')} of {_n(setup.batches, 'batch')}, {_n(updates, 'weight update')} in all, "
                   f"where the exercise's EPOCHS = {setup.stub_epochs} and BATCH_SIZE = {setup.stub_batch_size} "
                   f"give {stub_updates:,}")
        if setup.epochs < setup.asked_epochs:
            return (f"the grader trained it for only {trained}: a network this size costs the grader more per epoch "
                    f"than your EPOCHS = {setup.asked_epochs} allow (see the note)",
                    f"use a smaller network, such as {setup.task.hidden_layers()}, which the grader trains for "
                    f"the exercise's EPOCHS = {setup.stub_epochs}", _widest_layer(setup))
        return (f"it trained for {trained}",
                f"set EPOCHS = {setup.stub_epochs} (the exercise's default) or more, and keep BATCH_SIZE at "
                f"{setup.stub_batch_size} or less",
                "assign:EPOCHS|call:compile")
    narrow = [layer for layer in setup.hidden_units if layer[1] < setup.n_classes]
    if narrow:
        name, units, position = narrow[0]
        return (f"hidden layer {name!r} has only {_n(units, 'unit')} for {setup.n_classes} classes, too few to tell them apart",
                f"give every hidden layer more units than there are classes, such as {setup.task.hidden_layers()}",
                f"dense:{position}/{len(setup.hidden_units) + 1}")
    if setup.optimizer == "sgd":
        return ("the optimizer is SGD, which needs far more weight updates than Adam to learn this network",
                "use optimizer='adam', as the lesson does (or train for more EPOCHS)", _optimizer_line(setup, rate=False))
    return None


def _learning_rate(setup: TrainingSetup | None) -> tuple[float, float] | None:
    """(the network's learning rate, its optimizer's default) when both are known."""
    if setup is None or setup.learning_rate is None or setup.optimizer not in DEFAULT_LEARNING_RATES:
        return None
    return setup.learning_rate, DEFAULT_LEARNING_RATES[setup.optimizer]


def _rate_text(setup: TrainingSetup, rate: tuple[float, float], direction: str) -> str:
    if rate[0] <= 0:
        return f"the optimizer's learning rate is {rate[0]:g}, so the weights never move toward a lower loss"
    ratio = max(rate) / min(rate)
    times = f"{ratio:,.0f}" if ratio < 1e6 else f"{ratio:.0e}"
    return (f"the optimizer's learning rate is {rate[0]:g}, {times} times {direction} than "
            f"{_class_name(setup)}'s default {rate[1]:g}")


def _rate_fix(setup: TrainingSetup, rate: tuple[float, float]) -> str:
    return (f"use the default learning rate: optimizer='{setup.optimizer}', or "
            f"keras.optimizers.{_class_name(setup)}(learning_rate={rate[1]:g})")


def _optimizer_line(setup: TrainingSetup, rate: bool = True) -> str:
    """Where the optimizer (rate=True: its learning rate) is chosen: learning_rate=, the optimizer's class, optimizer=."""
    return ("kw:learning_rate|" if rate else "") + f"call:{_class_name(setup)}|kw:optimizer|call:compile"


def _widest_layer(setup: TrainingSetup | None) -> str | None:
    """The widest hidden layer, where a network too big for its data is made (None: no hidden layer known)."""
    if setup is None or not setup.hidden_units:
        return None
    _, _, position = max(setup.hidden_units, key=lambda layer: layer[1])
    return f"dense:{position}/{len(setup.hidden_units) + 1}"


def _overfitting_line(setup: TrainingSetup | None) -> str | None:
    """EPOCHS when it asks for more training than the exercise's default, else the widest hidden layer."""
    if setup is not None and setup.asked_epochs > setup.stub_epochs:
        return "assign:EPOCHS"
    return _widest_layer(setup)


def _class_name(setup: TrainingSetup) -> str:
    """The optimizer's Keras class name, as the student writes it (keras.optimizers.SGD, Adam, RMSprop...)."""
    names = {"sgd": "SGD", "rmsprop": "RMSprop", "adamw": "AdamW", "nadam": "Nadam", "adamax": "Adamax",
             "adagrad": "Adagrad", "adadelta": "Adadelta", "adafactor": "Adafactor"}
    return names.get(setup.optimizer or "", (setup.optimizer or "").capitalize())


def _n(count: int, word: str) -> str:
    plural = {"batch": "batches"}.get(word, word + "s")
    return f"{count:,} {word if count == 1 else plural}"


@mistake(
    "overfitting", family="training", severity="warning",
    title="The network memorizes the training rows",
    why="The network is far more accurate on the rows it trained on than on rows it has never seen: it "
        "has memorized those particular rows, noise included, instead of learning the pattern. Training "
        "too long, or a network much bigger than the data needs, does this: the lesson trains for 'enough "
        "iterations to let the model learn patterns, but not too many to overfit (memorize)', and its student "
        "whose deep network showed 100% on just 100 samples had only memorized them. The test accuracy is "
        "the one that counts.",
    fix="train for fewer EPOCHS, use a smaller network, or add keras.layers.Dropout(0.2) after the hidden layers",
)
def overfitting(s: TrainingSubject):
    if s.overfit_gap is None or s.test_accuracy is None:
        return
    train = np.nan_to_num(np.asarray(s.train_accuracy, dtype=float)[:, -1], nan=0.0)
    test = np.nan_to_num(np.asarray(s.test_accuracy, dtype=float)[:, -1], nan=0.0)
    if train.size == 0:
        return
    gap = float(np.median(train - test))
    if gap > s.overfit_gap:
        yield Finding("overfitting", f"after the last epoch the median training accuracy is {np.median(train):.3f} "
                      f"but the test accuracy only {np.median(test):.3f}, a gap of {gap:.3f}",
                      f"a gap of at most {s.overfit_gap:.2f} between training and test accuracy", _overfitting_line(s.setup))


@mistake(
    "outputs-not-probabilities", family="training", severity="error",
    title="The outputs are not probabilities",
    why="Softmax on the output layer ensures the outputs are probabilities that sum to 1, making them "
        "easy to interpret (e.g. 80% Mango, 15% Apple, 5% Orange). Raw scores (a linear output, even one "
        "trained with from_logits=True) or another activation can be negative, above 1 or add up to "
        "anything, so nobody can read them as how likely each class is.",
    fix="give the output layer activation='softmax' and compile with loss='sparse_categorical_crossentropy' "
        "(from_logits=False, the default); or append keras.layers.Softmax() after a linear output layer",
)
def outputs_not_probabilities(s: TrainingSubject):
    """Every finite row of test outputs must lie in [0, 1] and (for several units) sum to 1.

    Rows with NaN or infinite values are left to training-diverged.
    """
    if not s.probabilities or s.test_outputs is None:
        return
    out = np.asarray(s.test_outputs, dtype=float)
    if out.size == 0:
        return
    rows = out.reshape(-1, out.shape[-1])
    rows = rows[np.isfinite(rows).all(axis=1)]
    if not len(rows):
        return
    sums = rows.sum(axis=1)
    outside = ((rows < -PROBABILITY_TOLERANCE) | (rows > 1 + PROBABILITY_TOLERANCE)).any(axis=1)
    off = np.abs(sums - 1) > PROBABILITY_TOLERANCE if rows.shape[1] > 1 else np.zeros(len(rows), dtype=bool)
    bad = outside | off
    if not bad.any():
        return
    # show the row furthest from a distribution: below 0, above 1, off a sum of 1
    deviation = np.clip(-rows, 0, None).sum(axis=1) + np.clip(rows - 1, 0, None).sum(axis=1)
    worst = int(np.argmax(deviation + (np.abs(sums - 1) if rows.shape[1] > 1 else 0)))
    shown = ", ".join(f"{v:.3f}" for v in rows[worst][:10]) + (", ..." if rows.shape[1] > 10 else "")
    total = f" (sum {sums[worst]:.3f})" if rows.shape[1] > 1 else ""
    expected = ("each row of outputs between 0 and 1, summing to 1" if rows.shape[1] > 1 else "an output between 0 and 1")
    locate = "output" if s.output_position is not None else "call:compile"
    yield Finding("outputs-not-probabilities",
                  f"{int(bad.sum())} of {len(rows)} rows of the trained model's outputs on the test sets are not "
                  f"probabilities, e.g. [{shown}]{total}",
                  f"{expected} (within {PROBABILITY_TOLERANCE:g})", locate,
                  fix=_probabilities_fix(s.setup.task, rows.shape[1]) if s.setup else None)


def _probabilities_fix(task: Task, units: int) -> str:
    """The output and loss whose outputs are probabilities, for this exercise's labels and the network's units."""
    activation = "softmax" if task.softmax_outputs(units) else "sigmoid"
    layer = "keras.layers.Softmax()" if activation == "softmax" else "keras.layers.Activation('sigmoid')"
    return (f"give the output layer activation='{activation}' and compile with loss='{task.loss(units)}' "
            f"(from_logits=False, the default){task.output_change(units)}; or append {layer} after a linear output layer")
