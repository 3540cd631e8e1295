"""GitHub Actions job summary ($GITHUB_STEP_SUMMARY): GitHub-flavoured Markdown of the reports.

Verdicts are words as well as symbols, so they survive copy-paste and screen readers.

Text that comes from the submission (its path, messages, error kinds, notes) is written with
`_code`: one inline code span it cannot leave (CommonMark: a backtick fence longer than any run of
backticks inside), on one line (every line break shown as an escape, by grader.render.escape), with
`|` escaped inside table cells. Nothing in it can then open a heading, a table row or cell, a link,
an autolink, an image or HTML. The grader's own texts (titles, fixes, the isolation) go through
`_text`, which escapes the characters that would start Markdown.
"""
from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from grader.render.escape import visible

# Characters that would otherwise start Markdown or HTML inside the grader's own text.
_MARKUP = re.compile(r"([\\`*_\[\]<>|~#])")
_BACKTICKS = re.compile("`+")
# GitHub refuses a step summary over 1 MiB whole; the HTML report keeps the full text.
FIELD_CHARS = 2_000


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
    unprotected = f" Not protected: {_text(', '.join(isolation['unprotected']))}." if isolation.get("unprotected") else ""
    lines = [
        f"## {_verdict(passed)}: {_code(report['submission'])}, {score:g}/{max_score:g}",
        "",
        f"Isolation: **{_text(isolation['level'])}**{protections}.{unprotected} Grader {_text(report['grader_version'])}, "
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
    ]
    if ex.get("failed_required_message"):
        lines += [f"**FAIL**: {_text(ex['failed_required_message'])}", ""]
    if "grader_error" in ex:  # before the table: a line right after it would be one of its rows
        lines += [f"**GRADER ERROR**: {_code(ex['grader_error']['message'])} (not the student's fault)", ""]
    lines += ["| result | check | function | points | message |", "| --- | --- | --- | ---: | --- |"]
    for check in ex["checks"]:
        result = "✓ passed" if check["passed"] else "✗ failed"
        required = " (required)" if check.get("required") else ""
        lines.append(f"| {result} | {_code(check['id'], table=True)} {_text(check['title'])}{required} "
                     f"| {_code(check['function'], table=True)} | {check['points']:g}/{check['max_points']:g} "
                     f"| {_code(check['message'], table=True)} |")
    lines.append("")
    if ex["mistakes"]:
        lines += ["**Mistakes**", ""]
        for mistake in ex["mistakes"]:
            where = f", line {_text(mistake['line'])}" if mistake.get("line") else ""
            lines.append(f"- {_text(mistake['severity'])} {_code(mistake['id'])} ({_code(mistake['function'])}{where}): "
                         f"{_code(mistake['message'])}")
            # The catalog's messages already end with the fix; it is added only where one does not.
            if mistake["fix"] not in mistake["message"]:
                lines.append(f"  Fix: {_text(mistake['fix'])}")
        lines.append("")
    if ex["errors"]:
        lines += ["**Errors**", ""]
        lines += [f"- {_code(error['kind'])} in {_code(error['function'])}: {_code(error['message'])}" for error in ex["errors"]]
        lines.append("")
    if ex.get("manual"):
        lines += ["**Graded by the instructor**", ""]
        lines += [f"- {_code(item['id'])} {_text(item['title'])} ({item['points']:g} points): {_text(item['status'])}, "
                  f"{_text(item['words'])} words" for item in ex["manual"]]
        lines.append("")
    if ex["notes"]:
        lines += ["**Notes**", ""] + [f"- {_code(note)}" for note in ex["notes"]] + [""]
    return lines


def _verdict(passed: bool) -> str:
    return "✅ PASS" if passed else "❌ FAIL"


def _text(text: Any) -> str:
    """The grader's own text as Markdown prose: on one line, markup characters escaped (so a pipe cannot end a cell)."""
    return _MARKUP.sub(r"\\\1", visible(text))


def _code(text: Any, table: bool = False) -> str:
    """Untrusted text as one inline code span it cannot leave, cut at FIELD_CHARS; table=True also escapes
    `|` for a table cell."""
    text = visible(text)  # no line break left: it cannot end the span's line, item, row or heading
    if not text:
        return ""
    if len(text) > FIELD_CHARS:
        text = f"{text[:FIELD_CHARS]}... ({len(text) - FIELD_CHARS:,} more characters)"
    if table:
        text = text.replace("|", "\\|")  # GFM splits cells before it reads code spans
    fence = "`" * (1 + max(map(len, _BACKTICKS.findall(text)), default=0))
    # CommonMark strips one space from each end of a span's text that starts and ends with one (and is not
    # all spaces): padding then keeps such text, and text that starts or ends with a backtick, as it is.
    padded = "`" in (text[0], text[-1]) or (text[0] == text[-1] == " " and text.strip(" "))
    pad = " " if padded else ""
    return f"{fence}{pad}{text}{pad}{fence}"
