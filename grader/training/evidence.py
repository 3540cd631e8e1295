"""Evidence that a mistake matters where iris cannot show it.

Iris is almost linearly separable, so a network without a non-linear hidden layer still
scores about 0.97 there. Trained by the grader on scikit-learn's two circles (a small
problem no straight line separates), the student's network and the same network with the
mistake fixed show the difference the lesson talks about.
"""
from __future__ import annotations

import copy
from typing import Any

import numpy as np

from grader.model.facts import NAME_CHARS
from grader.model.safe_config import UnsafeModel
from grader.model.size import SizeCaps, model_size
from grader.training.trainer import Dataset, TrainingError, WorkCaps, train

SEEDS = (0, 1, 2)
EPOCHS = 200  # fewer for a network whose training would be over the work caps
BATCH_SIZE = 32
DATASET = "two circles, one inside the other (scikit-learn make_circles: 300 points)"


def circles(seeds: tuple[int, ...] = SEEDS) -> list[Dataset]:
    from sklearn.datasets import make_circles
    from sklearn.model_selection import train_test_split

    from grader.datasets import standardize

    X, y = make_circles(n_samples=300, noise=0.1, factor=0.5, random_state=0)
    splits = []
    for seed in seeds:
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed)
        X_train, X_test = standardize(X_train, X_test)
        splits.append(Dataset(X_train, y_train, X_test, y_test))
    return splits


def with_relu_hidden(architecture: dict, names: set[str]) -> dict:
    """The architecture with the named Dense layers given a relu activation (the fix); names as the facts keep them."""
    fixed = copy.deepcopy(architecture)
    stack = [fixed]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            config = node.get("config")
            name = config.get("name") if isinstance(config, dict) else None
            if node.get("class_name") == "Dense" and isinstance(name, str) and name[:NAME_CHARS] in names:
                config["activation"] = "relu"
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return fixed


def nonlinear_evidence(architecture: dict, compile_config: dict, linear_hidden: set[str],
                       caps: SizeCaps = SizeCaps(), work: WorkCaps = WorkCaps()) -> dict[str, Any] | None:
    """Median test accuracy on the circles of the student's network and of the fixed one (None if untrainable).

    The network is held to the same caps as the exercise's own training: refused over `caps`,
    trained for fewer epochs when EPOCHS of it would be more than `work` (the fix has the same size).
    """
    data = circles()
    try:
        epochs = work.epochs(model_size(architecture, data[0].X_train.shape[1], caps), EPOCHS,
                             len(data[0].X_train), BATCH_SIZE)
        student = train(architecture, compile_config, data, SEEDS, epochs, BATCH_SIZE, caps=caps)
        fixed = train(with_relu_hidden(architecture, linear_hidden), compile_config, data, SEEDS, epochs, BATCH_SIZE,
                      caps=caps)
    except (TrainingError, UnsafeModel):
        return None  # e.g. sizes hard-coded for iris: that mistake is reported on its own
    return {
        "dataset": DATASET,
        # Its layers by what they are, not by name: Keras names the layers of this (2, 2) build apart from the
        # graded network's, so a name would not be the one the student's report shows.
        "change": f"its linear hidden layer{'s' if len(linear_hidden) > 1 else ''} given activation='relu'",
        "student_accuracy": round(float(np.median(student.final_test_accuracy)), 4),
        "fixed_accuracy": round(float(np.median(fixed.final_test_accuracy)), 4),
        "seeds": list(SEEDS), "epochs": epochs,
    }
