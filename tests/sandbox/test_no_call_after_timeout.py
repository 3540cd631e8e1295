"""A function that times out once is not called again: an endless loop costs one time limit, not one per input."""
import dataclasses

from grader.exercises import load
from grader.grading import grade_outcomes
from grader.sandbox.calls import TIMEOUT, Limits
from grader.sandbox.runner import run_submission
from tests.harness import REFERENCE

NEURON = load("neuron")
# Long enough for every numpy call on a busy machine, short enough that the one endless call is quick.
LIMITS = Limits(import_seconds=30, call_seconds=8)
ENDLESS_TANH = '''

def tanh(z):
    print("tanh was called", flush=True)
    while True:
        pass


ACTIVATIONS = {"sigmoid": sigmoid, "relu": relu, "tanh": np.tanh, "softmax": softmax, "linear": lambda z: z}
'''


def test_an_endless_function_is_called_once_and_costs_only_its_points(sandbox, tmp_path):
    path = tmp_path / "neuron.py"
    path.write_text((REFERENCE / "neuron.py").read_text() + ENDLESS_TANH)  # neuron and dense_forward use np.tanh
    spec = dataclasses.replace(NEURON, limits=LIMITS)
    calls = [call for part in spec.parts for call in part.calls()]

    run = run_submission(path, calls, [], LIMITS, sandbox)

    assert run.output.count("tanh was called") == 1
    tanh = [run.outcomes[call.id] for call in calls if call.function == "tanh"]
    assert len(tanh) > 1 and all(outcome.kind == TIMEOUT for outcome in tanh)
    assert "did not finish within 8 seconds" in tanh[0].message
    assert all("not called again" in outcome.message and "8 seconds" in outcome.message for outcome in tanh[1:])
    assert all(run.outcomes[call.id].ok for call in calls if call.function != "tanh")
    report = grade_outcomes(spec, run.outcomes, run.constants, path.read_text())
    assert [(e["function"], e["kind"]) for e in report["errors"]] == [("tanh", "timeout")]  # one message
    assert "did not finish within 8 seconds" in report["errors"][0]["message"]
    assert report["score"] == report["max_score"] - 10  # tanh's 10 points only
