"""Return contracts: any value a submission returns costs only that function's points.

Every call declares what its function must return; the child's result is checked against
it where it is decoded, so a value that does not fit is an invalid-return failure of that
function alone, with a message in the student's terms, and no part ever meets a value of
another shape. The property test feeds arbitrary wire data (honest encodings, forged tags,
ragged, deep, huge, non-finite values, strings with lone surrogates and control characters,
and near-miss values of the right shape) as the outcome of every call and constant of every
exercise. No TensorFlow model is built or trained: build_model outcomes are never a model.
"""
from __future__ import annotations

import functools
import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from grader.exercises import load, names
from grader.grading import grade_outcomes
from grader.parts.answers import AnswersPart, Question
from grader.paths import load_reference
from grader.sandbox import child, wire
from grader.sandbox.calls import (
    CRASHED, ERROR_KINDS, INVALID_RETURN, MAX_CONSTANTS, MAX_MESSAGE_CHARS, MAX_SHOWN_CHARS, MAX_TRACEBACK_CHARS,
    MODEL, NUMBERS, TEXT_OR_NONE, ArrayTuple, Call, call_request, decode_constants, outcome_from_event,
)
from tests.test_wire import json_values, nested

SPLIT = ArrayTuple(("X_train", "X_test", "y_train", "y_test"))


def result(value) -> dict:
    """The child's result event for a returned Python value, encoded as the honest child does."""
    return {"ok": True, "value": wire.encode(value)}


def returned(contract, value):
    return outcome_from_event(result(value), Call("f#0", "f", contract=contract))


# --------------------------------------------------------------------------------- contracts


def test_a_ragged_split_is_an_invalid_return_that_says_what_and_why():
    X = np.arange(12.0).reshape(4, 3)
    rows = [list(r) for r in X]
    rows[1] = rows[1][:2]
    outcome = returned(SPLIT, (X, rows, [0, 1, 0, 1], [0, 1, 0, 1]))
    assert not outcome.ok and outcome.kind == INVALID_RETURN
    assert outcome.message == (
        "returned a tuple whose X_test is a ragged sequence (rows of 3 numbers and 2 numbers); expected a tuple "
        "(X_train, X_test, y_train, y_test) of arrays of numbers. Fix: give every row the same length, or return NumPy arrays")


def test_contract_conforming_values_come_back_in_their_normal_form():
    lists = returned(SPLIT, ([[1, 2], [3, 4]], [[5.5, 6]], [0, 1], [1]))
    assert lists.ok and [a.shape for a in lists.value] == [(2, 2), (1, 2), (2,), (1,)]
    assert all(isinstance(a, np.ndarray) for a in lists.value)
    assert returned(NUMBERS, 3).value == 3.0 and returned(NUMBERS, [[1, 2], [3, 4]]).value.dtype == np.float64
    assert returned(TEXT_OR_NONE, "softmax").value == "softmax" and returned(TEXT_OR_NONE, None).ok


@pytest.mark.parametrize("contract, value, message", [
    (TEXT_OR_NONE, np.array([0.5, 0.5]), "returned an array of shape (2,); expected a string or None"),
    (TEXT_OR_NONE, ("softmax",), "returned a tuple or list of 1 value; expected a string or None"),
    (TEXT_OR_NONE, 3, "returned the number 3; expected a string or None"),
    (NUMBERS, "0.5", "returned the string '0.5'; expected a number or an array of numbers"),
    (NUMBERS, [[1.0], [2.0, 3.0]], "returned a ragged sequence (rows of 1 number and 2 numbers)"),
    (NUMBERS, [1.0, None], "returned None; expected a number or an array of numbers"),
    (SPLIT, None, "returned None; expected a tuple (X_train, X_test, y_train, y_test)"),
    (SPLIT, ([1], [2], [3]), "returned a tuple or list of 3 values; expected a tuple (X_train, X_test, y_train, y_test)"),
    (SPLIT, ([1], "x", [3], [4]), "returned a tuple whose X_test is the string 'x'"),
    (ArrayTuple(("X_train_scaled", "X_test_scaled"), finite=True), ([1.0, float("nan")], [1.0]),
     "returned a tuple whose X_train_scaled holds NaN or infinite values"),
    (MODEL, (1, "a"), "returned a tuple or list of 2 values; expected a Keras model"),
])
def test_a_value_that_does_not_fit_is_an_invalid_return(contract, value, message):
    outcome = returned(contract, value)
    assert not outcome.ok and outcome.kind == INVALID_RETURN
    assert message in outcome.message


