"""HTML rendering of a report: one self-contained file (inline CSS and SVG, no scripts or fetches).

Every value the template prints is escaped twice over: `jinja_finalize` shows its control
characters as escapes (grader.render.escape), then Jinja's autoescaping escapes it for HTML. The
charts are markup svg.py builds itself, escaping each label it takes; nothing else is `Markup`.
"""
from __future__ import annotations

import ast
import difflib
import functools
import re
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from grader.render import svg
from grader.render.escape import jinja_finalize
from grader.report import format_number, number, place
from grader.source_lines import UNPARSEABLE, parse

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
WHOLE_FILE_KINDS = {"syntax-error", "too-large", "missing"}  # of a `<module>` error: nothing of the file ran
MODULE_NEXT_STEP = ("This line runs when your file is imported, before the grader calls your functions (code that "
                    "tries them out, say). Fix it or remove it: the grader calls your functions itself. Keep such "
                    "code after the function definitions (in the last cells of a notebook), quick, and without "
                    "input() or sys.exit().")


@functools.cache
def templates() -> Environment:
    """The report templates, compiled once per process (a watch or a kernel renders again and again)."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]),
                      trim_blocks=True, lstrip_blocks=True, finalize=jinja_finalize)
    env.filters["place"] = place  # {{ m|place }}: "cell 7, line 3" or "line 40", as every format says it
    env.filters["num"] = format_number  # {{ x|num }}, {{ x|num(".3f") }}: NaN and infinities in words too
    return env


def render_html(report: dict[str, Any]) -> str:
    """The whole report as one HTML page."""
    exercises = [_exercise_view(exercise) for exercise in report["exercises"]]
    return templates().get_template("report.html.j2").render(report=report, exercises=exercises,
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
    docstrings = _docstrings(exercise.get("source", ""))
    mistakes = [{**m, **message_parts(m), "excerpt": _excerpt(lines, m.get("line"), cells, docstrings),
                 "evidence": _evidence(model.get("evidence")) if m["id"] == "linear-hidden-activation" else None}
                for m in exercise["mistakes"]]
    errors = [{**e, "excerpt": _excerpt(lines, e.get("line"), cells), **_error_heading(e)} for e in exercise["errors"]]
    found = {m["id"] for m in exercise["mistakes"]}
    return {**exercise, "mistakes_view": mistakes, "errors_view": errors,
            "model_rows": _model_rows(model.get("layers"), model.get("reference_layers"), found),
            "charts": _charts(details), "captions": _captions(details, found)}


def _error_heading(error: dict[str, Any]) -> dict[str, str]:
    """What an error of the file's own top-level code is called, with its place ('' for a function's error,
    shown by name), and its next step when it is a line of that code rather than the whole file."""
    if error["function"] != "<module>":
        return {"heading": "", "next_step": ""}
    if error["kind"] in WHOLE_FILE_KINDS or not error.get("line"):
        return {"heading": "the whole file", "next_step": ""}
    return {"heading": f"your code outside the functions, {place(error)}", "next_step": MODULE_NEXT_STEP}


def message_parts(mistake: dict[str, Any]) -> dict[str, str]:
    """A mistake's message ("observed. Expected: ... Fix: ...", grader.checks.catalog) as its observed and
    expected parts, so that each is shown once in its place beside the fix; the whole message as observed
    when it is not of that form."""
    if "observed" in mistake:  # the report's own fields (a report written before them has the message only)
        return {"observed": mistake["observed"], "expected": mistake.get("expected", "")}
    message, fix = mistake["message"], mistake.get("fix", "")
    suffix = f". Fix: {fix}"
    if fix and message.endswith(suffix) and ". Expected: " in message[:-len(suffix)]:
        observed, _, expected = message[:-len(suffix)].rpartition(". Expected: ")
        return {"observed": observed, "expected": expected}
    return {"observed": message, "expected": ""}


def _excerpt(lines: list[str], line: int | None, cells: list[dict[str, int]] = (),
             docstrings: dict[int, tuple[int, int]] | None = None) -> list[dict[str, Any]]:
    """The lines around `line`; for a notebook, only its cell's, numbered as in the cell. At a function's
    `def` line (given its docstrings' lines), the def line and its first lines of code: the docstring is the
    exercise's text, not the student's code, so it is left out with a line saying where it was."""
    if not line or not lines or line > len(lines):
        return []
    first, last, offset = 1, len(lines), 0
    cell = next((c for c in cells if c["start"] <= line <= c["end"]), None)
    if cell:
        first, last, offset = cell["start"], cell["end"], cell["start"] - 1

    def shown(n: int) -> dict[str, Any]:
        return {"number": n - offset, "text": lines[n - 1], "marked": n == line}

    doc = (docstrings or {}).get(line)
    if doc and line < doc[0] and doc[1] < last:
        code = range(doc[1] + 1, min(last, doc[1] + CONTEXT_LINES) + 1)
        gap = {"number": "", "text": f"(docstring, lines {doc[0] - offset}-{doc[1] - offset})", "marked": False,
               "gap": True}
        return [shown(n) for n in range(line, doc[0])] + [gap] + [shown(n) for n in code]
    start, end = max(first, line - CONTEXT_LINES), min(last, line + CONTEXT_LINES)
    return [shown(n) for n in range(start, end + 1)]


def _docstrings(source: str) -> dict[int, tuple[int, int]]:
    """Per `def` line of a function that has a docstring, the docstring's first and last lines ({} for
    code Python cannot parse: its excerpts are shown as they are)."""
    try:
        tree = parse(source)  # the tree grading read, when it is the same process
    except UNPARSEABLE:
        return {}
    spans = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and ast.get_docstring(node, clean=False) is not None:
            spans[node.lineno] = (node.body[0].lineno, node.body[0].end_lineno)
    return spans


def _model_rows(student: list[dict] | None, reference: list[dict] | None,
                found: set[str] = frozenset()) -> list[dict[str, Any]]:
    """Student and reference layers side by side, lined up by role (difflib over hidden/output), so an extra
    or a missing layer shows as such and the rest pair up; a cell is marked only where the grader found a
    mistake in it (`flagged` in the report), never for a mere difference from the reference."""
    if not student:
        return []
    reference = reference or []
    rows = []

    def row(mine: dict | None, theirs: dict | None, status: str) -> dict[str, Any]:
        flagged = (mine or {}).get("flagged", {})
        if mine is None and "no-hidden-layer" in found:
            flagged = {"units": ["no-hidden-layer"], "activation": []}
        return {"position": sum(1 for r in rows if r["mine"]) + 1 if mine else None, "mine": mine, "theirs": theirs,
                "status": status, "flagged": {key: flagged.get(key, []) for key in ("units", "activation")}}

    roles = difflib.SequenceMatcher(None, _kinds(student), _kinds(reference), autojunk=False)
    for _, i1, i2, j1, j2 in roles.get_opcodes():
        mine, theirs = student[i1:i2], reference[j1:j2]
        for k in range(max(len(mine), len(theirs))):
            a, b = (mine[k] if k < len(mine) else None), (theirs[k] if k < len(theirs) else None)
            rows.append(row(a, b, "paired" if a and b else "added" if a else "missing"))
    return rows


def _kinds(layers: list[dict]) -> list[tuple[str, int]]:
    """Each layer's role with how many of that role come before it: hidden layers pair up from the first,
    so the extra (or missing) ones are the deepest, just before the output."""
    seen: dict[str, int] = {}
    kinds = []
    for layer in layers:
        role = layer.get("role", "")
        kinds.append((role, seen.get(role, 0)))
        seen[role] = seen.get(role, 0) + 1
    return kinds


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
    normalize = details.get("normalize", {})
    statistics = normalize.get("statistics")
    if statistics and "inputs" in normalize:  # an older report's statistics are of a trial's shifted test set: not drawn
        features = normalize["inputs"]["features"]
        charts["means"] = Markup(svg.bar_chart(
            "Feature means after your normalize", _normalize_caption(details["normalize"], "mean"),
            features, [("train", statistics["train_mean"]), ("test", statistics["test_mean"])], "mean",
            reference=(0.0, "standardized training mean (0)"), value_format="{:.2f}", y_range=(-1.0, 1.0)))
        charts["stds"] = Markup(svg.bar_chart(
            "Standard deviations after your normalize", _normalize_caption(details["normalize"], "std"),
            features, [("train", statistics["train_std"]), ("test", statistics["test_std"])], "standard deviation",
            reference=(1.0, "standardized training deviation (1)"), value_format="{:.2f}", y_range=(0.0, 1.5)))
    return charts


def _captions(details: dict[str, Any], found: set[str]) -> dict[str, str]:
    """The charts' captions, each from the report's numbers and findings for this submission."""
    captions: dict[str, str] = {}
    counts = details.get("split_data", {}).get("class_counts")
    if counts:
        captions["class_counts"] = class_counts_caption(counts, found)
    model = details.get("build_model", {})
    training = model.get("training")
    if training and training.get("reading"):
        captions["accuracy"], captions["loss"] = training_captions(training)
    if model.get("evidence"):
        captions["evidence"] = evidence_caption(model["evidence"], training)
    normalize = details.get("normalize", {})
    if normalize.get("inputs"):
        captions["normalize"] = normalize_inputs(normalize)
    if normalize.get("inputs") and normalize.get("statistics"):
        captions["means"] = _normalize_caption(normalize, "mean")
        captions["stds"] = _normalize_caption(normalize, "std")
    return captions


def class_counts_caption(counts: dict[str, list], found: set[str]) -> str:
    """What split_data did with the grader's class-sorted data, from its counts and the split mistakes found."""
    text = ("The grader passed your split_data its data sorted by class: a shuffled, stratified 30% split takes "
            f"about {_numbers(counts['expected_test'])} test rows per class. ")
    close = all(abs(number(a) - number(b)) <= 1 for a, b in zip(counts["test"], counts["expected_test"]))
    named = [i for i in ("unshuffled-split", "not-stratified", "wrong-test-size") if i in found]
    text += f"Yours took {_numbers(counts['test'])}" + (", as it should." if close and not named else ".")
    if named:
        text += f" The grader found {_and(named)}: see Mistakes."
    return text


