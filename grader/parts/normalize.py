"""Judges a normalize(X_train, X_test) function on inputs with distinguishable statistics.

Each trial calls normalize three times: on (X_train, X_test), on the same X_train with
another test set, and on another training set with the same X_test. What the returned values
depend on shows which numbers the scaling used, whatever scaler or formula made it.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.checks import run_family
from grader.checks.data import NormalizeCall, NormalizeSubject, NormalizeTrial
from grader.datasets import scaling_pair
from grader.sandbox.calls import INVALID_RETURN, ArrayTuple, Call, Outcome
from grader.spec import FunctionError, PartResult, RubricItem, failure

RETURNS = ArrayTuple(("X_train_scaled", "X_test_scaled"), finite=True)
REPEATED = 5  # rows of X_test, then of X_train, that the other test set starts with


@dataclass(frozen=True)
class NormalizePart:
    rubric: tuple[RubricItem, ...]
    function: str = "normalize"
    inputs: tuple = ((60, 30, 1), (105, 45, 2))  # (train rows, test rows, seed) per trial

    @functools.cached_property
    def _trials(self) -> tuple[tuple[Call, Call, Call], ...]:
        """Per trial: the call on (X_train, X_test), with another X_test, with another X_train (made once:
        the spec's validation, the sandbox and the judging all read the same calls)."""
        trials = []
        for i, (n_train, n_test, seed) in enumerate(self.inputs):
            given, new_test, new_train = trial_inputs(*scaling_pair(n_train, n_test, seed), seed)
            trials.append((Call.of(self.function, i, given, RETURNS),
                           Call.of(self.function, f"{i}-new-test", new_test, RETURNS),
                           Call.of(self.function, f"{i}-new-train", new_train, RETURNS)))
        return tuple(trials)

    def conditions(self) -> tuple[str, ...]:
        """None: its rubric items are judged by the mistakes found alone."""
        return ()

    def calls(self) -> list[Call]:
        return [call for trial in self._trials for call in trial]

    def evaluate(self, outcomes: dict[str, Outcome], constants: dict[str, Any]) -> PartResult:
        trials = []
        for trial_calls in self._trials:
            made = []
            for call in trial_calls:
                X_train, X_test = call.args
                outcome = call.outcome(outcomes)
                if not outcome.ok:
                    return PartResult(self.function, ran=False, errors=[failure(self.function, outcome)])
                problem = _shape_problem(outcome.value, X_train, X_test)
                if problem:
                    return PartResult(self.function, ran=False, errors=[FunctionError(self.function, INVALID_RETURN, problem)])
                made.append(NormalizeCall(X_train, X_test, *(v.astype(np.float64) for v in outcome.value)))
            trials.append(NormalizeTrial(*made, repeated=repeated_rows(*trial_calls[0].args)))
        return PartResult(self.function, ran=True, findings=run_family("normalize", NormalizeSubject(tuple(trials))),
                          details={"statistics": _statistics(trials[0].given)})


def repeated_rows(X_train: np.ndarray, X_test: np.ndarray) -> int:
    """How many rows of X_test, then of X_train, the other test set of a trial starts with."""
    return min(REPEATED, len(X_train), len(X_test))


def trial_inputs(X_train: np.ndarray, X_test: np.ndarray, seed: int) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """The (X_train, X_test) of a trial's three calls: as given, with another test set, with another training set.

    The other test set repeats the first rows of X_test and of X_train (see repeated_rows), so
    single rows can be followed across calls, then has rows below X_train's mean and one row
    beyond each end of both sets' range: its mean, spread, median, minimum and maximum all differ
    from X_test's, and so do those of X_train stacked with it. The other training set is X_train
    moved and shrunk. Features stay positive where the inputs are (so a logarithm still works).
    """
    rng = np.random.default_rng(seed)
    k = repeated_rows(X_train, X_test)
    both = np.vstack([X_train, X_test])
    low, high, mean = both.min(axis=0), both.max(axis=0), X_train.mean(axis=0)
    margin = np.where(high > low, high - low, np.maximum(np.abs(high), 1.0)) / 2  # > 0 even for a constant feature
    below = np.where(low > 0, low / 2, low - margin)
    fresh = rng.uniform(below, mean, size=(len(X_test) + 7, X_train.shape[1]))
    new_test = np.vstack([X_test[:k], X_train[:k], fresh, below, high + margin])
    # Moved and shrunk, with a row beyond each end: statistics of it stacked with X_test change too.
    new_train = np.vstack([(X_train + mean) / 2 + margin / 2, np.where(low > 0, below / 2, below - margin),
                           high + 2 * margin])
    return (X_train, X_test), (X_train, new_test), (new_train, X_test)


def normalize_rubric(standardized: float, train_statistics: float) -> tuple[RubricItem, ...]:
    """The standard rubric of a normalize function, with its points (the same ids in every exercise).

    A scaling that is not standardization (min-max, say) costs only the first item: which numbers
    were used, and for which set, is the second item's question alone.
    """
    return (
        RubricItem("normalize-standardized", "Features are standardized", standardized,
                   ("no-normalization", "not-standardized")),
        RubricItem("normalize-train-statistics", "Only training statistics are used, for both sets", train_statistics,
                   ("test-statistics-leak", "scaled-separately", "no-normalization")),
    )


def _statistics(call: NormalizeCall) -> dict[str, list]:
    """Per-feature mean and standard deviation of the returned train and test sets (the first call)."""
    statistics = {}
    for name, array in (("train", call.out_train), ("test", call.out_test)):
        with np.errstate(all="ignore"):  # finite values near the float maximum overflow: kept as infinite
            moments = (("mean", array.mean(axis=0)), ("std", array.std(axis=0)))
        for stat, values in moments:  # the report's one rule writes a non-finite number (grader.report)
            statistics[f"{name}_{stat}"] = [round(float(v), 4) for v in values]
    return statistics


def _shape_problem(value: tuple[np.ndarray, np.ndarray], X_train: np.ndarray, X_test: np.ndarray) -> str:
    for name, got, want in (("X_train_scaled", value[0], X_train), ("X_test_scaled", value[1], X_test)):
        if got.shape != want.shape:
            return f"{name} has shape {got.shape}; expected {want.shape}, the shape of the input"
    return ""
