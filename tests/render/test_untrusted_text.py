"""Nothing a submission writes can forge or break a report: hostile text in every untrusted field of
real graded reports, through every renderer, read back with the format's own parser."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import cmarkgfm
import pytest
import xmlschema
from bs4 import BeautifulSoup, Comment, Declaration, ProcessingInstruction
from cmarkgfm.cmark import Options

from grader.exercises import load
from grader.grading import grader_fault
from grader.render import svg
from grader.render.github import append_step_summary, step_summary
from grader.render.gradescope import gradescope_results
from grader.render.html import render_html
from grader.render.junit import junit_xml
from grader.render.summary import render_summary, write_summary
from grader.render.terminal import COLORS, render
from grader.report import submission_report
from tests.harness import grade_source
from tests.render.conftest import ISOLATION
from tests.render.hostile import BENIGN, PAYLOADS, RAW, every_string, untrusted

JUNIT_XSD = Path(__file__).parent / "data" / "junit.xsd"
OWN_SGR = re.compile("\x1b\\[(?:%s)m" % "|".join(["0", *COLORS.values()]))  # the terminal renderer's own colours


@pytest.fixture(scope="module")
def samples(reports) -> list[dict]:
    """Real reports with every kind of content: checks, mistakes, errors with tracebacks, a grader fault,
    a free-text answer, a model table and charts."""
    concepts = submission_report("students/c/concepts.py", [grade_source("EXPLAIN = 'a neuron sums'", "concepts")],
                                 ISOLATION)
    try:  # a grader fault with the traceback of a raised exception
        {}["model"]
    except KeyError as exc:
        fault = submission_report("students/f/iris_net.py", [grader_fault(load("iris_net"), exc)], ISOLATION)
    unprotected = {**ISOLATION, "unprotected": ["the network"]}  # so the new field is rendered too
    return [{**report, "isolation": unprotected} for report in [*reports.values(), concepts, fault]]


def hostile(samples: list[dict], payload: str) -> list[dict]:
    return [untrusted(report, payload) for report in samples]


def everywhere(samples: list[dict], payload: str) -> list[dict]:
    """The payload in every string of the reports, for the formats that escape everything they take."""
    return [untrusted(every_string(report, payload), payload) for report in samples]


def skeleton(markup: str) -> list:
    """Every element with its attribute names, and every comment, declaration and processing instruction."""
    page = BeautifulSoup(markup, "html.parser")
    nodes = [(tag.name, tuple(sorted(tag.attrs))) for tag in page.find_all(True)]
    return nodes + [type(node).__name__ for node in page.find_all(string=lambda s: isinstance(
        s, (Comment, Declaration, ProcessingInstruction)))]


# --- Terminal --------------------------------------------------------------------------

@pytest.mark.parametrize("color", [False, True])
@pytest.mark.parametrize("name", PAYLOADS)
def test_terminal_shows_control_characters_and_keeps_its_own_lines(samples, name, color):
    payload = PAYLOADS[name]
    for report, benign in zip(everywhere(samples, payload), everywhere(samples, BENIGN)):
        text, expected = render(report, color=color), render(benign, color=color)
        assert not RAW.search(OWN_SGR.sub("", text)), repr(RAW.search(OWN_SGR.sub("", text)))
        # The renderer's own lines (a header, a line per exercise, check, mistake, error and note) are all
        # there and no more: the submission's text only ever continues one, or is an indented traceback line.
        own = [line for line in OWN_SGR.sub("", text).split("\n") if not line.startswith("      ")]
        assert len(own) == len([line for line in OWN_SGR.sub("", expected).split("\n") if not line.startswith("      ")])


def test_terminal_shows_escape_sequences_as_text(samples):
    text = render(hostile(samples, PAYLOADS["ansi"] + PAYLOADS["bidi"])[1])
    assert "\\x1b[31mred\\x1b[0m \\x1b[2J\\x1b[H\\x1b[1A\\x1b]0;title\\x07" in text and "\\u202eevil\\u202c" in text


def test_terminal_traceback_keeps_its_lines_indented(reports):
    report = untrusted(reports["erroring"], "\nline two\x1b[2J\n\x1b]0;title\x07line three")
    text = render(report)
    assert "      line two\\x1b[2J" in text.split("\n") and "      \\x1b]0;title\\x07line three" in text.split("\n")


# --- GitHub step summary ---------------------------------------------------------------

def gfm(markdown: str) -> str:
    """GitHub's own parser with GitHub's extensions; raw HTML kept, as GitHub keeps the HTML it allows."""
    return cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)


@pytest.mark.parametrize("name", PAYLOADS)
def test_step_summary_has_only_the_renderers_own_structure(samples, name, tmp_path):
    markdown = step_summary(hostile(samples, PAYLOADS[name]))
    html = gfm(markdown)
    # No heading, table row or cell, link, image, raw HTML or comment beyond the ones the renderer writes.
    assert skeleton(html) == skeleton(gfm(step_summary(hostile(samples, BENIGN))))
    page = BeautifulSoup(html, "html.parser")
    assert not page.find_all(["a", "img", "script", "details", "del", "blockquote", "pre"])
    verdicts = ["✅ PASS" if all(ex["passed"] for ex in r["exercises"]) else "❌ FAIL" for r in samples]
    assert [h.get_text().split(": students/")[0] for h in page.find_all("h2")] == verdicts
    assert not RAW.search(markdown)
    path = tmp_path / "summary.md"
    assert append_step_summary(hostile(samples, PAYLOADS[name]), {"GITHUB_STEP_SUMMARY": str(path)})
    assert path.read_text(encoding="utf-8") == markdown + "\n"


def test_step_summary_shows_the_submissions_text_as_it_is(samples):
    payload = "<b>x</b> | `y` ``z`` \\|"
    page = BeautifulSoup(gfm(step_summary(hostile(samples, payload))), "html.parser")
    codes = [code.get_text() for code in page.find_all("code")]
    assert any(code.endswith(payload) for code in codes)  # the message, in a table cell and in a list
    assert f"students/{payload}/iris_net.py" in codes


# --- JUnit XML -------------------------------------------------------------------------

@pytest.mark.parametrize("name", PAYLOADS)
def test_junit_parses_strictly_and_validates_with_hostile_text_everywhere(samples, name):
    text = junit_xml(everywhere(samples, PAYLOADS[name]))
    root = ET.fromstring(text)  # expat: a character XML 1.0 forbids is an error
    xmlschema.XMLSchema(JUNIT_XSD).validate(text)
    benign = ET.fromstring(junit_xml(everywhere(samples, BENIGN)))
    assert [(e.tag, sorted(e.attrib)) for e in root.iter()] == [(e.tag, sorted(e.attrib)) for e in benign.iter()]
    for element in root.iter():
        for value in [element.text or "", *element.attrib.values()]:
            assert not RAW.search(value), (element.tag, value[:200])


def test_junit_failure_type_and_properties_are_clean(reports):
    report = every_string(untrusted(reports["erroring"], "\x00\x1b[31m"), "\ud800")
    root = ET.fromstring(junit_xml([report]))
    types = {failure.get("type") for failure in root.iter("failure")}
    assert any(t.startswith("exception\\x00\\x1b[31m") for t in types)
    properties = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert properties["submission"].endswith("\\x00\\x1b[31m/iris_net.py\\ud800")


# --- Gradescope ------------------------------------------------------------------------

def strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in strings(item)]
    return []


@pytest.mark.parametrize("name", PAYLOADS)
def test_gradescope_text_has_no_escape_sequence(samples, name):
    results = gradescope_results(everywhere(samples, PAYLOADS[name]))
    for text in strings(results):
        assert not RAW.search(text), text[:200]
    json.dumps(results, allow_nan=False, ensure_ascii=False).encode("utf-8")


def test_gradescope_shows_escape_sequences_visibly(samples):
    results = gradescope_results(hostile(samples, PAYLOADS["ansi"]))
    answer = next(t for t in results["tests"] if "manual" in t["tags"])["output"]
    assert answer.endswith("\\x1b[31mred\\x1b[0m \\x1b[2J\\x1b[H\\x1b[1A\\x1b]0;title\\x07 "
                           "\\x1b]8;;https://evil.example\\x1b\\link\\x1b]8;;\\x1b\\ \\x08\\x7f")


# --- HTML report -----------------------------------------------------------------------

@pytest.mark.parametrize("name", PAYLOADS)
def test_html_report_has_no_element_or_attribute_from_the_submission(samples, name):
    for report, benign in zip(everywhere(samples, PAYLOADS[name]), everywhere(samples, BENIGN)):
        html = render_html(report)
        assert skeleton(html) == skeleton(render_html(benign))
        page = BeautifulSoup(html, "html.parser")
        assert not page.find_all(["script", "img", "iframe", "object", "embed", "link"])
        assert all(tag["href"].startswith("#") for tag in page.find_all(href=True))
        assert not RAW.search(html)
        html.encode("utf-8")


def test_html_report_shows_the_submissions_text(samples):
    payload = '<script>alert(1)</script>\x1b[2J\u202e'
    page = BeautifulSoup(render_html(untrusted(samples[1], payload)), "html.parser")
    assert page.select_one("dl.meta dd").get_text() == "students/<script>alert(1)</script>\\x1b[2J\\u202e/iris_net.py"
    assert page.select_one("table[data-testid=model] code").get_text().endswith("<script>alert(1)</script>\\x1b[2J\\u202e")


def test_html_excerpt_marks_the_line_python_numbers(reports):
    """A form feed or line separator in the student's code is no line break for Python: the marked line
    stays the one the mistake is on."""
    report = untrusted(reports["linear_hidden"], "  # \x0c\u2028\x1c\x85")
    mistake = next(m for m in report["exercises"][0]["mistakes"] if m["id"] == "linear-hidden-activation")
    page = BeautifulSoup(render_html(report), "html.parser")
    marked = page.select_one("article[data-mistake=linear-hidden-activation] pre.source mark")
    assert marked["data-line"] == str(mistake["line"]) and "Dense(16" in marked.get_text()
    assert marked.get_text().endswith("# \\x0c\\u2028\\x1c\\x85")


def test_svg_charts_escape_every_label():
    payload = PAYLOADS["all"]
    charts = {
        "line": lambda p: svg.line_chart(p, p, [(p, [0.1, 0.5], "#000", "solid")], p, x_label=p, reference=(0.5, p)),
        "bar": lambda p: svg.bar_chart(p, p, [p, p], [(p, [1.0, None])], p, reference=(0.5, p)),
        "heatmap": lambda p: svg.heatmap(p, p, [p, p], [[1, 2], [3, 4]], row_label=p, column_label=p),
        "histogram": lambda p: svg.histogram(p, p, [0, 50, 100], [1, 2], p, y_label=p, reference=(70, p)),
    }
    for name, chart in charts.items():
        markup = chart(payload)
        assert skeleton(markup) == skeleton(chart(BENIGN)), name
        assert not RAW.search(markup), name
        ET.fromstring(markup)  # well-formed XML too


# --- Class summary page ----------------------------------------------------------------

def hostile_class(results: dict, payload: str) -> dict:
    """The class with the payload in every student id, exercise name, error kind and message."""
    renamed = {e["name"]: e["name"] + payload for e in results["exercises"]}

    def path(student: str, exercise: str) -> str:
        """As bulk names a report; a real folder name holds no lone surrogate but os.fsdecode's (\udc80-\udcff)."""
        return re.sub("[\ud800-\udc7f\udd00-\udfff]", "", f"reports/{(student + payload).replace('/', '_')}/{renamed[exercise]}.html")

    students = []
    for s in results["students"]:
        cells = {}
        for exercise, r in s["results"].items():
            errors = [{**e, "kind": e["kind"] + payload, "message": e["message"] + payload} for e in r.get("errors", [])]
            cells[renamed[exercise]] = {**r, "errors": errors, "report": r["report"] and path(s["student"], exercise)}
        students.append({**s, "student": s["student"] + payload, "results": cells})
    return {**results, "title": results["title"] + payload, "students": students,
            "exercises": [{**e, "name": renamed[e["name"]], "title": e["title"] + payload} for e in results["exercises"]],
            "problems": [{**p, "student": p["student"] + payload, "exercise": p["exercise"] and renamed[p["exercise"]],
                          "kind": p["kind"] + payload, "message": p["message"] + payload,
                          "report": p["report"] and path(p["student"], p["exercise"])} for p in results["problems"]],
            "similar": [{**p, "exercise": renamed[p["exercise"]], "students": [s + payload for s in p["students"]]}
                        for p in results["similar"]]}


