"""The CI renderers (JUnit XML, Gradescope results.json, GitHub step summary) on real reports."""
import copy
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest
import xmlschema

from grader.exercises import load
from grader.grading import grade_file, grade_path
from grader.render.github import append_step_summary, step_summary
from grader.render.gradescope import VISIBILITIES, gradescope_results, write_gradescope
from grader.render.junit import junit_xml
from grader.report import submission_report
from grader.sandbox.calls import Call
from grader.spec import Exercise, RubricItem
from tests.harness import grade_source

ISOLATION = {"level": "bubblewrap", "protections": ["time limits"]}
JUNIT_XSD = Path(__file__).parent / "data" / "junit.xsd"
LINEAR_HIDDEN = (
    "def build_model(n_features, n_classes):\n"
    "    m = keras.Sequential([keras.Input((n_features,)), keras.layers.Dense(16),"
    " keras.layers.Dense(n_classes, activation='softmax')])\n"
    "    m.compile(optimizer='adam', loss='sparse_categorical_crossentropy')\n"
    "    return m\n"
)
# normalize raises (an `exception` error); output_activation's answer has a pipe in it.
BROKEN = (
    "def normalize(X_train, X_test):\n"
    "    raise ValueError('boom')\n"
    "\n"
    "def output_activation(task):\n"
    "    return 'relu|softmax'\n"
)


def wrap(exercise: dict) -> dict:
    return submission_report("x/iris_net.py", [exercise], ISOLATION)


@pytest.fixture(scope="module")
def full():
    return wrap(grade_source(""))


@pytest.fixture(scope="module")
def linear():
    return wrap(grade_source(LINEAR_HIDDEN, light=False))  # a linear hidden layer passes when fully trained


@pytest.fixture(scope="module")
def broken():
    return wrap(grade_source(BROKEN))


@pytest.fixture(scope="module")
def syntax_error(tmp_path_factory):
    # A syntax error is found before anything runs, so this real grading needs no sandbox.
    path = tmp_path_factory.mktemp("syntax") / "iris_net.py"
    path.write_text("def split_data(X, y):\n    return X[\n")
    exercise, isolation = grade_file(path, load("iris_net"))
    return submission_report(str(path), [exercise], isolation)


@dataclass(frozen=True)
class BuggyPart:
    """A part whose judging code has a bug: a real fault of the grader, not of the submission."""

    function: str = "output_activation"
    rubric: tuple = (RubricItem("buggy", "A check whose code is broken", 5),)

    def calls(self) -> list[Call]:
        return [Call("buggy", self.function, ("binary",))]

    def evaluate(self, outcomes, constants):
        return {}["model"]


@pytest.fixture(scope="module")
def grader_fault(tmp_path_factory):
    # The submission does not even parse, so nothing runs in a sandbox; judging it still hits the bug.
    path = tmp_path_factory.mktemp("fault") / "iris_net.py"
    path.write_text("def output_activation(task)\n")
    spec = Exercise("iris_net", "A first Keras network for iris flowers", parts=(BuggyPart(),), pass_mark=1)
    return grade_path(path, spec)


def failed(exercise: dict) -> list[dict]:
    return [check for check in exercise["checks"] if not check["passed"]]


# --- JUnit XML ---------------------------------------------------------------------------

def parse(text: str) -> ET.Element:
    assert text.startswith("<?xml version=")
    return ET.fromstring(text)


def cases(root: ET.Element) -> dict[str, ET.Element]:
    return {case.get("name").split(":")[0]: case for case in root.iter("testcase")}


def test_junit_validates_against_the_jenkins_schema(full, linear, broken, syntax_error, grader_fault):
    xmlschema.XMLSchema(JUNIT_XSD).validate(junit_xml([full, linear, broken, syntax_error, grader_fault]))


def test_junit_counts_one_testcase_per_check_and_one_failure_per_lost_check(full, linear, broken):
    root = parse(junit_xml([full, linear, broken]))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == 3
    for suite, report in zip(suites, [full, linear, broken]):
        exercise = report["exercises"][0]
        assert suite.get("name") == "iris_net (x/iris_net.py)"
        assert suite.get("timestamp") == report["graded_at"]
        assert int(suite.get("tests")) == len(suite.findall("testcase")) == len(exercise["checks"])
        assert int(suite.get("failures")) == len(suite.findall("testcase/failure")) == len(failed(exercise))
        assert suite.get("errors") == "0" and suite.get("skipped") == "0"
        properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
        assert properties["score"] == str(exercise["score"]) and properties["isolation"] == "bubblewrap"
        assert properties["passed"] == ("true" if exercise["passed"] else "false")
        for case, check in zip(suite.findall("testcase"), exercise["checks"]):
            assert case.get("classname") == f"iris_net.{check['function']}"
            assert case.get("name") == f"{check['id']}: {check['title']}"
    assert suites[0].get("failures") == "0"
    assert int(root.get("tests")) == sum(len(r["exercises"][0]["checks"]) for r in [full, linear, broken])
    assert int(root.get("failures")) == sum(len(failed(r["exercises"][0])) for r in [full, linear, broken])


