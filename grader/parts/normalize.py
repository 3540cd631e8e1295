"""Judges a normalize(X_train, X_test) function on inputs with distinguishable statistics.

Each trial calls normalize three times: on (X_train, X_test), on the same X_train with
another test set, and on another training set with the same X_test. What the returned values
depend on shows which numbers the scaling used, whatever scaler or formula made it.

The trials' sets are made to tell statistics apart (their test sets are shifted and spread on
purpose), so a correct normalize gives their test sets means far from 0: no picture for a student.
The report's charts come from one more call, never judged, on the grader's own split of the
exercise's data, where correct work gives training means 0 and test means near 0.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.checks import run_family
from grader.checks.catalog import Finding
from grader.checks.data import NormalizeCall, NormalizeSubject, NormalizeTrial
from grader.datasets import DATASETS, FEATURE_NAMES, scaling_pair
from grader.sandbox.calls import INVALID_RETURN, ArrayTuple, Call, Outcome
from grader.spec import FunctionError, PartResult, RubricItem, failure

RETURNS = ArrayTuple(("X_train_scaled", "X_test_scaled"), finite=True)
REPEATED = 5  # rows of X_test, then of X_train, that the other test set starts with
# The chart's call: the exercise's data split as the grader splits it for training (seed 0, 30% test).
CHART_SEED, CHART_TEST_SIZE = 0, 0.3
# How close to mean 0 and standard deviation 1 a standardized set is: float32, ddof 1 (sd 0.995 for 105
# rows) and a small epsilon all fit; a held-out test set scaled with the training statistics does not.
EXACT_MEAN, EXACT_STD = 1e-3, 0.01


@dataclass(frozen=True)
class NormalizePart:
    dataset: str  # the exercise's own data (grader.datasets.DATASETS), for the chart's call
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

    @functools.cached_property
    def _chart(self) -> Call:
        """The call on the grader's own split of the exercise's data, for the report's charts only."""
        from sklearn.model_selection import train_test_split

        X, y = DATASETS[self.dataset]()
        X_train, X_test, _, _ = train_test_split(X, y, test_size=CHART_TEST_SIZE, stratify=y, random_state=CHART_SEED)
        return Call.of(self.function, "chart", (X_train, X_test), RETURNS)

    def calls(self) -> list[Call]:
        # The chart's call last: a function that times out is not called again, and the judged calls come first.
        return [call for trial in self._trials for call in trial] + [self._chart]

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
        findings = run_family("normalize", NormalizeSubject(tuple(trials)))
        return PartResult(self.function, ran=True, findings=findings,
                          details=self._chart_details(self._chart.outcome(outcomes), findings))

    def _chart_details(self, outcome: Outcome, findings: list[Finding]) -> dict[str, Any]:
        """The charts' data: what the grader passed in (its split of the exercise's data, unscaled), what
        normalize returned, how that compares with standardization, and the mistakes the trials found."""
        X_train, X_test = self._chart.args
        names = FEATURE_NAMES.get(self.dataset, ())
        inputs = {"dataset": self.dataset, "train_rows": len(X_train), "test_rows": len(X_test),
                  "features": [names[i] if i < len(names) else f"feature {i + 1}" for i in range(X_train.shape[1])],
                  **_statistics(X_train, X_test)}
        details: dict[str, Any] = {"inputs": inputs, "findings": sorted({f.id for f in findings})}
        problem = _shape_problem(outcome.value, X_train, X_test) if outcome.ok else f"{outcome.kind}: {outcome.message}"
        if problem:
            details["chart_error"] = problem  # judged by the trials alone: the charts say why they are missing
            return details
        out_train, out_test = (np.asarray(v, dtype=np.float64) for v in outcome.value)
        details["statistics"] = statistics = _statistics(out_train, out_test)
        details["looks"] = {
            "train_standardized": _standardized(statistics, "train"),
            "test_standardized": _standardized(statistics, "test"),  # exactly, as only its own statistics give
            "unchanged": bool(np.array_equal(out_train, X_train) and np.array_equal(out_test, X_test)),
        }
        return details


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


def _statistics(train: np.ndarray, test: np.ndarray) -> dict[str, list]:
    """Per-feature mean and standard deviation of a train and a test set."""
    statistics = {}
    for name, array in (("train", train), ("test", test)):
        with np.errstate(all="ignore"):  # finite values near the float maximum overflow: kept as infinite
            moments = (("mean", array.mean(axis=0)), ("std", array.std(axis=0)))
        for stat, values in moments:  # the report's one rule writes a non-finite number (grader.report)
            statistics[f"{name}_{stat}"] = [round(float(v), 4) for v in values]
    return statistics


def _standardized(statistics: dict[str, list], name: str) -> bool:
    """Whether a set's features all have mean 0 and standard deviation 1 (within EXACT_MEAN, EXACT_STD)."""
    means, stds = np.asarray(statistics[f"{name}_mean"], float), np.asarray(statistics[f"{name}_std"], float)
    with np.errstate(invalid="ignore"):
        return bool(np.all(np.abs(means) <= EXACT_MEAN) and np.all(np.abs(stds - 1) <= EXACT_STD))


def _shape_problem(value: tuple[np.ndarray, np.ndarray], X_train: np.ndarray, X_test: np.ndarray) -> str:
    for name, got, want in (("X_train_scaled", value[0], X_train), ("X_test_scaled", value[1], X_test)):
        if got.shape != want.shape:
            return f"{name} has shape {got.shape}; expected {want.shape}, the shape of the input"
    return ""
