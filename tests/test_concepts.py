"""The concepts exercise: multiple-choice constants graded, the free-text answer only recorded."""
import json
import types
import xml.etree.ElementTree as ET

from bs4 import BeautifulSoup

from grader.grading import _manual
from grader.render.gradescope import gradescope_results
from grader.render.html import render_html
from grader.render.junit import junit_xml
from grader.render.terminal import render
from grader.report import submission_report
from grader.sandbox import child
from grader.sandbox.calls import decode_constants
from grader.spec import ManualItem
from tests.harness import ROOT, grade_source

ISOLATION = {"level": "bubblewrap", "protections": []}
EXPLAIN = ManualItem("EXPLAIN", "A neuron, a layer and an epoch in your own words", 20)


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


def test_a_long_answer_keeps_its_whole_word_count_and_every_format_says_where_it_was_cut():
    exercise = grade_source('EXPLAIN = "' + "word " * 3000 + '"\n', "concepts")
    [manual] = exercise["manual"]
    assert manual["words"] == 3000 and manual["chars"] == len("word " * 3000) - 1 and manual["cut"]
    assert manual["answer"].endswith("[... cut here: the answer has 14,999 characters; this report keeps the first 5,000]")
    report = submission_report("x/concepts.py", [exercise], ISOLATION)
    page = BeautifulSoup(render_html(report), "html.parser")
    assert "cut here" in page.select_one("article[data-manual=EXPLAIN] pre.answer").get_text()
    [test] = [t for t in gradescope_results([report])["tests"] if "manual" in t["tags"]]
    assert "cut here" in test["output"] and "3000 words" in render(report)


def test_an_answer_longer_than_a_returned_string_crosses_the_sandbox_whole():
    module = types.ModuleType("submission")
    module.EXPLAIN = "word " * 30_000  # 150,000 characters; a returned string is cut at 10,000
    sent = json.loads(json.dumps(child._constants(module, ["EXPLAIN"])))
    assert _manual(EXPLAIN, decode_constants(sent)["EXPLAIN"])["words"] == 30_000
    module.EXPLAIN = "word " * 100_000  # beyond what crosses: the report says how much was read
    manual = _manual(EXPLAIN, decode_constants(json.loads(json.dumps(child._constants(module, ["EXPLAIN"]))))["EXPLAIN"])
    assert manual["chars"] == 500_000 and manual["cut"] and "only its first 199,9" in manual["note"]


def test_an_answer_written_as_strings_separated_by_commas_is_recorded_as_written():
    source = ('EXPLAIN = ("A neuron weighs its inputs and adds a bias.",\n'
              '           "A layer is a group of neurons.",\n'
              '           "An epoch is one pass over the data.")\n')
    [manual] = grade_source(source, "concepts")["manual"]
    assert manual["status"] == "needs manual grading" and manual["words"] == 24
    assert manual["answer"] == ("A neuron weighs its inputs and adds a bias. A layer is a group of neurons. "
                                "An epoch is one pass over the data.")
    assert "3 strings separated by commas" in manual["note"]
    module = types.ModuleType("submission")
    exec(source, module.__dict__)  # as it crosses the sandbox: a tuple of strings
    sent = json.loads(json.dumps(child._constants(module, ["EXPLAIN"])))
    assert _manual(EXPLAIN, decode_constants(sent)["EXPLAIN"])["answer"] == manual["answer"]
    [manual] = grade_source("EXPLAIN = 42\n", "concepts")["manual"]
    assert manual["status"] == "not answered" and "not text (42)" in manual["note"]


def test_a_letter_followed_by_a_comma_is_told_to_remove_the_comma():
    q1 = next(c for c in grade_source('Q1 = "b",\n', "concepts")["checks"] if c["id"] == "q1")
    assert not q1["passed"] and "remove the comma after the string" in q1["message"]
