"""The command line as users run it: a real `python -m grader` process."""
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from grader.exercises import load
from grader.missing import missing_message
from tests.ci.summary_text import plain
from tests.harness import ROOT


def grader(*args: str, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def test_list_shows_the_exercise_and_the_catalog():
    assert "iris_net" in grader("list").stdout
    assert "linear-hidden-activation" in grader("list", "--mistakes").stdout


def test_explain_tells_why_and_how():
    out = grader("explain", "test-statistics-leak")
    assert out.returncode == 0 and "Why it matters" in out.stdout and "StandardScaler" in out.stdout


def test_usage_errors_exit_2_with_one_line():
    for args in (["check", "no/such/file.py"], ["check", "README.md"], ["explain", "no-such-id"],
                 ["check", "exercises/iris_net.py", "--exercise", "nope"],
                 ["check", "exercises", "--expect", "iris_net,nope"], ["check", "exercises", "--expect", " , "],
                 ["check", "exercises", "--expect", "iris_net", "--exercise", "iris_net"]):
        out = grader(*args)
        assert out.returncode == 2, args
        assert len(out.stderr.strip().splitlines()) == 1 and out.stderr.startswith("grader: error:")


def test_check_a_named_stub_writes_the_json_report(tmp_path):
    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / "iris_net.py").write_text((ROOT / "exercises" / "iris_net.py").read_text())
    out = grader("check", "exercises/iris_net.py", cwd=tmp_path)  # named, so graded though untouched
    assert out.returncode == 1, out.stderr
    assert "not-implemented" in out.stdout
    # Not even TensorFlow's own log lines (it trained the reference meanwhile, to warm up).
    assert out.stderr == "", out.stderr
    report = json.loads((tmp_path / "reports" / "iris_net.json").read_text())
    assert report["exercises"][0]["score"] == 0


def test_demo_grades_the_reference_and_finds_every_samples_mistakes(tmp_path):
    out = grader("demo", cwd=tmp_path)
    assert out.returncode == 0 and "demo: as expected" in out.stdout, out.stdout + out.stderr
    assert out.stderr == "", out.stderr
    assert {p.name for p in (tmp_path / "reports").glob("*.json")} == {
        "reference-iris_net.json", "leaky_scaler-iris_net.json", "linear_hidden-iris_net.json"}


def test_keras_and_tensorflow_warnings_about_a_students_network_never_reach_the_terminal(tmp_path):
    # A one-unit softmax: Keras warns at every softmax the grader's own training computes.
    source = (ROOT / "reference" / "pass_fail.py").read_text().replace('activation="sigmoid"', 'activation="softmax"')
    (tmp_path / "pass_fail.py").write_text(source)
    out = grader("check", "pass_fail.py", cwd=tmp_path)
    assert out.returncode == 1 and "softmax-single-unit" in out.stdout, out.stdout
    assert out.stderr == "", out.stderr


def test_json_to_stdout_is_the_only_output(tmp_path):
    path = tmp_path / "iris_net.py"
    path.write_text("def split_data(X, y):\n    return None\n")
    out = grader("check", str(path), "--json", "-", cwd=tmp_path)
    assert out.returncode == 1
    report = json.loads(out.stdout)
    assert {e["function"]: e["kind"] for e in report["exercises"][0]["errors"]} == {
        "split_data": "invalid-return", "normalize": "not-implemented",
        "output_activation": "not-implemented", "build_model": "not-implemented"}


