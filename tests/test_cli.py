"""The command line as users run it: a real `python -m grader` process."""
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

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
                 ["check", "exercises/iris_net.py", "--exercise", "nope"]):
        out = grader(*args)
        assert out.returncode == 2, args
        assert len(out.stderr.strip().splitlines()) == 1 and out.stderr.startswith("grader: error:")


def test_check_a_folder_writes_the_json_report(tmp_path):
    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / "iris_net.py").write_text((ROOT / "exercises" / "iris_net.py").read_text())
    out = grader("check", ".", cwd=tmp_path)
    assert out.returncode == 1, out.stderr
    assert "not-implemented" in out.stdout and "Traceback" not in out.stderr
    report = json.loads((tmp_path / "reports" / "iris_net.json").read_text())
    assert report["exercises"][0]["score"] == 0


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
