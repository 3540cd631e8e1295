"""The class results: the gradebook's current gradings as the plain data the class renderers read.

Nothing is regraded or rescored here: scores, mistakes and errors are read from the stored
reports; only counts and groupings are made.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from grader.bulk.counts import Counts, code_errors, outcome


def report_path(student: str, exercise: str) -> str:
    """Where a student's HTML report lives, relative to the output folder."""
    return f"reports/{student}/{exercise}.html"


def class_results(rows: list[dict[str, Any]], students: list[str], title: str,
                  similarity: list[dict[str, Any]], kept: int = 0) -> dict[str, Any]:
    """rows: the current grading of every (student, exercise) in the class outputs (gradebook rows, reports parsed).

    students: every student id of the outputs, including those whose submission could not be opened.
    similarity: what grader.bulk.similarity.compare found per exercise, each {"exercise", ...}.
    kept: how many of the rows this run did not grade (see grader.bulk.counts).
    """
    from grader import __version__
    from grader.checks import CATALOG

    exercises: dict[str, dict[str, Any]] = {}
    by_student: dict[str, dict[str, Any]] = {s: {} for s in students}
    per_exercise: dict[str, Counts] = {}
    problems = []
    for row in sorted(rows, key=lambda r: (r["student"], r["exercise"] or "")):
        student, name, verdict = row["student"], row["exercise"], outcome(row)
        if name is None:
            problems.append({"student": student, "exercise": None, "kind": row["error_kind"],
                             "message": row["error_message"], "report": None})
            continue
        per_exercise.setdefault(name, Counts()).add(verdict)
        report = row["report"]["exercises"][0] if row["report"] else None
        if report is not None:
            exercises.setdefault(name, {"name": name, "title": report["title"], "max_score": report["max_score"],
                                        "pass_mark": report["pass_mark"]})
        elif name not in exercises:
            exercises[name] = _column(name)
        graded = row["status"] == "graded"
        link = report_path(student, name) if report is not None else None
        by_student[student][name] = {
            "status": "graded" if graded else "error", "outcome": verdict,
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
    columns = [{**exercises[name], "counts": per_exercise[name].as_dict()} for name in sorted(exercises)]
    max_total = sum(e["max_score"] for e in columns)
    used = {m for results in by_student.values() for r in results.values() for m in r["mistakes"]}
    return {
        "title": title, "grader_version": __version__,
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "exercises": columns,
        "counts": Counts.of((outcome(row) for row in rows), kept).as_dict(),
        "students": [{"student": student, "results": results, "max_total": max_total,
                      "total": round(sum(r["score"] or 0 for r in results.values()), 2)}
                     for student, results in sorted(by_student.items())],
        "problems": problems,
        "similar": [{"exercise": c["exercise"], **pair} for c in similarity for pair in c["similar"]],
        "similarity": similarity,
        "mistake_catalog": {i: {"title": CATALOG[i].title, "severity": CATALOG[i].severity} for i in sorted(used)},
    }


def _column(name: str) -> dict[str, Any]:
    """An exercise's column when none of its gradings has a report (every one failed before grading)."""
    from grader.exercises import load

    exercise = load(name)
    return {"name": name, "title": exercise.title, "max_score": exercise.max_score, "pass_mark": exercise.pass_mark}
