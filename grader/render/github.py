"""GitHub Actions job summary ($GITHUB_STEP_SUMMARY): GitHub-flavoured Markdown of the reports.

Verdicts are words as well as symbols, so they survive copy-paste and screen readers.
"""
from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

# Characters that would otherwise start Markdown or HTML inside a student's text
# (a returned string, an exception message), e.g. "<module>" would vanish as a tag.
_MARKUP = re.compile(r"([\\`*_\[\]<>|~#])")


def step_summary(reports: list[dict[str, Any]]) -> str:
    """The reports as GitHub-flavoured Markdown, one section per submission."""
    return "\n".join(_submission(report) for report in reports)


def append_step_summary(reports: list[dict[str, Any]], env: Mapping[str, str] = os.environ) -> bool:
    """Append the summary to the file named by GITHUB_STEP_SUMMARY; False when it is not set.

    Appends: other steps of the same job write to the same file.
    """
    path = env.get("GITHUB_STEP_SUMMARY")
    if not path:
        return False
    with open(path, "a", encoding="utf-8") as summary:
        summary.write(step_summary(reports) + "\n")
    return True


def _submission(report: dict[str, Any]) -> str:
    exercises = report["exercises"]
    passed = all(ex["passed"] for ex in exercises)
    score = sum(ex["score"] for ex in exercises)
    max_score = sum(ex["max_score"] for ex in exercises)
    isolation = report["isolation"]
    protections = f" ({_text(', '.join(isolation['protections']))})" if isolation["protections"] else ""
    lines = [
        f"## {_verdict(passed)}: {_text(report['submission'])}, {score:g}/{max_score:g}",
        "",
        f"Isolation: **{_text(isolation['level'])}**{protections}. Grader {_text(report['grader_version'])}, "
        f"graded {_text(report['graded_at'])}.",
        "",
    ]
    for ex in exercises:
        lines += _exercise(ex)
    return "\n".join(lines)


def _exercise(ex: dict[str, Any]) -> list[str]:
    lines = [
        f"### {_text(ex['exercise'])}: {_text(ex['title'])}",
        "",
        f"**{ex['score']:g}/{ex['max_score']:g} {_verdict(ex['passed'])}** (pass mark {ex['pass_mark']:g})",
        "",
        "| result | check | function | points | message |",
        "| --- | --- | --- | ---: | --- |",
    ]
    if "grader_error" in ex:
        lines += [f"**GRADER ERROR**: {_text(ex['grader_error']['message'])} (not the student's fault)", ""]
    for check in ex["checks"]:
        result = "✓ passed" if check["passed"] else "✗ failed"
        lines.append(f"| {result} | `{check['id']}` {_text(check['title'])} | `{check['function']}` "
                     f"| {check['points']:g}/{check['max_points']:g} | {_text(check['message'])} |")
    lines.append("")
    if ex["mistakes"]:
        lines += ["**Mistakes**", ""]
        for mistake in ex["mistakes"]:
            where = f", line {mistake['line']}" if mistake.get("line") else ""
            lines.append(f"- {mistake['severity']} `{mistake['id']}` (`{mistake['function']}`{where}): {_text(mistake['message'])}")
            # The catalog's messages already end with the fix; it is added only where one does not.
            if mistake["fix"] not in mistake["message"]:
                lines.append(f"  Fix: {_text(mistake['fix'])}")
        lines.append("")
    if ex["errors"]:
        lines += ["**Errors**", ""]
        lines += [f"- {error['kind']} in `{error['function']}`: {_text(error['message'])}" for error in ex["errors"]]
        lines.append("")
    if ex.get("manual"):
        lines += ["**Graded by the instructor**", ""]
        lines += [f"- `{item['id']}` {_text(item['title'])} ({item['points']:g} points): {item['status']}, "
                  f"{item['words']} words" for item in ex["manual"]]
        lines.append("")
    if ex["notes"]:
        lines += ["**Notes**", ""] + [f"- {_text(note)}" for note in ex["notes"]] + [""]
    return lines


def _verdict(passed: bool) -> str:
    return "✅ PASS" if passed else "❌ FAIL"


def _text(text: str) -> str:
    # Escaped, a pipe cannot end a table cell; as <br>, a newline cannot end a row, item or heading.
    return _MARKUP.sub(r"\\\1", str(text)).replace("\n", "<br>")
