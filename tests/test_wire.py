import json

import numpy as np
import pytest

from grader.sandbox import wire


def roundtrip(value):
    return wire.decode(json.loads(wire.dumps(wire.encode(value))))


def test_arrays_scalars_and_tuples_cross_as_plain_data():
    X = np.arange(12, dtype=np.float32).reshape(3, 4)
    y = np.array([0, 1, 2])
    back = roundtrip((X, y, "softmax", None, 3, [1.5, 2.5]))
    assert np.array_equal(back[0], X) and back[0].dtype == np.float64
    assert np.array_equal(back[1], y) and back[1].dtype == np.int64
    assert back[2:5] == ("softmax", None, 3)
    assert np.array_equal(back[5], [1.5, 2.5])


def test_non_finite_values_survive():
    back = roundtrip(np.array([np.nan, np.inf, 1.0]))
    assert np.isnan(back[0]) and np.isinf(back[1]) and back[2] == 1.0
    assert np.isnan(roundtrip(float("nan")))


@pytest.mark.parametrize("value", [np.array(["a", "b"]), np.array([object()], dtype=object), object()])
def test_non_numeric_values_are_refused(value):
    with pytest.raises(wire.WireError):
        wire.encode(value)


@pytest.mark.parametrize("data", [
    {"t": "array", "dtype": "<f8", "shape": [2, 2], "data": [1, 2, 3]},
    {"t": "pickle", "v": "gASV"},
    {"t": "py", "v": {"nested": "dict"}},
    "not a dict",
])
def test_malformed_data_from_the_child_is_rejected(data):
    with pytest.raises(wire.WireError):
        wire.decode(data)
