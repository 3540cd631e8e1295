"""Property-based tests of the data checks (split and normalize families).

Random inputs of the kind the grader builds (class-sorted rows with an id column,
train/test matrices with distinguishable statistics) are fed through correct and
deliberately wrong student implementations. Correct code must produce no findings;
each kind of mistake must be reported under its own id. normalize is called as the grader
calls it (three calls per trial), with every kind of scaler; the scaler examples of
tests/examples/scalers.py are also graded through the real sandboxed process.
"""
from __future__ import annotations

import dataclasses
import json
import math
import textwrap

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MaxAbsScaler, MinMaxScaler, RobustScaler, StandardScaler

from grader.checks import run_family
from grader.checks.data import (
    NormalizeCall, NormalizeSubject, NormalizeTrial, SplitSubject, SplitTrial, normalize_verdicts,
)
from grader.datasets import scaling_pair, traceable_classification
from grader.exercises import load
from grader.grading import grade_path
from grader.parts.normalize import NormalizePart, repeated_rows, trial_inputs
from grader.parts.split import InvalidReturn, trace_split
from grader.sandbox import wire
from grader.sandbox.server import Sandbox
from tests.examples.scalers import PAIRS

TEST_SIZE = 0.3
SPLIT_ERRORS = {"test-set-overlap", "labels-misaligned", "wrong-test-size", "unshuffled-split", "split-not-reproducible"}
NORMALIZE_IDS = {"no-normalization", "test-statistics-leak", "scaled-separately", "not-standardized"}

PROPERTY = settings(deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow])

seeds = st.integers(0, 2**32 - 1)


# ----------------------------------------------------------------------------- split


@st.composite
def classification(draw):
    """Class-sorted rows with an id column, as the grader passes to split_data."""
    sizes = tuple(draw(st.lists(st.integers(10, 80), min_size=2, max_size=5)))
    n_features = draw(st.integers(1, 6))
    return traceable_classification(sizes, n_features, draw(seeds))


def through_wire(value):
    """What the grader receives after the value crosses the sandbox boundary (lists become tuples)."""
    return wire.decode(json.loads(wire.dumps(wire.encode(value))))


def split_findings(X, y, first, again=None) -> set[str]:
    train_ids, test_ids, y_train, y_test = trace_split(X, y, through_wire(first))
    repeat = trace_split(X, y, through_wire(again))[1] if again is not None else None
    trial = SplitTrial(y, train_ids, test_ids, y_train, y_test, repeat)
    return {f.id for f in run_family("split", SplitSubject((trial,), TEST_SIZE))}


def assert_caught(found: set[str], expected: str, also_allowed: set[str] = frozenset()):
    assert expected in found, f"{expected} not reported; got {sorted(found)}"
    unexpected = (found & SPLIT_ERRORS) - {expected} - set(also_allowed)
    assert not unexpected, f"spurious errors {sorted(unexpected)} besides {expected}"


def sklearn_split(X, y, random_state, test_size=TEST_SIZE, stratify=True, shuffle=True):
    return tuple(train_test_split(X, y, test_size=test_size, stratify=y if stratify else None,
                                  random_state=random_state, shuffle=shuffle))


def rows(X, y, train, test):
    train, test = np.asarray(train, dtype=int), np.asarray(test, dtype=int)
    return X[train], X[test], y[train], y[test]


def manual_stratified_split(X, y, seed):
    """Per-class shuffle with a fixed numpy seed; ceil(30%) test rows shared out by largest remainder."""
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(y, return_counts=True)
    n_test = math.ceil(TEST_SIZE * len(y))
    exact = n_test * counts / len(y)
    take = np.floor(exact).astype(int)
    take[np.argsort(-(exact - take), kind="stable")[: n_test - take.sum()]] += 1
    train, test = [], []
    for c, k in zip(classes, take):
        members = rng.permutation(np.flatnonzero(y == c))
        test.extend(members[:k])
        train.extend(members[k:])
    return rows(X, y, rng.permutation(train), rng.permutation(test))