def test_check_writes_every_format_for_every_submission(tmp_path):
    for student, source in (("ada", (ROOT / "reference" / "iris_net.py").read_text()),
                            ("bob", "def split_data(X, y):\n    return None\n")):
        (tmp_path / student).mkdir()
        (tmp_path / student / "iris_net.py").write_text(source)
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    out = subprocess.run([sys.executable, "-m", "grader", "check", "ada", "bob", "--html", "html", "--junit",
                          "out/junit.xml", "--gradescope", "out/results.json", "--github"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=600, env={**os.environ, "GITHUB_STEP_SUMMARY": str(summary)})
    assert out.returncode == 1, out.stderr  # bob fails
    for student in ("ada", "bob"):
        assert f"report: html/{student}-iris_net.html" in out.stdout
        assert (tmp_path / "html" / f"{student}-iris_net.html").read_text().startswith("<!doctype html>")
        assert json.loads((tmp_path / "reports" / f"{student}-iris_net.json").read_text())["exercises"]
    suites = ET.parse(tmp_path / "out" / "junit.xml").getroot().findall("testsuite")
    assert [s.get("failures") for s in suites] == ["0", "16"]
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["score"] == 100 and len(results["tests"]) == 32
    text = summary.read_text()
    assert text.startswith("earlier step\n") and len(re.findall(r"^## ", text, re.M)) == 2
    assert "PASS" in text and "FAIL" in text


def test_github_without_the_variable_says_so(tmp_path):
    path = tmp_path / "iris_net.py"
    path.write_text("def output_activation(task):\n    return 'softmax'\n")
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_STEP_SUMMARY"}
    out = subprocess.run([sys.executable, "-m", "grader", "check", str(path), "--github"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=600, env=env)
    assert out.returncode == 1 and "GITHUB_STEP_SUMMARY is not set" in out.stderr


def test_a_link_to_the_reference_solution_is_refused(tmp_path):
    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / "iris_net.py").symlink_to(ROOT / "reference" / "iris_net.py")
    for target in ("exercises/iris_net.py", "."):
        out = grader("check", target, cwd=tmp_path)
        assert out.returncode == 2 and "link to the grader's reference solution" in out.stderr, target
        assert not (tmp_path / "reports").exists()


def student_folder(tmp_path: Path, files: dict[str, str]) -> Path:
    """tmp_path holding files (relative paths to their text)."""
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_each_expected_exercise_not_found_fails_by_name_in_every_format(tmp_path):
    # Iris_Net.py is a near miss (the name is wrong); pass_fail.py is not declared, so it is not graded.
    student_folder(tmp_path, {"exercises/Iris_Net.py": "", "exercises/pass_fail.py": ""})
    summary = tmp_path / "summary.md"
    out = subprocess.run([sys.executable, "-m", "grader", "check", "exercises", "--expect", "iris_net",
                          "--expect", "concepts", "--junit", "out/junit.xml", "--gradescope", "out/results.json",
                          "--github"], cwd=tmp_path, capture_output=True, text=True, timeout=600,
                         env={**os.environ, "GITHUB_STEP_SUMMARY": str(summary)})
    assert out.returncode == 1, out.stderr
    assert "Traceback" not in out.stderr and not (tmp_path / "reports" / "pass_fail.json").exists()
    message = ("iris_net.py or iris_net.ipynb not found in exercises/ (it holds: Iris_Net.py, pass_fail.py). "
               "The assignment includes iris_net: add your iris_net.py, or your notebook iris_net.ipynb, "
               "with exactly that name.")
    assert "iris_net: A first Keras network for iris flowers  0/100 FAIL" in out.stdout
    assert f"missing in <module>: {message}" in out.stdout
    for name, spec in (("iris_net", load("iris_net")), ("concepts", load("concepts"))):
        report = json.loads((tmp_path / "reports" / f"{name}.json").read_text())
        [exercise] = report["exercises"]
        assert (report["submission"], exercise["exercise"], exercise["score"], exercise["passed"]) == \
               ("exercises", name, 0, False)
        assert [error["kind"] for error in exercise["errors"]] == ["missing"]
        assert exercise["errors"][0]["message"].startswith(f"{name}.py or {name}.ipynb not found in exercises/")
        assert not any(check["passed"] for check in exercise["checks"])
        assert sum(check["max_points"] for check in exercise["checks"]) == exercise["max_score"] == spec.max_score
        html = (tmp_path / "reports" / f"{name}.html").read_text()
        assert 'data-error="missing"' in html and f"{name}.py or {name}.ipynb not found" in html
    assert [item["status"] for item in json.loads((tmp_path / "reports" / "concepts.json").read_text())
            ["exercises"][0]["manual"]] == ["not answered"]
    suites = ET.parse(tmp_path / "out" / "junit.xml").getroot().findall("testsuite")
    assert [suite.get("name") for suite in suites] == ["iris_net (exercises)", "concepts (exercises)"]
    # every check a failure; concepts' free-text answer, graded by hand, is skipped as always
    assert [(suite.get("failures"), suite.get("skipped")) for suite in suites] == [("16", "0"), ("8", "1")]
    assert {failure.get("type") for failure in ET.parse(tmp_path / "out" / "junit.xml").iter("failure")} == {"missing"}
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["score"] == 0 and sum(test["max_score"] for test in results["tests"]) == 100 + 80
    assert all(test["status"] == "failed" and "iris_net.py or iris_net.ipynb not found" in test["output"]
               for test in results["tests"] if test["name"].startswith("iris_net: "))
    markdown = plain(summary.read_text())
    assert len(re.findall(r"^## ❌ FAIL: exercises, 0/", markdown, re.M)) == 2
    assert "### iris_net: " in markdown and "- missing in <module>: iris_net.py or iris_net.ipynb not found" in markdown


def test_expect_grades_the_declared_exercises_only_and_a_missing_one_fails(tmp_path):
    concepts = (ROOT / "reference" / "concepts.py").read_text()
    student_folder(tmp_path, {"exercises/concepts.py": concepts, "exercises/pass_fail.py": "raise SystemExit(1)\n"})
    out = grader("check", ".", "--expect", "concepts", cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr  # pass_fail.py, not declared, is not graded
    assert sorted(path.name for path in (tmp_path / "reports").glob("*.json")) == ["concepts.json"]
    out = grader("check", ".", "--expect", "concepts neuron", cwd=tmp_path)
    assert out.returncode == 1, out.stdout + out.stderr  # full marks on concepts do not make up for neuron
    assert "concepts: Concepts of a first neural network  80/80 PASS" in out.stdout
    report = json.loads((tmp_path / "reports" / f"{tmp_path.name}-neuron.json").read_text())
    assert report["exercises"][0]["errors"][0]["message"].startswith(
        "neuron.py or neuron.ipynb not found in ./ (it holds: exercises/, reports/) "
        "nor in exercises/ (it holds: concepts.py, pass_fail.py).")
    out = grader("check", "exercises/concepts.py", "--expect", "concepts,neuron", cwd=tmp_path)
    assert out.returncode == 1 and "80/80 PASS" in out.stdout, out.stdout + out.stderr  # a file holds one exercise
    assert "neuron.py or neuron.ipynb not found: the submission exercises/concepts.py is a single file" in out.stdout


@pytest.mark.parametrize("path, where", [("gone", "the folder gone/ does not exist"),
                                         ("notes.txt", "the submission notes.txt is a single file")])
def test_a_path_that_is_not_a_folder_holds_no_expected_exercise(tmp_path, path, where):
    (tmp_path / "notes.txt").write_text("my notes")
    out = grader("check", path, "--expect", "iris_net", "--json", "-", cwd=tmp_path)
    assert out.returncode == 1, out.stderr
    [exercise] = json.loads(out.stdout)["exercises"]
    assert exercise["errors"][0]["message"].startswith(f"iris_net.py or iris_net.ipynb not found: {where}")


def test_the_missing_message_lists_a_bounded_number_of_names_as_text(tmp_path):
    for i in range(25):
        (tmp_path / f"{i:02d}.py").write_text("")
    (tmp_path / "\x1b[2Jcleared.py").write_text("")
    (tmp_path / ("00" + "x" * 200)).write_text("")  # listed, shortened
    message = missing_message("iris_net", tmp_path)
    listed = message.split("(it holds: ")[1].split(" and ")[0].split(", ")
    assert len(listed) == 10 and "and 17 more)" in message  # of 27 names
    assert listed[:3] == ["\\x1b[2Jcleared.py", "00.py", f"00{'x' * 77}…"]
    assert "\x1b" not in message and len(message) < 500
