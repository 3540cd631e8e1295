"""Checks on the grader's own training run of the rebuilt model (never the student's run)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from grader.checks.catalog import Finding, mistake

# A loss more than this many times the untrained network's loss (about ln(n_classes) for
# cross-entropy) means the updates overshoot, even if it later falls back.
EXPLODING_FACTOR = 10.0
# How far a row of outputs may be from a probability distribution (float32 softmax is within 1e-6).
PROBABILITY_TOLERANCE = 1e-3


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


@mistake(
    "training-diverged", family="training", severity="error",
    title="Training diverged",
    why="The loss became NaN or infinite, or grew instead of shrinking: the weight updates are "
        "overshooting, usually from a learning rate that is far too large or unscaled inputs.",
    fix="use the optimizer's default learning rate (optimizer='adam'), and check the inputs are normalized",
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
        yield Finding("training-diverged", f"in {bad} of {len(loss)} training runs the loss {what}",
                      "a loss that shrinks during training", "call:compile")


@mistake(
    "underfitting", family="training", severity="error",
    title="The network does not learn the training data",
    why="If the accuracy on the very rows the network trains on stays low, it has not learned the "
        "pattern: the learning rate may be tiny, the network too small, or the training budget too short.",
    fix="use the optimizer's default learning rate, a hidden layer of 8-16 relu units, and enough EPOCHS",
)
def underfitting(s: TrainingSubject):
    acc = np.asarray(s.train_accuracy, dtype=float)
    if acc.size == 0:
        return
    final = float(np.median(np.nan_to_num(acc[:, -1], nan=0.0)))
    if final < s.underfit_below:
        yield Finding("underfitting", f"median training accuracy after the last epoch is {final:.2f}",
                      f"at least {s.underfit_below:.2f} on the training rows", "call:compile")


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
                      f"a gap of at most {s.overfit_gap:.2f} between training and test accuracy", "def:build_model")


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
    locate = f"dense:{s.output_position}" if s.output_position is not None else "call:compile"
    yield Finding("outputs-not-probabilities",
                  f"{int(bad.sum())} of {len(rows)} rows of the trained model's outputs on the test sets are not "
                  f"probabilities, e.g. [{shown}]{total}",
                  f"{expected} (within {PROBABILITY_TOLERANCE:g})", locate)