def per_class_rounding_split(X, y, seed):
    """The textbook manual split: each class shuffled with a fixed seed, round(30%) of it for testing."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for c in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == c))
        k = round(TEST_SIZE * len(members))
        test.extend(members[:k])
        train.extend(members[k:])
    return rows(X, y, train, test)


@PROPERTY
@given(classification(), seeds)
def test_sklearn_stratified_split_has_no_findings(data, k):
    X, y = data
    assert split_findings(X, y, sklearn_split(X, y, k), sklearn_split(X, y, k)) == set()


@PROPERTY
@given(classification(), seeds)
def test_manual_per_class_permutation_split_has_no_findings(data, seed):
    X, y = data
    assert split_findings(X, y, manual_stratified_split(X, y, seed), manual_stratified_split(X, y, seed)) == set()


@PROPERTY
@given(st.lists(st.integers(1, 8), min_size=2, max_size=5), st.integers(1, 6), seeds, seeds)
def test_per_class_rounding_split_on_grader_like_class_sizes_has_no_findings(tens, n_features, data_seed, seed):
    # The grader's inputs use class sizes whose 30% is a whole number of rows (60, 50, 40, ...),
    # so rounding per class gives exactly 30% overall.
    X, y = traceable_classification(tuple(10 * t for t in tens), n_features, data_seed)
    assert split_findings(X, y, per_class_rounding_split(X, y, seed), per_class_rounding_split(X, y, seed)) == set()


@PROPERTY
@given(classification(), st.sampled_from(["last", "first", "shuffle=False"]))
def test_unshuffled_split_is_caught(data, where):
    X, y = data
    n = len(y)
    k = math.ceil(TEST_SIZE * n)
    if where == "shuffle=False":
        value = sklearn_split(X, y, None, stratify=False, shuffle=False)
    elif where == "last":
        value = (X[: n - k], X[n - k:], y[: n - k], y[n - k:])
    else:
        value = (X[k:], X[:k], y[k:], y[:k])
    assert_caught(split_findings(X, y, value, value), "unshuffled-split")


@PROPERTY
@given(classification(), seeds, st.floats(0.0, 1.0), st.booleans())
def test_overlapping_sets_are_caught(data, k, share, whole_X_as_train):
    X, y = data
    X_train, X_test, y_train, y_test = sklearn_split(X, y, k)
    if whole_X_as_train:
        value = (X, X_test, y, y_test)
    else:
        m = max(1, round(share * len(X_test)))
        value = (np.vstack([X_train, X_test[:m]]), X_test, np.concatenate([y_train, y_test[:m]]), y_test)
    assert_caught(split_findings(X, y, value, value), "test-set-overlap", {"wrong-test-size"})


@PROPERTY
@given(classification(), seeds, seeds, st.sampled_from(["train", "test", "both"]))
def test_broken_label_pairs_are_caught(data, k, shuffle_seed, which):
    X, y = data
    X_train, X_test, y_train, y_test = sklearn_split(X, y, k)
    rng = np.random.default_rng(shuffle_seed)
    new_train = rng.permutation(y_train) if which in ("train", "both") else y_train
    new_test = rng.permutation(y_test) if which in ("test", "both") else y_test
    assume((new_train != y_train).any() or (new_test != y_test).any())
    value = (X_train, X_test, new_train, new_test)
    assert_caught(split_findings(X, y, value, value), "labels-misaligned")


@PROPERTY
@given(classification(), seeds, st.one_of(st.floats(0.05, 0.2), st.floats(0.4, 0.7)), st.booleans())
def test_wrong_test_size_is_caught(data, k, test_size, as_row_count):
    X, y = data
    n = len(y)
    size = math.ceil(test_size * n) if as_row_count else test_size  # e.g. test_size=30 meaning rows
    value = sklearn_split(X, y, k, test_size=size, stratify=False)
    assume(abs(len(value[1]) - TEST_SIZE * n) > 1)
    assert_caught(split_findings(X, y, value, value), "wrong-test-size")


@PROPERTY
@given(classification(), seeds, seeds, st.booleans())
def test_unseeded_split_is_caught(data, k1, k2, stratify):
    X, y = data
    assume(k1 != k2)
    first = sklearn_split(X, y, k1, stratify=stratify)
    again = sklearn_split(X, y, k2, stratify=stratify)
    assume(set(first[1][:, 0]) != set(again[1][:, 0]))
    assert_caught(split_findings(X, y, first, again), "split-not-reproducible")


def test_trace_split_rejects_wrong_tuple_length():
    X, y = traceable_classification((20, 20), 3, 0)
    X_train, X_test, y_train, y_test = sklearn_split(X, y, 0)
    for value in ((X_train, X_test, y_train), (X_train, X_test), (X_train, X_test, y_train, y_test, y_test), None, X):
        with pytest.raises(InvalidReturn):
            trace_split(X, y, value)


def test_trace_split_rejects_changed_rows():
    X, y = traceable_classification((20, 20, 20), 4, 1)
    X_train, X_test, y_train, y_test = sklearn_split(X, y, 0)
    changed = [
        (X_train * 2.0, X_test, y_train, y_test),                       # values scaled
        (X_train, X_test + 0.5, y_train, y_test),                       # values shifted
        (X_train[:, 1:], X_test[:, 1:], y_train, y_test),               # a column dropped (the id column)
        (X_train, np.column_stack([X_test[:, :1], X_test[:, 1:] + 1]), y_train, y_test),  # id kept, features changed
        (X_train, X_test, y_train[:-1], y_test),                        # rows and labels out of step
        (X_train, X_test, y_train[:, None], y_test),                    # labels as a column
        (y_train, y_test, X_train, X_test),                             # wrong order
    ]
    for value in changed:
        with pytest.raises(InvalidReturn):
            trace_split(X, y, value)
    # the unchanged split traces back to its rows
    train_ids, test_ids, _, _ = trace_split(X, y, (X_train, X_test, y_train, y_test))
    assert sorted(np.concatenate([train_ids, test_ids]).tolist()) == list(range(len(y)))


# ------------------------------------------------------------------------- normalize


def _stat_sets(X_train, X_test):
    both = np.vstack([X_train, X_test])
    return {
        (name, ddof): (x.mean(axis=0), x.std(axis=0, ddof=ddof))
        for name, x in (("train", X_train), ("test", X_test), ("both", both))
        for ddof in (0, 1)
    }


def _close(a, b, margin=10.0):
    """The grader's own notion of 'same statistics' (rtol 1e-3), widened by a safety margin."""
    (ca, sa), (cb, sb) = a, b
    return np.allclose(ca, cb, rtol=1e-3 * margin, atol=1e-3 * margin * sb) and np.allclose(sa, sb, rtol=1e-3 * margin)


