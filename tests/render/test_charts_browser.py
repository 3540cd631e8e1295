"""The report's charts and layout in a real headless browser (Playwright driving Debian's Chromium): on a
375 px phone nothing scrolls sideways and chart text stays readable, for a real report of every exercise
kind; the normalize charts, the network table and the training captions tell the truth about the
submission shown. Screenshots are saved under reports/ as test artifacts."""
from __future__ import annotations

import pytest

from grader.exercises import names
from grader.render.html import write_html
from tests.render.browser import ARTIFACTS, DRAWN_TEXT, READABLE_PX, open_page
from tests.render.cases import case, exercise_kind

OVERFLOW = """(selector) => { const e = selector ? document.querySelector(selector) : document.documentElement;
  return e.scrollWidth - e.clientWidth; }"""


def open_case(browser, report: dict, tmp_path, name: str, viewport: str = "phone"):
    page, problems, _ = open_page(browser, write_html(report, tmp_path / f"{name}.html"), viewport)
    assert problems == []
    return page


# A reference solution of every exercise kind, and failing work (long messages, a function that raised).
PHONE = [*names(), "pass_fail_softmax_one_unit", "iris_raising_build"]


@pytest.mark.parametrize("exercise", PHONE)
def test_a_phone_shows_every_exercise_kind_without_sideways_scrolling(browser, tmp_path, exercise):
    report = exercise_kind(exercise) if exercise in names() else case(exercise)
    page = open_case(browser, report, tmp_path, exercise)
    assert page.evaluate(OVERFLOW, None) < 1  # the page itself (sub-pixel rounding aside)
    for table in ("table[data-testid=checks]", ".table-wrap:has(> table[data-testid=checks])"):
        assert page.evaluate(OVERFLOW, table) < 1, table  # the checks table does not scroll inside its box either
    # Each check is a block of its cells, one under the other, each named by its column.
    cells = page.locator("table[data-testid=checks] tbody tr").first.locator("td")
    boxes = [cells.nth(i).bounding_box() for i in range(cells.count())]
    assert len({round(box["x"]) for box in boxes}) == 1 and all(box["x"] + box["width"] <= 375 for box in boxes)
    assert all(b["y"] >= a["y"] + a["height"] - 1 for a, b in zip(boxes, boxes[1:]))
    assert cells.nth(3).evaluate("td => getComputedStyle(td, '::before').content") == '"Points: "'
    drawn = page.evaluate(DRAWN_TEXT)
    small = [(round(size, 1), text) for size, text in drawn if size < READABLE_PX]
    assert small == [], small
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"browser-phone-{exercise}.png"), full_page=True)
    page.close()


def bar_values(page, testid: str) -> list[str]:
    return [t.text_content() for t in page.locator(f"[data-testid={testid}] svg text.value").all()]


def test_normalize_charts_of_correct_and_leaky_work(browser, tmp_path):
    page = open_case(browser, case("iris_reference"), tmp_path, "correct")
    means = bar_values(page, "chart-means")
    assert means[0::2] == ["0.00"] * 4  # training means: exactly 0
    assert [v for v in means[1::2] if v != "0.00"]  # test means near 0, not all exactly 0
    assert all(abs(float(v)) < 0.3 for v in means[1::2])
    figure = page.get_by_test_id("chart-means")
    figure.scroll_into_view_if_needed()
    assert "Yours look like that" in figure.locator("figcaption").inner_text() and figure.is_visible()
    assert page.get_by_test_id("normalize-inputs").is_visible()
    page.close()
    page = open_case(browser, case("iris_refit_on_test"), tmp_path, "refit")
    assert bar_values(page, "chart-means") == ["0.00"] * 8 and bar_values(page, "chart-stds") == ["1.00"] * 8
    said = page.get_by_test_id("chart-means").locator("figcaption").inner_text()
    assert "exactly 0 too" in said and "(scaled-separately)" in said and "look like that" not in said
    page.get_by_test_id("chart-means").screenshot(path=str(ARTIFACTS / "browser-normalize-refit-phone.png"))
    page.close()


def test_pass_fail_charts_show_two_features(browser, tmp_path):
    page = open_case(browser, case("pass_fail_reference"), tmp_path, "pass_fail", "laptop")
    labels = page.locator("[data-testid=chart-means] svg > text[text-anchor=middle]").evaluate_all(
        "texts => texts.map(t => t.textContent)")
    assert "hours studied" in labels and "attendance %" in labels and "sepal length" not in labels
    assert len(bar_values(page, "chart-means")) == 4
    page.close()


def test_the_network_table_lines_up_a_deeper_correct_network(browser, tmp_path):
    page = open_case(browser, case("pass_fail_deeper"), tmp_path, "deeper", "laptop")
    table = page.get_by_test_id("model")
    rows = table.locator("tbody tr")
    assert [rows.nth(i).get_attribute("data-status") for i in range(rows.count())] == ["paired", "paired", "added", "paired"]
    assert table.locator(".differs").count() == 0
    assert "an extra layer of yours" in rows.nth(2).inner_text() and rows.nth(2).is_visible()
    assert "sigmoid (output)" in rows.nth(3).inner_text()
    table.screenshot(path=str(ARTIFACTS / "browser-network-deeper.png"))
    page.close()


def test_a_flat_accuracy_is_captioned_as_flat(browser, tmp_path):
    page = open_case(browser, case("pass_fail_softmax_one_unit"), tmp_path, "flat")
    figure = page.get_by_test_id("chart-accuracy")
    figure.scroll_into_view_if_needed()
    said = figure.locator("figcaption").inner_text()
    assert figure.is_visible() and "stays flat at" in said and "the network does not learn" in said
    assert "healthy" not in said + page.get_by_test_id("chart-loss").inner_text()
    figure.screenshot(path=str(ARTIFACTS / "browser-flat-accuracy-phone.png"))
    page.close()
