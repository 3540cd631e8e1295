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
                          "each row in exactly one set, once", "passthrough")
            return


@_split_mistake(
    "labels-misaligned",
    title="Labels no longer match their rows",
    why="Each label belongs to its row. Shuffling X and y separately (or splitting them with different "
        "seeds) pairs rows with other rows' labels, so the model learns noise.",
    fix="split X and y together in one call, e.g. train_test_split(X, y, ...), or index both with the same permutation",
)
def labels_misaligned(s: SplitSubject):
    for trial in s.trials:
        wrong = int((trial.y[trial.train_ids] != trial.y_train).sum() + (trial.y[trial.test_ids] != trial.y_test).sum())
        if wrong:
            total = len(trial.train_ids) + len(trial.test_ids)
            yield Finding("labels-misaligned", f"{wrong} of {total} returned labels do not belong to their row",
                          "y_train[i] and y_test[i] to be the labels of X_train[i] and X_test[i]", "apart")
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
                          "kw:test_size|kw:train_size|slice")
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
                          "a random selection of rows", "kw:shuffle=False|slice")
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
                          "the same split on every call", "unseeded")
            return


@_split_mistake(
    "not-stratified", severity="warning",
    title="Split is not stratified",
    why="With few rows, a random split can leave a class under-represented in the test set, so the "
        "test accuracy says little about that class. Stratifying keeps each class's share in both sets.",
    fix="pass stratify=y to train_test_split",
)
def not_stratified(s: SplitSubject):
    """A class whose test rows are two or more rows away from its share of the test set.

    A stratified split gives each class its share rounded down or up, and how the rounding falls
    differs between implementations, so a difference of one row beyond that is never counted.
    """
    for trial in s.trials:
        classes, counts = np.unique(trial.y, return_counts=True)
        test_counts = np.array([(trial.y[trial.test_ids] == c).sum() for c in classes])
        share = len(trial.test_ids) / max(len(trial.y), 1) * counts
        low, high = np.floor(share).astype(int), np.ceil(share).astype(int)
        off = np.maximum(low - test_counts, test_counts - high)
        if (off >= 2).any():
            worst = int(np.argmax(off))
            sizes = ", ".join(str(n) for n in counts[:-1]) + f" and {counts[-1]}" if len(counts) > 1 else str(counts[0])
            rows = f"{low[worst]}" if low[worst] == high[worst] else f"{low[worst]} or {high[worst]}"
            yield Finding("not-stratified",
                          f"when the grader called split_data on its own test data ({len(trial.y)} rows in classes "
                          f"of {sizes} rows), class {classes[worst]:g} got {test_counts[worst]} of its {counts[worst]} "
                          f"rows in the test set",
                          f"{rows} test rows for that class, the same share as the whole test set "
                          f"({len(trial.test_ids)} of {len(trial.y)} rows)", "unstratified|draw")
            return


@dataclass(frozen=True)
class NormalizeCall:
    """One call of normalize: the sets it was given and the sets it returned (as float64)."""

    X_train: np.ndarray
    X_test: np.ndarray
    out_train: np.ndarray
    out_test: np.ndarray


@dataclass(frozen=True)
class NormalizeTrial:
    """Three calls that show what a scaling depends on, whatever formula or scaler made it.

    `given` is normalize(X_train, X_test). `new_test` keeps X_train and passes another test set
    whose first `repeated` rows are X_test's first rows and whose next `repeated` rows are
    X_train's first rows. `new_train` passes another training set with the same X_test.
    """

    given: NormalizeCall
    new_test: NormalizeCall
    new_train: NormalizeCall
    repeated: int


