"""The report of an exercise the assignment declares (`grader check --expect`) but a submission
does not hold.

It is shaped like every graded exercise (grader.grading.grade_outcomes): each rubric check is
failed with none of its points and its one error, of the whole file, has kind "missing", so that
every format shows a failure naming the exercise, the way it shows a file that does not import.
"""
from __future__ import annotations

import heapq
import os
from pathlib import Path
from typing import Any

from grader.grading import NOT_RUN, verdict
from grader.render.escape import visible
from grader.report import submission_report
from grader.spec import Exercise

MISSING = "missing"
MAX_LISTED = 10  # folder entries named in the message; a folder may hold any number
MAX_NAME_CHARS = 80


def missing_report(submission: Path, exercise: Exercise) -> dict[str, Any]:
    """The report of a submission (a folder, a file, or a path that does not exist) for one declared
    exercise it does not hold: failed, 0 points."""
    return submission_report(str(submission), [missing_exercise(exercise, submission)], NOT_RUN)


def missing_exercise(exercise: Exercise, submission: Path) -> dict[str, Any]:
    """The exercise report of a declared exercise the submission does not hold."""
    name = exercise.name
    checks = [{"id": item.id, "title": item.title, "function": part.function, "passed": False, "points": 0,
               "max_points": item.points, "required": item.required,
               "message": f"{part.function} could not be graded: {name}.py or {name}.ipynb not found"}
              for part in exercise.parts for item in part.rubric]
    error = {"function": "<module>", "kind": MISSING, "message": missing_message(name, submission), "traceback": ""}
    return {
        "exercise": name, "title": exercise.title, "score": 0, "max_score": exercise.max_score,
        "pass_mark": exercise.pass_mark, **verdict(0, exercise.pass_mark, checks),
        "passed": False,  # also when the pass mark is 0 and nothing is required
        "checks": checks, "mistakes": [], "errors": [error], "notes": [], "details": {}, "source": "",
        "manual": [{"id": item.constant, "title": item.title, "points": item.points, "answer": "", "words": 0,
                    "status": "not answered"} for item in exercise.manual],
    }


def missing_message(name: str, submission: Path) -> str:
    """Where the exercise was looked for, what is there instead, and the fix, in the student's terms.

    A folder is searched as grader.submission.locate does: itself, then its exercises/ subfolder.
    """
    expected = f"{name}.py or {name}.ipynb not found"
    fix = (f"The assignment includes {name}: add your {name}.py, or your notebook {name}.ipynb, "
           "with exactly that name.")
    if submission.is_file():
        return f"{expected}: the submission {submission} is a single file, not a folder holding it. {fix}"
    if not submission.is_dir():
        return f"{expected}: the folder {_folder(submission)} does not exist. {fix}"
    where = f"{expected} in {_folder(submission)} ({_holding(submission)})"
    inner = submission / "exercises"
    if inner.is_dir() and not inner.is_symlink():  # a link's target is not the student's to list
        where += f" nor in {_folder(inner)} ({_holding(inner)})"
    return f"{where}. {fix}"


def _holding(folder: Path) -> str:
    """The folder's first entries by name, bounded: a near miss such as Iris_Net.py shows at once."""
    try:
        with os.scandir(folder) as scan:
            count = sum(1 for _ in scan)
        with os.scandir(folder) as scan:  # the smallest names without holding them all
            first = heapq.nsmallest(MAX_LISTED, ((entry.name, entry.is_dir(follow_symlinks=False)) for entry in scan))
    except OSError as exc:
        return f"it cannot be read: {exc.strerror}"
    if not first:
        return "it is empty"
    shown = ", ".join(_shown(entry) + ("/" if is_dir else "") for entry, is_dir in first)
    more = f" and {count - len(first)} more" if count > len(first) else ""
    return f"it holds: {shown}{more}"


def _folder(folder: Path) -> str:
    """The folder as the command line named it (the instructor's text, not the student's)."""
    return f"{str(folder).rstrip('/')}/"


def _shown(name: str) -> str:
    """A file name as text: control characters shown as escapes (names are the student's), length bounded."""
    text = visible(name)
    return text if len(text) <= MAX_NAME_CHARS else f"{text[:MAX_NAME_CHARS - 1]}…"