@pytest.mark.parametrize("name", PAYLOADS)
def test_summary_page_has_no_element_or_attribute_from_a_submission(class_results, name):
    html = render_summary(hostile_class(class_results, PAYLOADS[name]))
    assert skeleton(html) == skeleton(render_summary(hostile_class(class_results, BENIGN)))
    page = BeautifulSoup(html, "html.parser")
    assert not page.find_all(["script", "img", "iframe", "object", "embed", "link"])
    assert all(not re.match(r"[a-z]+:|//", a["href"]) for a in page.find_all(href=True))
    assert not RAW.search(html)


def test_a_folder_name_that_is_not_utf8_is_shown_and_linked(class_results, tmp_path):
    results = hostile_class(class_results, "\udcff")  # os.listdir's spelling of the byte 0xff
    path = write_summary(results, tmp_path / "summary.html")
    page = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    assert "bob\\udcff" in page.select_one("table[data-testid=students]").get_text()
    assert page.find("a", href=re.compile("^reports/bob%FF/"))


# --- What the sandbox does not protect -------------------------------------------------

UNPROTECTED = {"level": "process-limits", "protections": ["time limits", "memory limit"],
               "unprotected": ["the network", "your files"]}


def test_every_format_says_what_the_sandbox_does_not_protect(reports):
    report = {**reports["reference"], "isolation": UNPROTECTED}
    assert "isolation: process-limits; not protected: the network, your files)" in render(report).split("\n")[0]
    page = BeautifulSoup(render_html(report), "html.parser")
    assert page.select_one("[data-testid=unprotected]").get_text() == "the network, your files"
    properties = {p.get("name"): p.get("value") for p in ET.fromstring(junit_xml([report])).iter("property")}
    assert properties["unprotected"] == "the network, your files"
    assert "(time limits, memory limit). Not protected: the network, your files." in step_summary([report])
    assert "isolation: process-limits (time limits, memory limit); not protected: the network, your files" in \
        gradescope_results([report])["output"]


def test_an_older_report_without_the_field_says_nothing_of_it(reports):
    report = {**reports["reference"], "isolation": {"level": "bubblewrap", "protections": ["time limits"]}}
    page = BeautifulSoup(render_html(report), "html.parser")
    assert page.select_one("[data-testid=unprotected]") is None
    assert "not protected" not in render(report).lower() + step_summary([report]).lower() + \
        gradescope_results([report])["output"].lower()
    properties = {p.get("name"): p.get("value") for p in ET.fromstring(junit_xml([report])).iter("property")}
    assert properties["unprotected"] == ""


def test_step_summary_bounds_what_one_field_may_add(reports):
    """GitHub refuses a step summary over 1 MiB: a megabyte message adds a bounded, marked excerpt."""
    report = untrusted(reports["erroring"], "`|" * 500_000)
    markdown = step_summary([report])
    assert len(markdown) < 100_000 and re.search(r"`\|`\|\.\.\. \(998,\d{3} more characters\)`", markdown)
    assert skeleton(gfm(markdown)) == skeleton(gfm(step_summary([untrusted(reports["erroring"], BENIGN)])))