# What the grader's training mistakes mean beside its curves.
_TRAINING_FINDINGS = {"underfitting": "underfitting", "training-diverged": "training-diverged",
                      "overfitting": "overfitting, a warning", "outputs-not-probabilities": "outputs-not-probabilities"}


def training_captions(training: dict[str, Any]) -> tuple[str, str]:
    """The accuracy and loss charts' captions: what the curves show (flat, diverged, a loss that does not
    fall, learning too little, healthy), with their numbers and the training mistakes found."""
    reading = training["reading"]
    kind, median, threshold = reading["kind"], training["median_test_accuracy"], training["threshold"]
    start, end = format_number(reading["initial_loss"], ".3f"), format_number(reading["final_loss"], ".3f")
    against = (f"median final test accuracy {format_number(median, '.3f')}, "
               f"{'at or above' if number(median) >= threshold else 'below'} the threshold {format_number(threshold, '.2f')}")
    lines = "Solid lines: training set; dashed: test set; one colour per seed. "
    if kind == "diverged":
        accuracy = f"Training diverged: the loss became NaN or infinite, or grew ({against})."
        loss = (f"The loss went from {start} before training to {end} at the end: it did not fall and level off "
                "as a healthy one does.")
    elif kind == "flat":
        classes = (training.get("confusion") or {}).get("classes") or [str(i) for i in range(len(reading["class_shares"]))]
        shares = ", ".join(f"{c} {format_number(v, '.2f')}" for c, v in zip(classes, reading["class_shares"]))
        accuracy = (f"The training accuracy stays flat at {format_number(reading['final_train_accuracy'], '.2f')} on "
                    f"every epoch, about what answering the same class for every row scores (the classes' shares of "
                    f"the test rows: {shares}): the network does not learn ({against}).")
        loss = (f"The loss goes from {start} to {end}, but the accuracy never moves: a falling loss alone does not "
                "mean the network learns.")
    elif kind == "not-falling":
        accuracy = f"The network hardly learns ({against})."
        loss = f"The loss hardly falls, from {start} before training to {end}: the network does not learn."
    elif kind == "learning-too-little":
        accuracy = f"The network learns, but too little ({against})."
        loss = f"The loss falls from {start} before training to {end}."
    else:
        accuracy = f"The accuracy rises and levels off ({against})."
        loss = f"The loss falls from {start} before training to {end} and levels off: healthy training."
    found = [_TRAINING_FINDINGS.get(f, f) for f in reading["findings"]]
    if found:
        accuracy += f" The grader found {_and(found)}: see Mistakes."
    return lines + accuracy, lines + loss


