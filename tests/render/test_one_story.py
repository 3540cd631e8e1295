"""The terminal and the HTML report tell one story: every failed check gives the same reason in both, and
the HTML shows a mistake's observed, expected and fix once each, in its place."""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from grader.render.html import render_html
from grader.render.terminal import render
from tests.render.cases import case

# A buggy sample, a function that raised, a required check missed because build_model raised, a required
# check missed because of a mistake: real reports, each with failed checks.
STORIES = {"linear_hidden": None, "erroring": None, "iris_raising_build": "case", "pass_fail_softmax_one_unit": "case"}


@pytest.fixture(scope="module")
def stories(reports) -> dict[str, dict]:
    return {name: case(name) if kind == "case" else reports[name] for name, kind in STORIES.items()}


@pytest.mark.parametrize("name", STORIES)
def test_every_failed_check_gives_its_reason_in_the_terminal_and_the_html(stories, name):
    report = stories[name]
    exercise = report["exercises"][0]
    failed = [c for c in exercise["checks"] if not c["passed"]]
    assert failed
    terminal = render(report).splitlines()
    reasons: dict[int, str] = {}  # by line
    rows = BeautifulSoup(render_html(report), "html.parser").select("table[data-testid=checks] tbody tr")
    details = {row["data-check"]: row.find_all("td")[4].get_text() for row in rows}  # the Details column
    mistakes = {m["id"]: m["message"] for m in exercise["mistakes"]}
    for check in failed:
        assert details[check["id"]] == check["message"]  # the HTML's reason
        at = next(i for i, line in enumerate(terminal) if line.startswith(f"  ✗ {check['id']} "))
        reason = terminal[at + 1].strip()  # the terminal's, on the line under the check
        if reason == "the same reason as above":
            reason = reasons[at - 1]  # the reason of the failed check just above
        reasons[at + 1] = reason
        if reason.startswith("because of "):
            mistake = reason.removeprefix("because of ").removesuffix(" (below)")
            assert mistakes[mistake] == check["message"] and f"      {check['message']}" in terminal
        else:
            assert reason == check["message"]


def test_a_function_that_raised_says_why_under_its_checks(stories):
    terminal = render(stories["erroring"]).splitlines()
    at = next(i for i, line in enumerate(terminal) if line.startswith("  ✗ normalize-standardized "))
    assert terminal[at + 1] == "      normalize could not be graded: exception: ValueError: cannot scale (60, 4)"
    assert terminal[at + 2].startswith("  ✗ normalize-train-statistics ")
    assert terminal[at + 3] == "      the same reason as above"


@pytest.mark.parametrize("name", ["linear_hidden", "pass_fail_softmax_one_unit"])
def test_the_html_shows_observed_expected_and_fix_once_each(stories, name):
    exercise = stories[name]["exercises"][0]
    page = BeautifulSoup(render_html(stories[name]), "html.parser")
    for mistake in exercise["mistakes"]:
        article = page.select_one(f"article#mistake-{mistake['id']}")
        text = article.select_one("dl").get_text(" ", strip=True)
        assert text.count(mistake["fix"]) == 1 and "Expected:" not in text and "Fix:" not in text
        observed = article.select_one(".observed").get_text(strip=True)
        expected = article.select_one(".expected").get_text(strip=True)
        assert mistake["message"] == f"{observed}. Expected: {expected}. Fix: {mistake['fix']}"