def test_a_plain_call_refuses_a_forged_model_and_a_model_call_anything_else():
    forged = {"ok": True, "value": {"t": wire.MODEL_TAG, "config": {"class_name": "Sequential"}, "compiled": True}}
    assert outcome_from_event(forged, Call("f#0", "f")).kind == INVALID_RETURN  # a value call: a plain value
    assert outcome_from_event(forged, Call("f#0", "f", returns="model")).ok
    number = outcome_from_event(result(1.5), Call("build_model#4x3", "build_model", returns="model"))
    assert number.kind == INVALID_RETURN and "returned the number 1.5; expected a Keras model" in number.message


def test_a_failure_has_a_known_kind_and_bounded_texts():
    event = {"ok": False, "kind": "not-a-kind", "message": "m\ud800" * 1_000_000, "traceback": "t" * 10**6 + "Error: last"}
    outcome = outcome_from_event(event, Call("f#0", "f"))
    assert outcome.kind == CRASHED
    assert len(outcome.message) <= MAX_MESSAGE_CHARS and "more characters)" in outcome.message
    assert len(outcome.traceback) <= MAX_TRACEBACK_CHARS and outcome.traceback.endswith("Error: last")
    (outcome.message + outcome.traceback).encode("utf-8")
    assert outcome_from_event({"ok": False, "kind": ["exception"], "message": {"a": 1}}).kind == CRASHED
    assert outcome_from_event({"ok": "yes", "kind": "timeout"}).kind == "timeout"  # only ok: true is a value
    assert outcome_from_event({"ok": False, "kind": "exception", "message": [[1]]}).message == ""


def test_constants_are_decoded_plain_and_bounded():
    raw = {"EPOCHS": wire.encode(5), "Q1": {"t": wire.MODEL_TAG, "config": {}}, "Q2": nested(100),
           "EXPLAIN": wire.encode("word " * 10_000), "bad\ud800": wire.encode(1)}
    constants = decode_constants(raw)
    assert constants["EPOCHS"] == 5 and constants["Q1"] is None and constants["Q2"] is None
    assert len(constants["EXPLAIN"]) <= wire.MAX_STRING_CHARS and "bad\ufffd" in constants
    many = decode_constants({f"C{i}": wire.encode(i) for i in range(10 * MAX_CONSTANTS)})
    assert len(many) == MAX_CONSTANTS


@pytest.mark.parametrize("answer, shown", [
    (np.array([1.0, 2.0]), "is not a letter"), (("b", "c"), "is not a letter"), ({"t": "x"}, "is not a letter"),
    ("b" * 5000, "is not the best answer"), (" B ", "Q1 = ' B '"), ("", "is not answered yet"),
])
def test_answers_judge_any_decoded_value_and_show_it_bounded(answer, shown):
    part = AnswersPart((Question("Q1", "a question", ("b",), "a hint", 10),))
    outcome = part.evaluate({}, {"Q1": answer})
    assert outcome.conditions["Q1"] is (shown == "Q1 = ' B '")
    assert shown in outcome.messages["Q1"] and len(outcome.messages["Q1"]) < MAX_SHOWN_CHARS + 100


# ------------------------------------------------------------- any value costs only its function


texts = (st.text(st.characters(exclude_categories=()), max_size=12)
         | st.sampled_from(["b", " B ", "softmax", "sigmoid", "linear", "nan", "inf", "\ud800", "\x1b[2J", "x" * 20_000]))
python_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**30), 10**30) | st.floats() | texts
    | hnp.arrays(st.sampled_from([np.float64, np.int64, np.bool_]), hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)),
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner),
    max_leaves=12,
)
forged = st.sampled_from([
    nested(wire.MAX_DEPTH + 5), {"t": "py", "v": "y" * 100_000}, {"t": "array", "dtype": "<f8", "shape": [2**32, 2**32], "data": []},
    {"t": wire.MODEL_TAG, "config": 5}, {"t": wire.MODEL_TAG}, {"t": "seq", "items": [{"t": wire.MODEL_TAG, "config": {}}]},
    {"t": "float", "v": "nan"}, {"t": "seq", "items": [wire.encode([1.0, 2.0]), wire.encode([1.0])]},
])


def is_model(data) -> bool:
    return isinstance(data, dict) and data.get("t") == wire.MODEL_TAG and isinstance(data.get("config"), dict)


@st.composite
def near_misses(draw, call: Call):
    """Values of the right kind for the call, right or wrong in their content (reaching the parts' own checks)."""
    with np.errstate(all="ignore"):  # extreme scales overflow to inf, as a student's code would
        return _near_miss(draw, call)