def evidence_caption(evidence: dict[str, Any], training: dict[str, Any] | None) -> str:
    """Why the two-circles chart is there: what the network scored on the exercise's data, and on circles."""
    if training:
        here = (f"On this exercise's data your network reached a median test accuracy of "
                f"{format_number(training['median_test_accuracy'], '.2f')} (threshold "
                f"{format_number(training['threshold'], '.2f')}). ")
    else:
        here = "The grader could not train your network on this exercise's data. "
    return (here + "Hidden layers without a non-linear activation make the whole network one straight-line map, "
            f"which data that is almost separable by a straight line can hide. On {evidence['dataset']}, which no "
            f"straight line separates, the grader trained your network "
            f"({format_number(evidence['student_accuracy'], '.2f')}) and the same network with {evidence['change']} "
            f"({format_number(evidence['fixed_accuracy'], '.2f')}).")


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


# What the grader found in normalize, in the words of the charts (the ids are the catalog's).
_NORMALIZE_FINDINGS = {
    "no-normalization": "the grader found X_test returned as it came (no-normalization)",
    "not-standardized": "the grader found a scaling that is not standardization (not-standardized)",
    "test-statistics-leak": "the grader found statistics taken from the test set too (test-statistics-leak)",
    "scaled-separately": "the grader found X_test scaled with other numbers than X_train (scaled-separately)",
}


