"""The grader's own process leaves nothing behind and says nothing of TensorFlow's.

`grader check` is run as a student runs it, in a subprocess whose TMPDIR is a fresh folder, on
submissions whose networks make Keras warn inside the grader's training (categorical cross-entropy
over one output unit, a softmax over one unit), one TensorFlow refuses to train (two output units
for three classes: a label outside their range) and one the grader also trains on two circles (a
linear hidden layer), with the environment of a student's shell (no TF_CPP_MIN_LOG_LEVEL).
Afterwards that folder holds none of TensorFlow's autograph files (a class
graded in bulk used to leave hundreds), and stderr holds no line of Keras, TensorFlow or absl, nor
any path of the grader's own package.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import grader

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = Path(grader.__file__).resolve().parent


def pass_fail(output: str, loss: str) -> str:
    source = (ROOT / "reference" / "pass_fail.py").read_text()
    return source.replace('keras.layers.Dense(1, activation="sigmoid")', output).replace(
        'loss="binary_crossentropy"', f'loss="{loss}"')


SUBMISSIONS = {
    "one-hot-loss/pass_fail.py": pass_fail('keras.layers.Dense(1, activation="sigmoid")', "categorical_crossentropy"),
    "one-unit-softmax/pass_fail.py": pass_fail('keras.layers.Dense(1, activation="softmax")', "binary_crossentropy"),
    "linear-hidden/iris_net.py": (ROOT / "samples" / "linear_hidden" / "iris_net.py").read_text(),
    "two-units/iris_net.py": (ROOT / "reference" / "iris_net.py").read_text().replace(
        'keras.layers.Dense(n_classes, activation="softmax")', 'keras.layers.Dense(2, activation="softmax")'),
}


def test_grader_check_leaves_no_autograph_files_and_no_tensorflow_lines(tmp_path):
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    for name, source in SUBMISSIONS.items():
        (tmp_path / name).parent.mkdir()
        (tmp_path / name).write_text(source)
    env = {**{k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}, "TMPDIR": str(temporary)}
    out = subprocess.run([sys.executable, "-m", "grader", "check", *SUBMISSIONS], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=900)
    assert out.returncode == 1 and "softmax-single-unit" in out.stdout and "linear-hidden-activation" in out.stdout, \
        out.stdout + out.stderr
    assert "loss-label-mismatch" in out.stdout and "wrong-output-units" in out.stdout, out.stdout
    left = sorted(path.name for path in temporary.rglob("*") if "autograph" in path.name)
    assert left == [], left
    lines = out.stderr.splitlines()
    assert not [line for line in lines if any(word in line.lower() for word in ("keras", "tensorflow", "absl"))], \
        out.stderr
    assert str(PACKAGE) not in out.stderr and str(PACKAGE) not in out.stdout, out.stderr
