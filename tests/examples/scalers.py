"""normalize written with other scalers, each judged by where its numbers come from, not by its formula.

Each entry pairs a BAD normalize (a scaler fitted with rows of X_test, or the two sets scaled
with different numbers) with its GOOD counterpart (the same scaler fitted on X_train only and
applied to both sets), each with the exact mistake ids its grading must report. A scaling that
is not standardization (min-max, robust, max-abs) is legitimate: fitted on X_train it costs the
standardization item only (not-standardized), never the train-statistics item.
"""
from __future__ import annotations

from typing import NamedTuple

STANDARDIZED: frozenset[str] = frozenset()
OTHER_SCALING = frozenset({"not-standardized"})
LEAK = frozenset({"test-statistics-leak"})


class Pair(NamedTuple):
    bad: str
    bad_ids: frozenset[str]
    good: str
    good_ids: frozenset[str]


def _fitted(scaler: str, on: str) -> str:
    return f"""
from sklearn.preprocessing import {scaler}

def normalize(X_train, X_test):
    scaler = {scaler}().fit({on})
    return scaler.transform(X_train), scaler.transform(X_test)
"""


def _scaler(name: str) -> Pair:
    """A scikit-learn scaler that is not StandardScaler, fitted on both sets stacked, then on X_train."""
    return Pair(_fitted(name, "np.vstack([X_train, X_test])"), LEAK | OTHER_SCALING, _fitted(name, "X_train"), OTHER_SCALING)


_MIN_MAX = """
def normalize(X_train, X_test):
    low, high = {sets}.min(axis=0), {sets}.max(axis=0)
    return (X_train - low) / (high - low), (X_test - low) / (high - low)
"""
_STANDARDIZE = """
def normalize(X_train, X_test):
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    return (X_train - mean) / std, (X_test - mean) / std
"""
_FLOAT32 = """
def normalize(X_train, X_test):
    X_train, X_test = X_train.astype(np.float32), X_test.astype(np.float32)
    mean, std = {sets}.mean(axis=0), {sets}.std(axis=0)
    return (X_train - mean) / std, (X_test - mean) / std
"""

PAIRS: dict[str, Pair] = {
    "min-max-scaler": _scaler("MinMaxScaler"),  # fitted on X_train, X_test has values beyond [0, 1]: right
    "robust-scaler": _scaler("RobustScaler"),
    "max-abs-scaler": _scaler("MaxAbsScaler"),
    "standard-scaler-fitted-on-test": Pair(_fitted("StandardScaler", "X_test"), LEAK,
                                           _fitted("StandardScaler", "X_train"), STANDARDIZED),
    "hand-written-min-max": Pair(_MIN_MAX.format(sets="np.concatenate([X_train, X_test])"), LEAK | OTHER_SCALING,
                                 _MIN_MAX.format(sets="X_train"), OTHER_SCALING),
    "float32-statistics": Pair(_FLOAT32.format(sets="np.vstack([X_train, X_test])"), LEAK,
                               _FLOAT32.format(sets="X_train"), STANDARDIZED),
    "test-set-with-statistics-of-both": Pair("""
def normalize(X_train, X_test):
    both = np.vstack([X_train, X_test])
    X_train = (X_train - X_train.mean(axis=0)) / X_train.std(axis=0)
    return X_train, (X_test - both.mean(axis=0)) / both.std(axis=0)
""", LEAK, _STANDARDIZE, STANDARDIZED),
    "min-max-scaler-fitted-on-each-set": Pair("""
from sklearn.preprocessing import MinMaxScaler

def normalize(X_train, X_test):
    return MinMaxScaler().fit_transform(X_train), MinMaxScaler().fit_transform(X_test)
""", frozenset({"scaled-separately", "not-standardized"}), """
from sklearn.preprocessing import MinMaxScaler

def normalize(X_train, X_test):
    scaler = MinMaxScaler()
    return scaler.fit_transform(X_train), scaler.transform(X_test)
""", OTHER_SCALING),
    "test-set-min-max-scaled-train-set-standardized": Pair("""
def normalize(X_train, X_test):
    low, high = X_train.min(axis=0), X_train.max(axis=0)
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    return (X_train - mean) / std, (X_test - low) / (high - low)
""", frozenset({"scaled-separately"}), _STANDARDIZE, STANDARDIZED),
}
