"""The class summary page, read through its structure (parsed HTML), for a class graded from real submissions."""
from __future__ import annotations

import copy
import re
from urllib.parse import quote, urlsplit

import pytest
from bs4 import BeautifulSoup

from grader.render.summary import render_summary, write_summary
from tests.render.summary_data import as_bulk_writes

HOSTILE = "<script>alert(1)</script>"
TRAVERSAL = "../../etc"
SECTIONS = ("overview", "distribution", "pass-rates", "mistakes", "problems", "similar", "students")


@pytest.fixture(scope="module")
def class_results(class_results) -> dict:
    """The conftest's class, with the counts and similarity findings `grader bulk` writes into it."""
    return as_bulk_writes(class_results, kept=3)


@pytest.fixture(scope="module")
def page(class_results) -> BeautifulSoup:
    return BeautifulSoup(render_summary(class_results), "html.parser")


def student(results: dict, name: str) -> dict:
    return next(s for s in results["students"] if s["student"] == name)


def results_of(results: dict, exercise: str) -> list[dict]:
    return [s["results"][exercise] for s in results["students"] if exercise in s["results"]]


def texts(row) -> list[str]:
    return [cell.get_text(" ", strip=True) for cell in row.find_all(["th", "td"])]


def test_one_page_with_a_heading_per_section(page, class_results):
    assert page.html["lang"] == "en" and page.title.get_text() == class_results["title"]
    assert [h.get_text(strip=True) for h in page.find_all("h1")] == [class_results["title"]]
    for section_id in SECTIONS:
        section = page.find("section", id=section_id)
        assert section is not None, section_id
        assert section.find(id=section["aria-labelledby"]).name == "h2"
    assert [a["href"] for a in page.select("nav a")] == [f"#{s}" for s in SECTIONS]
    for table in page.find_all("table"):
        assert table.caption.get_text(strip=True)
        assert all(th.get("scope") in ("col", "row") for th in table.find_all("th"))


def test_overview_counts(page, class_results):
    """The overview prints the counts the bulk run made, each in the words grader.bulk.counts gives it."""
    counts = class_results["counts"]
    assert [counts[key] for key in ("passed", "failed", "errored", "grader-error", "malformed")] == [8, 1, 1, 0, 1]
    keys = ("students", "exercises", "gradings", "made", "kept", "passed", "failed", "errored", "grader-error",
            "malformed", "version")
    value = {key: page.select_one(f"#overview [data-testid={key}]").get_text(strip=True) for key in keys}
    assert value == {"students": "7", "exercises": "iris_net, neuron", "gradings": "11", "made": "8", "kept": "3",
                     "passed": "8", "failed": "1", "errored": "1", "grader-error": "0", "malformed": "1",
                     "version": f"nn-grader {class_results['grader_version']}"}
    overview = " ".join(page.select_one("#overview").get_text(" ").split())
    assert "Gradings 11 ( 8 graded by this run, 3 kept from earlier runs)" in overview
    assert "Could not be graded 1 none of the student's functions could be graded" in overview
    assert "Malformed submissions 1 the whole submission could not be opened" in overview
    assert page.select_one("[data-testid=problem-counts]").get_text() == (
        "1 could not be graded, 0 grader errors, 1 malformed submission.")
    assert page.select_one('nav a[href="#problems"]').get_text() == "Submissions with errors (2)"
    assert page.select_one("[data-testid=generated]")["datetime"] == class_results["generated_at"]


