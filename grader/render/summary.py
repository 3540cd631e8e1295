"""The class summary page: one self-contained HTML file (inline CSS and SVG, no scripts or fetches).

It renders the "class results" that `grader bulk` builds from its gradebook, plain data:

    {"title", "grader_version", "generated_at",
     "exercises": [{"name", "title", "max_score", "pass_mark"}],          # the columns, in order
     "students": [{"student", "total", "max_total",
                   "results": {exercise name: {"status": "graded" | "error", "score" (None on error),
                                               "max_score", "passed", "report" (path or None),
                                               "mistakes": [ids], "errors": [{"function", "kind", "message"}]}}}],
     "problems": [{"student", "exercise" (or None), "kind", "message", "report" (or None)}],
     "similar": [{"exercise", "students": [a, b], "similarity": 0.0 to 1.0}],
     "mistake_catalog": {id: {"title", "severity"}}}

An exercise missing from a student's "results" was not submitted; "mistakes" and "errors" may be
left out of a result. Counts: "graded" counts results with status "graded"; "errored" counts the
distinct (student, exercise) pairs among "problems". The pass rate is passed / graded.

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

from grader.render import svg
from grader.render.escape import jinja_finalize
from grader.render.grades_csv import format_score

TEMPLATES = Path(__file__).with_name("templates")
BINS = 10


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
    return {
        "results": results,
        "exercises": exercises,
        "counts": {"students": len(students),
                   "graded": sum(e["graded"] for e in exercises),
                   "errored": len({(p["student"], p["exercise"]) for p in results["problems"]})},
        "histograms": [_histogram(e) for e in exercises if e["scores"]],
        "pass_chart": _pass_chart(exercises) if any(e["graded"] for e in exercises) else None,
        "mistakes": _mistakes(students, results["exercises"], results["mistake_catalog"]),
        "problems": [{**p, "href": _href(p["report"])}
                     for p in sorted(results["problems"], key=lambda p: (p["student"], p["exercise"] or ""))],
        "similar": _similar(results["similar"], students),
        "rows": [_student_row(student, results["exercises"]) for student in students],
    }


def _exercise_stats(exercise: dict[str, Any], students: list[dict[str, Any]]) -> dict[str, Any]:
    submitted = [s["results"][exercise["name"]] for s in students if exercise["name"] in s["results"]]
    graded = [r for r in submitted if r["status"] == "graded"]
    passed = sum(1 for r in graded if r["passed"])
    return {**exercise, "submitted": len(submitted), "graded": len(graded), "passed": passed,
            "failed": len(graded) - passed, "ungradable": len(submitted) - len(graded),
            "rate": 100 * passed / len(graded) if graded else None, "scores": [r["score"] for r in graded]}


def _histogram(exercise: dict[str, Any]) -> Markup:
    width = exercise["max_score"] / BINS
    counts = [0] * BINS
    for score in exercise["scores"]:
        counts[min(max(int(score // width), 0), BINS - 1)] += 1  # full marks fall in the top bin
    edges = [round(width * i, 2) for i in range(BINS + 1)]
    bands = "; ".join(f"{low:g} to {high:g}: {n}" for low, high, n in zip(edges, edges[1:], counts))
    return Markup(svg.histogram(
        f"Scores on {exercise['name']}",
        f"Scores of the {exercise['graded']} graded {exercise['name']} submissions, students per band of "
        f"{width:g} points: {bands}. The dotted line is the pass mark, {exercise['pass_mark']:g}.",
        edges, counts, f"score (out of {exercise['max_score']:g})",
        reference=(exercise["pass_mark"], f"pass mark {exercise['pass_mark']:g}")))


def _pass_chart(exercises: list[dict[str, Any]]) -> Markup:
    described = "; ".join(f"{e['name']}: {e['passed']} of {e['graded']}" for e in exercises)
    return Markup(svg.bar_chart(
        "Pass rate per exercise", f"Graded submissions that passed, per exercise: {described}.",
        [e["name"] for e in exercises], [("passed", [e["rate"] for e in exercises])], "% of graded submissions",
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