@dataclass(frozen=True)
class NormalizeSubject:
    trials: tuple[NormalizeTrial, ...]


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal up to float rounding (float32 results, or the same map written another way)."""
    with np.errstate(all="ignore"):  # huge finite values may overflow in the difference: not the same
        return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-5, atol=1e-5 * np.maximum(1.0, np.abs(b).max(axis=0))))


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


# What scalers subtract and divide by, per feature (several values: any of them matches).
_CENTERS = {
    "mean": lambda x: (x.mean(axis=0),),
    "minimum": lambda x: (x.min(axis=0),),
    "median": lambda x: (np.median(x, axis=0),),
    "": lambda x: (np.zeros(x.shape[1]),),  # nothing subtracted
}
_SCALES = {
    "standard deviation": lambda x: (x.std(axis=0), x.std(axis=0, ddof=1)),
    "range": lambda x: (np.ptp(x, axis=0),),
    "interquartile range": lambda x: (np.subtract(*np.percentile(x, [75, 25], axis=0)),),
    "largest absolute value": lambda x: (np.abs(x).max(axis=0),),
}
_PAIRS = {("mean", "standard deviation"): "mean and standard deviation", ("minimum", "range"): "minimum and maximum",
          ("median", "interquartile range"): "median and interquartile range"}


def _sets(call: NormalizeCall, first: str = "X_train") -> dict[str, np.ndarray]:
    """The sets a scaling may have been fitted on. Where their statistics coincide the first wins:
    X_train (no mistake), unless the calls showed which set it was."""
    sets = {"X_train": call.X_train, "X_train and X_test together": np.vstack([call.X_train, call.X_test]),
            "X_test": call.X_test}
    return {first: sets.pop(first), **sets}


def _matches(value: np.ndarray, statistic: str, x: np.ndarray) -> bool:
    """Whether per-feature values are a statistic of x (a center within a thousandth of x's spread)."""
    of, atol = (_CENTERS[statistic], 1e-3 * x.std(axis=0)) if statistic in _CENTERS else (_SCALES[statistic], 0.0)
    return any(np.allclose(value, candidate, rtol=1e-3, atol=atol) for candidate in of(x))


def _recognised(fitted: tuple[np.ndarray, np.ndarray],
                sets: dict[str, np.ndarray]) -> tuple[tuple[str, str], tuple[str, str]] | None:
    """(statistic, set) for the center and for the scale of a per-feature affine map, or None if either is unknown."""
    found = [next(((stat, name) for name, x in sets.items() for stat in statistics if _matches(value, stat, x)), None)
             for value, statistics in zip(fitted, (_CENTERS, _SCALES))]
    return None if None in found else (found[0], found[1])


def _described(parts: tuple[tuple[str, str], tuple[str, str]]) -> str:
    """The numbers a map used, in words: "the minimum and maximum of X_train"."""
    (center, center_set), (scale, scale_set) = parts
    if not center:
        return f"the {scale} of {scale_set}" + ("" if scale == "largest absolute value" else ", with nothing subtracted")
    if center_set == scale_set:
        return f"the {_PAIRS.get((center, scale), f'{center} and {scale}')} of {center_set}"
    return f"the {center} of {center_set} and the {scale} of {scale_set}"


def _numbers(x: np.ndarray, out: np.ndarray, call: NormalizeCall, leaked: bool = False, first: str = "X_train") -> str:
    """"the minimum and maximum of X_train" when the map from x to out uses statistics the grader
    recognises (and that include X_test, if the map is known to depend on it); else ""."""
    fitted = _affine(x, out)
    parts = _recognised(fitted, _sets(call, first)) if fitted is not None else None
    if parts is None or (leaked and {parts[0][1], parts[1][1]} == {"X_train"}):
        return ""
    return _described(parts)


def _use_of_numbers(trial: NormalizeTrial) -> tuple[str, str] | None:
    """Whether both sets were scaled with the same numbers, computed from X_train only: (mistake, observed) if not.

    Judged by what the returned values depend on, so any scaler or formula is judged alike.
    """
    given, new_test, new_train, k = trial.given, trial.new_test, trial.new_train, trial.repeated
    test_unchanged = _same(given.out_test, given.X_test)
    if _same(given.out_train, given.X_train) and test_unchanged:
        return "no-normalization", "both sets came back unchanged"
    if not _same(new_test.out_train, given.out_train):
        numbers = _numbers(given.X_train, given.out_train, given, leaked=True) or "numbers computed from X_test"
        return "test-statistics-leak", (f"X_train was scaled with {numbers}: called again with the same X_train and "
                                        "another X_test, normalize returned a different X_train_scaled")
    if test_unchanged:
        return "no-normalization", "X_train was scaled but X_test came back unchanged"
    if _same(new_test.out_test[k:2 * k], new_test.out_train[:k]):
        return None  # rows of X_train passed in X_test got exactly their X_train_scaled values: the same map
    follows_test = not _same(new_test.out_test[:k], given.out_test[:k])
    follows_train = not _same(new_train.out_test, given.out_test)
    if follows_test and follows_train:
        numbers = (_numbers(given.X_test, given.out_test, given, leaked=True, first="X_train and X_test together")
                   or "numbers computed from X_train and X_test together")
        return "test-statistics-leak", (f"X_test was scaled with {numbers}: "
                                        "the same test rows came back with other values when either set changed")
    if follows_test:
        numbers = _numbers(given.X_test, given.out_test, given, first="X_test")
        return "scaled-separately", (f"X_test was scaled with its own statistics{f' ({numbers})' if numbers else ''}: "
                                     "the same test rows came back with other values when the rest of X_test changed, "
                                     "and unchanged when X_train changed")
    numbers = _numbers(given.X_test, given.out_test, given)
    return "scaled-separately", (f"X_test was scaled with other numbers than X_train{f' ({numbers})' if numbers else ''}: "
                                 "a row that is in both sets got different values in X_train_scaled and X_test_scaled")


def _standardization(call: NormalizeCall) -> str:
    """What shows that X_train was not standardized ("" if it was): judged on the map, whichever set it was fitted on."""
    fitted = _affine(call.X_train, call.out_train)
    if fitted is None:
        return "X_train_scaled is not a shift and scale of each feature of X_train, as (x - mean) / std is"
    sets = _sets(call)
    center, scale = fitted
    if (any(_matches(center, "mean", x) for x in sets.values())
            and any(_matches(scale, "standard deviation", x) for x in sets.values())):
        return ""  # a standardization (if of other rows than X_train's, that is the other item's mistake)
    parts = _recognised(fitted, sets)
    with np.errstate(all="ignore"):  # finite values near the float maximum overflow: shown as inf
        means, stds = call.out_train.mean(axis=0), call.out_train.std(axis=0)
        off = np.abs(means) + np.abs(stds - 1)
        worst = int(np.argmax(np.where(np.isnan(off), np.inf, off)))
    how = f"X_train was scaled with {_described(parts)}, so" if parts is not None else "X_train was scaled, but"
    return (f"{how} its features do not have mean 0 and standard deviation 1 "
            f"(feature {worst + 1} of X_train_scaled: mean {_shown(means[worst])}, "
            f"standard deviation {_shown(stds[worst])})")


def _shown(value: float) -> str:
    return f"{round(float(value), 3) + 0.0:.3g}"  # rounding error shown as 0, never -4.44e-16 or -0


def normalize_verdicts(trial: NormalizeTrial) -> dict[str, str]:
    """The mistakes one trial shows, each with what was observed.

    Two independent questions: were both sets scaled with the same numbers, from X_train only
    (whatever the scaler), and is that scaling a standardization (a mean and a standard deviation)?
    """
    use = _use_of_numbers(trial)
    if use is not None and use[0] == "no-normalization":
        return dict([use])
    verdicts = dict([use]) if use is not None else {}
    standardization = _standardization(trial.given)
    if standardization:
        verdicts["not-standardized"] = standardization
    return verdicts


# Where each normalize mistake is (grader.source_lines): the statistics taken from X_test (its second
# parameter), the scaler or statistic that is not a standardization, the return that hands X_test back.
NORMALIZE_LINES = {"test-statistics-leak": "fit:1", "scaled-separately": "fit:1", "not-standardized": "scaling",
                   "no-normalization": "returns"}


def _normalize_mistake(id: str, expected: str, **text):
    def check(s: NormalizeSubject):
        for trial in s.trials:
            observed = normalize_verdicts(trial).get(id)
            if observed:
                yield Finding(id, observed, expected, NORMALIZE_LINES[id])
                return

    return mistake(id, family="normalize", severity="error", **text)(check)


_normalize_mistake(
    "no-normalization",
    "both sets scaled, with the same numbers computed from X_train",
    title="Features are not normalized",
    why="Neural networks train best on scaled inputs. Features on very different scales (grams next to "
        "a 0-10 score) make gradient descent take tiny steps on some weights and huge ones on others, "
        "so training is slow or unstable.",
    fix="standardize: scaler = StandardScaler().fit(X_train), then scaler.transform(X_train) and scaler.transform(X_test)",
)
_normalize_mistake(
    "test-statistics-leak",
    "the scaling computed from X_train alone, then applied unchanged to both sets",
    title="Test data leaked into the scaling",
    why="The test set stands for new data the model has never seen. Taking the numbers a scaling uses (a "
        "mean, standard deviation, minimum or maximum) from it, alone or together with the training rows, "
        "lets information about the test set into training, so the test score is optimistic.",
    fix="fit the scaler on X_train only (StandardScaler().fit(X_train), or statistics of X_train alone), then "
        "transform both sets with it",
)
_normalize_mistake(
    "scaled-separately",
    "one scaling, computed from X_train, applied to both sets",
    title="Train and test were scaled with different numbers",
    why="Scaling the test set with other numbers than the training set (such as its own mean and standard "
        "deviation) moves it differently, so the same row gets different numbers in the two sets and the "
        "network sees test data unlike anything it learned from; its own statistics are also test data the "
        "model should never see.",
    fix="compute the numbers once, on X_train (scaler.fit(X_train)), and apply those same numbers to X_test "
        "(scaler.transform(X_test), not fit_transform)",
)
_normalize_mistake(
    "not-standardized",
    "every feature of X_train_scaled with mean 0 and standard deviation 1, from X_train's mean and standard deviation",
    title="Features are not standardized",
    why="The exercise asks for standardization: every feature shifted by its training mean and divided "
        "by its training standard deviation, so each has mean 0 and standard deviation 1 on the training set.",
    fix="(X - X_train.mean(axis=0)) / X_train.std(axis=0) for both sets, or StandardScaler fitted on X_train",
)
