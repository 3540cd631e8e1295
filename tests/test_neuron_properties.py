"""The neuron exercise's reference and softmax checks, on random shapes and values (hypothesis)."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from grader.checks import run_family
from grader.checks.numeric import NumericCase, NumericSubject, matches
from grader.paths import load_reference

REFERENCE = load_reference("neuron")
SCORES = st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False)
BATCHES = arrays(float, array_shapes(min_dims=2, max_dims=2, min_side=2, max_side=6), elements=SCORES)


@settings(max_examples=200, deadline=None)
@given(arrays(float, array_shapes(min_dims=1, max_dims=2, max_side=8), elements=SCORES))
def test_reference_softmax_is_finite_and_every_row_sums_to_one(z):
    p = REFERENCE.softmax(z)
    assert p.shape == z.shape and np.all(np.isfinite(p)) and np.all(p >= 0)
    assert np.allclose(p.sum(axis=-1), 1.0)
    assert np.allclose(REFERENCE.softmax(z - 7.5), p)  # shifting a row's scores changes nothing


@settings(max_examples=200, deadline=None)
@given(arrays(float, array_shapes(max_dims=2, max_side=8), elements=SCORES))
def test_reference_activations_stay_in_range(z):
    assert np.all((REFERENCE.sigmoid(z) >= 0) & (REFERENCE.sigmoid(z) <= 1))
    assert np.all(REFERENCE.relu(z) >= 0) and np.allclose(REFERENCE.relu(z) - REFERENCE.relu(-z), z)
    assert np.all(np.abs(REFERENCE.tanh(z)) <= 1)


def findings(z, got):
    case = NumericCase("rows", (z,), got, REFERENCE.softmax(z))
    return {f.id for f in run_family("softmax", NumericSubject("softmax", (case,)))}


@settings(max_examples=200, deadline=None)
@given(BATCHES)
def test_column_and_whole_batch_softmax_are_caught_and_the_right_one_is_not(z):
    assert findings(z, REFERENCE.softmax(z)) == set()
    for wrong in (REFERENCE.softmax(z.T).T, np.exp(z - z.max()) / np.exp(z - z.max()).sum()):
        if not matches(wrong, REFERENCE.softmax(z)):  # rows that happen to agree are not a mistake
            assert findings(z, wrong) == {"softmax-wrong-axis"}


def _softmax(z, axis):
    """A softmax that subtracts the maximum of the axis it normalises (None: the whole batch)."""
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def unstable(softmax, large):
    """Whether unstable-softmax is found for `softmax` on a batch of large scores and the same scores shifted down."""
    small = large - large.max()
    with np.errstate(all="ignore"):
        cases = (NumericCase("stable", (large,), softmax(large), REFERENCE.softmax(large)),
                 NumericCase("stable-batch", (large,), softmax(large), REFERENCE.softmax(large)),
                 NumericCase("shifted", (small,), softmax(small), REFERENCE.softmax(small)))
    return "unstable-softmax" in {f.id for f in run_family("softmax", NumericSubject("softmax", cases))}


LARGE_BATCHES = arrays(float, array_shapes(min_dims=2, max_dims=2, min_side=2, max_side=6),
                       elements=st.floats(-50, 50)).map(lambda z: z + 1000.0)


@settings(max_examples=200, deadline=None)
@given(LARGE_BATCHES, st.sampled_from([-1, 0, None]))
def test_stability_is_judged_over_the_axis_the_softmax_normalises(z, axis):
    assert not unstable(lambda scores: _softmax(scores, axis), z)  # wrong axis or not, it cannot overflow
    assert unstable(lambda scores: np.exp(scores) / np.exp(scores).sum(axis=axis, keepdims=True), z)


@settings(max_examples=200, deadline=None)
@given(BATCHES.map(lambda z: np.clip(z, -50, 50)))
def test_columns_that_sum_to_one_are_the_wrong_axis_whatever_the_arithmetic(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))  # each row's maximum subtracted, then the columns normalised
    wrong = e / e.sum(axis=0, keepdims=True)
    if not matches(wrong, REFERENCE.softmax(z)):
        assert findings(z, wrong) == {"softmax-wrong-axis"}
