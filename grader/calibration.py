"""Calibrate an exercise's accuracy threshold against its reference solution over many seeds."""
from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from grader import datasets
from grader.model.safe_config import strip_compile
from grader.parts.model import ModelPart
from grader.paths import load_reference
from grader.spec import Exercise
from grader.training.trainer import train


@dataclass(frozen=True)
class Calibration:
    accuracies: np.ndarray  # final test accuracy per seed
    statistic: np.ndarray  # the graded statistic: median over consecutive groups of len(part.seeds)
    threshold: float
    epochs: int
    batch_size: int

    @property
    def margin(self) -> float:
        return float(self.statistic.min() - self.threshold)


def calibrate(exercise: Exercise, n_seeds: int = 30) -> Calibration:
    part = next(p for p in exercise.parts if isinstance(p, ModelPart))
    module = load_reference(exercise.name)
    config = json.loads(getattr(module, part.function)(*part.args(part.n_features, part.n_classes)).to_json())
    architecture, compile_config = strip_compile(config)
    seeds = tuple(range(1000, 1000 + n_seeds))
    data = datasets.training_splits(part.dataset, seeds, part.test_size)
    constants = {name: getattr(module, name) for name in exercise.constants if hasattr(module, name)}
    epochs, batch, _ = part.budget_from(constants, len(data[0].X_train))
    run = train(architecture, compile_config, data, seeds, epochs, batch)
    k = len(part.seeds)
    groups = run.final_test_accuracy[: n_seeds - n_seeds % k].reshape(-1, k)
    return Calibration(run.final_test_accuracy, np.median(groups, axis=1), part.min_accuracy, epochs, batch)


def describe(c: Calibration) -> str:
    q = np.quantile(c.accuracies, [0.0, 0.05, 0.5, 0.95, 1.0])
    lines = [
        f"reference trained on {len(c.accuracies)} seeds, {c.epochs} epochs, batch size {c.batch_size}",
        "test accuracy per seed: min {:.3f}  p5 {:.3f}  median {:.3f}  p95 {:.3f}  max {:.3f}".format(*q),
        f"graded statistic (median of {len(c.accuracies) // len(c.statistic)} seeds) over {len(c.statistic)} groups: "
        f"min {c.statistic.min():.3f}  median {np.median(c.statistic):.3f}",
        f"threshold {c.threshold:.3f}: margin {c.margin:+.3f} " + ("(safe)" if c.margin > 0.02 else "(TOO TIGHT: lower the threshold)"),
    ]
    return "\n".join(lines)
