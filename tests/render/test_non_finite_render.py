"""NaN, infinities and extreme finite numbers in a report, through the whole report path: written and read
back as strict JSON, stored in the gradebook, and rendered by every format (the charts draw what is finite
and say where the rest is)."""
import copy
import json
import math
import re
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.bulk.classdata import class_results
from grader.bulk.gradebook import Gradebook, Key
from grader.render import svg
from grader.render.github import step_summary
from grader.render.gradescope import gradescope_results
from grader.render.grades_csv import grades_csv
from grader.render.html import render_html
from grader.render.junit import junit_xml
from grader.render.summary import render_summary
from grader.render.terminal import render
from grader.report import NON_FINITE, dumps, submission_report, write_json

# Coordinates and sizes an SVG holds: none may be "nan" or "inf", which browsers drop or misdraw.
GEOMETRY = re.compile(r'\b(x|y|x1|x2|y1|y2|points|width|height|viewBox|transform)="[^"]*(nan|inf)', re.I)
SPEC_NUMBERS = {"threshold", "tolerance"}  # the exercise spec's, never training's or the student's


def strict_json(text: str):
    def refuse(literal):
        raise ValueError(f"not JSON: {literal}")
    return json.loads(text, parse_constant=refuse)


def float_paths(value, path=()):
    """Where the floats of a report's details are (those that come from training or from the student)."""
    if isinstance(value, dict):
        return [p for key, item in value.items() if key not in SPEC_NUMBERS for p in float_paths(item, (*path, key))]
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in float_paths(item, (*path, i))]
    return [path] if isinstance(value, float) or value in NON_FINITE else []


def put(tree, path, value):
    for key in path[:-1]:
        tree = tree[key]
    tree[path[-1]] = value


def text_of(svg_markup: str) -> str:
    """The chart's words, as read: a label on two lines reads as one."""
    return " ".join(BeautifulSoup(svg_markup, "html.parser").get_text(" ").split())


def test_a_curve_that_becomes_nan_or_infinite_is_drawn_up_to_there_and_said():
    chart = svg.line_chart("Loss per epoch", "Loss.", [
        ("seed 0 train", [1.2, 0.9, 7e30, "NaN", "NaN"], "#000", "solid"),
        ("seed 0 test", [1.3, -0.5, "Infinity", math.nan, 0.4], "#111", "dashed"),
        ("seed 1 train", [1.0, 0.8, 0.7, 0.6, 0.5], "#222", "solid")], "loss")
    page = BeautifulSoup(chart, "html.parser")
    lines = {line["stroke"]: line["points"].split() for line in page.select("polyline")}
    assert len(lines["#000"]) == 3 and len(lines["#222"]) == 5  # the finite part, whole
    assert len(page.select('polyline[stroke="#111"]')) == 2  # a negative loss is drawn; the gap is the non-finite part
    legend = text_of(chart)
    assert "seed 0 train (became NaN at epoch 4)" in legend
    assert "seed 0 test (became infinite at epoch 3, then NaN at epoch 4)" in legend
    assert "seed 1 train" in legend and "seed 1 train (" not in legend
    assert page.desc.get_text() == ("Loss. Not finite: seed 0 train became NaN at epoch 4; seed 0 test became "
                                    "infinite at epoch 3, then NaN at epoch 4.")
    assert [t.get_text() for t in page.select("text.non-finite")] == ["inf", "NaN"]
    assert not GEOMETRY.search(chart)


def test_a_curve_with_nothing_finite_says_so():
    chart = svg.line_chart("Loss", "Loss.", [("seed 0 train", ["Infinity", "NaN"], "#000", "solid")], "loss")
    assert "no finite value to draw" in text_of(chart) and "became infinite at epoch 1, then NaN at epoch 2" in chart
    assert not BeautifulSoup(chart, "html.parser").select("polyline")


def test_a_short_training_labels_each_epoch_once():
    chart = BeautifulSoup(svg.line_chart("Loss", "Loss.", [("a", [1.0, 0.5, 0.2], "#000", "solid")], "loss"),
                          "html.parser")
    assert [t.get_text() for t in chart.find_all("text") if t.get("y") == str(svg.HEIGHT - svg.BOTTOM + 16)] == \
           ["1", "2", "3"]