def _near_miss(draw, call: Call):
    extreme = st.sampled_from([1.0, -1.0, 0.0, 1e-300, 1e300, -1e308, np.nan, np.inf]) | st.floats(-1e6, 1e6)
    if call.function == "split_data":
        X, y = call.args
        ids = st.lists(st.integers(0, len(X) - 1), max_size=len(X))
        train, test = draw(ids), draw(ids)
        scale = draw(st.one_of(st.just(1.0), st.just(1.0), st.just(1.0), extreme))  # mostly the rows themselves
        labels = draw(st.sampled_from(["right", "right", "right", "shuffled", "short"]))
        y_train, y_test = y[train], y[test]
        if labels == "shuffled":
            y_train, y_test = y_train[::-1], y_test[::-1]
        elif labels == "short":
            y_train = y_train[1:]
        return X[train] * scale, X[test] * scale, y_train, y_test
    if call.function == "normalize":
        X_train, X_test = call.args
        a, b, c, d = (draw(extreme) for _ in range(4))
        choice = draw(st.sampled_from(["affine", "train", "test", "constant"]))
        if choice == "train":
            mean, std = X_train.mean(axis=0), X_train.std(axis=0)
            return (X_train - mean) / std, (X_test - mean) / std * draw(st.sampled_from([1.0, a]))
        if choice == "test":
            return (X_train - X_test.mean(axis=0)) / X_test.std(axis=0), (X_test - X_test.mean(axis=0)) / X_test.std(axis=0)
        if choice == "constant":
            return np.full_like(X_train, a), np.full_like(X_test, b)
        return X_train * a + b, X_test * c + d
    if call.function == "output_activation":
        return draw(texts | st.none())
    shape = np.shape(call.args[0]) if call.args else ()
    return draw(hnp.arrays(np.float64, draw(st.sampled_from([shape, (), (2,), (0,)])), elements=extreme))


def events(call: Call, near: bool):
    """The child's event for one call: a failure, or a result holding any wire data (never a model);
    near: a near miss of the right kind, so that every call of a function gets past its contract."""
    values = near_misses(call).map(_encode) if near else st.one_of(python_values.map(_encode), json_values, forged)
    results = values.filter(lambda data: data is not None and not is_model(data)).map(lambda data: {"ok": True, "value": data})
    if near:
        return results
    failures = st.fixed_dictionaries({"ok": st.just(False), "kind": st.sampled_from(ERROR_KINDS) | texts | json_values},
                                     optional={"message": texts | json_values, "traceback": texts})
    return results | failures


def _encode(value):
    try:
        return wire.encode(value)
    except wire.WireError:
        return None  # the child sends an invalid-return failure instead, drawn separately


@functools.cache
def reference_outcomes(name: str) -> dict:
    """The reference solution's outcomes, as the sandbox returns them; build_model's are failures (never trained)."""
    module, outcomes = load_reference(name), {}
    for call in [c for part in load(name).parts for c in part.calls()]:
        if call.returns == "model":
            event = {"ok": False, "kind": "not-implemented", "message": "not trained in this test"}
        else:
            event = json.loads(json.dumps(child._run_call(module, json.loads(json.dumps(call_request(call))), "ref.py")))
        outcomes[call.id] = outcome_from_event(event, call)
    return outcomes


@pytest.mark.parametrize("name", names())
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_any_returned_value_costs_only_that_functions_points(name, data):
    spec = load(name)
    target = data.draw(st.sampled_from([part.function for part in spec.parts]))  # (the answers part reads only constants)
    outcomes, near = dict(reference_outcomes(name)), data.draw(st.booleans(), label="near misses")
    for call in [c for part in spec.parts for c in part.calls() if c.function == target]:
        outcomes[call.id] = outcome_from_event(data.draw(events(call, near), label=call.id), call)
    constants = decode_constants({constant: data.draw(python_values.map(_encode) | json_values | forged, label=constant)
                                  for constant in spec.constants})

    report = grade_outcomes(spec, outcomes, constants, source="")

    assert "grader_error" not in report
    text = json.dumps(report)
    text.encode("utf-8")
    assert len(text) < 200_000, "a returned value made the report large"
    assert {e["kind"] for e in report["errors"]} <= set(ERROR_KINDS)
    models = {part.function for part in spec.parts if any(c.returns == "model" for c in part.calls())}
    others = [c for c in report["checks"] if c["function"] not in models | {target}]
    assert all(c["passed"] for c in others), "a returned value cost points of another function"