def normalize_inputs(normalize: dict[str, Any]) -> str:
    """What the grader passed normalize for its charts, and why its graded calls are not charted."""
    inputs = normalize["inputs"]
    text = (f"The charts show what your normalize returned for the grader's own split of this exercise's data "
            f"({inputs['dataset']}: {inputs['train_rows']} training rows, {inputs['test_rows']} test rows, "
            f"{len(inputs['features'])} features, unscaled; training means "
            f"{', '.join(format_number(v, '.4g') for v in inputs['train_mean'])}). "
            "The grade comes from other calls, on sets the grader made so that training, test and combined "
            "statistics all differ: their test sets are shifted and spread on purpose, so even correct work "
            "gives test means far from 0 there, and they are not charted.")
    if "chart_error" in normalize:
        text += f" On the grader's split, normalize gave no chart: {normalize['chart_error']}."
    return text


def _normalize_caption(normalize: dict[str, Any], stat: str) -> str:
    """A chart's caption from its numbers and the grader's findings: what came back, what correct work gives,
    and whether this submission does (never another story than the checks')."""
    statistics, looks, findings = normalize["statistics"], normalize["looks"], normalize["findings"]
    target, name = ("0", "means") if stat == "mean" else ("1", "standard deviations")
    text = (f"Your normalize returned training {name} {_numbers(statistics['train_' + stat])} and test {name} "
            f"{_numbers(statistics['test_' + stat])}. Standardized with the training set's statistics, the "
            f"training {name} are {target} and the test {name} near {target} but not exactly (the test rows are "
            "other rows). ")
    if not findings:
        return text + ("Yours look like that; " if looks["train_standardized"] else "") + \
            "the grader found no mistake in normalize."
    seen = []
    if looks["unchanged"]:
        seen.append(f"yours are the {name} of the data as it came in")
    elif not looks["train_standardized"]:
        seen.append(f"yours are not: the training {name} are not all {target}")
    elif looks["test_standardized"]:
        seen.append(f"yours are not: the test {name} are exactly {target} too, which only the test set's own "
                    "statistics give")
    said = [_NORMALIZE_FINDINGS.get(f, f"the grader found {f}") for f in findings]
    sentence = "; ".join(seen + said)
    return text + sentence[0].upper() + sentence[1:] + "."


def _numbers(values: list) -> str:
    """A list of numbers from the report for a chart's description: "0, 1.2, NaN, n/a"."""
    return ", ".join(format_number(v) for v in values)
