"""Judges a normalize(X_train, X_test) function on inputs with distinguishable statistics."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.checks import run_family
from grader.checks.data import NormalizeSubject, NormalizeTrial
from grader.datasets import scaling_pair
from grader.sandbox.calls import INVALID_RETURN, ArrayTuple, Call, Outcome
from grader.spec import FunctionError, PartResult, RubricItem, failure

RETURNS = ArrayTuple(("X_train_scaled", "X_test_scaled"), finite=True)


@dataclass(frozen=True)
class NormalizePart:
    rubric: tuple[RubricItem, ...]
    function: str = "normalize"
    inputs: tuple = ((60, 30, 1), (105, 45, 2))  # (train rows, test rows, seed) per trial

    def calls(self) -> list[Call]:
        """One call per trial; its args are the trial's (X_train, X_test)."""
        return [Call.of(self.function, i, scaling_pair(*spec), RETURNS) for i, spec in enumerate(self.inputs)]

    def evaluate(self, outcomes: dict[str, Outcome], constants: dict[str, Any]) -> PartResult:
        trials = []
        for call in self.calls():
            X_train, X_test = call.args
            outcome = call.outcome(outcomes)
            if not outcome.ok:
                return PartResult(self.function, ran=False, errors=[failure(self.function, outcome)])
            problem = _shape_problem(outcome.value, X_train, X_test)
            if problem:
                return PartResult(self.function, ran=False, errors=[FunctionError(self.function, INVALID_RETURN, problem)])
            out_train, out_test = (v.astype(np.float64) for v in outcome.value)
            trials.append(NormalizeTrial(X_train, X_test, out_train, out_test))
        return PartResult(self.function, ran=True, findings=run_family("normalize", NormalizeSubject(tuple(trials))),
                          details={"statistics": _statistics(trials[0])})


def normalize_rubric(standardized: float, train_statistics: float) -> tuple[RubricItem, ...]:
    """The standard rubric of a normalize function, with its points (the same ids in every exercise)."""
    return (
        RubricItem("normalize-standardized", "Features are standardized", standardized,
                   ("no-normalization", "not-standardized")),
        RubricItem("normalize-train-statistics", "Only training statistics are used, for both sets", train_statistics,
                   ("test-statistics-leak", "scaled-separately", "no-normalization", "not-standardized")),
    )


def _statistics(trial: NormalizeTrial) -> dict[str, list]:
    """Per-feature mean and standard deviation of the returned train and test sets (the first trial)."""
    statistics = {}
    for name, array in (("train", trial.out_train), ("test", trial.out_test)):
        with np.errstate(all="ignore"):  # finite values near the float maximum overflow: shown as None
            moments = (("mean", array.mean(axis=0)), ("std", array.std(axis=0)))
        for stat, values in moments:
            statistics[f"{name}_{stat}"] = [round(float(v), 4) if np.isfinite(v) else None for v in values]
    return statistics


def _shape_problem(value: tuple[np.ndarray, np.ndarray], X_train: np.ndarray, X_test: np.ndarray) -> str:
    for name, got, want in (("X_train_scaled", value[0], X_train), ("X_test_scaled", value[1], X_test)):
        if got.shape != want.shape:
            return f"{name} has shape {got.shape}; expected {want.shape}, the shape of the input"
    return ""