def test_a_score_histogram_per_exercise(page, class_results):
    charts = page.select("#distribution [data-testid=chart-scores] svg")
    assert len(charts) == len(class_results["exercises"])
    for chart, exercise in zip(charts, class_results["exercises"]):
        assert chart["role"] == "img" and exercise["name"] in chart.title.get_text()
        assert all(page.find(id=label) for label in chart["aria-labelledby"].split())
        assert f"pass mark, {exercise['pass_mark']:g}" in chart.desc.get_text()
        expected = [0] * 10
        for result in results_of(class_results, exercise["name"]):
            if result["status"] == "graded":
                expected[min(int(result["score"] // 10), 9)] += 1
        assert [int(t.get_text()) for t in chart.select("text.value")] == expected
    assert page.select_one("#distribution svg").select("rect.bar-0")[-1].title.get_text() == "90 to 100: 2"


def test_pass_rate_per_exercise(page, class_results):
    rows = page.select("table[data-testid=pass-rates] tbody tr")
    assert [row["data-exercise"] for row in rows] == [e["name"] for e in class_results["exercises"]]
    for row, exercise in zip(rows, class_results["exercises"]):
        submitted = results_of(class_results, exercise["name"])
        outcomes = [r["outcome"] for r in submitted]
        judged = len(submitted) - outcomes.count("grader-error")
        cells = texts(row)[1:]
        assert cells == [str(len(submitted)), *(str(outcomes.count(o)) for o in ("passed", "failed", "errored",
                                                                                 "grader-error")),
                         f"{100 * outcomes.count('passed') / judged:.0f}%"]
    assert texts(rows[1])[1:] == ["4", "3", "0", "1", "0", "75%"]  # neuron: the crashed one did not pass
    bars = [t.get_text() for t in page.select("[data-testid=chart-pass-rates] text.value")]
    assert bars == [texts(row)[-1] for row in rows]


def test_mistakes_most_frequent_first_with_who_made_them(page, class_results):
    who: dict[str, set[str]] = {}
    for s in class_results["students"]:
        for result in s["results"].values():
            for mistake in result["mistakes"]:
                who.setdefault(mistake, set()).add(s["student"])
    rows = page.select("table[data-testid=mistakes] tbody tr")
    assert {row["data-mistake"] for row in rows} == set(who)
    counts = [int(texts(row)[2]) for row in rows]
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]
    catalog = class_results["mistake_catalog"]
    for row in rows:
        mistake = row["data-mistake"]
        assert row.th.get_text(" ", strip=True) == f"{catalog[mistake]['title']} {mistake}"
        assert row.select_one(".badge").get_text() == catalog[mistake]["severity"]
        assert int(texts(row)[2]) == len(who[mistake])
        assert [s.get_text() for s in row.select(".who .student")] == sorted(who[mistake])
    linear = page.select_one("tr[data-mistake=linear-hidden-activation]")
    assert texts(linear)[2:4] == ["2", "iris_net"] and linear.select_one(".who").get_text() == "bob, carol"
    assert texts(page.select_one("tr[data-mistake=unstable-softmax]"))[2:] == ["1", "neuron", "bob"]


def test_errored_submissions_with_kind_message_and_report(page, class_results):
    rows = page.select("table[data-testid=problems] tbody tr")
    problems = sorted(class_results["problems"], key=lambda p: (p["student"], p["exercise"] or ""))
    assert len(rows) == len(problems) == 4
    for row, problem in zip(rows, problems):
        cells = texts(row)
        assert cells[0] == problem["student"] and row["data-kind"] == problem["kind"] == cells[2]
        assert cells[1] == (problem["exercise"] or "whole submission") and cells[3] == problem["message"]
        link = row.find("a")
        assert (link["href"] if link else None) == (quote(problem["report"]) if problem["report"] else None)
        assert cells[4] == ("report" if problem["report"] else "no report")
    assert [row["data-kind"] for row in rows] == ["crashed", "exception", "not-implemented", "malformed"]


def test_similar_pairs_are_a_hint_not_a_penalty(page, class_results):
    section = page.select_one("#similar")
    assert "never a penalty" in section.select_one(".hint").get_text()
    rows = section.select("table[data-testid=similar] tbody tr")
    assert [texts(row) for row in rows] == [["iris_net", "bob", "carol", "100%"]]
    reports = [student(class_results, s)["results"]["iris_net"]["report"] for s in ("bob", "carol")]
    assert [a["href"] for a in rows[0].find_all("a")] == [quote(r) for r in reports]


def test_one_row_per_student_with_linked_scores_and_words_for_pass_and_fail(page, class_results):
    names = [e["name"] for e in class_results["exercises"]]
    assert texts(page.select_one("table[data-testid=students] thead tr")) == ["Student", *names, "Total", "Exercises passed"]
    rows = page.select("table[data-testid=students] tbody tr")
    assert [row.th.get_text() for row in rows] == sorted(s["student"] for s in class_results["students"])
    for row in rows:
        s = student(class_results, row.th.get_text())
        cells = row.find_all("td")
        for cell, name in zip(cells, names):
            result = s["results"].get(name)
            if result is None:
                assert cell.get_text(strip=True) == "not submitted" and not cell.find("a")
            elif result["status"] == "graded":
                assert cell.a["href"] == quote(result["report"])
                assert cell.a.get_text() == f"{result['score']:g} / {result['max_score']:g}"
                verdict = cell.select_one(".ok, .bad").get_text()
                assert verdict == ("passed" if result["passed"] else "failed")
                errors = len(result["errors"])
                assert (f"{errors} error" in cell.get_text()) == bool(errors)
            else:
                assert cell.get_text(strip=True) == "could not be graded" and not cell.find("a")
        assert cells[-2].get_text(strip=True) == f"{s['total']:g} / {s['max_total']:g}"
    assert texts(rows[0]) == [TRAVERSAL, "49 / 100 failed", "could not be graded", "49 / 200", "0 of 1 graded"]
    assert texts(rows[1])[1:3] == ["80 / 100 passed 1 error", "90 / 100 passed 1 error"]


def test_an_exercise_that_could_not_be_graded_links_its_report_when_there_is_one(class_results):
    results = copy.deepcopy(class_results)
    student(results, TRAVERSAL)["results"]["neuron"]["report"] = "reports/etc/neuron.html"
    row = BeautifulSoup(render_summary(results), "html.parser").select("table[data-testid=students] tbody tr")[0]
    cell = row.find_all("td")[1]
    assert cell.get_text(" ", strip=True) == "could not be graded report" and cell.a["href"] == "reports/etc/neuron.html"


def test_untrusted_ids_are_escaped(class_results):
    html = render_summary(class_results)
    page = BeautifulSoup(html, "html.parser")
    assert HOSTILE not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert not page.find_all("script")
    shown = [th.get_text() for th in page.select("table[data-testid=students] th[scope=row]")]
    assert HOSTILE in shown and TRAVERSAL in shown and '=HYPERLINK("http://example.com","x")' in shown
    # the hostile id's report link is percent-encoded, so it names the folder and nothing else
    assert page.find("a", href="reports/%3Cscript%3Ealert%281%29%3C_script%3E/iris_net.html")


@pytest.mark.parametrize("report, href", [
    ("reports/../../etc/iris_net.html", None),
    ("../outside.html", None),
    ("/etc/passwd", None),
    ("//evil.example/x.html", None),
    ("javascript:alert(1)", "javascript%3Aalert%281%29"),
    ("reports/a b#c?d/iris_net.html", "reports/a%20b%23c%3Fd/iris_net.html"),
])
def test_links_stay_relative_and_inside_the_output_folder(class_results, report, href):
    results = copy.deepcopy(class_results)
    student(results, "alice")["results"]["iris_net"]["report"] = report
    page = BeautifulSoup(render_summary(results), "html.parser")
    alice = next(row for row in page.select("table[data-testid=students] tbody tr") if row.th.get_text() == "alice")
    link = alice.find_all("td")[0].find("a")
    assert (link["href"] if link else None) == href
    assert alice.find_all("td")[0].get_text(" ", strip=True) == "100 / 100 passed"  # the score stays, as text


def test_self_contained_with_relative_links_only(page):
    assert not page.find_all(["script", "link", "img", "iframe", "object", "embed"])
    assert not page.find_all(src=True) and not re.search(r"url\(|@import", page.style.get_text())
    for tag in page.find_all(href=True):
        href = urlsplit(tag["href"])
        assert not href.scheme and not href.netloc and not tag["href"].startswith("/"), tag
        assert ".." not in href.path.split("/"), tag


def test_an_empty_class(class_results):
    empty = as_bulk_writes({**class_results, "exercises": [], "students": [], "problems": [], "similar": [],
                            "mistake_catalog": {}})
    page = BeautifulSoup(render_summary(empty), "html.parser")
    keys = ("students", "gradings", "passed", "failed", "errored", "grader-error", "malformed")
    assert [page.select_one(f"[data-testid={key}]").get_text() for key in keys] == ["0"] * len(keys)
    assert page.select_one("#distribution").get_text(" ", strip=True).endswith("No submission has a score yet.")
    assert not page.find_all("svg")
    assert page.select("table[data-testid=pass-rates] tbody tr") == []
    assert page.select_one("#mistakes p").get_text() == "No mistake was found in the submissions that have a score."
    assert page.select_one("#problems").find_all("p")[-1].get_text() == "None: every submission was graded."
    assert page.select_one("[data-testid=similarity]").get_text() == "No submission had code to compare."
    for section_id in ("mistakes", "problems", "similar"):
        assert not page.select_one(f"#{section_id}").find("table")
    assert page.select_one("#students p").get_text() == "No students yet."


def test_similarity_says_what_it_compared_and_what_it_could_not_judge(class_results):
    """Never a bare 'None found': per exercise, how many pairs of how many submissions, and why the rest were not
    judged (the lesson's code, too little of their own, common code, not Python, could not be graded)."""
    iris = {"exercise": "iris_net", "compared": 15, "pairs": 105, "similar": [], "partly_parsed": ["ken"],
            "left_out": [{"reason": "lesson", "students": ["alice", "carol", "dave"]},
                         {"reason": "short", "students": ["erin"]},
                         {"reason": "common", "students": [f"s{i:02}" for i in range(12)]},
                         {"reason": "unparsed", "students": ["oscar"]}, {"reason": "no-code", "students": ["ivy"]}],
            "ungraded": ["leo", "nia"], "lesson_tokens": 159, "min_tokens": 70}
    neuron = {"exercise": "neuron", "compared": 3, "pairs": 3, "partly_parsed": [], "left_out": [], "ungraded": [],
              "similar": [{"students": ["bob", "carol"], "similarity": 1.0}], "lesson_tokens": 182, "min_tokens": 70}
    concepts = {"exercise": "concepts", "compared": 1, "pairs": 0, "similar": [], "partly_parsed": [], "ungraded": [],
                "left_out": [{"reason": "lesson", "students": ["a", "b"]}], "lesson_tokens": 36, "min_tokens": 70}
    page = BeautifulSoup(render_summary({**class_results, "similarity": [iris, neuron, concepts]}), "html.parser")
    said = {p["data-exercise"]: p.get_text() for p in page.select("#similar [data-testid=similarity]")}
    assert said["iris_net"] == (
        "Compared 105 pairs of 15 submissions for iris_net; none is suspiciously similar. Not judged (a pair is "
        "flagged only when it shares at least 70 tokens of code its students wrote themselves): 3 are the stub or the "
        "lesson's solution, with nothing of their own (alice, carol, dave); 1 has under 70 tokens of its own beyond "
        "the stub and the lesson's solution (erin); 12 have code of their own that is mostly also in several other "
        "submissions (common code is no evidence) (s00, s01, s02, s03, s04, s05, s06, s07, s08, s09 and 2 more); "
        "1 does not parse as Python (oscar); 1 is empty (ivy); 2 could not be graded, so there was no code to compare "
        "(leo, nia). Only the parts that parse were compared for 1 submission with syntax errors (ken).")
    assert said["neuron"] == ("Compared 3 pairs of 3 submissions for neuron; 1 pair is suspiciously similar "
                              "(listed below).")
    assert said["concepts"].startswith(
        "Compared no pairs for concepts: only one submission has enough code of its own to be told apart from another."
        " Not judged (")
    assert said["concepts"].endswith(
        "This exercise is too short to tell submissions apart: the lesson's own solution is 36 tokens beyond the "
        "stub, fewer than the 70 a flagged pair must share, so correct submissions alike say nothing about copying.")
    assert "None found" not in page.select_one("#similar").get_text()


def test_write_summary(class_results, tmp_path):
    path = write_summary(class_results, tmp_path / "out" / "summary.html")
    assert path == tmp_path / "out" / "summary.html"
    def unnumbered(html: str) -> str:  # svg.py numbers its charts across the process
        return re.sub(r"chart\d+-", "chart-", html)

    assert unnumbered(path.read_text(encoding="utf-8")) == unnumbered(render_summary(class_results))
