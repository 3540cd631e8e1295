"""grades.csv for an LMS gradebook, rendered from the class results (see grader/render/summary.py).

A row per student sorted by id, a column per exercise in the class results' order, then the
total: `student,<exercise names...>,total`. A cell is empty when the student did not submit
the exercise or it could not be graded. Plain comma-separated UTF-8 (no BOM), CRLF line ends
as RFC 4180 has them, numbers without trailing zeros (83, 83.5).

Student ids and exercise names are untrusted (folder and file names): a text cell shows its
control characters as escapes (grader.render.escape.visible: no tab, line break or escape
sequence is left), and every part of it that a spreadsheet would read as a formula gets a single
quote in front. A part is the cell itself or what follows any common separator (`,` `;` `|`;
tabs are already gone), since the file may be opened with another separator than the comma; a
formula starts with = + - @ (or their full-width forms), also after spaces or quotes. So
`=HYPERLINK(...)` arrives as the text `'=HYPERLINK(...)` and `x;=cmd` as `x;'=cmd`.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from grader.render.escape import visible

FORMULA_STARTS = "=+\\-@\uff1d\uff0b\uff0d\uff20"  # as a regex class: and their full-width forms
SEPARATORS = ",;|"
_FORMULA = re.compile(f"(^|[{SEPARATORS}])(?=[ \"]*[{FORMULA_STARTS}])")


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
    """Neutralise formula injection (OWASP) under any common separator: a quote in front of every part
    that would start a formula makes it plain text."""
    return _FORMULA.sub(r"\1'", visible(value))
