"""HTML rendering of a report: one self-contained file (inline CSS and SVG, no scripts or fetches).

Every value the template prints is escaped twice over: `jinja_finalize` shows its control
characters as escapes (grader.render.escape), then Jinja's autoescaping escapes it for HTML. The
charts are markup svg.py builds itself, escaping each label it takes; nothing else is `Markup`.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from grader.render import svg
from grader.render.escape import jinja_finalize
from grader.report import format_number

TEMPLATES = Path(__file__).with_name("templates")
CONTEXT_LINES = 3
_LINE_BREAK = re.compile(r"\r\n?|\n")

# What to try next, per error kind: the next step a student can take on their own.
NEXT_STEPS = {
    "not-implemented": "Replace the `raise NotImplementedError` line with your code; the docstring says what to return.",
    "syntax-error": "Python could not read the file. Fix the line shown (a missing colon, bracket or indent is "
                    "typical), then run `python yourfile.py` to check before grading again.",
    "exception": "Your code raised an error. Read the last line of the traceback, then call the function yourself "
                 "on a small input to see where it goes wrong.",
    "invalid-return": "The function returned something the exercise does not ask for. Compare what you return with "
                      "the docstring (types, order, shapes).",
    "timeout": "The code ran longer than allowed. Look for a loop that never ends, waiting on input, or very large "
               "EPOCHS; the grader trains the model itself, so do not train at import time.",
    "memory-limit": "The code used more memory than allowed. Look for a very large array or a list that keeps "
                    "growing in a loop.",
    "crashed": "The process ended abruptly. Remove calls to sys.exit, os._exit or os.kill, and any use of ctypes.",
    "too-large": "The file is far larger than an exercise needs. Keep only your code in it: no pasted data, "
                 "no saved outputs; the grader provides the data itself.",
    "missing": "Add the file under exactly the name shown (a .py or a .ipynb), in the folder shown, and submit again.",
}


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]),
                      trim_blocks=True, lstrip_blocks=True, finalize=jinja_finalize)
    env.filters["num"] = format_number  # {{ x|num }}, {{ x|num(".3f") }}: NaN and infinities in words too
    return env


def render_html(report: dict[str, Any]) -> str:
    """The whole report as one HTML page."""
    exercises = [_exercise_view(exercise) for exercise in report["exercises"]]
    return _environment().get_template("report.html.j2").render(report=report, exercises=exercises,
                                                                next_steps=NEXT_STEPS)


def write_html(report: dict[str, Any], path: Path | str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(report), encoding="utf-8")
    return path


def _exercise_view(exercise: dict[str, Any]) -> dict[str, Any]:
    """What the template shows of one exercise: the report's data, with excerpts and charts laid out."""
    # Lines as Python numbers them: splitlines() would also break at \f, \v, \x1c-\x1e, \x85 or \u2028 in
    # the student's code and mark the wrong line.
    lines = _LINE_BREAK.split(exercise.get("source", ""))
    if not lines[-1]:
        lines.pop()  # what follows the last line break is no line, as for splitlines()
    details = exercise.get("details", {})
    model = details.get("build_model", {})
    cells = exercise.get("cells", [])
    mistakes = [{**m, "excerpt": _excerpt(lines, m.get("line"), cells),
                 "evidence": _evidence(model.get("evidence")) if m["id"] == "linear-hidden-activation" else None}
                for m in exercise["mistakes"]]
    errors = [{**e, "excerpt": _excerpt(lines, e.get("line"), cells)} for e in exercise["errors"]]
    return {**exercise, "mistakes_view": mistakes, "errors_view": errors,
            "model_rows": _model_rows(model.get("layers"), model.get("reference_layers")),
            "charts": _charts(details)}


def _excerpt(lines: list[str], line: int | None, cells: list[dict[str, int]] = ()) -> list[dict[str, Any]]:
    """The lines around `line`; for a notebook, only its cell's, numbered as in the cell."""
    if not line or not lines or line > len(lines):
        return []
    first, last, offset = 1, len(lines), 0
    cell = next((c for c in cells if c["start"] <= line <= c["end"]), None)
    if cell:
        first, last, offset = cell["start"], cell["end"], cell["start"] - 1
    start, end = max(first, line - CONTEXT_LINES), min(last, line + CONTEXT_LINES)
    return [{"number": n - offset, "text": lines[n - 1], "marked": n == line} for n in range(start, end + 1)]


def _model_rows(student: list[dict] | None, reference: list[dict] | None) -> list[dict[str, Any]]:
    """Student and reference layers side by side, each difference marked."""
    if not student:
        return []
    reference = reference or []
    rows = []
    for i in range(max(len(student), len(reference))):
        mine = student[i] if i < len(student) else None
        theirs = reference[i] if i < len(reference) else None
        differs = {key: bool(reference) and (mine or {}).get(key) != (theirs or {}).get(key)
                   for key in ("units", "activation")}
        rows.append({"position": i + 1, "mine": mine, "theirs": theirs, "differs": differs,
                     "role": "output" if i == len(student) - 1 else "hidden"})
    return rows


