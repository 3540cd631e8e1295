"""The class summary page: one self-contained HTML file (inline CSS and SVG, no scripts or fetches).

It renders the "class results" that `grader bulk` builds from its gradebook, plain data:

    {"title", "grader_version", "generated_at",
     "counts": COUNTS,                                                    # of every grading in the outputs
     "exercises": [{"name", "title", "max_score", "pass_mark", "counts": COUNTS}],  # the columns, in order
     "students": [{"student", "total", "max_total",
                   "results": {exercise name: {"status": "graded" | "error", "outcome", "score" (None on error),
                                               "max_score", "passed", "report" (path or None),
                                               "mistakes": [ids], "errors": [{"function", "kind", "message"}]}}}],
     "problems": [{"student", "exercise" (or None), "kind", "message", "report" (or None)}],
     "similar": [{"exercise", "students": [a, b], "similarity": 0.0 to 1.0}],
     "similarity": [{"exercise", "compared", "pairs", "similar": [pairs], "left_out": [{"reason", "students"}],
                     "partly_parsed": [ids], "ungraded": [ids], "lesson_tokens", "min_tokens"}],
     "mistake_catalog": {id: {"title", "severity"}}}

COUNTS is grader.bulk.counts.Counts.as_dict(): a number per outcome (passed, failed, errored,
grader-error, malformed), "gradings" (their sum), "made" (by the run that wrote the page) and "kept".
The page prints those numbers with the words grader.bulk.counts gives them, so it says what the
terminal said; it counts nothing itself. An exercise missing from a student's "results" was not
submitted; "mistakes" and "errors" may be left out of a result. "similarity" is what
grader.bulk.similarity.compare returned per exercise.

Report paths are relative to the output folder with "/" separators, and the page is meant to be
written at the top of that folder: each path becomes a percent-encoded relative link, and a path
that is absolute or climbs out with ".." gets no link at all (student ids are untrusted folder names).
Every value the template prints has its control characters shown as escapes (grader.render.escape)
before Jinja's autoescaping; the charts are markup svg.py builds, escaping each label itself.
"""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from grader.bulk.counts import EXPLAINED, OUTCOMES, label
from grader.render import svg
from grader.render.escape import jinja_finalize
from grader.render.grades_csv import format_score

TEMPLATES = Path(__file__).with_name("templates")
BINS = 10
NAMED = 10  # students named in one sentence about similarity


def render_summary(results: dict[str, Any]) -> str:
    """The class results as one HTML page."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]),
                      trim_blocks=True, lstrip_blocks=True, finalize=jinja_finalize)
    env.filters["num"] = format_score
    return env.get_template("summary.html.j2").render(**_view(results))


def write_summary(results: dict[str, Any], path: Path | str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_summary(results), encoding="utf-8")
    return path


def _view(results: dict[str, Any]) -> dict[str, Any]:
    students = sorted(results["students"], key=lambda s: s["student"])
    exercises = [_exercise_stats(exercise, students) for exercise in results["exercises"]]
    counts = results["counts"]
    return {
        "results": results,
        "exercises": exercises,
        "counts": {**counts, "students": len(students),
                   "with_errors": counts["errored"] + counts["grader-error"] + counts["malformed"]},
        "outcomes": [{"key": key, "n": counts[key], "label": label(key, 2).capitalize(), "explained": EXPLAINED[key]}
                     for key in OUTCOMES],
        "problem_counts": ", ".join(f"{counts[key]} {label(key, counts[key])}"
                                    for key in ("errored", "grader-error", "malformed")),
        "histograms": [_histogram(e) for e in exercises if e["scores"]],
        "pass_chart": _pass_chart(exercises) if any(e["rate"] is not None for e in exercises) else None,
        "mistakes": _mistakes(students, results["exercises"], results["mistake_catalog"]),
        "problems": [{**p, "href": _href(p["report"])}
                     for p in sorted(results["problems"], key=lambda p: (p["student"], p["exercise"] or ""))],
        "similar": _similar(results["similar"], students),
        "similarity": [_similarity(entry) for entry in results["similarity"]],
        "rows": [_student_row(student, results["exercises"]) for student in students],
    }


def _exercise_stats(exercise: dict[str, Any], students: list[dict[str, Any]]) -> dict[str, Any]:
    counts = exercise["counts"]
    scores = [s["results"][exercise["name"]]["score"] for s in students
              if s["results"].get(exercise["name"], {}).get("status") == "graded"]
    judged = counts["passed"] + counts["failed"] + counts["errored"]  # a grader error is nobody's verdict
    return {**exercise, "submitted": counts["gradings"], "passed": counts["passed"], "failed": counts["failed"],
            "errored": counts["errored"], "grader_errors": counts["grader-error"], "judged": judged,
            "rate": 100 * counts["passed"] / judged if judged else None, "scores": scores}


def _histogram(exercise: dict[str, Any]) -> Markup:
    width = exercise["max_score"] / BINS
    counts = [0] * BINS
    for score in exercise["scores"]:
        counts[min(max(int(score // width), 0), BINS - 1)] += 1  # full marks fall in the top bin
    edges = [round(width * i, 2) for i in range(BINS + 1)]
    bands = "; ".join(f"{low:g} to {high:g}: {n}" for low, high, n in zip(edges, edges[1:], counts))
    return Markup(svg.histogram(
        f"Scores on {exercise['name']}",
        f"Scores of the {len(exercise['scores'])} {exercise['name']} submissions that have a score, students per band "
        f"of {width:g} points: {bands}. The dotted line is the pass mark, {exercise['pass_mark']:g}.",
        edges, counts, f"score (out of {exercise['max_score']:g})",
        reference=(exercise["pass_mark"], f"pass mark {exercise['pass_mark']:g}")))


def _pass_chart(exercises: list[dict[str, Any]]) -> Markup:
    described = "; ".join(f"{e['name']}: {e['passed']} of {e['judged']}" for e in exercises)
    return Markup(svg.bar_chart(
        "Pass rate per exercise",
        f"Submissions that passed, per exercise, of those the grader could judge: {described}.",
        [e["name"] for e in exercises], [("passed", [e["rate"] for e in exercises])], "% of judged submissions",
        reference=(100.0, ""), value_format="{:.0f}%"))  # the line keeps the axis at 0-100%


def _mistakes(students: list[dict[str, Any]], exercises: list[dict[str, Any]],
              catalog: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    """Each mistake id with the students who made it, most frequent first."""
    who: dict[str, set[str]] = defaultdict(set)
    where: dict[str, set[str]] = defaultdict(set)
    for student in students:
        for name, result in student["results"].items():
            for mistake in result.get("mistakes", []):
                who[mistake].add(student["student"])
                where[mistake].add(name)
    rows = [{"id": mistake, "title": catalog.get(mistake, {}).get("title", ""),
             "severity": catalog.get(mistake, {}).get("severity", "unknown"), "students": sorted(who[mistake]),
             "exercises": [e["name"] for e in exercises if e["name"] in where[mistake]]} for mistake in who]
    return sorted(rows, key=lambda row: (-len(row["students"]), row["id"]))


def _similar(pairs: list[dict[str, Any]], students: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each pair with links to both reports, so the instructor can compare them side by side."""
    results = {s["student"]: s["results"] for s in students}

    def member(student: str, exercise: str) -> dict[str, Any]:
        return {"student": student, "href": _href(results.get(student, {}).get(exercise, {}).get("report"))}

    return [{"exercise": p["exercise"], "similarity": p["similarity"],
             "students": [member(student, p["exercise"]) for student in p["students"]]}
            for p in sorted(pairs, key=lambda p: (-p["similarity"], p["exercise"], p["students"]))]