@st.composite
def scaling_inputs(draw):
    """Train and test features whose train, test and combined statistics genuinely differ.

    Each feature has a random scale (1e-3 to 1e3) and a random mean (in units of its spread);
    the test set is the train statistics moved by a random shift and spread factor, set exactly.
    """
    n_train = draw(st.integers(5, 120))
    n_test = draw(st.integers(3, 60))
    d = draw(st.integers(1, 5))
    floats = lambda lo, hi: st.lists(st.floats(lo, hi), min_size=d, max_size=d).map(np.array)  # noqa: E731
    log_scale, mean_ratio, shift, log_factor = draw(floats(-3, 3)), draw(floats(-20, 20)), draw(floats(-3, 3)), draw(floats(-2, 2))
    rng = np.random.default_rng(draw(seeds))
    scale = 10.0 ** log_scale
    X_train = rng.normal(mean_ratio * scale, scale, size=(n_train, d))
    z = rng.normal(size=(n_test, d))
    z = (z - z.mean(axis=0)) / z.std(axis=0)
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    X_test = mean + shift * std + z * (2.0 ** log_factor) * std
    stats = _stat_sets(X_train, X_test)
    assume(not any(_close(stats[a], stats[b]) for a in stats for b in stats if a[0] != b[0]))
    return X_train, X_test


def normalize_ids(X_train, X_test, normalize, seed=0) -> set[str]:
    """The normalize findings for a Python normalize, called as the grader calls it (its three calls of a trial)."""
    calls = []
    for args in trial_inputs(X_train, X_test, seed):
        out_train, out_test = (np.asarray(v, dtype=float) for v in through_wire(tuple(normalize(*(a.copy() for a in args)))))
        calls.append(NormalizeCall(*args, out_train, out_test))
    trial = NormalizeTrial(*calls, repeated=repeated_rows(X_train, X_test))
    found = [f.id for f in run_family("normalize", NormalizeSubject((trial,)))]
    assert sorted(found) == sorted(normalize_verdicts(trial))
    return set(found)


def scale_with(stats, *sets):
    mean, std = stats
    return tuple((x - mean) / std for x in sets)


def stats_of(x, ddof):
    return x.mean(axis=0), x.std(axis=0, ddof=ddof)


SCALERS = {"StandardScaler": StandardScaler, "MinMaxScaler": MinMaxScaler, "RobustScaler": RobustScaler,
           "MaxAbsScaler": MaxAbsScaler}
NOT_STANDARDIZING = {"MinMaxScaler", "RobustScaler", "MaxAbsScaler", "hand-written min-max"}
scalers = st.sampled_from([*SCALERS, "hand-written min-max"])


def fitted_on(scaler: str, X: np.ndarray):
    """The transform of a scaler fitted on X (a scikit-learn scaler, or min-max written by hand)."""
    if scaler == "hand-written min-max":
        low, high = X.min(axis=0), X.max(axis=0)
        return lambda Z: (Z - low) / (high - low)
    return SCALERS[scaler]().fit(X).transform


