"""neuron: a neuron's output, the activation functions and a dense layer's forward pass, in numpy."""
import numpy as np

from grader.parts.numeric import NumericPart
from grader.spec import Exercise, RubricItem as Item

_rng = np.random.default_rng(20261123)  # the grader's inputs: random, but the same on every run
EXTREMES = np.array([-1000.0, -710.0, -50.0, -1e-3, 0.0, 1e-3, 50.0, 710.0, 1000.0])
ACTIVATIONS = ("sigmoid", "relu", "tanh", "linear")


def _arrays(count: int, scale: float = 3.0) -> tuple[tuple, ...]:
    """Random arrays of random shapes (1-D and 2-D), then the extreme values."""
    shapes = [(int(_rng.integers(1, 7)),) if i % 2 else tuple(int(n) for n in _rng.integers(1, 5, size=2))
              for i in range(count)]
    return tuple((_rng.normal(0.0, scale, size=shape),) for shape in shapes) + ((EXTREMES,), (EXTREMES.reshape(3, 3),))


def _neurons(count: int) -> tuple[tuple, ...]:
    cases = []
    for i in range(count):
        n = int(_rng.integers(1, 7))
        cases.append((_rng.normal(size=n), _rng.normal(size=n), float(_rng.normal()), ACTIVATIONS[i % 4]))
    return tuple(cases)


def _layers(count: int) -> tuple[tuple, ...]:
    cases = []
    for i in range(count):
        batch, n_in, n_out = (int(v) for v in _rng.integers(1, 6, size=3))
        cases.append((_rng.normal(size=(batch, n_in)), _rng.normal(size=(n_in, n_out)), _rng.normal(size=n_out),
                      (*ACTIVATIONS, "softmax")[i % 5]))
    return tuple(cases)


SPEC = Exercise(
    name="neuron",
    title="A neuron and a dense layer in numpy",
    pass_mark=70,
    parts=(
        NumericPart("sigmoid", reference="neuron", cases={"sigmoid": _arrays(6)},
                    rubric=(Item("sigmoid-values", "sigmoid is right, also for extreme inputs", 10, requires=("sigmoid",)),)),
        NumericPart("relu", reference="neuron", cases={"relu": _arrays(6)},
                    rubric=(Item("relu-values", "relu is right", 10, requires=("relu",)),)),
        NumericPart("tanh", reference="neuron", cases={"tanh": _arrays(6)},
                    rubric=(Item("tanh-values", "tanh is right", 10, requires=("tanh",)),)),
        NumericPart(
            "softmax", reference="neuron", family="softmax",
            cases={
                "values": tuple((_rng.normal(0.0, 3.0, size=int(n)),) for n in _rng.integers(2, 7, size=5)),
                "stable": ((np.array([1000.0, 1001.0]),), (np.array([-1000.0, -1001.0]),),
                           (np.array([710.0, 0.0, -710.0]),), (np.array([[1000.0, 1001.0], [0.0, 1.0]]),)),
                "rows": tuple((_rng.normal(0.0, 2.0, size=(int(r), int(c))),) for r, c in ((3, 4), (5, 2), (2, 3))),
            },
            rubric=(
                Item("softmax-values", "softmax gives probabilities that sum to 1", 15, requires=("values",)),
                Item("softmax-stable", "softmax does not overflow on large scores", 10, ("unstable-softmax",),
                     requires=("stable",)),
                Item("softmax-rows", "softmax normalises each row of a batch", 5, ("softmax-wrong-axis",),
                     requires=("rows",)),
            ),
        ),
        NumericPart("neuron", reference="neuron", cases={"neuron": _neurons(8)},
                    rubric=(Item("neuron-output", "A neuron computes f(w·x + b)", 20, requires=("neuron",)),)),
        NumericPart("dense_forward", reference="neuron", cases={"dense": _layers(10)},
                    rubric=(Item("dense-forward", "A dense layer's forward pass over a batch", 20, requires=("dense",)),)),
    ),
)
