"""The verdict inside a notebook: a compact summary of a report, as HTML (IPython's rich display) or text.

`grader.check()` shows it under the student's cell. It says what the terminal says, in the terminal's
words (grader.render.terminal's pieces), less the checks that passed: the exercise, score and verdict,
each failed check and why, each mistake with what was observed and expected, its fix and its place,
errors, notes and how many checks passed. The HTML form adds the whole HTML report (grader.render.html),
folded in a `<details>`, inside a sandboxed `<iframe srcdoc>`.

Nothing is recomputed: the verdict is the report's. The HTML has no script and no external style: a
notebook front end (JupyterLab, classic Notebook, VS Code, Colab) shows output in its own page, light or
dark, so every style is inline and every colour either inherited or set with its background.
Every string from the report is escaped twice (grader.render.escape's `visible`, then Jinja's HTML
autoescaping); the full report is one attribute value, escaped as such, so it cannot close its iframe.
"""
from __future__ import annotations

import copy
import re
from typing import Any

from grader.render.escape import visible
from grader.render.html import message_parts, render_html, templates
from grader.render.terminal import (GRADER_FAULT, cell_place, check_reason, error_place, exercise_lines,
                                    painter)

# Where the grader's own sentences name a cell ("(cell 7, line 3)", "stopped at cell 7, line 3").
_CELL = re.compile(r"\bcell (\d+), line (\d+)")
_FIELDS = ("message", "observed", "expected")  # the texts of checks, mistakes and errors that may name a cell

# Inline styles (a notebook's own CSS would apply to every output of the page). Badges set both their
# colours; everything else inherits the theme's text colour on a transparent background.
PASS, FAIL, WARN = "#1a7f37", "#c62828", "#9a6700"
STYLE = {
    "box": "margin:0.4em 0;padding:0.5em 0.8em;border:1px solid rgba(128,128,128,0.45);border-radius:6px;"
           "border-left-width:6px;background:transparent;color:inherit;line-height:1.45;max-width:100%;"
           "box-sizing:border-box;overflow-wrap:anywhere",
    "head": "display:flex;flex-wrap:wrap;align-items:baseline;gap:0.2em 0.7em;margin:0",
    "badge": "display:inline-block;padding:0 0.45em;border-radius:4px;color:#fff;font-weight:700",
    "title": "font-weight:600;margin:0.2em 0",
    "heading": "font-weight:600;margin:0.6em 0 0.2em",
    "list": "margin:0.2em 0;padding-left:1.3em",
    "item": "margin:0.15em 0",
    "mistake": "margin:0.4em 0;padding:0.15em 0 0.15em 0.6em;border-left:4px solid",
    "line": "margin:0.1em 0",
    "muted": "opacity:0.8",
    "summary": "cursor:pointer;font-weight:600;margin-top:0.5em",
    "frame": "display:block;box-sizing:border-box;width:100%;height:36rem;margin-top:0.4em;"
             "border:1px solid rgba(128,128,128,0.45);border-radius:4px;background:#fff",
}
SEVERITY_COLOURS = {"error": FAIL, "warning": WARN}


def summary_html(report: dict[str, Any], cells: dict[int, str] | None = None,
                 report_path: str | None = None) -> str:
    """The compact verdict as one HTML fragment (no script, inline styles), with the full HTML report folded
    in below it. cells maps the report's cell numbers to the labels the student sees ({7: "In [12]"});
    report_path, when given, is where the full report was written, said at the end."""
    shown = _relabelled(report, cells)
    exercises = [_exercise_view(ex, cells) for ex in shown["exercises"]]
    return templates().get_template("notebook.html.j2").render(
        exercises=exercises, report_path=report_path, full_report=render_html(report), style=STYLE,
        colours={"pass": PASS, "fail": FAIL, **SEVERITY_COLOURS}, grader_fault=GRADER_FAULT)


def summary_text(report: dict[str, Any], cells: dict[int, str] | None = None, report_path: str | None = None,
                 color: bool = False) -> str:
    """The compact verdict as text, in the terminal's words (colour codes only with color=True, for a
    terminal): each exercise's line, what failed and why, and how many checks passed."""
    paint = painter(color)
    lines = []
    for ex in _relabelled(report, cells)["exercises"]:
        lines += exercise_lines(ex, paint, cells, compact=True)
        if ex["checks"]:  # an exercise the grader failed to grade has none: its one sentence says why
            lines.append(f"  {_passed(ex)}")
    if report_path:
        lines.append(f"full report: {visible(report_path)}")
    return "\n".join(lines)


def _exercise_view(ex: dict[str, Any], cells: dict[int, str] | None) -> dict[str, Any]:
    """What the summary shows of one exercise, each sentence as the terminal words it."""
    failed = [check for check in ex["checks"] if not check["passed"]]
    return {
        **ex,
        "failed_checks": [{**check, "reason": check_reason(check, ex["mistakes"])} for check in failed],
        "mistakes_view": [{**m, **message_parts(m), "place": cell_place(m, cells)} for m in ex["mistakes"]],
        "errors_view": [{**e, "heading": f"{e['kind']} in {e['function']}{error_place(e, cells)}"}
                        for e in ex["errors"]],
        "checks_passed": _passed(ex),
    }


def _passed(ex: dict[str, Any]) -> str:
    return f"{sum(1 for c in ex['checks'] if c['passed'])} of {len(ex['checks'])} checks passed"


def _relabelled(report: dict[str, Any], cells: dict[int, str] | None) -> dict[str, Any]:
    """The report with the grader's own "cell 7, line 3" in its messages and notes said with the student's
    labels ("In [12], line 3"); the report itself when there are no labels. A copy: the report stays as graded."""
    if not cells:
        return report

    def label(text: Any) -> Any:
        if not isinstance(text, str):
            return text
        return _CELL.sub(lambda m: f"{cells[int(m[1])]}, line {m[2]}" if int(m[1]) in cells else m[0], text)

    report = copy.deepcopy(report)
    for ex in report["exercises"]:
        for item in [*ex["checks"], *ex["mistakes"], *ex["errors"]]:
            item.update({key: label(item[key]) for key in _FIELDS if key in item})
        ex["notes"] = [label(note) for note in ex.get("notes", [])]
        if ex.get("failed_required_message"):
            ex["failed_required_message"] = label(ex["failed_required_message"])
    return report