def test_bars_show_what_is_not_a_finite_number_in_words():
    chart = svg.bar_chart("Means", "Means.", ["feature 1", "feature 2", "feature 3"],
                          [("train", [0.5, "NaN", "-Infinity"]), ("test", [None, math.inf, -0.25])], "mean")
    labels = [t.get_text() for t in BeautifulSoup(chart, "html.parser").find_all("text")]
    assert {"NaN", "-inf", "n/a", "inf"} <= set(labels) and "0.5" in labels and "-0.25" in labels


def test_extreme_finite_values_are_charted_with_valid_coordinates():
    for chart in (svg.line_chart("L", "d", [("a", [1.7e308, -1.7e308, 5e-324], "#000", "solid")], "loss"),
                  svg.bar_chart("B", "d", ["f1", "f2"], [("a", [0.0, 5e-324]), ("b", [1.7e308, -1.7e308])], "mean"),
                  svg.bar_chart("B", "d", ["f1"], [("a", [1e-320])], "mean")):
        assert not GEOMETRY.search(chart), chart
        assert "<polyline" in chart or "<rect" in chart


NUMBERS = st.one_of(st.sampled_from([math.nan, math.inf, -math.inf]), st.floats())
# Any value a part may add to its details one day: the rule holds wherever a float is.
NESTED = st.recursive(NUMBERS | st.integers() | st.text(max_size=5) | st.none(),
                      lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
                      | st.dictionaries(st.text(max_size=5), inner, max_size=4), max_leaves=20)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(data=st.data())
def test_non_finite_numbers_anywhere_in_the_details_survive_every_format(reports, data):
    base = reports[data.draw(st.sampled_from(["reference", "linear_hidden", "leaky_scaler"]), label="report")]
    exercise = copy.deepcopy(base["exercises"][0])
    paths = float_paths(exercise["details"])
    changes = data.draw(st.lists(st.tuples(st.sampled_from(paths), NUMBERS), max_size=40), label="changes")
    training = exercise["details"]["build_model"].get("training")
    if training and data.draw(st.booleans(), label="a whole loss curve"):  # as a diverged training gives it
        start = data.draw(st.integers(0, 39), label="from epoch")
        curve = training["curves"]["loss"][0]
        curve[start:] = [data.draw(st.sampled_from([math.nan, math.inf]), label="became")] * len(curve[start:])
    for path, value in changes:
        put(exercise["details"], path, value)
    exercise["details"]["build_model"]["future"] = data.draw(NESTED, label="a new detail")
    report = submission_report(base["submission"], [exercise], base["isolation"])

    with tempfile.TemporaryDirectory() as folder:
        write_json(report, Path(folder) / "report.json")
        assert strict_json((Path(folder) / "report.json").read_text()) == report  # the report is its JSON
        with Gradebook(Path(folder) / "gradebook.sqlite") as book:
            key = Key("ada", "iris_net", "0" * 64, report["grader_version"])
            book.record(key, "ada/iris_net.py", report["graded_at"], report=report)
            row = book.latest(key)
    assert row["report"] == report and strict_json(dumps(row["report"])) == report
    results = class_results([row], ["ada"], "Class summary", [])
    assert grades_csv(results).splitlines()[1] == f"ada,{row['score']:g},{row['score']:g}"
    BeautifulSoup(render_summary(results), "html.parser")

    html = render_html(report)
    page = BeautifulSoup(html, "html.parser")
    for chart in page.select("svg"):
        assert not GEOMETRY.search(str(chart)), chart
    if training:
        curves = report["exercises"][0]["details"]["build_model"]["training"]["curves"]
        loss = page.select_one("[data-testid=chart-loss] desc").get_text()
        assert ("Not finite:" in loss) == any(v in NON_FINITE for name in ("loss", "test_loss") for c in curves[name]
                                              for v in c)
    render(report)
    ET.fromstring(junit_xml([report]))
    json.dumps(gradescope_results([report]), allow_nan=False)
    step_summary([report])
