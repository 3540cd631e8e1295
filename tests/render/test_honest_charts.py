"""Every chart and caption of the HTML report is true for the submission shown, read from real graded
reports through the parsed page: normalize on the grader's own split of the exercise's data, the
exercise's own features, the network table lined up by role, captions derived from the curves."""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from grader.render.html import render_html
from grader.report import format_number, submission_report
from tests.harness import REFERENCE, grade_source
from tests.render.cases import case
from tests.render.conftest import ISOLATION


def page(name: str) -> BeautifulSoup:
    return BeautifulSoup(render_html(case(name)), "html.parser")


def details(name: str) -> dict:
    return case(name)["exercises"][0]["details"]


def caption(soup: BeautifulSoup, testid: str) -> str:
    return soup.select_one(f"[data-testid={testid}] figcaption").get_text(" ", strip=True)


@pytest.mark.parametrize("name", ["iris_reference", "iris_ddof1"])
def test_correct_normalize_is_charted_on_the_graders_split_and_looks_correct(name):
    normalize = details(name)["normalize"]
    inputs, statistics = normalize["inputs"], normalize["statistics"]
    assert (inputs["dataset"], inputs["train_rows"], inputs["test_rows"]) == ("iris", 105, 45)
    assert inputs["features"] == ["sepal length", "sepal width", "petal length", "petal width"]
    assert min(inputs["train_mean"]) > 1  # what the grader passed in: unscaled
    # Correct work on a held-out split: training 0 and 1, test near them (not the trials' shifted 1.3-2).
    assert all(abs(m) < 1e-3 for m in statistics["train_mean"])
    assert all(abs(m) < 0.3 for m in statistics["test_mean"]) and max(abs(m) for m in statistics["test_mean"]) > 0.01
    assert all(0.7 < s < 1.3 for s in statistics["test_std"])
    assert normalize["looks"] == {"train_standardized": True, "test_standardized": False, "unchanged": False}
    soup = page(name)
    for testid in ("chart-means", "chart-stds"):
        text = caption(soup, testid)
        assert "look like that; the grader found no mistake in normalize" in text
        assert "Yours are not" not in text
    said = soup.select_one("[data-testid=normalize-inputs]").get_text(" ", strip=True)
    assert "105 training rows, 45 test rows, 4 features, unscaled" in said and "shifted and spread on purpose" in said
    labels = [t.get_text(" ", strip=True) for t in soup.select("[data-testid=chart-means] svg > text[text-anchor=middle]")]
    assert "sepal length" in labels and "petal width" in labels


@pytest.mark.parametrize(("name", "finding", "seen"), [
    ("iris_refit_on_test", "scaled-separately", "the test means are exactly 0 too"),
    ("iris_fit_on_both", "test-statistics-leak", "the training means are not all 0"),
])
def test_a_wrong_normalize_gets_a_caption_that_says_what_the_grader_found(name, finding, seen):
    normalize = details(name)["normalize"]
    assert normalize["findings"] == [finding]
    ids = {m["id"] for m in case(name)["exercises"][0]["mistakes"]}
    assert finding in ids
    text = caption(page(name), "chart-means")
    assert seen in text and f"({finding})" in text
    assert "look like that" not in text and "no mistake" not in text  # never a caption against the verdict


def test_a_refit_on_the_test_set_shows_the_suspicious_exact_zero_and_one():
    statistics = details("iris_refit_on_test")["normalize"]["statistics"]
    assert all(abs(m) < 1e-3 for m in statistics["test_mean"]) and all(abs(s - 1) < 1e-3 for s in statistics["test_std"])
    assert "the test standard deviations are exactly 1 too" in caption(page("iris_refit_on_test"), "chart-stds")


def test_pass_fail_charts_show_its_own_two_features():
    normalize = details("pass_fail_reference")["normalize"]
    assert normalize["inputs"]["features"] == ["hours studied", "attendance %"]
    assert len(normalize["statistics"]["train_mean"]) == 2
    soup = page("pass_fail_reference")
    assert len(soup.select("[data-testid=chart-means] text.value")) == 4  # train and test, per feature
    assert "2 features" in soup.select_one("[data-testid=normalize-inputs]").get_text(" ", strip=True)


def rows(name: str) -> list:
    return page(name).select("table[data-testid=model] tbody tr")


@pytest.mark.parametrize(("name", "statuses"), [
    ("pass_fail_reference", ["paired", "paired", "paired"]),
    ("pass_fail_deeper", ["paired", "paired", "added", "paired"]),  # 16-16-8-1 against 8-4-1
    ("pass_fail_two_units", ["paired", "missing", "paired"]),  # 12-2 softmax against 8-4-1 sigmoid
])
def test_a_correct_network_of_another_depth_lines_up_and_differs_nowhere(name, statuses):
    exercise = case(name)["exercises"][0]
    assert exercise["score"] == exercise["max_score"]  # correct work, as the grader judged it
    found = rows(name)
    assert [row["data-status"] for row in found] == statuses
    assert not page(name).select("table[data-testid=model] .differs")
    assert found[-1].find_all("td")[1].get_text(" ", strip=True).endswith("(output)")  # the outputs pair up
    assert "(output)" in found[-1].find_all("td")[-1].get_text(" ", strip=True)


def test_only_what_the_grader_found_is_marked_in_the_network_table():
    found = rows("pass_fail_softmax_one_unit")
    marked = [(i, td["data-label"]) for i, row in enumerate(found) for td in row.select("td.differs")]
    assert marked == [(len(found) - 1, "Activation")]  # the output's softmax, not its 1 unit nor the 8-unit layer
    link = found[-1].select_one("td.differs a")
    assert link["href"] == "#mistake-softmax-single-unit" and link.get_text() == "softmax-single-unit"


