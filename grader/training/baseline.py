"""Classic models the grader fits itself (trusted code) on the same splits as the student's network.

An exercise can ask whether the network beats a simpler model, as the lesson does with
logistic regression on handwritten digits. The baseline depends only on the exercise's
data, seeds and test size, never on the submission, so it is fitted once per process.
"""
from __future__ import annotations

import functools

import numpy as np

# name in an exercise spec -> what the report calls it
BASELINES = {"logistic_regression": "logistic regression"}


@functools.cache
def baseline_accuracy(name: str, dataset: str, seeds: tuple[int, ...], test_size: float) -> tuple[float, ...]:
    """Test accuracy per seed of the baseline, on the grader's splits (datasets.training_splits)."""
    from grader.datasets import training_splits

    if name not in BASELINES:
        raise ValueError(f"unknown baseline {name!r}; known: {', '.join(BASELINES)}")
    return tuple(float(_fit(name, split.X_train, split.y_train).score(split.X_test, split.y_test))
                 for split in training_splits(dataset, seeds, test_size))


def _fit(name: str, X: np.ndarray, y: np.ndarray):
    from sklearn.linear_model import LogisticRegression

    # scikit-learn's defaults (multinomial, L2 with C=1, lbfgs), with room to converge:
    # on digits it stops after about 35 iterations.
    return LogisticRegression(max_iter=1000).fit(X, y)