def as_standardized(scaler: str, ids: set[str]) -> set[str]:
    """The ids expected besides a train-statistics one: not-standardized exactly for the scalers that do not standardize."""
    return ids | ({"not-standardized"} if scaler in NOT_STANDARDIZING else set())


@PROPERTY
@given(scaling_inputs(), st.sampled_from(["ddof0", "ddof1", "StandardScaler", "float32", "epsilon"]))
def test_train_statistics_scaling_has_no_findings(data, how):
    X_train, X_test = data

    def normalize(X_train, X_test):
        if how == "StandardScaler":
            scaler = StandardScaler().fit(X_train)
            return scaler.transform(X_train), scaler.transform(X_test)
        if how == "float32":
            X_train, X_test = X_train.astype(np.float32), X_test.astype(np.float32)
        mean, std = X_train.mean(axis=0), X_train.std(axis=0, ddof=1 if how == "ddof1" else 0)
        std = std + 1e-8 * (how == "epsilon")
        return (X_train - mean) / std, (X_test - mean) / std

    assume(how != "float32" or (np.abs(X_train.mean(axis=0)) < 1e3 * X_train.std(axis=0)).all())  # float32 keeps the spread
    assume(how != "epsilon" or (X_train.std(axis=0) > 1e-4).all())  # the epsilon a student adds is small next to the spread
    assert normalize_ids(X_train, X_test, normalize) == set()


@PROPERTY
@given(scaling_inputs(), scalers)
def test_any_scaler_fitted_on_train_uses_train_statistics_only(data, scaler):
    # A min-max (robust, max-abs) scaling fitted on X_train is right about which numbers it uses; X_test's
    # values may fall outside [0, 1]. It may cost the standardization item, never the train-statistics one.
    X_train, X_test = data

    def normalize(X_train, X_test):
        transform = fitted_on(scaler, X_train)
        return transform(X_train), transform(X_test)

    assert normalize_ids(X_train, X_test, normalize) == as_standardized(scaler, set())


@PROPERTY
@given(scaling_inputs(), scalers, st.sampled_from(["test", "both"]))
def test_any_scaler_fitted_with_test_rows_is_a_leak(data, scaler, source):
    X_train, X_test = data

    def normalize(X_train, X_test):
        transform = fitted_on(scaler, X_test if source == "test" else np.vstack([X_train, X_test]))
        return transform(X_train), transform(X_test)

    assert normalize_ids(X_train, X_test, normalize) == as_standardized(scaler, {"test-statistics-leak"})


@PROPERTY
@given(scaling_inputs(), scalers)
def test_train_set_right_test_set_with_both_sets_statistics_is_a_leak(data, scaler):
    X_train, X_test = data

    def normalize(X_train, X_test):
        return fitted_on(scaler, X_train)(X_train), fitted_on(scaler, np.vstack([X_train, X_test]))(X_test)

    assert normalize_ids(X_train, X_test, normalize) == as_standardized(scaler, {"test-statistics-leak"})


@PROPERTY
@given(scaling_inputs(), scalers)
def test_any_scaler_fitted_on_each_set_is_scaled_separately(data, scaler):
    X_train, X_test = data

    def normalize(X_train, X_test):
        return fitted_on(scaler, X_train)(X_train), fitted_on(scaler, X_test)(X_test)

    assert normalize_ids(X_train, X_test, normalize) == as_standardized(scaler, {"scaled-separately"})


@PROPERTY
@given(scaling_inputs(), st.sampled_from([0, 1]), st.sampled_from([0, 1]))
def test_each_set_standardized_with_its_own_statistics_is_scaled_separately(data, ddof_train, ddof_test):
    X_train, X_test = data

    def normalize(X_train, X_test):
        return scale_with(stats_of(X_train, ddof_train), X_train)[0], scale_with(stats_of(X_test, ddof_test), X_test)[0]

    assert normalize_ids(X_train, X_test, normalize) == {"scaled-separately"}


@PROPERTY
@given(scaling_inputs(), st.sampled_from(["train min-max", "fixed numbers"]))
def test_test_set_scaled_with_other_numbers_than_train_set_is_scaled_separately(data, how):
    X_train, X_test = data

    def normalize(X_train, X_test):
        if how == "fixed numbers":
            return scale_with(stats_of(X_train, 0), X_train)[0], X_test / 100.0
        return scale_with(stats_of(X_train, 0), X_train)[0], fitted_on("hand-written min-max", X_train)(X_test)

    assert normalize_ids(X_train, X_test, normalize) == {"scaled-separately"}


