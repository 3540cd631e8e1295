"""The HTML report, read through its structure (parsed HTML), for real graded submissions."""
from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

from grader.render.html import NEXT_STEPS, render_html


@pytest.fixture(scope="module")
def pages(reports) -> dict[str, BeautifulSoup]:
    return {name: BeautifulSoup(render_html(report), "html.parser") for name, report in reports.items()}


def test_header_shows_score_verdict_and_provenance(pages, reports):
    for name, page in pages.items():
        exercise = reports[name]["exercises"][0]
        verdict = page.select_one("[data-testid=verdict]").get_text(strip=True)
        assert verdict == ("PASS" if exercise["passed"] else "FAIL")
        assert page.select_one("[data-testid=score]").get_text(strip=True).startswith(f"{exercise['score']:g} / 100")
        meta = page.select_one("dl.meta").get_text(" ", strip=True)
        assert reports[name]["grader_version"] in meta and reports[name]["graded_at"] in meta
        assert page.select_one("[data-testid=isolation]").get_text(strip=True).startswith("bubblewrap")
        assert len(page.find_all("h1")) == 1 and page.html["lang"] == "en"


def test_one_row_per_check_with_points_and_a_textual_result(pages, reports):
    for name, page in pages.items():
        checks = reports[name]["exercises"][0]["checks"]
        rows = page.select("table[data-testid=checks] tbody tr")
        assert [row["data-check"] for row in rows] == [c["id"] for c in checks]
        for row, check in zip(rows, checks):
            cells = [td.get_text(" ", strip=True) for td in row.find_all("td")]
            assert cells[0] == ("✓ passed" if check["passed"] else "✗ failed")  # words, not colour alone
            assert cells[3] == f"{check['points']:g} / {check['max_points']:g}"
        assert all(th.get("scope") == "col" for th in page.select("table th"))


def test_each_mistake_has_id_severity_observation_why_fix_and_source(pages, reports):
    page, exercise = pages["linear_hidden"], reports["linear_hidden"]["exercises"][0]
    articles = page.select("article.mistake")
    assert [a["data-mistake"] for a in articles] == [m["id"] for m in exercise["mistakes"]]
    for article, mistake in zip(articles, exercise["mistakes"]):
        assert article.select_one(".badge").get_text(strip=True) == mistake["severity"]
        # observed, expected and fix each once, in its place: together they are the message, nothing repeated
        observed, expected = (article.select_one(c).get_text(strip=True) for c in (".observed", ".expected"))
        fix = article.select_one(".fix").get_text(strip=True)
        assert f"{observed}. Expected: {expected}. Fix: {fix}" == mistake["message"] and fix == mistake["fix"]
        assert "Expected:" not in observed + expected + fix and "Fix:" not in observed + expected
        assert article.select_one(".why").get_text(strip=True) == mistake["why"]
    linear = page.select_one("article[data-mistake=linear-hidden-activation]")
    marked = linear.select_one("pre.source mark")
    source_line = exercise["source"].splitlines()[int(marked["data-line"]) - 1]
    assert marked.get_text() == source_line and "Dense(16" in source_line
    assert len(linear.select("pre.source span.line")) >= 3  # context around the line


def test_evidence_that_a_linear_hidden_layer_matters(pages, reports):
    evidence = reports["linear_hidden"]["exercises"][0]["details"]["build_model"]["evidence"]
    assert evidence["fixed_accuracy"] - evidence["student_accuracy"] > 0.3  # circles: chance vs solved
    figure = pages["linear_hidden"].select_one("article[data-mistake=linear-hidden-activation] [data-testid=evidence]")
    values = [t.get_text() for t in figure.select("svg text.value")]
    assert values == [f"{evidence['student_accuracy']:.2f}", f"{evidence['fixed_accuracy']:.2f}"]
    assert pages["reference"].select_one("[data-testid=evidence]") is None


def test_model_table_marks_what_the_grader_found_beside_the_reference(pages):
    rows = pages["linear_hidden"].select("table[data-testid=model] tbody tr")
    cells = rows[0].find_all("td")
    assert [c.get_text(" ", strip=True) for c in cells[2:5]] == ["16", "linear (mistake: linear-hidden-activation )", "80"]
    assert "differs" in cells[3]["class"] and "differs" not in cells[2].get("class", [])
    assert cells[3].select_one("a")["href"] == "#mistake-linear-hidden-activation"  # to the mistake's article
    assert cells[5].get_text(" ", strip=True) == "16 relu (hidden)"
    reference_rows = pages["reference"].select("table[data-testid=model] tbody tr")
    assert not pages["reference"].select("table[data-testid=model] .differs") and len(reference_rows) == 2
    assert [row["data-status"] for row in reference_rows] == ["paired", "paired"]


def test_plots_are_inline_accessible_svg(pages, reports):
    page = pages["linear_hidden"]
    for testid in ("chart-accuracy", "chart-loss", "chart-confusion", "chart-class-counts", "chart-means", "chart-stds"):
        chart = page.select_one(f"[data-testid={testid}] svg")
        assert chart is not None, testid
        assert chart["role"] == "img" and chart.title.get_text() and chart.desc.get_text()
        labelled = chart["aria-labelledby"].split()
        assert all(page.find(id=label) for label in labelled)
    seeds = reports["linear_hidden"]["exercises"][0]["details"]["build_model"]["training"]["seeds"]
    assert len(page.select("[data-testid=chart-accuracy] polyline")) >= 2 * len(seeds)  # train and test per seed
    confusion = reports["linear_hidden"]["exercises"][0]["details"]["build_model"]["training"]["confusion"]
    cells = [int(t.get_text()) for t in page.select("[data-testid=chart-confusion] text.value")]
    assert cells == [v for row in confusion["counts"] for v in row]


def test_data_pictures_show_the_problem(pages, reports):
    counts = reports["unshuffled"]["exercises"][0]["details"]["split_data"]["class_counts"]
    assert counts["test"][0] == 0  # the tail of class-sorted data holds no class-0 rows
    bars = pages["unshuffled"].select("[data-testid=chart-class-counts] rect[class^=bar-0] title")
    assert [b.get_text().rsplit(": ", 1)[1] for b in bars] == [f"{v:g}" for v in counts["test"]]
    normalize = reports["leaky_scaler"]["exercises"][0]["details"]["normalize"]
    statistics = normalize["statistics"]
    assert max(abs(v) for v in statistics["train_mean"]) > 0.01  # leaked statistics: training means are off 0
    assert not normalize["looks"]["train_standardized"] and normalize["findings"] == ["test-statistics-leak"]
    means = pages["leaky_scaler"].select("[data-testid=chart-means] text.value")
    assert len(means) == 2 * len(statistics["train_mean"])


def test_errors_show_the_traceback_and_what_to_try_next(pages, reports):
    error = next(e for e in reports["erroring"]["exercises"][0]["errors"] if e["function"] == "normalize")
    article = pages["erroring"].select_one("article[data-error=exception]")
    assert article.select_one(".message").get_text(strip=True) == error["message"]
    traceback = article.select_one("pre.traceback").get_text()
    assert "cannot scale" in traceback and "helper" in traceback
    assert NEXT_STEPS["exception"] in article.get_text(" ", strip=True)


def test_self_contained_no_scripts_or_external_resources(pages):
    for page in pages.values():
        assert not page.find_all(["script", "link", "img", "iframe", "object"])
        for tag in page.find_all(href=True):
            assert tag["href"].startswith("#"), tag
        assert not page.find_all(src=True)
        assert not re.search(r"url\(|@import", page.style.get_text())
