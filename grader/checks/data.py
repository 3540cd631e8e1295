"""Checks on the data functions: the train/test split and the feature scaling.

The grader calls split_data on inputs whose rows it can recognise (a row-id column)
and normalize on train and test sets with clearly different statistics, so each check
can tell exactly which rows went where and which numbers were used for scaling.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from grader.checks.catalog import Finding, mistake


@dataclass(frozen=True)
class SplitTrial:
    """One call of split_data, with the returned rows traced back to their input row ids."""

    y: np.ndarray
    train_ids: np.ndarray
    test_ids: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    repeat_test_ids: np.ndarray | None = None  # the test rows of a second, identical call


@dataclass(frozen=True)
class SplitSubject:
    trials: tuple[SplitTrial, ...]
    test_size: float


def _split_mistake(id: str, severity: str = "error", **text):
    return mistake(id, family="split", severity=severity, **text)


@_split_mistake(
    "test-set-overlap",
    title="Rows appear in both the training and the test set",
    why="The test set stands for data the model has never seen. A row that is also in the training "
        "set has been memorised, so the test accuracy overstates how well the model generalises.",
    fix="split once, so every row lands in exactly one of the two sets (train_test_split does this)",
)
def test_set_overlap(s: SplitSubject):
    for trial in s.trials:
        shared = np.intersect1d(trial.train_ids, trial.test_ids)
        repeated = len(trial.train_ids) - len(np.unique(trial.train_ids)) + len(trial.test_ids) - len(np.unique(trial.test_ids))
        if len(shared) or repeated:
            yield Finding("test-set-overlap", f"{len(shared)} row(s) are in both sets and {repeated} appear twice in one set",
                          "each row in exactly one set, once", "def:split_data")
            return


@_split_mistake(
    "labels-misaligned",
    title="Labels no longer match their rows",
    why="Each label belongs to its row. Shuffling X and y separately (or splitting them with different "
        "seeds) pairs flowers with the wrong species, so the model learns noise.",
    fix="split X and y together in one call, e.g. train_test_split(X, y, ...), or index both with the same permutation",
)
def labels_misaligned(s: SplitSubject):
    for trial in s.trials:
        wrong = int((trial.y[trial.train_ids] != trial.y_train).sum() + (trial.y[trial.test_ids] != trial.y_test).sum())
        if wrong:
            total = len(trial.train_ids) + len(trial.test_ids)
            yield Finding("labels-misaligned", f"{wrong} of {total} returned labels do not belong to their row",
                          "y_train[i] and y_test[i] to be the labels of X_train[i] and X_test[i]", "def:split_data")
            return


@_split_mistake(
    "wrong-test-size",
    title="Test set is not 30% of the rows",
    why="The exercise asks for 30% of the rows for testing: enough to measure accuracy reliably, while "
        "leaving most rows to learn from.",
    fix="pass test_size=0.3 (a fraction, not a row count) and keep every row",
)
def wrong_test_size(s: SplitSubject):
    for trial in s.trials:
        n = len(trial.y)
        n_test, n_train = len(trial.test_ids), len(trial.train_ids)
        if abs(n_test - s.test_size * n) > 1 or n_train + n_test != n:
            yield Finding("wrong-test-size", f"with {n} rows, the split returned {n_train} training and {n_test} test rows",
                          f"about {round(s.test_size * n)} test rows and the other {n - round(s.test_size * n)} for training",
                          "def:split_data")
            return


@_split_mistake(
    "unshuffled-split",
    title="Split is not shuffled",
    why="Data often arrives sorted (iris is sorted by species). Taking the last rows as the test set "
        "without shuffling can leave whole classes out of training or out of testing.",
    fix="shuffle before splitting: train_test_split shuffles by default unless shuffle=False",
)
def unshuffled_split(s: SplitSubject):
    for trial in s.trials:
        ids = np.sort(trial.test_ids)
        n = len(trial.y)
        contiguous = len(ids) > 1 and ids[-1] - ids[0] == len(ids) - 1
        if contiguous and (ids[0] == 0 or ids[-1] == n - 1):
            where = "last" if ids[-1] == n - 1 else "first"
            yield Finding("unshuffled-split", f"the test set is exactly the {where} {len(ids)} rows of the input",
                          "a random selection of rows", "def:split_data")
            return


@_split_mistake(
    "split-not-reproducible",
    title="Split changes from call to call",
    why="Without a fixed random seed every run splits differently, so accuracies cannot be compared "
        "or reproduced, and a lucky split can hide a problem.",
    fix="fix the seed: train_test_split(..., random_state=42)",
)
def split_not_reproducible(s: SplitSubject):
    for trial in s.trials:
        if trial.repeat_test_ids is not None and set(trial.repeat_test_ids.tolist()) != set(trial.test_ids.tolist()):
            yield Finding("split-not-reproducible", "two calls with the same data chose different test rows",
                          "the same split on every call", "def:split_data")
            return


@_split_mistake(
    "not-stratified", severity="warning",
    title="Split is not stratified",
    why="With few rows, a random split can leave a class under-represented in the test set, so the "
        "test accuracy says little about that class. Stratifying keeps each class's share in both sets.",
    fix="pass stratify=y to train_test_split",
)
def not_stratified(s: SplitSubject):
    for trial in s.trials:
        classes, counts = np.unique(trial.y, return_counts=True)
        test_counts = np.array([(trial.y[trial.test_ids] == c).sum() for c in classes])
        fraction = len(trial.test_ids) / max(len(trial.y), 1)
        off = np.abs(test_counts - fraction * counts)
        if (off > 1).any():
            worst = int(np.argmax(off))
            yield Finding("not-stratified",
                          f"class {classes[worst]:g} has {test_counts[worst]} test rows out of {counts[worst]}",
                          f"about {fraction * counts[worst]:.0f}, the same share as the whole test set", "def:split_data")
            return


@dataclass(frozen=True)
class NormalizeTrial:
    X_train: np.ndarray
    X_test: np.ndarray
    out_train: np.ndarray
    out_test: np.ndarray


@dataclass(frozen=True)
class NormalizeSubject:
    trials: tuple[NormalizeTrial, ...]


def _affine(x: np.ndarray, out: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Per-column (center, scale) with out = (x - center) / scale, or None if out is not such a map."""
    centers, scales = [], []
    for col in range(x.shape[1]):
        a, b = np.polyfit(x[:, col], out[:, col], 1)
        if not np.allclose(a * x[:, col] + b, out[:, col], rtol=1e-4, atol=1e-6 * (1 + np.abs(out[:, col]).max())) or a == 0:
            return None
        with np.errstate(over="ignore"):  # a tiny slope (an extreme scaling) gives an infinite scale, matching nothing
            centers.append(-b / a)
            scales.append(1 / a)
    return np.array(centers), np.array(scales)


