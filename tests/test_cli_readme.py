"""The README's student section shows a real first attempt's feedback: this grades that attempt again and
compares, so the README stays what `grader check .` prints."""
from __future__ import annotations

import re
import shutil

import pytest

from tests.harness import ROOT
from tests.test_cli import grader

# The lesson's code moved into the stub, as the README describes it.
ATTEMPT = {
    '    raise NotImplementedError("split_data: split X and y into train and test sets")':
        "    from sklearn.model_selection import train_test_split\n"
        "    return train_test_split(X, y, test_size=0.3, random_state=0)",
    '    raise NotImplementedError("normalize: scale X_train and X_test with X_train\'s statistics")':
        "    from sklearn.preprocessing import StandardScaler\n"
        "    X_train = StandardScaler().fit_transform(X_train)\n"
        "    X_test = StandardScaler().fit_transform(X_test)\n"
        "    return X_train, X_test",
    '    raise NotImplementedError("output_activation: return an activation name for the task")':
        '    if task == "binary":\n        return "sigmoid"\n    return "softmax"',
    '    raise NotImplementedError("build_model: build and compile a Keras model")':
        "    model = keras.Sequential([\n"
        '        keras.layers.Dense(16, activation="relu", input_shape=(4,)),\n'
        '        keras.layers.Dense(3, activation="softmax"),\n'
        "    ])\n"
        '    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])\n'
        "    return model",
}


@pytest.mark.slow
def test_the_readmes_first_attempt_is_what_grader_check_prints(tmp_path):
    shutil.copytree(ROOT / "exercises", tmp_path / "exercises")
    attempt = tmp_path / "exercises" / "iris_net.py"
    source = attempt.read_text(encoding="utf-8")
    for stub, code in ATTEMPT.items():
        assert stub in source
        source = source.replace(stub, code)
    attempt.write_text(source, encoding="utf-8")
    out = grader("check", ".", cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    printed = "\n".join(line.rstrip() for line in (out.stderr + out.stdout).rstrip("\n").splitlines())
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## For students", 1)[1].split("\n## ", 1)[0]
    [shown] = re.findall(r"```text\n(grader: skipped .*?)\n```", section, re.S)
    assert shown == printed, f"update the README's first attempt to what grader check prints now:\n{printed}"
