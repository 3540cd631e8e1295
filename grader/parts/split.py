"""Judges a split_data(X, y) function on traceable inputs (see grader.datasets)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.checks import run_family
from grader.checks.data import SplitSubject, SplitTrial
from grader.datasets import traceable_classification
from grader.sandbox.calls import INVALID_RETURN, ArrayTuple, Call, ContractError, Outcome
from grader.spec import FunctionError, PartResult, RubricItem, failure

DEFAULT_INPUTS = (((60, 50, 40), 5, 1), ((80, 70, 30, 20), 3, 2))
RETURNS = ArrayTuple(("X_train", "X_test", "y_train", "y_test"))


class InvalidReturn(ValueError):
    pass


@dataclass(frozen=True)
class SplitPart:
    rubric: tuple[RubricItem, ...]
    function: str = "split_data"
    test_size: float = 0.3
    inputs: tuple = DEFAULT_INPUTS  # (class sizes, n_features, seed) per trial

    def _trials(self) -> list[tuple[Call, Call]]:
        """Per input, the call and the same call again (for reproducibility); the data is in their args."""
        trials = []
        for i, (sizes, n_features, seed) in enumerate(self.inputs):
            data = traceable_classification(sizes, n_features, seed)
            trials.append((Call.of(self.function, i, data, RETURNS), Call.of(self.function, f"{i}-again", data, RETURNS)))
        return trials

    def conditions(self) -> tuple[str, ...]:
        """None: its rubric items are judged by the mistakes found alone."""
        return ()

    def calls(self) -> list[Call]:
        return [call for pair in self._trials() for call in pair]

    def evaluate(self, outcomes: dict[str, Outcome], constants: dict[str, Any]) -> PartResult:
        trials = []
        for first_call, again_call in self._trials():
            X, y = first_call.args
            first, again = first_call.outcome(outcomes), again_call.outcome(outcomes)
            if not first.ok:
                return PartResult(self.function, ran=False, errors=[failure(self.function, first)])
            if not again.ok and again.kind == INVALID_RETURN:  # (a second call that raised leaves reproducibility unknown)
                return PartResult(self.function, ran=False, errors=[failure(self.function, again)])
            try:
                train_ids, test_ids, y_train, y_test = trace_split(X, y, first.value)
                repeat = trace_split(X, y, again.value)[1] if again.ok else None
            except InvalidReturn as exc:
                return PartResult(self.function, ran=False, errors=[FunctionError(self.function, INVALID_RETURN, str(exc))])
            trials.append(SplitTrial(y, train_ids, test_ids, y_train, y_test, repeat))
        findings = run_family("split", SplitSubject(tuple(trials), self.test_size))
        return PartResult(self.function, ran=True, findings=findings, details={"class_counts": self._counts(trials[0])})

    def _counts(self, trial: SplitTrial) -> dict[str, list]:
        """Rows per class in the whole data and in the student's test split (the first trial)."""
        classes, total = np.unique(trial.y, return_counts=True)
        test = [int(np.sum(trial.y[trial.test_ids] == c)) for c in classes]
        return {"classes": classes.tolist(), "total": total.tolist(), "test": test,
                "expected_test": [round(n * self.test_size, 1) for n in total.tolist()]}


def trace_split(X: np.ndarray, y: np.ndarray, value: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Map a returned (X_train, X_test, y_train, y_test), any decoded value, back to input row ids via the id column."""
    try:
        X_train, X_test, y_train, y_test = RETURNS.check(value)
    except ContractError as exc:
        raise InvalidReturn(str(exc)) from None
    for name, array, dims in (("X_train", X_train, 2), ("X_test", X_test, 2), ("y_train", y_train, 1), ("y_test", y_test, 1)):
        if array.ndim != dims:
            raise InvalidReturn(f"{name} has {array.ndim} dimension(s); expected {dims} (in the order X_train, X_test, y_train, y_test)")
    if X_train.shape[1:] != X.shape[1:] or X_test.shape[1:] != X.shape[1:]:
        raise InvalidReturn(f"X_train/X_test have {X_train.shape[1]}/{X_test.shape[1]} columns; the input X has {X.shape[1]}")
    if len(X_train) != len(y_train) or len(X_test) != len(y_test):
        raise InvalidReturn(f"X_train has {len(X_train)} rows but y_train {len(y_train)}, X_test {len(X_test)} but y_test {len(y_test)}")
    ids = []
    for part in (X_train, X_test):
        first = part[:, 0]
        # Checked before rounding: NaN, infinite or huge ids cannot be cast to row numbers.
        in_range = np.isfinite(part).all() and bool(((first > -0.5) & (first < len(X) - 0.5)).all())
        row_ids = np.rint(first).astype(np.int64) if in_range else None
        if row_ids is None or not np.allclose(first, row_ids) or not np.allclose(part, X[row_ids]):
            raise InvalidReturn("the returned rows are not rows of X: split_data should only split, not change the values")
        ids.append(row_ids)
    return ids[0], ids[1], y_train, y_test
