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
        with np.errstate(all="ignore"):  # rounding a value near the float maximum overflows to inf, as shown
            if value.size <= 8:
                return np.array2string(np.round(value, 4), separator=", ", max_line_width=10**6).replace("\n", "")
            start = np.array2string(np.round(value.ravel()[:3], 4), separator=", ")[:-1]
        return f"an array of shape {value.shape}: {start}, ...]"
    if isinstance(value, float):
        return f"{value:.6g}"
    return repr(value)


def _softmax(z: np.ndarray, axis) -> np.ndarray:
    shifted = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return shifted / shifted.sum(axis=axis, keepdims=True)


@mistake(
    "unstable-softmax", family="softmax", severity="error",
    title="Softmax overflows on large scores",
    why="e^z is infinite in floating point once z passes about 709, so softmax([1000, 1001]) computed "
        "directly is inf/inf = nan. Networks meet such scores; a nan spreads through every later step.",
    fix="subtract the largest score before exponentiating: e = np.exp(z - z.max(axis=-1, keepdims=True))",
)
def unstable_softmax(s: NumericSubject):
    if not all(matches(c.got, c.expected) for c in s.cases if c.condition == "values"):
        return  # wrong on ordinary scores too: not a stability problem
    for case in s.cases:
        if case.condition == "stable" and not matches(case.got, case.expected):
            try:
                got = np.asarray(case.got, dtype=float)
            except (TypeError, ValueError):
                return  # not numbers at all: reported as a wrong value, not as instability
            trouble = "non-finite values" if not np.all(np.isfinite(got)) else "wrong values"
            yield Finding("unstable-softmax", f"{case.call(s.function)} returned {show(got)} ({trouble})",
                          f"{show(np.asarray(case.expected))}, as for the same scores shifted down", f"def:{s.function}")
            return


@mistake(
    "softmax-wrong-axis", family="softmax", severity="error",
    title="Softmax normalises the wrong axis of a batch",
    why="In a batch every row holds one example's scores, and each example needs its own probability "
        "distribution: its row must sum to 1. Normalising columns, or the whole batch at once, mixes examples.",
    fix="sum over the last axis and keep it for broadcasting: e / e.sum(axis=-1, keepdims=True)",
)
def softmax_wrong_axis(s: NumericSubject):
    for case in s.cases:
        z = np.asarray(case.args[0], dtype=float)
        if case.condition != "rows" or z.ndim != 2 or matches(case.got, case.expected):
            continue
        for axis, wrong in ((0, "each column sums to 1"), (None, "the whole batch sums to 1")):
            if matches(case.got, _softmax(z, axis)):
                sums = np.round(np.asarray(case.got, dtype=float).sum(axis=1), 3).tolist()
                yield Finding("softmax-wrong-axis", f"on a {z.shape[0]}x{z.shape[1]} batch {wrong}; row sums {sums}",
                              "every row sums to 1", f"def:{s.function}")
                return
