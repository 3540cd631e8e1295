"""The one structured report a grading produces. Every output format renders it; none recomputes it.

It is plain data (dicts, lists, strings, numbers) so it crosses processes as JSON.
"""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1


def submission_report(submission: str, exercises: list[dict[str, Any]], isolation: dict[str, Any]) -> dict[str, Any]:
    from grader import __version__

    return {
        "schema": SCHEMA_VERSION,
        "submission": submission,
        "grader_version": __version__,
        "graded_at": now(),
        "isolation": isolation,
        "exercises": exercises,
    }


def all_passed(report: dict[str, Any]) -> bool:
    return all(exercise["passed"] for exercise in report["exercises"])


def write_json(report: dict[str, Any], path: Path | str) -> None:
    text = json.dumps(report, indent=2, allow_nan=False)
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
