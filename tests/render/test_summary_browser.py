"""The class summary page in a real headless browser (Playwright driving Debian's Chromium), as test_browser.py
does for the report. Screenshots are saved under reports/ as test artifacts."""
from __future__ import annotations

from urllib.parse import unquote, urlsplit

import pytest

from grader.render.html import write_html
from grader.render.summary import write_summary
from tests.render.browser import ARTIFACTS, DRAWN_TEXT, READABLE_PX, VIEWPORTS, open_page
from tests.render.summary_data import as_bulk_writes


@pytest.fixture(scope="module")
def class_results(class_results) -> dict:
    """The conftest's class, with the counts and similarity findings `grader bulk` writes into it."""
    return as_bulk_writes(class_results)


def open_summary(browser, results: dict, path, viewport: str):
    return open_page(browser, write_summary(results, path), viewport)


@pytest.mark.parametrize("viewport", ["laptop", "phone"])
def test_summary_loads_cleanly_with_visible_charts(browser, class_results, tmp_path, viewport):
    page, problems, requests = open_summary(browser, class_results, tmp_path / "summary.html", viewport)
    assert problems == []
    assert requests == [(tmp_path / "summary.html").as_uri()]  # the page itself, nothing else
    assert page.get_by_role("heading", level=1).inner_text() == class_results["title"]
    for heading in ("Overview", "Score distribution", "Pass rate per exercise", "Most frequent mistakes",
                    "Submissions with errors", "Suspiciously similar submissions", "Students"):
        page.get_by_role("heading", name=heading, exact=True).scroll_into_view_if_needed()
        assert page.get_by_role("heading", name=heading, exact=True).is_visible()
    charts = page.locator("svg.chart")
    assert charts.count() == len(class_results["exercises"]) + 1  # a histogram per exercise, the pass rates
    width = VIEWPORTS[viewport]["width"]
    for i in range(charts.count()):
        chart = charts.nth(i)
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        assert chart.is_visible() and box["width"] > 200 and box["height"] > 100
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1
    # Chart text as drawn stays readable, on a phone too (the report page's rule, test_charts_browser.py).
    small = [(round(size, 1), text) for size, text in page.evaluate(DRAWN_TEXT) if size < READABLE_PX]
    assert small == [], small
    # Readable on a phone: the page itself never scrolls sideways; wide tables scroll in their own box.
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") < 1
    for wrap in page.locator(".table-wrap").all():
        box = wrap.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"browser-summary-{viewport}.png"), full_page=True)
    page.close()


@pytest.mark.parametrize("name, graded", [("<script>alert(1)</script>", "erroring"), ("bob", "linear_hidden")])
def test_a_score_links_to_the_students_report(browser, class_results, reports, tmp_path, name, graded):
    target = next(s for s in class_results["students"] if s["student"] == name)["results"]["iris_net"]["report"]
    write_html(reports[graded], tmp_path / target)  # where `grader bulk` writes it: relative to the summary
    page, problems, _ = open_summary(browser, class_results, tmp_path / "summary.html", "laptop")
    row = page.locator("table[data-testid=students] tbody tr").filter(has=page.get_by_role("rowheader", name=name, exact=True))
    row.locator("td").first.get_by_role("link").click()
    page.wait_for_load_state("load")
    assert unquote(urlsplit(page.url).path) == str(tmp_path / target)
    assert page.get_by_test_id("verdict").is_visible()
    assert reports[graded]["submission"] in page.locator("dl.meta").inner_text()
    assert problems == []
    page.close()
