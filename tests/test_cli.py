"""The command line as users run it: a real `python -m grader` process."""
import json
import subprocess
import sys

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
    out = grader("check", str(path), "--json", "-")
    assert out.returncode == 1
    report = json.loads(out.stdout)
    assert {e["function"]: e["kind"] for e in report["exercises"][0]["errors"]} == {
        "split_data": "invalid-return", "normalize": "not-implemented",
        "output_activation": "not-implemented", "build_model": "not-implemented"}
