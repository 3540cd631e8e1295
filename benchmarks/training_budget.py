"""The worst a submission can make the grader train: time and peak memory of one grading per case.

Each case is a build_model at the limit of grader.model.size.SizeCaps (with EPOCHS and BATCH_SIZE
as costly as allowed), graded in-process through the child's call logic (tests.harness, trusted
code, no sandbox) in a fresh Python per case, so ru_maxrss is that grading's peak. Each line
gives the grading's seconds, the process's peak RSS (and before grading, with TensorFlow loaded),
the epochs the budget left and the seconds of every training (the main one, then the two-circles
evidence's two).

    python benchmarks/training_budget.py            # every case, about 2 minutes
    python benchmarks/training_budget.py tiny-layers
"""
from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CASES = {  # name: (exercise, EPOCHS, BATCH_SIZE, build_model); the caps are in scope as constants
    "tiny-layers": ("iris_net", 1000, 1, """
def build_model(n_features, n_classes):  # the most layers, each tiny and linear (so the evidence trains too)
    layers = [keras.Input((n_features,))] + [keras.layers.Dense(2) for _ in range(LAYERS - 1)]
    model = keras.Sequential(layers + [keras.layers.Dense(n_classes, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model
"""),
    "reused-layer": ("iris_net", 1000, 1, """
def build_model(n_features, n_classes):  # one Dense layer called as often as allowed
    inputs = keras.Input((n_features,))
    x, shared = keras.layers.Dense(4)(inputs), keras.layers.Dense(4)
    for _ in range(CALLS - 2):
        x = shared(x)
    model = keras.Model(inputs, keras.layers.Dense(n_classes, activation="softmax")(x))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model
"""),
    "parameters": ("digits", 1000, 32, """
def build_model(n_features, n_classes):  # the most parameters digits allows, in two hidden layers, on the largest data set
    import math
    b = n_features + 2 + n_classes  # (n_features + 1) u + (u + 1) u + (u + 1) n_classes = PARAMETERS
    units = int((-b + math.sqrt(b * b + 4 * (PARAMETERS - n_classes))) / 2)
    model = keras.Sequential([keras.Input((n_features,)), keras.layers.Dense(units), keras.layers.Dense(units),
                              keras.layers.Dense(n_classes, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model
"""),
    "parameters-batch-2": ("digits", 1000, 2, None),  # the same network, in the smallest batches one epoch allows
    "activations": ("digits", 1000, 100_000, """
def build_model(n_features, n_classes):  # the most values per example, in one batch of every training row
    inputs = keras.Input((n_features,))
    x = keras.layers.Concatenate()([keras.layers.Dense(WIDEST // 8)(inputs)] * 8)
    for _ in range((ACTIVATIONS - n_features - WIDEST // 8 - WIDEST - n_classes) // WIDEST):
        x = keras.layers.ReLU()(x)
    model = keras.Model(inputs, keras.layers.Dense(n_classes, activation="softmax")(x))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model
"""),
}


def measure(name: str) -> dict:
    import keras  # noqa: F401  (loaded before measuring, as in a warm grader)

    from grader.model.size import SizeCaps
    from grader.training import evidence, trainer
    from tests.harness import grade_source

    exercise, epochs, batch, body = CASES[name]
    body = body or CASES["parameters"][3]
    caps = SizeCaps()
    source = (f"LAYERS, CALLS, PARAMETERS, WIDEST, ACTIVATIONS = {caps.layers}, {caps.calls}, {caps.parameters}, "
              f"{caps.widest}, {caps.activations}\nEPOCHS = {epochs}\nBATCH_SIZE = {batch}\n{body}")
    trainings, train = [], trainer.train

    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return train(*args, **kwargs)
        finally:
            trainings.append(round(time.perf_counter() - started, 1))

    trainer.train = evidence.train = timed
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    report = grade_source(source, exercise, light=False)
    details = report["details"].get("build_model", {})
    return {"case": name, "seconds": round(time.perf_counter() - started, 1),
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "rss_before_mib": round(before / 1024), "epochs": details.get("training", {}).get("epochs"),
            "evidence_epochs": details.get("evidence", {}).get("epochs"), "trainings_s": trainings,
            "errors": [e["message"] for e in report["errors"]]}


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        print(json.dumps(measure(sys.argv[2])))
        return
    for name in sys.argv[1:] or CASES:
        out = subprocess.run([sys.executable, __file__, "--one", name], cwd=ROOT, capture_output=True, text=True,
                             env={"PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONHASHSEED": "0",
                                  "PATH": "/usr/bin:/bin"})
        print(out.stdout.strip().splitlines()[-1] if out.returncode == 0 else f"{name}: failed\n{out.stderr[-2000:]}")


if __name__ == "__main__":
    main()
