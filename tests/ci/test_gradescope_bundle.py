"""`grader gradescope-bundle`: what the zip holds, and its run_autograder grading real submissions.

run_autograder runs as extracted from the zip, under a fake /autograder (AUTOGRADER_ROOT). setup.sh
needs apt and PyPI, so instead of its venv, PATH finds the `grader` installed here and PYTHONPATH
makes it import the bundled source, as setup.sh's editable install would.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GRADER_BIN = Path(sys.executable).parent  # the venv running these tests, which holds `grader`
SOURCE = "nn-grader"


def grader(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("build")
    out = grader("gradescope-bundle", "iris_net", cwd=folder)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("wrote gradescope-iris_net.zip (")
    return folder / "gradescope-iris_net.zip"


@pytest.fixture(scope="module")
def source(bundle, tmp_path_factory) -> Path:
    """The bundle unzipped with its file modes, as Gradescope unzips it into /autograder/source."""
    folder = tmp_path_factory.mktemp("source")
    with zipfile.ZipFile(bundle) as archive:
        for info in archive.infolist():
            archive.extract(info, folder)
            (folder / info.filename).chmod(info.external_attr >> 16 & 0o777)
    return folder


def run_autograder(source: Path, root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "PATH": f"{GRADER_BIN}{os.pathsep}{os.environ['PATH']}",
           "PYTHONPATH": str(source / SOURCE)}
    return subprocess.run([str(source / "run_autograder")], env=env, capture_output=True, text=True, timeout=600)


def submission(tmp_path: Path, files: dict[str, str]) -> Path:
    """A fake /autograder whose submission/ holds files (relative path: text)."""
    root = tmp_path / "autograder"
    for name, text in files.items():
        (root / "submission" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "submission" / name).write_text(text, encoding="utf-8")
    return root


def results(root: Path) -> dict:
    return json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))


def test_the_zip_holds_executable_scripts_and_the_grader_source(bundle):
    with zipfile.ZipFile(bundle) as archive:
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
        run = archive.read("run_autograder").decode()
    for script in ("setup.sh", "run_autograder", f"{SOURCE}/scripts/install-system-packages"):
        assert modes[script] == 0o100755, script
    for name in ("pyproject.toml", "README.md", "grader/cli.py", "grader/ci/gradescope_bundle.py",
                 "grader/ci/templates/run_autograder", "grader/render/templates/report.html.j2",
                 "grader/sandbox/zygote.py", "grader/exercises/iris_net.py", "reference/iris_net.py"):
        assert modes[f"{SOURCE}/{name}"] == 0o100644, name
    top = {name.split("/")[1] for name in modes if name.startswith(f"{SOURCE}/")}
    assert top == {"pyproject.toml", "README.md", "scripts", "grader", "reference"}  # no tests/, exercises/, reports/
    assert not [name for name in modes if "__pycache__" in name or name.endswith(".pyc") or "/." in name]
    assert set(modes) - {"setup.sh", "run_autograder"} == {name for name in modes if name.startswith(f"{SOURCE}/")}
    assert "exercise=iris_net\nmax_score=100\n" in run and "@EXERCISE@" not in run and "@MAX_SCORE@" not in run


def test_the_same_source_gives_the_same_zip(bundle, tmp_path):
    again = grader("gradescope-bundle", "iris_net", "--out", "sub/folder/again.zip", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "sub" / "folder" / "again.zip").read_bytes() == bundle.read_bytes()


def test_the_scripts_parse(source):
    for script in ("setup.sh", "run_autograder"):
        check = subprocess.run(["bash", "-n", str(source / script)], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr


def test_an_unknown_exercise_is_a_usage_error(tmp_path):
    out = grader("gradescope-bundle", "nope", cwd=tmp_path)
    assert out.returncode == 2
    assert out.stderr.startswith("grader: error: unknown exercise 'nope'") and len(out.stderr.splitlines()) == 1
    assert not list(tmp_path.iterdir())


def test_building_the_bundle_does_not_load_tensorflow(tmp_path):
    code = ("import sys\nfrom grader.cli import main\nassert main(['gradescope-bundle', 'neuron']) == 0\n"
            "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1] == "[]"
    assert (tmp_path / "gradescope-neuron.zip").is_file()


@pytest.mark.slow
def test_the_reference_in_a_subfolder_gets_full_marks_from_the_bundled_grader(source, tmp_path):
    root = submission(tmp_path, {"hw1/iris_net.py": (ROOT / "reference" / "iris_net.py").read_text(encoding="utf-8"),
                                 "hw1/notes.txt": "my notes"})
    out = run_autograder(source, root)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("grading hw1/iris_net.py\n")
    graded = results(root)
    assert graded["score"] == 100 and graded["output"].startswith("hw1/iris_net.py, isolation: ")
    assert len(graded["tests"]) == 16 and all(test["status"] == "passed" for test in graded["tests"])
    assert sum(test["score"] for test in graded["tests"]) == sum(test["max_score"] for test in graded["tests"]) == 100
    assert (root / "reports" / "hw1-iris_net.html").read_text(encoding="utf-8").startswith("<!doctype html>")
    # The same environment imports the grader, and finds the references, in the bundle.
    where = subprocess.run([str(GRADER_BIN / "python"), "-c", "import grader.cli, grader.paths; "
                            "print(grader.cli.__file__); print(grader.paths.reference_dir())"],
                           env={**os.environ, "PYTHONPATH": str(source / SOURCE)}, cwd=tmp_path, capture_output=True, text=True)
    assert [Path(line).is_relative_to(source / SOURCE) for line in where.stdout.splitlines()] == [True, True]


def test_a_submission_without_the_file_scores_0_and_says_what_was_expected(source, tmp_path):
    root = submission(tmp_path, {"notes.txt": "", "week 3/my_network.py": "print('hi')\n"})
    out = run_autograder(source, root)
    assert out.returncode == 0, out.stderr
    graded = results(root)
    expected = ("Not graded: your submission has no iris_net.py or iris_net.ipynb (it holds: notes.txt, "
                "week 3/my_network.py). Upload your iris_net.py, or your notebook iris_net.ipynb, with exactly that name.")
    assert graded["score"] == 0 and graded["output"] == expected
    assert graded["tests"] == [{"name": "iris_net: submission", "score": 0, "max_score": 100, "status": "failed",
                                "output": expected, "output_format": "text", "visibility": "visible"}]


def test_a_symbolic_link_to_the_reference_is_not_followed(source, tmp_path):
    root = submission(tmp_path, {})
    (root / "submission").mkdir(parents=True)
    (root / "submission" / "iris_net.py").symlink_to(source / SOURCE / "reference" / "iris_net.py")
    out = run_autograder(source, root)
    assert out.returncode == 0, out.stderr
    graded = results(root)
    assert graded["score"] == 0 and "has no iris_net.py" in graded["output"]


def test_an_unreadable_notebook_scores_0_with_the_graders_message(source, tmp_path):
    root = submission(tmp_path, {"iris_net.ipynb": "{not json"})
    out = run_autograder(source, root)
    assert out.returncode == 0, out.stderr
    graded = results(root)
    assert graded["score"] == 0 and graded["tests"][0]["status"] == "failed"
    assert graded["output"].startswith("Not graded: the grader could not grade iris_net.ipynb (exit status 2): "
                                       "iris_net.ipynb is not a readable Jupyter notebook")

