"""The concepts exercise: multiple-choice constants graded, the free-text answer only recorded."""
import xml.etree.ElementTree as ET

from bs4 import BeautifulSoup

from grader.render.gradescope import gradescope_results
from grader.render.html import render_html
from grader.render.junit import junit_xml
from grader.render.terminal import render
from grader.report import submission_report
from tests.harness import ROOT, grade_source

ISOLATION = {"level": "bubblewrap", "protections": []}


def test_reference_gets_every_automatic_point_and_its_text_is_recorded_for_the_instructor():
    report = grade_source("", "concepts")
    assert report["score"] == report["max_score"] == 80 and report["passed"]
    [manual] = report["manual"]
    assert manual["id"] == "EXPLAIN" and manual["status"] == "needs manual grading" and manual["words"] > 40
    assert "epoch" in manual["answer"]


def test_stub_gets_zero_and_every_question_says_not_answered():
    report = grade_source((ROOT / "exercises" / "concepts.py").read_text(), "concepts")
    assert report["score"] == 0 and not report["errors"]
    assert all("not answered" in check["message"] for check in report["checks"])
    assert report["manual"][0]["status"] == "not answered"


def test_a_wrong_answer_gets_a_hint_not_the_answer():
    report = grade_source('Q1 = "a"\nQ5 = " D "\n', "concepts")
    q1 = next(c for c in report["checks"] if c["id"] == "q1")
    assert not q1["passed"] and "Hint:" in q1["message"] and "'b'" not in q1["message"]
    assert next(c for c in report["checks"] if c["id"] == "q5")["passed"]  # case and spaces do not matter
    assert report["score"] == 70


def test_free_text_never_changes_the_score():
    answered = grade_source('EXPLAIN = "' + "word " * 80 + '"\n', "concepts")
    empty = grade_source('EXPLAIN = ""\n', "concepts")
    assert answered["score"] == empty["score"] == 80 and answered["max_score"] == 80


def test_every_format_shows_the_manual_item_as_pending():
    report = submission_report("x/concepts.py", [grade_source("", "concepts")], ISOLATION)
    suite = ET.fromstring(junit_xml([report])).find("testsuite")
    assert suite.get("skipped") == "1" and suite.find("testcase/skipped") is not None
    manual = [t for t in gradescope_results([report])["tests"] if "manual" in t["tags"]]
    assert len(manual) == 1 and manual[0]["max_score"] == 0 and "graded by your instructor" in manual[0]["output"]
    page = BeautifulSoup(render_html(report), "html.parser")
    assert "epoch" in page.select_one("article[data-manual=EXPLAIN] pre.answer").get_text()
    assert "needs manual grading" in render(report)
