"""Two submissions of one `grader check` never write the same report: files of the same name in two
folders, a .py beside its notebook. The names are told apart readably, the same way every time, on stderr."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from grader.cli import _report_labels
from tests.harness import ROOT
from tests.test_cli import grader

PASSING = (ROOT / "reference" / "neuron.py").read_text(encoding="utf-8")


def reports(folder: Path) -> dict[str, tuple[str, int]]:
    """Each JSON report's name: (the submission it is of, its score)."""
    return {path.stem: (data["submission"], data["exercises"][0]["score"])
            for path in sorted(folder.glob("*.json")) for data in [json.loads(path.read_text(encoding="utf-8"))]}


@pytest.mark.slow
def test_same_file_names_in_two_folders_get_a_report_each(tmp_path):
    for student, source in (("a", PASSING), ("b", (ROOT / "exercises" / "neuron.py").read_text(encoding="utf-8"))):
        (tmp_path / student / "exercises").mkdir(parents=True)
        (tmp_path / student / "exercises" / "neuron.py").write_text(source, encoding="utf-8")
    out = grader("check", "a/exercises/neuron.py", "b/exercises/neuron.py", "--html", "html", cwd=tmp_path)
    assert out.returncode == 1, out.stdout + out.stderr
    assert reports(tmp_path / "reports") == {"a-exercises-neuron": ("a/exercises/neuron.py", 100),
                                             "b-exercises-neuron": ("b/exercises/neuron.py", 0)}
    assert sorted(path.name for path in (tmp_path / "html").iterdir()) == ["a-exercises-neuron.html",
                                                                          "b-exercises-neuron.html"]
    assert ("grader: 2 submissions would share the report name neuron; named apart: a/exercises/neuron.py -> "
            "a-exercises-neuron, b/exercises/neuron.py -> b-exercises-neuron") in out.stderr.splitlines()
    assert out.stdout.rstrip().splitlines()[-1] == "1 of 2 passed"


@pytest.mark.slow
def test_a_py_beside_its_notebook_named_both_gets_a_report_each(tmp_path):
    (tmp_path / "neuron.py").write_text(PASSING, encoding="utf-8")
    shutil.copy(ROOT / "exercises" / "neuron.ipynb", tmp_path / "neuron.ipynb")
    out = grader("check", "neuron.py", "neuron.ipynb", "neuron.py", cwd=tmp_path)  # one named twice: graded once
    assert out.returncode == 1, out.stdout + out.stderr
    folder = tmp_path.name
    assert reports(tmp_path / "reports") == {f"{folder}-neuron-ipynb": ("neuron.ipynb", 0),
                                             f"{folder}-neuron-py": ("neuron.py", 100)}
    assert (f"grader: 2 submissions would share the report name {folder}-neuron; named apart: neuron.py -> "
            f"{folder}-neuron-py, neuron.ipynb -> {folder}-neuron-ipynb") in out.stderr.splitlines()
    assert out.stdout.rstrip().splitlines()[-1] == "1 of 2 passed"


def test_report_names_depend_on_the_files_not_their_order(tmp_path):
    files = [(tmp_path / "x" / "exercises" / "iris_net.py", "iris_net"),
             (tmp_path / "y" / "exercises" / "iris_net.py", "iris_net"),
             (tmp_path / "y" / "exercises" / "iris_net.ipynb", "iris_net"),
             (tmp_path / "x" / "exercises" / "neuron.py", "neuron"),
             (tmp_path / "z" / "iris_net.py", "iris_net"),
             (tmp_path / "notes.txt", "iris_net"), (tmp_path / "iris_net.py", "iris_net")]
    labels = dict(zip(files, _report_labels(files)))
    assert list(labels.values()) == ["x-exercises-iris_net", "y-exercises-iris_net-py", "y-exercises-iris_net-ipynb",
                                     "neuron", "z-iris_net", f"{tmp_path.name}-iris_net-notes.txt",
                                     f"{tmp_path.name}-iris_net-iris_net.py"]
    backwards = files[::-1]
    assert dict(zip(backwards, _report_labels(backwards))) == labels
    assert len(set(labels.values())) == len(files)