@PROPERTY
@given(scaling_inputs(), st.booleans())
def test_unchanged_inputs_are_no_normalization(data, train_scaled):
    X_train, X_test = data

    def normalize(X_train, X_test):
        return (scale_with(stats_of(X_train, 0), X_train)[0] if train_scaled else X_train), X_test

    assert normalize_ids(X_train, X_test, normalize) == {"no-normalization"}


@PROPERTY
@given(scaling_inputs(), st.sampled_from(["test", "both"]))
def test_train_mean_with_a_leaked_standard_deviation_is_a_leak(data, source):
    X_train, X_test = data

    def normalize(X_train, X_test):
        leaked_std = stats_of(X_test if source == "test" else np.vstack([X_train, X_test]), 0)[1]
        return scale_with((X_train.mean(axis=0), leaked_std), X_train, X_test)

    assert normalize_ids(X_train, X_test, normalize) == {"test-statistics-leak"}


@PROPERTY
@given(scaling_inputs())
def test_a_transform_that_is_not_a_shift_and_scale_is_not_standardized_only(data):
    X_train, X_test = data

    def normalize(X_train, X_test):
        mean, std = stats_of(X_train, 0)
        return np.cbrt((X_train - mean) / std), np.cbrt((X_test - mean) / std)

    assert normalize_ids(X_train, X_test, normalize) == {"not-standardized"}


def test_leaks_are_named_by_the_numbers_they_used():
    X_train, X_test = scaling_pair(60, 30, 1)

    def normalize(X_train, X_test):
        transform = MinMaxScaler().fit(np.vstack([X_train, X_test])).transform
        return transform(X_train), transform(X_test)

    calls = [NormalizeCall(*args, *(np.asarray(v, float) for v in normalize(*args)))
             for args in trial_inputs(X_train, X_test, 1)]
    verdicts = normalize_verdicts(NormalizeTrial(*calls, repeated=repeated_rows(X_train, X_test)))
    assert "the minimum and maximum of X_train and X_test together" in verdicts["test-statistics-leak"]
    assert "the minimum and maximum of X_train and X_test together" in verdicts["not-standardized"]


def test_the_other_sets_keep_positive_features_positive_and_move_every_statistic():
    for n_train, n_test, seed in NormalizePart(dataset="iris", rubric=()).inputs:
        X_train, X_test = scaling_pair(n_train, n_test, seed)
        (_, _), (_, new_test), (new_train, _) = trial_inputs(X_train, X_test, seed)
        k = repeated_rows(X_train, X_test)
        assert (new_test > 0).all() and (new_train > 0).all()  # a scaler taking logarithms still runs
        assert np.array_equal(new_test[:k], X_test[:k]) and np.array_equal(new_test[k:2 * k], X_train[:k])
        for old, new in ((X_test, new_test), (X_train, new_train),
                         (np.vstack([X_train, X_test]), np.vstack([X_train, new_test])),
                         (np.vstack([X_train, X_test]), np.vstack([new_train, X_test]))):
            for statistic in (np.mean, np.std, np.median, np.min, np.max, lambda x, axis: np.abs(x).max(axis=axis)):
                assert (np.abs(statistic(new, axis=0) - statistic(old, axis=0)) > 0.01 * X_train.std(axis=0)).all()


# ----------------------------------------------------------- through the real sandbox

IRIS = load("iris_net")
NORMALIZE_ONLY = dataclasses.replace(IRIS, parts=tuple(p for p in IRIS.parts if isinstance(p, NormalizePart)), pass_mark=0)
HEADER = "import numpy as np\n"


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox() as sandbox:
        yield sandbox


@pytest.mark.parametrize("which", ["bad", "good"])
@pytest.mark.parametrize("name", sorted(PAIRS))
def test_scaler_examples_through_the_sandbox(sandbox, tmp_path, name, which):
    pair = PAIRS[name]
    source, expected = (pair.bad, pair.bad_ids) if which == "bad" else (pair.good, pair.good_ids)
    path = tmp_path / "iris_net.py"
    path.write_text(HEADER + textwrap.dedent(source))
    exercise = grade_path(path, NORMALIZE_ONLY, sandbox)["exercises"][0]
    assert exercise["errors"] == [] and "grader_error" not in exercise, exercise
    assert {m["id"] for m in exercise["mistakes"]} == expected, [m["message"] for m in exercise["mistakes"]]
    passed = {check["id"]: check["passed"] for check in exercise["checks"]}
    assert passed["normalize-train-statistics"] == (which == "good")
    assert passed["normalize-standardized"] == ("not-standardized" not in expected)
    for mistake in exercise["mistakes"]:
        assert "Expected:" in mistake["message"] and "Fix:" in mistake["message"] and mistake["line"] is not None
