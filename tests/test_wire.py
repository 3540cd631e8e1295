import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.sandbox import wire

WIRE_TAGS = ("py", "float", "seq", "array", wire.MODEL_TAG, "pickle")


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


# ------------------------------------------------------------------ what decoding may cost and break

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(st.characters(exclude_categories=()))
# JSON shaped like the wire's own values (a tag and its fields, each possibly wrong), and JSON of any other shape.
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner, max_size=3) | st.fixed_dictionaries(
        {"t": st.sampled_from(WIRE_TAGS) | inner},
        optional={"v": inner | st.sampled_from(["nan", "inf", "-inf"]), "items": st.lists(inner, max_size=4) | inner,
                  "shape": st.lists(st.integers(-2, 2**40), max_size=3) | inner,
                  "data": st.lists(st.floats() | st.integers() | st.sampled_from(["nan", "inf", "x"]), max_size=6) | inner,
                  "dtype": st.sampled_from(["<f8", "<i8", "|b1", "<u8", "O", "(2,)f8"]) | inner,
                  "config": inner, "compiled": inner}),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_decoding_anything_raises_only_wire_error(data):
    """Whatever JSON the child sends (tags, shapes and data included), decoding fails only with WireError."""
    try:
        value = wire.decode(data)
    except wire.WireError:
        return
    json.dumps(_plain(value)).encode("utf-8")  # every string in it can be written as UTF-8


def _plain(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def nested(depth: int, leaf=None):
    data = leaf if leaf is not None else {"t": "py", "v": 1}
    for _ in range(depth):
        data = {"t": "seq", "items": [data]}
    return data


def test_nesting_is_bounded_on_both_sides():
    assert wire.decode(nested(wire.MAX_DEPTH)) is not None
    with pytest.raises(wire.WireError, match="nested more than 32 levels"):
        wire.decode(nested(wire.MAX_DEPTH + 1))
    with pytest.raises(wire.WireError, match="nested more than 32 levels"):
        wire.decode(nested(5000))  # far beyond Python's recursion limit: still a WireError
    value = 1
    for _ in range(5000):
        value = [value, "a"]
    with pytest.raises(wire.WireError, match="nested more than 32 levels"):
        wire.encode(value)


def test_sizes_are_bounded():
    # A shape whose product overflows int64 to 0 used to pass the size check and fail in reshape.
    with pytest.raises(wire.WireError):
        wire.decode({"t": "array", "dtype": "<f8", "shape": [2**32, 2**32], "data": []})
    with pytest.raises(wire.WireError):
        wire.decode({"t": "array", "dtype": "<f8", "shape": [-1], "data": []})
    with pytest.raises(wire.WireError, match="more than 1,000,000"):
        wire.decode({"t": "seq", "items": [{"t": "py", "v": 0}] * (wire.MAX_ITEMS + 1)})
    with pytest.raises(wire.WireError, match="more than 1,000,000"):
        wire.encode(np.zeros(wire.MAX_ITEMS + 1))
    with pytest.raises(wire.WireError):
        wire.decode({"t": "array", "dtype": "<f8", "shape": [1], "data": [10**400]})


def test_strings_are_bounded_with_a_marker_and_always_encodable():
    long = wire.decode({"t": "py", "v": "x" * 50_000})
    assert len(long) <= wire.MAX_STRING_CHARS and long.endswith(" more characters)")
    assert f"({50_000 - long.index('...')} more characters)" in long
    unsafe = wire.decode({"t": "py", "v": "a\ud800b\x00c\x1b[2Jd\ttab\nline"})
    assert unsafe == "a\ufffdb\ufffdc\ufffd[2Jd\ttab\nline"
    unsafe.encode("utf-8")
    end = wire.text("first " + "y" * 100 + " last line", 50, keep_end=True)
    assert len(end) <= 50 and end.startswith("(") and end.endswith(" last line")


def test_a_returned_string_nan_stays_a_string():
    assert roundtrip("nan") == "nan" and roundtrip(["inf", 1]) == ("inf", 1)
    assert roundtrip(float("-inf")) == float("-inf")


def test_huge_integers_cross_as_floats():
    assert roundtrip(10**30) == 1e30 and roundtrip(-(10**400)) == float("-inf")
    assert wire.decode({"t": "py", "v": 10**30}) == 1e30
    uint = roundtrip(np.array([2**64 - 1], dtype=np.uint64))  # does not fit int64: stays float
    assert uint.dtype == np.float64 and uint[0] == 2.0**64


def test_model_configs_are_bounded_copies_with_safe_strings():
    config = {"class_name": "Sequential", "config": {"name": "m\ud800" + "n" * 5000, "layers": []}}
    value = wire.decode({"t": wire.MODEL_TAG, "config": config, "compiled": "yes"})
    assert value["compiled"] is False  # only a real True counts
    name = value["config"]["config"]["name"]
    assert name.startswith("m\ufffd") and len(name) <= wire.MAX_CONFIG_STRING_CHARS
    deep = {}
    for _ in range(wire.MAX_CONFIG_DEPTH + 1):
        deep = {"config": deep}
    with pytest.raises(wire.WireError, match="nested more than"):
        wire.decode({"t": wire.MODEL_TAG, "config": deep})
    with pytest.raises(wire.WireError, match="more than 100,000 parts"):
        wire.decode({"t": wire.MODEL_TAG, "config": {"layers": list(range(wire.MAX_CONFIG_NODES))}})
    with pytest.raises(wire.WireError, match="inside another value"):
        wire.decode({"t": "seq", "items": [{"t": wire.MODEL_TAG, "config": {}}]})


def test_event_lines_nested_too_deep_to_parse_are_a_wire_error():
    with pytest.raises(wire.WireError):
        wire.loads(b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(wire.WireError):
        wire.loads(b"\xff{")
    assert wire.loads(b'{"event": "start"}') == {"event": "start"}
