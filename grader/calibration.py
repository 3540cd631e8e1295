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

SAFE_MARGIN = 0.02  # the least margin to the accuracy threshold that leaves room for correct variants


class NothingToCalibrate(ValueError):
    """The exercise has no network (no ModelPart), so it has no accuracy threshold to calibrate."""


@dataclass(frozen=True)
class Calibration:
    accuracies: np.ndarray  # final test accuracy per seed
    statistic: np.ndarray  # the graded statistic: median over consecutive groups of len(part.seeds)
    threshold: float
    epochs: int
    batch_size: int
    gap: np.ndarray | None = None  # the overfitting statistic per group: median train - test accuracy
    overfit_gap: float | None = None
    baseline_name: str = ""
    baseline: np.ndarray | None = None  # the baseline's test accuracy per seed, on the same splits
    baseline_statistic: np.ndarray | None = None  # per group: median network accuracy - median baseline accuracy
    baseline_tolerance: float = 0.0

    @property
    def margin(self) -> float:
        return float(self.statistic.min() - self.threshold)

    @property
    def baseline_margin(self) -> float | None:
        return None if self.baseline_statistic is None else float(self.baseline_statistic.min() + self.baseline_tolerance)

    @property
    def overfit_margin(self) -> float | None:
        return None if self.gap is None or self.overfit_gap is None else float(self.overfit_gap - self.gap.max())

    @property
    def passed(self) -> bool:
        """The reference clears the threshold by SAFE_MARGIN and every other calibrated condition, on every group."""
        return self.margin > SAFE_MARGIN and all(m is None or m > 0 for m in (self.baseline_margin, self.overfit_margin))


def calibrate(exercise: Exercise, n_seeds: int = 30) -> Calibration:
    """Train the exercise's reference network on n_seeds seeds; NothingToCalibrate when it has no network."""
    part = next((p for p in exercise.parts if isinstance(p, ModelPart)), None)
    if part is None:
        raise NothingToCalibrate(f"{exercise.name} has no network to calibrate: calibrate trains an exercise's "
                                 "reference network to check its accuracy threshold")
    module = load_reference(exercise.name)
    config = json.loads(getattr(module, part.function)(*part.args(part.n_features, part.n_classes)).to_json())
    architecture, compile_config = strip_compile(config)
    seeds = tuple(range(1000, 1000 + n_seeds))
    data = datasets.training_splits(part.dataset, seeds, part.test_size)
    constants = {name: getattr(module, name) for name in exercise.constants if hasattr(module, name)}
    epochs, batch, _ = part.budget_from(constants, len(data[0].X_train))
    run = train(architecture, compile_config, data, seeds, epochs, batch)
    k = len(part.seeds)
    used = n_seeds - n_seeds % k

    def grouped(values: np.ndarray) -> np.ndarray:
        return np.median(np.asarray(values)[:used].reshape(-1, k), axis=1)

    statistic = grouped(run.final_test_accuracy)
    extra = {"gap": grouped(run.train_accuracy[:, -1] - run.final_test_accuracy), "overfit_gap": part.overfit_gap}
    if part.baseline:
        from grader.training.baseline import BASELINES, baseline_accuracy

        baseline = np.array(baseline_accuracy(part.baseline, part.dataset, seeds, part.test_size))
        extra.update(baseline_name=BASELINES[part.baseline], baseline=baseline,
                     baseline_statistic=statistic - grouped(baseline), baseline_tolerance=part.baseline_tolerance)
    return Calibration(run.final_test_accuracy, statistic, part.min_accuracy, epochs, batch, **extra)


def _safe(margin: float) -> str:
    return "(the reference clears it on every group)" if margin > 0 else "(FAILS for the reference: loosen it)"


def describe(c: Calibration) -> str:
    q = np.quantile(c.accuracies, [0.0, 0.05, 0.5, 0.95, 1.0])
    k = len(c.accuracies) // len(c.statistic)
    lines = [
        f"reference trained on {len(c.accuracies)} seeds, {c.epochs} epochs, batch size {c.batch_size}",
        "test accuracy per seed: min {:.3f}  p5 {:.3f}  median {:.3f}  p95 {:.3f}  max {:.3f}".format(*q),
        f"graded statistic (median of {k} seeds) over {len(c.statistic)} groups: "
        f"min {c.statistic.min():.3f}  median {np.median(c.statistic):.3f}",
        f"threshold {c.threshold:.3f}: margin {c.margin:+.3f} "
        + ("(safe)" if c.margin > SAFE_MARGIN else f"(TOO TIGHT, {SAFE_MARGIN:.2f} needed: lower the threshold)"),
    ]
    if c.gap is not None:
        lines.append(f"train - test accuracy gap (median of {k} seeds): median {np.median(c.gap):.3f}  max {c.gap.max():.3f}"
                     + (f"; overfitting warning above {c.overfit_gap:.3f}: margin {c.overfit_margin:+.3f} {_safe(c.overfit_margin)}"
                        if c.overfit_margin is not None else ""))
    if c.baseline is not None:
        b = np.quantile(c.baseline, [0.0, 0.5, 1.0])
        wins = int((c.accuracies >= c.baseline).sum())
        lines += [
            f"{c.baseline_name} on the same splits: min {b[0]:.3f}  median {b[1]:.3f}  max {b[2]:.3f}; "
            f"the network at least as accurate on {wins} of {len(c.accuracies)} seeds",
            f"network - {c.baseline_name} (medians of {k} seeds): min {c.baseline_statistic.min():+.3f}  "
            f"median {np.median(c.baseline_statistic):+.3f}; tolerance {c.baseline_tolerance:.3f}: "
            f"margin {c.baseline_margin:+.3f} {_safe(c.baseline_margin)}",
        ]
    return "\n".join(lines)