def test_a_flat_accuracy_gets_a_caption_that_says_so():
    training = details("pass_fail_softmax_one_unit")["build_model"]["training"]
    reading = training["reading"]
    assert reading["kind"] == "flat" and all(len(set(curve)) == 1 for curve in training["curves"]["train_accuracy"])
    soup = page("pass_fail_softmax_one_unit")
    accuracy, loss = caption(soup, "chart-accuracy"), caption(soup, "chart-loss")
    flat = format_number(reading["final_train_accuracy"], ".2f")
    assert f"stays flat at {flat} on every epoch" in accuracy and "the network does not learn" in accuracy
    assert f"below the threshold {training['threshold']:.2f}" in accuracy and "fail 0.51, pass 0.49" in accuracy
    assert "healthy" not in accuracy + loss and "the accuracy never moves" in loss


def test_healthy_training_is_called_healthy_with_its_numbers():
    training = details("pass_fail_reference")["build_model"]["training"]
    assert training["reading"]["kind"] == "healthy" and training["reading"]["findings"] == []
    soup = page("pass_fail_reference")
    loss = caption(soup, "chart-loss")
    assert f"falls from {training['reading']['initial_loss']:.3f}" in loss and "healthy training" in loss
    assert "at or above the threshold" in caption(soup, "chart-accuracy")


def test_an_excerpt_at_a_def_line_shows_the_code_not_the_docstring():
    source = (REFERENCE / "iris_net.py").read_text().replace("stratify=y, random_state=42)", "stratify=y)")
    report = submission_report("students/s/iris_net.py", [grade_source(source)], ISOLATION)
    exercise = report["exercises"][0]
    mistake = next(m for m in exercise["mistakes"] if m["id"] == "split-not-reproducible")
    lines = source.splitlines()
    mistake["line"] = lines.index("def split_data(X, y):") + 1  # a finding at its function's def line
    excerpt = BeautifulSoup(render_html(report), "html.parser").select_one(
        "article[data-mistake=split-not-reproducible] pre.source")
    shown = [line.get_text() for line in excerpt.select("mark, span.line")]
    assert shown[0] == "def split_data(X, y):" and excerpt.select_one("mark").get_text() == shown[0]
    assert '"""' not in "".join(shown) and "Split the rows" not in "".join(shown)
    assert "docstring, lines" in excerpt.select_one("span.gap").get_text()
    assert any("train_test_split(X, y" in line for line in shown)  # the function's first lines of code


def test_the_two_circles_caption_gives_this_exercises_accuracy(reports):
    exercise = reports["linear_hidden"]["exercises"][0]
    evidence, training = exercise["details"]["build_model"]["evidence"], exercise["details"]["build_model"]["training"]
    text = BeautifulSoup(render_html(reports["linear_hidden"]), "html.parser").select_one(
        "[data-testid=evidence] figcaption").get_text(" ", strip=True)
    assert f"median test accuracy of {training['median_test_accuracy']:.2f}" in text
    assert f"({evidence['student_accuracy']:.2f})" in text and f"({evidence['fixed_accuracy']:.2f})" in text
    assert "its linear hidden layer given activation='relu'" in text and "dense" not in text  # no other build's names


def test_a_normalize_that_fails_on_the_graders_split_says_why_it_has_no_chart():
    source = ("def normalize(X_train, X_test):\n    if X_train.max() < 100:\n"
              "        raise ValueError('made for large numbers only')\n"
              "    mean, std = X_train.mean(axis=0), X_train.std(axis=0)\n"
              "    return (X_train - mean) / std, (X_test - mean) / std\n")
    report = submission_report("students/s/iris_net.py", [grade_source(source)], ISOLATION)
    exercise = report["exercises"][0]
    normalize = exercise["details"]["normalize"]
    assert "statistics" not in normalize and "made for large numbers only" in normalize["chart_error"]
    assert all(c["passed"] for c in exercise["checks"] if c["function"] == "normalize")  # the trials judge alone
    soup = BeautifulSoup(render_html(report), "html.parser")
    assert not soup.select("[data-testid=chart-means], [data-testid=chart-stds]")
    said = soup.select_one("[data-testid=normalize-inputs]").get_text(" ", strip=True)
    assert "normalize gave no chart: exception: ValueError: made for large numbers only" in said


def test_a_loss_that_became_nan_is_captioned_as_diverged():
    from tests.test_non_finite import TO_NAN  # the lesson's network with SGD at learning rate 50

    report = submission_report("students/nan/iris_net.py", [grade_source(TO_NAN)], ISOLATION)
    reading = report["exercises"][0]["details"]["build_model"]["training"]["reading"]
    assert reading["kind"] == "diverged" and "training-diverged" in reading["findings"]
    soup = BeautifulSoup(render_html(report), "html.parser")
    accuracy, loss = caption(soup, "chart-accuracy"), caption(soup, "chart-loss")
    assert accuracy.count("Training diverged") == 1 and "training-diverged" in accuracy
    assert "did not fall and level off" in loss and "healthy training" not in loss


def test_the_class_counts_caption_says_what_this_split_did(reports):
    for name, said in (("reference", "as it should."), ("unshuffled", "The grader found unshuffled-split")):
        counts = reports[name]["exercises"][0]["details"]["split_data"]["class_counts"]
        text = BeautifulSoup(render_html(reports[name]), "html.parser").select_one(
            "[data-testid=chart-class-counts] figcaption").get_text(" ", strip=True)
        assert f"Yours took {', '.join(format_number(v) for v in counts['test'])}" in text and said in text
    assert "as it should" not in BeautifulSoup(render_html(reports["unshuffled"]), "html.parser").get_text()
