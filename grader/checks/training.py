"""Checks on the grader's own training run of the rebuilt model (never the student's run)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from grader.checks.catalog import Finding, mistake

# A loss more than this many times the untrained network's loss (about ln(n_classes) for
# cross-entropy) means the updates overshoot, even if it later falls back.
EXPLODING_FACTOR = 10.0


@dataclass(frozen=True)
class TrainingSubject:
    """From the grader's training run: the loss per seed before training, and curves of shape (seeds, epochs)."""

    initial_loss: np.ndarray
    loss: np.ndarray
    train_accuracy: np.ndarray
    underfit_below: float


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