def test_junit_failure_carries_the_mistake_id_and_fix(linear):
    mistake = next(m for m in linear["exercises"][0]["mistakes"] if m["id"] == "linear-hidden-activation")
    failure = cases(parse(junit_xml([linear])))["model-hidden-layers"].find("failure")
    assert failure.get("type") == "linear-hidden-activation"
    assert failure.get("message") == mistake["message"]
    assert "linear-hidden-activation" in failure.text and mistake["fix"] in failure.text
    assert f"line {mistake['line']}" in failure.text


def test_junit_student_exception_is_a_failure_with_its_kind_and_traceback(broken):
    error = next(e for e in broken["exercises"][0]["errors"] if e["function"] == "normalize")
    root = parse(junit_xml([broken]))
    assert root.find(".//error") is None  # the student's crash is not a grader fault
    for name in ("normalize-standardized", "normalize-train-statistics"):
        failure = cases(root)[name].find("failure")
        assert failure.get("type") == "exception"
        assert "ValueError: boom" in failure.get("message")
        assert error["traceback"] and error["traceback"] in failure.text


def test_junit_module_failure_fails_every_check_with_its_kind(syntax_error):
    exercise = syntax_error["exercises"][0]
    assert [e["function"] for e in exercise["errors"]] == ["<module>"]
    root = parse(junit_xml([syntax_error]))
    failures = root.findall(".//testcase/failure")
    assert len(failures) == len(exercise["checks"]) > 0
    assert {f.get("type") for f in failures} == {"syntax-error"}
    assert all("syntax-error in <module>" in f.text for f in failures)


def test_junit_grader_fault_is_one_error(grader_fault, full):
    root = parse(junit_xml([grader_fault, full]))
    suite = root.findall("testsuite")[0]
    assert [c.get("name") for c in suite.findall("testcase")] == ["grader"]
    assert suite.get("errors") == "1" and suite.get("failures") == "0" and suite.get("tests") == "1"
    error = suite.find("testcase/error")
    assert error.get("message").startswith("KeyError") and "Traceback" in error.text
    assert root.get("errors") == "1"


def test_junit_keeps_printed_output_and_survives_control_characters(broken):
    exercise = copy.deepcopy(broken["exercises"][0])
    exercise["output"] = "Epoch 1/3 \x1b[1m━━\x1b[0m loss & <acc>\x00\n"
    exercise["output_truncated"] = True
    text = junit_xml([wrap(exercise)])
    out = parse(text).find("testsuite/system-out").text  # a strict parser: a raw \x1b would not parse
    assert "loss & <acc>" in out and "\\x1b[1m" in out and "\\x00" in out
    assert "only the beginning" in out
    xmlschema.XMLSchema(JUNIT_XSD).validate(text)


# --- Gradescope ------------------------------------------------------------------------

TOP_LEVEL = {"score", "execution_time", "output", "output_format", "test_output_format", "test_name_format",
             "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard"}
TEST_FIELDS = {"score", "max_score", "status", "name", "name_format", "number", "output", "output_format",
               "tags", "visibility", "extra_data"}
FORMATS = {"text", "html", "simple_format", "md", "ansi"}


def test_gradescope_uses_only_documented_fields_and_values(full, linear, broken):
    results = gradescope_results([full, linear, broken])
    assert set(results) <= TOP_LEVEL
    assert isinstance(results["score"], (int, float)) and isinstance(results["output"], str)
    assert results["output_format"] in FORMATS
    assert results["visibility"] in VISIBILITIES and results["stdout_visibility"] in VISIBILITIES
    assert len(results["tests"]) == sum(len(r["exercises"][0]["checks"]) for r in [full, linear, broken])
    for test in results["tests"]:
        assert set(test) <= TEST_FIELDS
        assert {"name", "score", "max_score", "status", "output"} <= set(test)
        assert isinstance(test["name"], str) and isinstance(test["output"], str) and test["output"]
        assert isinstance(test["score"], (int, float)) and isinstance(test["max_score"], (int, float))
        assert test["status"] in {"passed", "failed"} and test["visibility"] in VISIBILITIES
        assert test["output_format"] in FORMATS
        assert re.fullmatch(r"\d+\.\d+", test["number"]) and all(isinstance(tag, str) for tag in test["tags"])
    assert len({test["number"] for test in results["tests"]}) == len(results["tests"])
    json.dumps(results, allow_nan=False)


def test_gradescope_score_is_the_sum_of_its_tests(full, linear):
    for report in (full, linear):
        exercise = report["exercises"][0]
        results = gradescope_results([report])
        assert results["score"] == exercise["score"] == sum(test["score"] for test in results["tests"])
        assert sum(test["max_score"] for test in results["tests"]) == exercise["max_score"]
    assert gradescope_results([full])["score"] == 100
    both = gradescope_results([full, linear])
    assert both["score"] == 100 + linear["exercises"][0]["score"]


