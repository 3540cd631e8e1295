"""Gradescope rendering of reports: the results.json an autograder leaves in /autograder/results/.

Format: https://gradescope-autograders.readthedocs.io/en/latest/specs/ . One Gradescope test per
check, so students see every rubric line with its points; the points come from the report.

Every string taken from a report goes through `_t` (one line) or, for tracebacks and answers,
`visible(lines=True)`: Gradescope shows the text as it is, so controls are shown as escapes and a
submission cannot forge a line.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from grader.render.escape import visible
from grader.report import errors_of

_t = visible  # text from the report, on one line, every control character shown as an escape

VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")


def gradescope_results(reports: list[dict[str, Any]], visibility: str = "visible",
                       stdout_visibility: str = "hidden") -> dict[str, Any]:
    """The reports as one Gradescope results dict; `visibility` applies to the result and every test."""
    for value in (visibility, stdout_visibility):
        if value not in VISIBILITIES:
            raise ValueError(f"visibility {value!r} is not one of {', '.join(VISIBILITIES)}")
    exercises = [(report, exercise) for report in reports for exercise in report["exercises"]]
    tests = [_test(exercise, check, f"{i}.{j}", visibility)
             for i, (_, exercise) in enumerate(exercises, 1)
             for j, check in enumerate(exercise["checks"], 1)]
    tests += [_fault_test(exercise, f"{i}.0", visibility)
              for i, (_, exercise) in enumerate(exercises, 1) if "grader_error" in exercise]
    tests += [_manual_test(exercise, item, f"{i}.m{j}", visibility)
              for i, (_, exercise) in enumerate(exercises, 1) for j, item in enumerate(exercise.get("manual", []), 1)]
    return {
        # Set explicitly (Gradescope would otherwise sum the tests) so the total is the report's own.
        "score": round(sum(exercise["score"] for _, exercise in exercises), 2),
        "output": _summary(reports),
        "output_format": "text",
        "visibility": visibility,
        "stdout_visibility": stdout_visibility,
        "tests": tests,
    }


def write_gradescope(reports: list[dict[str, Any]], path: Path | str, visibility: str = "visible") -> None:
    """Write results.json; NaN is refused because Gradescope's JSON parser rejects it."""
    text = json.dumps(gradescope_results(reports, visibility), indent=2, allow_nan=False)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(text + "\n", encoding="utf-8")


def _summary(reports: list[dict[str, Any]]) -> str:
    lines = []
    for report in reports:
        isolation = report["isolation"]
        protections = f" ({_t(', '.join(isolation['protections']))})" if isolation["protections"] else ""
        unprotected = f"; not protected: {_t(', '.join(isolation['unprotected']))}" if isolation.get("unprotected") else ""
        lines.append(f"{_t(report['submission'])}, isolation: {_t(isolation['level'])}{protections}{unprotected}")
        for ex in report["exercises"]:
            verdict = "PASS" if ex["passed"] else "FAIL"
            lines.append(f"  {_t(ex['exercise'])}: {ex['score']:g}/{ex['max_score']:g} {verdict} (pass mark {ex['pass_mark']:g})")
            if ex.get("failed_required_message"):
                lines.append(f"  FAIL: {_t(ex['failed_required_message'])}")
            lines += [f"  note: {_t(note)}" for note in ex["notes"]]
            if ex.get("output_truncated"):
                lines.append("  note: your code printed more than the grader keeps; the rest was dropped")
    return "\n".join(lines)


def _test(exercise: dict[str, Any], check: dict[str, Any], number: str, visibility: str) -> dict[str, Any]:
    return {
        "name": _t(f"{exercise['exercise']}: {check['title']}"),
        "number": number,
        "score": check["points"],
        "max_score": check["max_points"],
        "status": "passed" if check["passed"] else "failed",
        "output": _test_output(exercise, check),
        "output_format": "text",
        "tags": [_t(exercise["exercise"]), _t(check["function"]), _t(check["id"]),
                 *(["required"] if check.get("required") else [])],
        "visibility": visibility,
    }


def _manual_test(exercise: dict[str, Any], item: dict[str, Any], number: str, visibility: str) -> dict[str, Any]:
    """A free-text answer: shown with 0 of 0 points, since Gradescope's manual rubric grades it."""
    return {
        "name": _t(f"{exercise['exercise']}: {item['title']} (graded by hand)"), "number": number, "score": 0,
        "max_score": 0, "output_format": "text", "visibility": visibility, "tags": [_t(exercise["exercise"]), "manual"],
        "output": f"{_t(item['status'])}: worth {item['points']:g} points, graded by your instructor.\n\n"
                  f"{visible(item['answer'], lines=True)}",
    }


def _fault_test(exercise: dict[str, Any], number: str, visibility: str) -> dict[str, Any]:
    """The grader failed on this exercise: one failed test that says it is not the student's doing."""
    return {
        "name": _t(f"{exercise['exercise']}: grader error"), "number": number, "score": 0,
        "max_score": exercise["max_score"], "status": "failed", "output_format": "text", "visibility": visibility,
        "output": f"The grader failed while grading this exercise; this is not a fault in your code. "
                  f"Please tell your instructor.\n{_t(exercise['grader_error']['message'])}",
        "tags": [_t(exercise["exercise"]), "grader-error"],
    }


def _test_output(exercise: dict[str, Any], check: dict[str, Any]) -> str:
    if check["passed"]:
        # A warning never costs points, so it is shown beside the passed checks of its function.
        mistakes = [m for m in exercise["mistakes"] if m["function"] == check["function"] and m["severity"] == "warning"]
    else:
        mistakes = [m for m in exercise["mistakes"] if check["id"] in m["checks"]]
    errors = [] if check["passed"] else errors_of(exercise, check)
    # The check message repeats the error or mistake that decided it, when there is one: said once.
    restated = errors or any(m["message"] == check["message"] for m in mistakes)
    lines = [] if restated else [_t(check["message"])]
    if check.get("required") and not check["passed"]:
        lines.insert(0, "This check is required: the exercise fails without it, whatever the score.")
    for error in errors:
        lines.append(f"{_t(error['kind'])} in {_t(error['function'])}: {_t(error['message'])}")
        if error.get("traceback"):
            lines.append(visible(error["traceback"], lines=True))
    for mistake in mistakes:
        where = f", line {_t(mistake['line'])}" if mistake.get("line") else ""
        lines.append(f"{_t(mistake['severity'])} {_t(mistake['id'])} ({_t(mistake['function'])}{where}): {_t(mistake['title'])}")
        lines.append(f"  {_t(mistake['message'])}")
        # The catalog's messages already end with the fix; it is added only where one does not.
        if mistake["fix"] not in mistake["message"]:
            lines.append(f"  Fix: {_t(mistake['fix'])}")
    return "\n".join(lines)
