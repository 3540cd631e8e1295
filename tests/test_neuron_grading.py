"""The neuron exercise graded on students' code: each softmax check tests what it claims, integer
inputs are graded, and functions that change their inputs in place are judged on what they return."""
import numpy as np
import pytest

from grader.exercises import load
from tests.examples import mistake_example
from tests.harness import grade_source, mistake_ids


def lost(report: dict) -> set[str]:
    return {check["id"] for check in report["checks"] if not check["passed"]}


COLUMNS = '''
def softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)
'''
WHOLE_BATCH = mistake_example("softmax-wrong-axis")["BAD"]  # the catalog's own example: sums over the whole batch
OVERALL_MAXIMUM = '''
def softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max())  # one maximum for the whole batch: a row far below it underflows to 0 / 0
    return e / e.sum(axis=-1, keepdims=True)
'''


def test_stability_and_axis_are_judged_apart():
    for wrong_axis in (COLUMNS, WHOLE_BATCH):  # cannot overflow: only the rows item is lost
        report = grade_source(wrong_axis, "neuron")
        assert mistake_ids(report) == {"softmax-wrong-axis"} and lost(report) == {"softmax-rows"}, report["mistakes"]
    report = grade_source(OVERALL_MAXIMUM, "neuron")  # every row sums to 1, but not on large scores
    assert mistake_ids(report) == {"unstable-softmax"} and lost(report) == {"softmax-stable"}
    [mistake] = report["mistakes"]
    assert "nan" in mistake["message"] and "finite probabilities" in mistake["message"]


PREALLOCATED = "out = np.zeros_like({0})  # of {0}'s type: integers when it holds integers\n    out[...] = {1}\n    return out"
BROKEN_ON_INTEGERS = {
    "sigmoid": ("sigmoid-values", f"def sigmoid(z):\n    {PREALLOCATED.format('z', '1 / (1 + np.exp(-z))')}\n"),
    "relu": ("relu-values", "def relu(z):\n    return np.maximum(z, 0.0, out=z)  # an integer z cannot hold floats\n"),
    "tanh": ("tanh-values", f"def tanh(z):\n    {PREALLOCATED.format('z', 'np.tanh(z)')}\n"),
    "softmax": ("softmax-values", "def softmax(z):\n    e = np.exp(z - z.max(axis=-1, keepdims=True))\n"
                                  f"    {PREALLOCATED.format('z', 'e / e.sum(axis=-1, keepdims=True)')}\n"),
    "neuron": ("neuron-output", "def neuron(x, w, b, activation):\n    z = np.dot(w, x) + b\n"
                                f"    {PREALLOCATED.format('z', 'ACTIVATIONS[activation](z)')}\n"),
    "dense_forward": ("dense-forward", "def dense_forward(X, W, b, activation):\n    z = X @ W + b\n"
                                       f"    {PREALLOCATED.format('z', 'ACTIVATIONS[activation](z)')}\n"),
}


@pytest.mark.parametrize("function", BROKEN_ON_INTEGERS)
def test_a_function_that_is_right_on_floats_only_loses_its_points_on_integer_inputs(function):
    item, source = BROKEN_ON_INTEGERS[function]
    report = grade_source(source, "neuron")
    assert item in lost(report) and all(c["passed"] for c in report["checks"] if c["function"] != function)
    message = next(c["message"] for c in report["checks"] if c["id"] == item)
    raised = {e["function"]: e["kind"] for e in report["errors"]} == {function: "exception"}
    assert raised or "returned" in message and "np.array([" in message, message  # the integer input is shown


IN_PLACE = '''
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    z *= -1
    np.exp(z, out=z)
    z += 1
    return 1 / z


def relu(z):
    return np.maximum(z, 0, out=z)


def tanh(z):
    z = np.asarray(z, dtype=float)
    return np.tanh(z, out=z)


def softmax(z):
    z = np.asarray(z, dtype=float)
    z -= z.max(axis=-1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=-1, keepdims=True)
    return z


def neuron(x, w, b, activation):
    x *= w
    return float(ACTIVATIONS[activation](np.asarray(x.sum() + b, dtype=float)))
'''


def test_functions_that_change_their_inputs_in_place_get_every_point_and_leave_the_graders_inputs_alone():
    spec = load("neuron")
    inputs = [arg for part in spec.parts for group in part.cases.values() for args in group for arg in args
              if isinstance(arg, np.ndarray)]
    before = [arg.copy() for arg in inputs]
    with np.errstate(over="ignore"):
        report = grade_source(IN_PLACE, "neuron")
    assert report["score"] == report["max_score"] and not report["mistakes"], lost(report)
    assert all(not arg.flags.writeable for arg in inputs)  # nothing in the grader can change them either
    assert all(np.array_equal(arg, old) for arg, old in zip(inputs, before))