def test_gradescope_test_names_statuses_and_feedback(linear, broken):
    tests = {test["name"]: test for test in gradescope_results([linear])["tests"]}
    hidden = tests["iris_net: Hidden layers with a non-linear activation"]
    assert hidden["status"] == "failed" and hidden["score"] == 0 and hidden["max_score"] == 8
    mistake = linear["exercises"][0]["mistakes"][0]
    assert "linear-hidden-activation" in hidden["output"] and mistake["fix"] in hidden["output"]
    assert tests["iris_net: The model is compiled"]["status"] == "passed"
    normalize = next(t for t in gradescope_results([broken])["tests"] if t["name"] == "iris_net: Features are standardized")
    assert "exception in normalize: ValueError: boom" in normalize["output"] and 'File "' in normalize["output"]
    summary = gradescope_results([linear, broken])["output"]
    assert "PASS" in summary and "FAIL" in summary and "isolation: bubblewrap" in summary


def test_gradescope_visibility_is_a_parameter(full):
    results = gradescope_results([full], visibility="after_published")
    assert results["visibility"] == "after_published"
    assert {test["visibility"] for test in results["tests"]} == {"after_published"}
    assert gradescope_results([full])["visibility"] == "visible"
    with pytest.raises(ValueError, match="visibility"):
        gradescope_results([full], visibility="public")


def test_write_gradescope_writes_strict_json(full, tmp_path):
    path = tmp_path / "results" / "results.json"
    write_gradescope([full], path)
    assert json.loads(path.read_text()) == gradescope_results([full])


# --- GitHub step summary ---------------------------------------------------------------

def check_rows(markdown: str) -> list[str]:
    return [line for line in markdown.splitlines() if line.startswith(("| ✓ passed |", "| ✗ failed |"))]


def test_step_summary_appends(full, broken, tmp_path):
    path = tmp_path / "summary.md"
    path.write_text("# earlier step\n")
    env = {"GITHUB_STEP_SUMMARY": str(path)}
    assert append_step_summary([full], env) is True
    assert append_step_summary([broken], env) is True
    text = path.read_text()
    assert text.startswith("# earlier step\n")
    assert text.count("## ✅ PASS: `x/iris_net.py`, 100/100") == 1
    assert text.count("## ❌ FAIL: `x/iris_net.py`") == 1
    assert text.index("✅ PASS") < text.index("❌ FAIL")
    assert len(check_rows(text)) == 2 * len(full["exercises"][0]["checks"])


def test_step_summary_needs_the_variable(full, tmp_path):
    assert append_step_summary([full], {}) is False
    assert append_step_summary([full], {"GITHUB_STEP_SUMMARY": ""}) is False
    assert list(tmp_path.iterdir()) == []


def test_step_summary_table_mistakes_and_errors(linear, broken, syntax_error):
    text = step_summary([linear])
    exercise = linear["exercises"][0]
    rows = check_rows(text)
    assert len(rows) == len(exercise["checks"])
    assert sum(row.startswith("| ✗ failed") for row in rows) == len(failed(exercise))
    assert "PASS" in text and "Isolation: **bubblewrap** (time limits)" in text
    assert re.search(r"^- error `linear-hidden-activation` \(`build_model`, line \d+\): `.*Fix: give each hidden Dense.*`$",
                     text, re.M)
    broken_text = step_summary([broken])
    assert "FAIL" in broken_text
    assert "- `exception` in `normalize`: `ValueError: boom`" in broken_text
    rows = "\n".join(check_rows(broken_text))
    assert "relu\\|softmax" in rows and "relu|softmax" not in rows
    for row in check_rows(broken_text):  # an escaped pipe does not add a column
        assert len(re.split(r"(?<!\\)\|", row)) == 7
    assert "- `syntax-error` in `<module>`:" in step_summary([syntax_error])


def test_a_grader_fault_is_said_in_every_format_and_never_blamed_on_the_student(grader_fault):
    from bs4 import BeautifulSoup

    from grader.render.html import render_html
    from grader.render.terminal import render

    exercise = grader_fault["exercises"][0]
    assert exercise["grader_error"]["message"].startswith("KeyError") and exercise["score"] == 0
    assert "evaluate" in exercise["grader_error"]["traceback"]  # the grader's own frames, for the instructor
    results = gradescope_results([grader_fault])
    fault = [t for t in results["tests"] if "grader-error" in t["tags"]]
    assert len(fault) == 1 and fault[0]["status"] == "failed" and "not a fault in your code" in fault[0]["output"]
    assert "**GRADER ERROR**" in step_summary([grader_fault])
    assert "grader error: KeyError" in render(grader_fault)
    page = BeautifulSoup(render_html(grader_fault), "html.parser")
    article = page.select_one("article[data-error=grader-error]")
    assert "not in your code" in article.get_text() and "KeyError" in article.select_one(".message").get_text()


def test_failures_list_only_the_mistakes_that_cost_that_check(linear):
    exercise = linear["exercises"][0]
    assert all(m["checks"] or m["severity"] == "warning" for m in exercise["mistakes"])
    root = parse(junit_xml([linear]))
    for check in failed(exercise):
        text = cases(root)[check["id"]].find("failure").text
        for mistake in exercise["mistakes"]:
            assert (f" {mistake['id']} " in text) == (check["id"] in mistake["checks"]), (check["id"], mistake["id"])
