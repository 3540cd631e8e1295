"""The HTML report in a real headless browser (Playwright driving Debian's Chromium).

Screenshots are saved under reports/ as test artifacts.
"""
from __future__ import annotations

import pytest

from grader.render.html import write_html
from tests.render.browser import ARTIFACTS, VIEWPORTS, open_page


def open_report(browser, report: dict, path, viewport: str):
    return open_page(browser, write_html(report, path), viewport)


@pytest.mark.parametrize("name", ["linear_hidden", "erroring", "reference"])
@pytest.mark.parametrize("viewport", ["laptop", "phone"])
def test_report_loads_cleanly_with_visible_plots(browser, reports, tmp_path, name, viewport):
    page, problems, requests = open_report(browser, reports[name], tmp_path / f"{name}.html", viewport)
    assert problems == []
    assert all(url.startswith("file://") for url in requests) and len(requests) == 1  # the page itself, nothing else
    verdict = page.get_by_test_id("verdict")
    assert verdict.is_visible() and verdict.inner_text() in ("PASS", "FAIL")
    assert page.get_by_role("table").first.is_visible()
    charts = page.locator("svg.chart")
    # training curves, loss, confusion, class counts, means, stds; no normalize charts when it failed;
    # one more for the two-circles evidence
    assert charts.count() == {"linear_hidden": 7, "erroring": 4, "reference": 6}[name]
    for i in range(charts.count()):
        chart = charts.nth(i)
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        assert chart.is_visible() and box["width"] > 200 and box["height"] > 100
        assert box["x"] >= 0 and box["x"] + box["width"] <= VIEWPORTS[viewport]["width"] + 1
    # Readable on a phone: the page itself never scrolls sideways (wide tables scroll in their own box).
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow < 1  # sub-pixel rounding aside
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"browser-{name}-{viewport}.png"), full_page=True)
    page.close()


def test_mistakes_and_errors_are_present_and_navigable(browser, reports, tmp_path):
    page, problems, _ = open_report(browser, reports["linear_hidden"], tmp_path / "linear.html", "laptop")
    mistake = page.locator("article[data-mistake=linear-hidden-activation]")
    assert mistake.is_visible()
    assert "relu" in mistake.locator(".fix").inner_text()
    assert mistake.locator("mark").inner_text().strip().startswith("keras.layers.Dense(16")
    page.get_by_role("link", name="Your network").click()
    assert page.evaluate("location.hash") == "#model-1"
    assert page.get_by_role("heading", name="Your network").is_visible()
    page.close()
    page, problems, _ = open_report(browser, reports["erroring"], tmp_path / "erroring.html", "laptop")
    error = page.locator("article[data-error=exception]")
    assert error.is_visible() and "cannot scale" in error.locator("pre.traceback").inner_text()
    assert problems == []
    page.close()


def test_a_loss_that_became_nan_is_drawn_and_said_on_a_phone(browser, tmp_path):
    from grader.report import submission_report
    from tests.harness import grade_source
    from tests.test_non_finite import TO_NAN  # the lesson's network with SGD at learning rate 50

    report = submission_report("students/nan/iris_net.py", [grade_source(TO_NAN)], {"level": "bubblewrap",
                                                                                    "protections": []})
    page, problems, _ = open_report(browser, report, tmp_path / "nan.html", "phone")
    chart = page.get_by_test_id("chart-loss")
    chart.scroll_into_view_if_needed()
    assert problems == [] and chart.is_visible()
    marker = chart.locator("text.non-finite")
    assert marker.text_content() == "NaN" and marker.is_visible()
    assert "seed 0 train (became NaN at epoch" in chart.locator("svg").text_content()
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") < 1
    ARTIFACTS.mkdir(exist_ok=True)
    chart.screenshot(path=str(ARTIFACTS / "browser-loss-nan-phone.png"))
    page.close()