def _similarity(entry: dict[str, Any]) -> dict[str, Any]:
    """What the similarity check did for one exercise, in sentences: what it compared, what it found, and
    what it could not judge and why."""
    n, pairs, found, least = entry["compared"], entry["pairs"], len(entry["similar"]), entry["min_tokens"]
    if n >= 2:
        verdict = ("none is suspiciously similar" if not found else
                   f"{found} {'pair is' if found == 1 else 'pairs are'} suspiciously similar (listed below)")
        said = f"Compared {pairs} pair{_s(pairs)} of {n} submission{_s(n)} for {entry['exercise']}; {verdict}."
    else:
        said = (f"Compared no pairs for {entry['exercise']}: {'only one submission has' if n else 'no submission has'} "
                f"enough code of its own to be told apart from another.")
    why = {  # (one, several)
        "lesson": ("is the stub or the lesson's solution, with nothing of its own",
                   "are the stub or the lesson's solution, with nothing of their own"),
        "short": (f"has under {least} tokens of its own beyond the stub and the lesson's solution",
                  f"have under {least} tokens of their own beyond the stub and the lesson's solution"),
        "common": ("has code of its own that is mostly also in several other submissions (common code is no evidence)",
                   "have code of their own that is mostly also in several other submissions (common code is no "
                   "evidence)"),
        "unparsed": ("does not parse as Python", "do not parse as Python"),
        "no-code": ("is empty", "are empty"),
    }
    parts = [f"{len(e['students'])} {why[e['reason']][len(e['students']) > 1]} ({_named(e['students'])})"
             for e in entry["left_out"]]
    if entry["ungraded"]:
        parts.append(f"{len(entry['ungraded'])} could not be graded, so there was no code to compare "
                     f"({_named(entry['ungraded'])})")
    notes = []
    if parts:
        notes.append(f"Not judged (a pair is flagged only when it shares at least {least} tokens of code its students "
                     f"wrote themselves): {'; '.join(parts)}.")
    if entry["partly_parsed"]:
        notes.append(f"Only the parts that parse were compared for {len(entry['partly_parsed'])} submission"
                     f"{_s(len(entry['partly_parsed']))} with syntax errors ({_named(entry['partly_parsed'])}).")
    if entry["lesson_tokens"] < least:
        notes.append(f"This exercise is too short to tell submissions apart: the lesson's own solution is "
                     f"{entry['lesson_tokens']} tokens beyond the stub, fewer than the {least} a flagged pair must "
                     f"share, so correct submissions alike say nothing about copying.")
    return {"exercise": entry["exercise"], "said": said, "notes": notes}


def _named(students: list[str]) -> str:
    more = f" and {len(students) - NAMED} more" if len(students) > NAMED else ""
    return ", ".join(students[:NAMED]) + more


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def _student_row(student: dict[str, Any], exercises: list[dict[str, Any]]) -> dict[str, Any]:
    cells = []
    for exercise in exercises:
        result = student["results"].get(exercise["name"])
        cells.append(None if result is None else
                     {**result, "href": _href(result["report"]), "error_count": len(result.get("errors", []))})
    graded = [c for c in cells if c and c["status"] == "graded"]
    return {**student, "cells": cells, "graded": len(graded), "passed": sum(1 for c in graded if c["passed"])}


def _href(path: str | None) -> str | None:
    """A relative link inside the output folder, percent-encoded; None for no path or one that leaves it."""
    if not path or path.startswith("/") or ".." in path.split("/"):
        return None
    try:
        # Also turns "javascript:" into a harmless relative name. A folder name that is not UTF-8 reaches
        # Python as lone surrogates (surrogateescape): the link then names its real bytes.
        return quote(path, errors="surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate no file name can hold
        return None
