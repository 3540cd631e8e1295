"""The class results: the gradebook's current gradings as the plain data the class renderers read.

Nothing is regraded or rescored here: scores, mistakes and errors are read from the stored
reports; only counts and groupings are made.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

# A student's code that could not run at all, as opposed to a function that is wrong or unfinished.
ERRORED_KINDS = {"timeout", "memory-limit", "crashed", "syntax-error", "too-large"}


def report_path(student: str, exercise: str) -> str:
    """Where a student's HTML report lives, relative to the output folder."""
    return f"reports/{student}/{exercise}.html"


def outcome(row: dict[str, Any]) -> str:
    """passed, failed or errored: the progress counts and the summary use the same rule."""
    if row["status"] != "graded" or code_errors(row["report"]["exercises"][0]):
        return "errored"
    return "passed" if row["passed"] else "failed"


def code_errors(exercise: dict[str, Any]) -> list[dict[str, Any]]:
    """The errors that mean the student's code did not run: it could not be imported, or it timed out or crashed."""
    return [e for e in exercise["errors"] if e["function"] == "<module>" or e["kind"] in ERRORED_KINDS]


def class_results(rows: list[dict[str, Any]], students: list[str], title: str,
                  similar: list[dict[str, Any]]) -> dict[str, Any]:
    """rows: the current grading of every (student, exercise) of this run (gradebook rows, reports parsed).

    students: every student id of the run, including those whose submission could not be opened.
    """
    from grader import __version__
    from grader.checks import CATALOG

    exercises: dict[str, dict[str, Any]] = {}
    by_student: dict[str, dict[str, Any]] = {s: {} for s in students}
    problems = []
    for row in sorted(rows, key=lambda r: (r["student"], r["exercise"] or "")):
        student, name = row["student"], row["exercise"]
        if name is None:
            problems.append({"student": student, "exercise": None, "kind": row["error_kind"],
                             "message": row["error_message"], "report": None})
            continue
        report = row["report"]["exercises"][0] if row["report"] else None
        if report is not None:
            exercises.setdefault(name, {"name": name, "title": report["title"], "max_score": report["max_score"],
                                        "pass_mark": report["pass_mark"]})
        graded = row["status"] == "graded"
        link = report_path(student, name) if report is not None else None
        by_student[student][name] = {
            "status": "graded" if graded else "error",
            "score": row["score"] if graded else None, "max_score": row["max_score"], "passed": bool(row["passed"]),
            "report": link,
            "mistakes": [m["id"] for m in report["mistakes"]] if graded else [],
            "failed_required": list(report.get("failed_required", [])) if graded else [],  # why it failed at any score
            "errors": [{k: e[k] for k in ("function", "kind", "message")} for e in report["errors"]] if graded else [],
        }
        if not graded:
            problems.append({"student": student, "exercise": name, "kind": row["error_kind"],
                             "message": row["error_message"], "report": link})
        else:
            problems += [{"student": student, "exercise": name, "kind": e["kind"],
                          "message": f"{e['function']}: {e['message']}", "report": link} for e in code_errors(report)]
    columns = [exercises[name] for name in sorted(exercises)]
    max_total = sum(e["max_score"] for e in columns)
    used = {m for results in by_student.values() for r in results.values() for m in r["mistakes"]}
    return {
        "title": title, "grader_version": __version__,
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "exercises": columns,
        "students": [{"student": student, "results": results, "max_total": max_total,
                      "total": round(sum(r["score"] or 0 for r in results.values()), 2)}
                     for student, results in sorted(by_student.items())],
        "problems": problems,
        "similar": similar,
        "mistake_catalog": {i: {"title": CATALOG[i].title, "severity": CATALOG[i].severity} for i in sorted(used)},
    }