def _origins(fitted: tuple[np.ndarray, np.ndarray], sets: dict[str, np.ndarray]) -> tuple[set[str], set[str]]:
    """The sets whose mean the center matches, and whose standard deviation (ddof 0 or 1) the scale matches."""
    center, scale = fitted
    centers = {name for name, x in sets.items()
               if np.allclose(center, x.mean(axis=0), rtol=1e-3, atol=1e-3 * x.std(axis=0))}
    scales = {name for name, x in sets.items()
              if any(np.allclose(scale, x.std(axis=0, ddof=d), rtol=1e-3) for d in (0, 1))}
    return centers, scales


def normalize_verdict(trial: NormalizeTrial) -> tuple[str | None, str]:
    """Which mistake (if any) one normalize call shows, and what was observed.

    Where statistics of different sets coincide, the reading that is not a mistake wins.
    """
    xtr, xte = trial.X_train, trial.X_test
    test_unchanged = np.allclose(trial.out_test, xte)
    if np.allclose(trial.out_train, xtr) and test_unchanged:
        return "no-normalization", "both sets came back unchanged"
    train_map, test_map = _affine(xtr, trial.out_train), _affine(xte, trial.out_test)
    if train_map is None or test_map is None:
        return "not-standardized", "the result is not a shift and scale of each feature"
    sets = {"train": xtr, "train and test together": np.vstack([xtr, xte]), "test": xte}
    train_centers, train_scales = _origins(train_map, sets)
    leaked = [f"the {what} of {sorted(found)[0]}" for what, found in (("mean", train_centers), ("standard deviation", train_scales))
              if found and "train" not in found]
    if leaked:
        return "test-statistics-leak", f"X_train was scaled with {' and '.join(leaked)}"
    if "train" not in train_centers or "train" not in train_scales:
        return "not-standardized", "the features were scaled, but not to mean 0 and standard deviation 1 on X_train"
    test_centers, test_scales = _origins(test_map, sets)
    if "train" in test_centers and "train" in test_scales:
        return None, ""
    if "test" in test_centers and "test" in test_scales:
        return "scaled-separately", "X_test was standardized with its own mean and standard deviation"
    if test_unchanged:
        return "no-normalization", "X_train was standardized but X_test came back unchanged"
    if (test_centers | test_scales) - {"train"}:
        return "test-statistics-leak", "X_test was scaled with statistics that include the test rows"
    return "not-standardized", "X_test was scaled with numbers other than X_train's mean and standard deviation"


def _normalize_mistake(id: str, **text):
    def check(s: NormalizeSubject):
        for trial in s.trials:
            verdict, observed = normalize_verdict(trial)
            if verdict == id:
                yield Finding(id, observed, "both sets scaled with X_train's mean and standard deviation", "def:normalize")
                return

    return mistake(id, family="normalize", severity="error", **text)(check)


_normalize_mistake(
    "no-normalization",
    title="Features are not normalized",
    why="Neural networks train best on scaled inputs. Features on very different scales (grams next to "
        "a 0-10 score) make gradient descent take tiny steps on some weights and huge ones on others, "
        "so training is slow or unstable.",
    fix="standardize: scaler = StandardScaler().fit(X_train), then scaler.transform(X_train) and scaler.transform(X_test)",
)
_normalize_mistake(
    "test-statistics-leak",
    title="Test data leaked into the scaling",
    why="The test set stands for new data the model has never seen. Taking the mean or standard "
        "deviation from it (alone or together with the training rows) lets information about the test "
        "set into training, so the test score is optimistic.",
    fix="fit the scaler on X_train only: StandardScaler().fit(X_train), then transform both sets with it",
)
_normalize_mistake(
    "scaled-separately",
    title="Train and test were scaled with different numbers",
    why="Scaling the test set with its own mean and standard deviation moves it differently from the "
        "training set, so the same flower gets different numbers in the two sets; it also uses test "
        "statistics the model should never see.",
    fix="compute the mean and standard deviation once, on X_train, and apply those same numbers to X_test",
)
_normalize_mistake(
    "not-standardized",
    title="Features are not standardized",
    why="The exercise asks for standardization: every feature shifted by its training mean and divided "
        "by its training standard deviation, so each has mean 0 and standard deviation 1 on the training set.",
    fix="(X - X_train.mean(axis=0)) / X_train.std(axis=0) for both sets, or StandardScaler fitted on X_train",
)
