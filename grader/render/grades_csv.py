"""grades.csv for an LMS gradebook, rendered from the class results (see grader/render/summary.py).

A row per student sorted by id, a column per exercise in the class results' order, then the
total: `student,<exercise names...>,total`. A cell is empty when the student did not submit
the exercise or it could not be graded. Plain comma-separated UTF-8 (no BOM), CRLF line ends
as RFC 4180 has them, numbers without trailing zeros (83, 83.5).

Student ids are untrusted folder names: a text cell that a spreadsheet would read as a
formula (starting with = + - @, a tab or a line break, also after leading spaces) gets a
single quote in front, so `=HYPERLINK(...)` arrives as the text `'=HYPERLINK(...)`.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")  # and full-width forms


def format_score(value: float) -> str:
    """83 or 83.5, never 83.0: at most two decimals, as the reports round scores."""
    return f"{round(value, 2) + 0.0:.2f}".rstrip("0").rstrip(".")  # + 0.0 turns -0.0 into 0.0


def grades_csv(results: dict[str, Any]) -> str:
    """The gradebook as CSV text."""
    names = [exercise["name"] for exercise in results["exercises"]]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_text(cell) for cell in ("student", *names, "total")])
    for student in sorted(results["students"], key=lambda s: s["student"]):
        scores = [_score(student["results"].get(name)) for name in names]
        writer.writerow([_text(student["student"]), *scores, format_score(student["total"])])
    return out.getvalue()


def write_grades_csv(results: dict[str, Any], path: Path | str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(grades_csv(results), encoding="utf-8", newline="")  # keep the CRLFs as written
    return path


def _score(result: dict[str, Any] | None) -> str:
    if result is None or result["status"] != "graded" or result["score"] is None:
        return ""
    return format_score(result["score"])


def _text(value: str) -> str:
    """Neutralise formula injection (OWASP): a quote in front makes the cell plain text."""
    return "'" + value if value.lstrip(" ").startswith(FORMULA_STARTS) else value
