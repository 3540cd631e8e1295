"""neuron: a neuron's output, the activation functions and a dense layer's forward pass, in numpy."""
import numpy as np

from grader.parts.numeric import NumericPart
from grader.spec import Exercise, RubricItem as Item

_rng = np.random.default_rng(20261123)  # the grader's inputs: random, but the same on every run
EXTREMES = np.array([-1000.0, -710.0, -50.0, -1e-3, 0.0, 1e-3, 50.0, 710.0, 1000.0])
ACTIVATIONS = ("sigmoid", "relu", "tanh", "linear")


# Integer arrays, as a student would type them: np.array([1, 2, 3]) holds int64, and an
# activation that fills a copy of its input (np.zeros_like(z)) would round every value to 0.
INTEGERS = (np.array([1, 2, 3]), np.array([[-3, 0, 2], [4, -1, 1]]))


def _arrays(count: int, scale: float = 3.0) -> tuple[tuple, ...]:
    """Random arrays of random shapes (1-D and 2-D), then the extreme values, then integer arrays."""
    shapes = [(int(_rng.integers(1, 7)),) if i % 2 else tuple(int(n) for n in _rng.integers(1, 5, size=2))
              for i in range(count)]
    return (tuple((_rng.normal(0.0, scale, size=shape),) for shape in shapes)
            + ((EXTREMES,), (EXTREMES.reshape(3, 3),)) + tuple((z,) for z in INTEGERS))


def _neurons(count: int) -> tuple[tuple, ...]:
    """Random inputs, weights and biases for every activation, then integer ones."""
    cases = []
    for i in range(count):
        n = int(_rng.integers(1, 7))
        cases.append((_rng.normal(size=n), _rng.normal(size=n), float(_rng.normal()), ACTIVATIONS[i % 4]))
    x, w = np.array([1, 2, 3]), np.array([2, -1, 1])
    return tuple(cases) + tuple((x, w, 1, activation) for activation in ACTIVATIONS)


def _layers(count: int) -> tuple[tuple, ...]:
    cases = []
    for i in range(count):
        batch, n_in, n_out = (int(v) for v in _rng.integers(1, 6, size=3))
        cases.append((_rng.normal(size=(batch, n_in)), _rng.normal(size=(n_in, n_out)), _rng.normal(size=n_out),
                      (*ACTIVATIONS, "softmax")[i % 5]))
    X, W, b = np.array([[1, 2, 3], [0, -1, 2]]), np.array([[1, 0], [-1, 2], [0, 1]]), np.array([1, -1])
    return tuple(cases) + tuple((X, W, b, activation) for activation in (*ACTIVATIONS, "softmax"))


def _shifted_down(cases: tuple[tuple, ...]) -> tuple[tuple, ...]:
    """Each batch of scores minus its largest score: every softmax, over any axis, is the same for both."""
    return tuple((z - z.max(),) for (z,) in cases)


# Batches of large scores, some rows far larger than others, and one of integers.
LARGE_BATCHES = ((np.array([[1000.0, 1001.0, 1002.0], [0.0, 1.0, 2.0]]),),
                 (np.array([[-1000.0, -1001.0, -999.0], [-1000.0, -998.0, -1000.0]]),),
                 (np.array([[1000, 1001], [1002, 1000], [999, 1001]]),))


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
            # "stable" are single rows (one axis: no axis question); the batches of "stable-batch" are
            # judged against the function's own output on them "shifted" down, whatever axis it normalises.
            # The "rows" batches are not square, so columns summing to 1 are never rows summing to 1.
            cases={
                "values": tuple((_rng.normal(0.0, 3.0, size=int(n)),) for n in _rng.integers(2, 7, size=5))
                          + ((np.array([1, 2, 3]),), (np.array([-2, 0, 5, 1]),)),
                "stable": ((np.array([1000.0, 1001.0]),), (np.array([-1000.0, -1001.0]),),
                           (np.array([710.0, 0.0, -710.0]),), (np.array([1000, 1001, 1002]),)),
                "stable-batch": LARGE_BATCHES,
                "shifted": _shifted_down(LARGE_BATCHES),
                "rows": tuple((_rng.normal(0.0, 2.0, size=(int(r), int(c))),) for r, c in ((3, 4), (5, 2), (2, 3)))
                        + ((np.array([[1, 2, 3], [0, 0, 1]]),),),
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
