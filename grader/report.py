"""The one structured report a grading produces. Every output format renders it; none recomputes it.

It is plain data (dicts, lists, strings, numbers) so it crosses processes as JSON.

Numbers that JSON cannot hold follow one rule, here: a float that is NaN or infinite (a loss curve
that blew up, statistics of a student's values) is the string "NaN", "Infinity" or "-Infinity"
(NON_FINITE: the spelling of protobuf's JSON mapping and of JavaScript). `submission_report` makes
every report so, and `dumps` writes report data so wherever it goes as JSON (the report files, the
gradebook, between bulk workers), so a report is the same data in memory and read back. Renderers
read a number with `number` and show it with `format_number`.
"""
from __future__ import annotations

import json
import math
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1
NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def submission_report(submission: str, exercises: list[dict[str, Any]], isolation: dict[str, Any]) -> dict[str, Any]:
    from grader import __version__

    return plain({
        "schema": SCHEMA_VERSION,
        "submission": submission,
        "grader_version": __version__,
        "graded_at": now(),
        "isolation": isolation,
        "exercises": exercises,
    })


def plain(value: Any) -> Any:
    """`value` as a report holds it: every NaN or infinite float as its string in NON_FINITE, tuples as lists."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else "Infinity" if value > 0 else "-Infinity"
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def dumps(value: Any, indent: int | None = None) -> str:
    """Report data as strict JSON text, non-finite floats written by the rule above (a NaN or Infinity
    literal is not JSON: browsers', jq's and Gradescope's parsers refuse it)."""
    return json.dumps(plain(value), indent=indent, allow_nan=False)


def number(value: Any) -> float | None:
    """A number read from a report as a float (the strings of NON_FINITE as NaN and infinities);
    None for anything that is not a number (None, other text, booleans)."""
    if isinstance(value, str):
        return NON_FINITE.get(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return float(value)
    except OverflowError:  # an integer past the float range
        return math.inf if value > 0 else -math.inf


def format_number(value: Any, spec: str = "g") -> str:
    """A number from a report for people: `spec` for a finite one, "NaN", "inf" or "-inf" for the
    others, "n/a" for a value that is not a number."""
    if spec == "g" and isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**15:
        return str(value)  # every digit (:g keeps six)
    x = number(value)
    if x is None:
        return "n/a"
    if not math.isfinite(x):
        return "NaN" if math.isnan(x) else "inf" if x > 0 else "-inf"
    return format(x + 0.0, spec)  # + 0.0: -0.0 is shown as 0


def place(item: dict[str, Any]) -> str:
    """Where a mistake or error is: 'cell C, line L' in a notebook, 'line N' in a file, '' without a line."""
    if item.get("cell"):
        return f"cell {item['cell']}, line {item['cell_line']}"
    return f"line {item['line']}" if item.get("line") else ""


def errors_of(exercise: dict[str, Any], check: dict[str, Any]) -> list[dict[str, Any]]:
    """The errors that cost a check its points: its function's own, and a failure of the whole file that
    left that function ungraded (a try-out that failed after the definitions costs no check: its
    `not_graded` is empty; an older report without `not_graded` counts for every check)."""
    function = check["function"]
    return [e for e in exercise["errors"] if e["function"] == function
            or (e["function"] == "<module>" and function in e.get("not_graded", [function]))]


def all_passed(report: dict[str, Any]) -> bool:
    return all(exercise["passed"] for exercise in report["exercises"])


def write_json(report: dict[str, Any], path: Path | str) -> None:
    text = dumps(report, indent=2)
    if str(path) == "-":
        print(text)
        return
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(text + "\n")


def now() -> str:
    """The grading time, in UTC to the second; SOURCE_DATE_EPOCH (the reproducible-builds convention)
    fixes it, so that two gradings of the same submission give byte-identical reports."""
    fixed = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    moment = datetime.fromtimestamp(int(fixed), timezone.utc) if fixed.isdigit() else datetime.now(timezone.utc)
    return moment.isoformat(timespec="seconds")
