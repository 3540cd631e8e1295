"""A generated class: correct, buggy, broken and hostile submissions, as folders and zip archives.

build_class returns, per student and exercise, what a correct grader must conclude: "full"
(full marks), "zero" (nothing earned, nothing errored), "errored" (the code could not run),
a mistake id that must be found, or, under the exercise None, "malformed" (the submission
could not be opened at all).
"""
from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

from grader.authoring.generate import solution_notebook
from grader.authoring.markers import make_stub, strip_markers
from tests.harness import REFERENCE, ROOT

SOLUTION = strip_markers((REFERENCE / "iris_net.py").read_text())
STUB = make_stub((REFERENCE / "iris_net.py").read_text())
PASS_FAIL = strip_markers((REFERENCE / "pass_fail.py").read_text())

# An independent correct solution (manual permutation split, StandardScaler, Activation layers),
# and a copy of it with every name changed and the layout reformatted.
OWN = '''
import keras
import numpy as np
from sklearn.preprocessing import StandardScaler

EPOCHS = 150
BATCH_SIZE = 16


def split_data(X, y):
    rng = np.random.default_rng(7)
    test_rows = []
    for label in np.unique(y):
        rows = rng.permutation(np.flatnonzero(y == label))
        test_rows.extend(rows[: round(len(rows) * 0.3)])
    in_test = np.zeros(len(y), dtype=bool)
    in_test[test_rows] = True
    return X[~in_test], X[in_test], y[~in_test], y[in_test]


def normalize(X_train, X_test):
    scaler = StandardScaler()
    scaler.fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test)


def output_activation(task):
    if task == "multiclass":
        return "softmax"
    if task == "regression":
        return "linear"
    return "sigmoid"


def build_model(n_features, n_classes):
    inputs = keras.Input(shape=(n_features,))
    hidden = keras.layers.Dense(12)(inputs)
    hidden = keras.layers.Activation("tanh")(hidden)
    outputs = keras.layers.Dense(n_classes, activation="softmax")(hidden)
    net = keras.Model(inputs, outputs)
    net.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    return net
'''
RENAMES = {"rng": "generator", "test_rows": "held_out", "in_test": "mask", "label": "cls", "scaler": "sc",
           "hidden": "h", "net": "mdl", "inputs": "x_in", "outputs": "x_out"}
RENAMED = re.sub(r"\b(" + "|".join(RENAMES) + r")\b", lambda m: RENAMES[m.group(1)], OWN).replace("    ", "  ").replace(
    "def split_data", "# my own split, written from scratch\ndef split_data")

HOSTILE_IMPORT = {
    "loops": "while True:\n    pass\n",
    "hog": "block = bytearray(8 * 1024**3)\n",
    "killer": "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n",
    "exits": "import os\nos._exit(0)\n",
}
SNOOPER = SOLUTION + '''

import pathlib, socket
for place in ("{project}", "/root", "/home", "{root}"):
    try:
        print("seen", place, sorted(p.name for p in pathlib.Path(place).iterdir())[:5])
    except OSError as exc:
        print("denied", place, type(exc).__name__)
try:
    socket.create_connection(("pypi.org", 443), timeout=2)
    print("NETWORK OPEN")
except OSError:
    print("no network")
try:
    pathlib.Path("{root}/reports/pwned.txt").write_text("x")
except OSError:
    pass
print("x" * 200_000)
'''


def build_class(root: Path, out_root: Path) -> dict[str, dict[str, str]]:
    """Write the class under root; returns EXPECTED (student -> exercise -> verdict)."""
    root.mkdir(parents=True)
    expected: dict[str, dict[str, str]] = {}

    def folder(student: str, files: dict[str, str], verdicts: dict[str, str], sub: str = "exercises") -> None:
        for name, text in files.items():
            path = root / student / sub / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        expected[student] = verdicts

    def archive(student: str, files: dict[str, str], verdicts: dict[str, str]) -> None:
        with zipfile.ZipFile(root / f"{student}.zip", "w") as zipped:
            for name, text in files.items():
                zipped.writestr(name, text)
        expected[student] = verdicts

    # Correct, in every shape a class sends them.
    folder("alice", {"iris_net.py": SOLUTION}, {"iris_net": "full"})
    folder("bob", {"iris_net.py": OWN}, {"iris_net": "full"}, sub="")
    folder("erin", {"iris_net.py": RENAMED}, {"iris_net": "full"})  # bob's work, renamed
    archive("carol", {"carol-nn-main/exercises/iris_net.py": SOLUTION, "carol-nn-main/exercises/pass_fail.py": PASS_FAIL,
                      "carol-nn-main/README.md": "my repo"}, {"iris_net": "full", "pass_fail": "full"})
    folder("dave", {"iris_net.ipynb": solution_notebook("iris_net", REFERENCE)}, {"iris_net": "full"})
    # Buggy: graded, with the lesson's mistakes found.
    folder("frank", {"iris_net.py": (ROOT / "samples/linear_hidden/iris_net.py").read_text()},
           {"iris_net": "linear-hidden-activation"})
    folder("grace", {"iris_net.py": (ROOT / "samples/leaky_scaler/iris_net.py").read_text()},
           {"iris_net": "test-statistics-leak"})
    folder("heidi", {"iris_net.py": SOLUTION.replace('activation="relu"', 'activation="linear"')
                     .replace("test_size=0.3, shuffle=True", "test_size=0.3, shuffle=False").replace(", stratify=y", "")},
           {"iris_net": "unshuffled-split"})
    folder("ivan", {"iris_net.py": STUB}, {"iris_net": "zero"})
    archive("judy", {"iris_net.py": SOLUTION.replace("Dense(n_classes", "Dense(2")}, {"iris_net": "wrong-output-units"})
    # Broken.
    folder("ken", {"iris_net.py": SOLUTION.replace("def normalize(X_train, X_test):", "def normalize(X_train, X_test)")},
           {"iris_net": "errored"})
    folder("nia", {"iris_net.py": "import tensorflow_addons_that_does_not_exist\n" + SOLUTION}, {"iris_net": "errored"})
    folder("oscar", {"iris_net.ipynb": '{"cells": [ this is not json'}, {"iris_net": "errored"})
    (root / "leo.zip").write_bytes(os.urandom(2048))
    expected["leo"] = {None: "malformed"}
    (root / "mallory" / "notes").mkdir(parents=True)
    (root / "mallory" / "notes" / "todo.txt").write_text("I will do it tomorrow")
    expected["mallory"] = {None: "malformed"}
    archive("peggy", {"../../escape/iris_net.py": SOLUTION}, {None: "malformed"})
    (root / "trent" / "exercises").mkdir(parents=True)
    (root / "trent" / "exercises" / "iris_net.py").symlink_to(REFERENCE / "iris_net.py")
    expected["trent"] = {None: "malformed"}
    # Hostile.
    for student, code in HOSTILE_IMPORT.items():
        folder(student, {"iris_net.py": code + SOLUTION}, {"iris_net": "errored"})
    snooper = SNOOPER.replace("{root}", str(out_root)).replace("{project}", str(ROOT))
    folder("sybil", {"iris_net.py": snooper}, {"iris_net": "full"})
    return expected
