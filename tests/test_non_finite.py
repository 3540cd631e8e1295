"""Networks whose loss becomes infinite or NaN in the grader's own training, through real `grader check`
and `grader bulk` processes: every output format is written and reads back, and says what happened.

The report's one rule (grader/report.py): a NaN or infinite float is the string "NaN", "Infinity" or
"-Infinity", so every JSON file is strict JSON; the charts draw the finite part and say where it ended.
"""
import csv
import json
import math
import os
import re
import sqlite3
import subprocess
import sys
import xml.etree.ElementTree as ET

from bs4 import BeautifulSoup

from grader.render.svg import PALETTE
from grader.report import NON_FINITE, dumps, format_number, number, plain
from tests.bulk.conftest import bulk
from tests.harness import reference_with

# The lesson's network with SGD at learning rate 50: the loss overflows float32 within three epochs
# and is NaN from then on (before, rounding such a curve made it inf, and `grader check` crashed).
TO_NAN = reference_with(build_model="""
def build_model(n_features, n_classes):
    model = keras.Sequential([
        keras.Input(shape=(n_features,)),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(n_classes, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=50.0),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
""")
# One linear output trained on squared error at learning rate 5: the loss is infinite after the first epoch.
TO_INFINITY = reference_with(build_model="""
def build_model(n_features, n_classes):
    model = keras.Sequential([
        keras.Input(shape=(n_features,)),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(1),
    ])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=5.0), loss="mse", metrics=["accuracy"])
    return model
""")
STUDENTS = {"nan_net": (TO_NAN, "NaN", "became NaN at epoch"),
            "inf_net": (TO_INFINITY, "Infinity", "became infinite at epoch")}


def strict_json(text: str):
    """JSON as strict parsers read it: NaN and Infinity literals are not JSON."""
    def refuse(literal):
        raise ValueError(f"not JSON: {literal}")
    return json.loads(text, parse_constant=refuse)


def first_not_finite(curve: list) -> int:
    return next(i for i, v in enumerate(curve) if not isinstance(v, (int, float)))


def check_training(exercise: dict, spelling: str, said: str, html: str) -> None:
    """The curves keep what training gave, by the rule; the loss chart draws the rest and says where it ended."""
    curves = exercise["details"]["build_model"]["training"]["curves"]
    for name, per_seed in curves.items():
        for curve in per_seed:
            assert all(isinstance(v, float) and math.isfinite(v) or v in NON_FINITE for v in curve), name
    losses = [v for name in ("loss", "test_loss") for curve in curves[name] for v in curve]
    assert spelling in losses and -1.0 not in losses  # never a made-up number
    assert all(isinstance(v, float) for v in curves["train_accuracy"][0])  # accuracy stays finite
    mistakes = {m["id"] for m in exercise["mistakes"]}
    assert "training-diverged" in mistakes
    page = BeautifulSoup(html, "html.parser")
    chart = page.select_one("[data-testid=chart-loss] svg")
    assert said in chart.desc.get_text()
    index = first_not_finite(curves["loss"][0])
    became = {"NaN": "became NaN", "Infinity": "became infinite"}[curves["loss"][0][index]]
    assert f"seed 0 train ({became} at epoch {index + 1}" in chart.get_text()
    assert chart.select("line.non-finite")
    assert not re.search(r'\b(x|y|x1|x2|y1|y2|points|width|height)="[^"]*(nan|inf)', str(chart), re.I)
    # Seed 0's training loss is the first colour's solid line: every finite value of it is drawn.
    seed0 = [line for line in chart.select("polyline") if line["stroke"] == PALETTE[0] and not line["stroke-dasharray"]]
    assert sum(len(line["points"].split()) for line in seed0) == sum(isinstance(v, float) for v in curves["loss"][0])


def test_the_rule_writes_strict_json_and_reads_back():
    value = {"curve": [1.5, math.nan, math.inf, -math.inf], "pair": (math.nan, 2), "text": "NaN", "none": None}
    written = strict_json(dumps(value))
    assert written == plain(value) == {"curve": [1.5, "NaN", "Infinity", "-Infinity"], "pair": ["NaN", 2],
                                       "text": "NaN", "none": None}
    assert [number(v) for v in written["curve"][2:]] == [math.inf, -math.inf] and math.isnan(number("NaN"))
    assert [format_number(v, ".2f") for v in written["curve"]] == ["1.50", "NaN", "inf", "-inf"]
    assert (format_number(None), format_number(-0.0), format_number(1234567)) == ("n/a", "0", "1234567")


def test_grader_check_writes_every_format_for_a_loss_that_became_nan_or_infinite(tmp_path):
    for student, (source, _, _) in STUDENTS.items():
        (tmp_path / student).mkdir()
        (tmp_path / student / "iris_net.py").write_text(source)
    summary = tmp_path / "summary.md"
    out = subprocess.run([sys.executable, "-m", "grader", "check", *STUDENTS, "--junit", "out/junit.xml",
                          "--gradescope", "out/results.json", "--github"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=600, env={**os.environ, "GITHUB_STEP_SUMMARY": str(summary)})
    assert out.returncode == 1, out.stderr
    assert "Traceback" not in out.stderr and "RuntimeWarning" not in out.stderr, out.stderr
    assert out.stdout.count("error training-diverged") == 2
    scores = {}
    for student, (_, spelling, said) in STUDENTS.items():
        report = strict_json((tmp_path / "reports" / f"{student}-iris_net.json").read_text())
        [exercise] = report["exercises"]
        scores[student] = exercise["score"]
        check_training(exercise, spelling, said, (tmp_path / "reports" / f"{student}-iris_net.html").read_text())
    suites = ET.parse(tmp_path / "out" / "junit.xml").getroot().findall("testsuite")
    failures = [case.find("failure") for suite in suites for case in suite.findall("testcase")
                if case.get("name").startswith("model-accuracy")]
    assert [f.get("type") for f in failures] == ["training-diverged"] * 2
    results = strict_json((tmp_path / "out" / "results.json").read_text())
    assert results["score"] == round(sum(scores.values()), 2)
    assert summary.read_text().count("`training-diverged`") == 2


def test_grader_bulk_records_and_renders_a_loss_that_became_nan_or_infinite(tmp_path):
    for student, (source, _, _) in STUDENTS.items():
        (tmp_path / "class" / student).mkdir(parents=True)
        (tmp_path / "class" / student / "iris_net.py").write_text(source)
    out = tmp_path / "out"
    run = bulk(tmp_path / "class", out, "-j", "1")
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr[-3000:]
    with sqlite3.connect(f"file:{out / 'gradebook.sqlite'}?mode=ro", uri=True) as db:
        rows = {student: (status, score, report) for student, status, score, report
                in db.execute("SELECT student, status, score, report FROM gradings")}
    assert set(rows) == set(STUDENTS)
    grades = {row["student"]: row["iris_net"] for row in csv.DictReader((out / "grades.csv").open(newline=""))}
    for student, (_, spelling, said) in STUDENTS.items():
        status, score, text = rows[student]
        assert status == "graded"
        [exercise] = strict_json(text)["exercises"]
        assert float(grades[student]) == score == exercise["score"]
        check_training(exercise, spelling, said, (out / "reports" / student / "iris_net.html").read_text())
    page = BeautifulSoup((out / "summary.html").read_text(), "html.parser")
    assert "training-diverged" in page.get_text()
