"""Checks for numeric functions graded against a reference (the neuron exercise's softmax)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.checks.catalog import Finding, mistake

RTOL, ATOL = 1e-6, 1e-9


@dataclass(frozen=True)
class NumericCase:
    condition: str  # the group of inputs it belongs to, e.g. "stable"
    args: tuple
    got: Any
    expected: Any

    def call(self, function: str) -> str:
        return f"{function}({', '.join(show(a) for a in self.args)})"


@dataclass(frozen=True)
class NumericSubject:
    function: str
    cases: tuple[NumericCase, ...]


def matches(got: Any, expected: Any) -> bool:
    """Same shape and the same values up to floating-point rounding."""
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return False
    expected = np.asarray(expected, dtype=float)
    return got.shape == expected.shape and bool(np.allclose(got, expected, rtol=RTOL, atol=ATOL))


def show(value: Any) -> str:
    """A short readable form of an argument or result."""
    if isinstance(value, np.ndarray):
        integer = value.dtype.kind in "biu"  # said, since an integer input is what some functions get wrong
        with np.errstate(all="ignore"):  # rounding a value near the float maximum overflows to inf, as shown
            if value.size <= 8:
                text = np.array2string(np.round(value, 4), separator=", ", max_line_width=10**6,
                                       suppress_small=True).replace("\n", "")
                return f"np.array({text})" if integer else text
            start = np.array2string(np.round(value.ravel()[:3], 4), separator=", ")[:-1]
        return f"an {'integer ' if integer else ''}array of shape {value.shape}: {start}, ...]"
    if isinstance(value, float):
        return f"{value:.6g}"
    return repr(value)


def _finite(value: Any) -> np.ndarray | None:
    """value as a float array when it holds only finite numbers, else None."""
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None
    return array if np.all(np.isfinite(array)) else None


def _numbers(value: Any) -> bool:
    try:
        np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return False
    return True


def _sums_to_one(sums: np.ndarray) -> bool:
    return bool(np.allclose(sums, 1.0, rtol=0.0, atol=1e-6))


def _pairs(s: NumericSubject, condition: str, companion: str) -> list[tuple[NumericCase, NumericCase]]:
    """Each case of `condition` with the case of `companion` at the same position (the spec lists them in step)."""
    return list(zip((c for c in s.cases if c.condition == condition), (c for c in s.cases if c.condition == companion)))


@mistake(
    "unstable-softmax", family="softmax", severity="error",
    title="Softmax overflows on large scores",
    why="e^z is infinite in floating point once z passes about 709, so softmax([1000, 1001]) computed "
        "directly is inf/inf = nan. Networks meet such scores; a nan spreads through every later step.",
    fix="subtract the largest score before exponentiating: e = np.exp(z - z.max(axis=-1, keepdims=True))",
)
def unstable_softmax(s: NumericSubject):
    """Large scores give non-finite values, or other values than the same scores shifted down.

    Only stability is judged, never the axis. On large scores ("stable", "stable-batch") every
    value must be finite; a single row of them ("stable", 1-D: one axis only) must match the
    reference, and a batch ("stable-batch", some rows far larger than others) the function's own
    output on that batch with one number subtracted from every score ("shifted", in step), which
    changes no softmax over any axis.
    """
    if not all(matches(c.got, c.expected) for c in s.cases if c.condition == "values"):
        return  # wrong on ordinary scores too: not a stability problem
    for case in s.cases:
        if case.condition not in ("stable", "stable-batch") or not _numbers(case.got):
            continue  # not numbers at all: reported as a wrong value, not as instability
        if _finite(case.got) is None:
            expected = f"finite probabilities for scores of any size, here {show(np.asarray(case.expected))}"
            yield Finding("unstable-softmax", f"{case.call(s.function)} returned {show(case.got)} (non-finite values)",
                          expected, "exp")
            return
        if case.condition == "stable" and np.ndim(case.args[0]) == 1 and not matches(case.got, case.expected):
            yield Finding("unstable-softmax", f"{case.call(s.function)} returned {show(case.got)} (wrong values)",
                          f"{show(np.asarray(case.expected))}, as for the same scores shifted down", "exp")
            return
    for large, small in _pairs(s, "stable-batch", "shifted"):
        if _finite(small.got) is not None and not matches(large.got, small.got):
            yield Finding("unstable-softmax", f"{large.call(s.function)} returned {show(large.got)}, but "
                                              f"{small.call(s.function)}, the same scores shifted down, returned "
                                              f"{show(small.got)}",
                          "the same probabilities for both: subtracting one number from every score changes nothing",
                          "exp")
            return


@mistake(
    "softmax-wrong-axis", family="softmax", severity="error",
    title="Softmax normalises the wrong axis of a batch",
    why="In a batch every row holds one example's scores, and each example needs its own probability "
        "distribution: its row must sum to 1. Normalising columns, or the whole batch at once, mixes examples.",
    fix="sum over the last axis and keep it for broadcasting: e / e.sum(axis=-1, keepdims=True)",
)
def softmax_wrong_axis(s: NumericSubject):
    """On a batch, the columns or the whole batch sum to 1 instead of each row, however the values were computed.

    The grader's batches are not square, so columns that sum to 1 cannot leave every row summing to 1.
    """
    for case in s.cases:
        z, got = np.asarray(case.args[0]), _finite(case.got)
        if case.condition != "rows" or z.ndim != 2 or got is None or got.shape != z.shape \
                or matches(case.got, case.expected):
            continue
        for sums, wrong in ((got.sum(axis=0), "each column sums to 1"), (got.sum(), "the whole batch sums to 1")):
            if _sums_to_one(sums):
                rows = np.round(got.sum(axis=1), 3).tolist()
                yield Finding("softmax-wrong-axis", f"on a {z.shape[0]}x{z.shape[1]} batch {wrong}; row sums {rows}",
                              "every row sums to 1", "sum-axis")
                return