def _evidence(evidence: dict | None) -> Markup | None:
    if not evidence:
        return None
    return Markup(svg.bar_chart(
        "Accuracy on two circles",
        f"Test accuracy on {evidence['dataset']}: your network {format_number(evidence['student_accuracy'], '.2f')}, "
        f"the same network with {evidence['change']} {format_number(evidence['fixed_accuracy'], '.2f')}.",
        ["test accuracy"], [("your network", [evidence["student_accuracy"]]),
                            ("with relu hidden layers", [evidence["fixed_accuracy"]])],
        "accuracy", reference=(0.5, "chance (0.5)"), value_format="{:.2f}"))


def _charts(details: dict[str, Any]) -> dict[str, Markup]:
    charts: dict[str, Markup] = {}
    training = details.get("build_model", {}).get("training")
    if training:
        curves, seeds = training["curves"], training["seeds"]
        accuracy = []
        for i, seed in enumerate(seeds):
            colour = svg.PALETTE[i % len(svg.PALETTE)]
            accuracy += [(f"seed {seed} train", curves["train_accuracy"][i], colour, "solid"),
                         (f"seed {seed} test", curves["test_accuracy"][i], colour, "dashed")]
        charts["accuracy"] = Markup(svg.line_chart(
            "Accuracy per epoch", f"Training (solid) and test (dashed) accuracy for seeds {seeds}; the dotted line "
            f"is the pass threshold {format_number(training['threshold'], '.2f')} for the median final test accuracy "
            f"({format_number(training['median_test_accuracy'], '.3f')}).",
            accuracy, "accuracy", y_range=(0.0, 1.0),
            reference=(training["threshold"], f"threshold {format_number(training['threshold'], '.2f')}")))
        loss = []
        for i, seed in enumerate(seeds):
            colour = svg.PALETTE[i % len(svg.PALETTE)]
            loss += [(f"seed {seed} train", curves["loss"][i], colour, "solid"),
                     (f"seed {seed} test", curves["test_loss"][i], colour, "dashed")]
        charts["loss"] = Markup(svg.line_chart(
            "Loss per epoch", f"Training (solid) and test (dashed) loss for seeds {seeds}.", loss, "loss"))
        confusion = training.get("confusion")
        if confusion:
            total = sum(map(sum, confusion["counts"]))
            correct = sum(confusion["counts"][i][i] for i in range(len(confusion["counts"])))
            charts["confusion"] = Markup(svg.heatmap(
                "Confusion matrix on the test sets",
                f"Test predictions summed over {confusion['seeds']} seeds: {correct} of {total} correct; rows are "
                "the true classes, columns the predicted ones.", confusion["classes"], confusion["counts"]))
    counts = details.get("split_data", {}).get("class_counts")
    if counts:
        classes = [f"class {c}" for c in counts["classes"]]
        charts["class_counts"] = Markup(svg.bar_chart(
            "Rows per class in your test split",
            f"Test rows per class from your split_data: {_numbers(counts['test'])}; a stratified 30% split has "
            f"{_numbers(counts['expected_test'])}.", classes,
            [("your test split", counts["test"]), ("30% of each class", counts["expected_test"])], "rows"))
    statistics = details.get("normalize", {}).get("statistics")
    if statistics:
        features = [f"feature {i + 1}" for i in range(len(statistics["train_mean"]))]
        charts["means"] = Markup(svg.bar_chart(
            "Feature means after normalize",
            f"Means of your normalized features: train {_numbers(statistics['train_mean'])}, "
            f"test {_numbers(statistics['test_mean'])}. "
            "Standardized with training statistics, the training means are 0 and the test means near 0.",
            features, [("train", statistics["train_mean"]), ("test", statistics["test_mean"])], "mean",
            reference=(0.0, "0"), value_format="{:.2f}"))
        charts["stds"] = Markup(svg.bar_chart(
            "Feature standard deviations after normalize",
            f"Standard deviations of your normalized features: train {_numbers(statistics['train_std'])}, test "
            f"{_numbers(statistics['test_std'])}. Standardized with training statistics, the training ones are 1.",
            features, [("train", statistics["train_std"]), ("test", statistics["test_std"])], "standard deviation",
            reference=(1.0, "1"), value_format="{:.2f}"))
    return charts


def _numbers(values: list) -> str:
    """A list of numbers from the report for a chart's description: "0, 1.2, NaN, n/a"."""
    return ", ".join(format_number(v) for v in values)
