"""Terminal rendering of a report: compact, one line per check, colour only on a terminal.

Every string taken from the report goes through `_t` (one line, controls shown as escapes) or, for
tracebacks, `visible(lines=True)` line by line, so only the renderer's own colour codes reach the
terminal and a submission cannot forge a line.
"""
from __future__ import annotations

import os
import sys
from typing import Any, Callable, TextIO

from grader.render.escape import visible
from grader.report import format_number, place

_t = visible  # text from the report, on one line, every control character shown as an escape
COLORS = {"green": "32", "red": "31", "yellow": "33", "bold": "1", "dim": "2"}
TRACEBACK_LINES = 6  # the innermost lines of a traceback shown, after its outermost frame
GRADER_FAULT = "this is a fault in the grader, not in the submission; please report it"


def use_color(stream: TextIO) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ


def render(report: dict[str, Any], color: bool = False) -> str:
    paint = painter(color)
    isolation = report["isolation"]
    # What the sandbox does not protect is said where the isolation is, so no one misses it.
    unprotected = f"; not protected: {_t(', '.join(isolation.get('unprotected', [])))}" if isolation.get("unprotected") else ""
    lines = [paint(_t(report["submission"]), "bold")
             + paint(f"  (grader {_t(report['grader_version'])}, isolation: {_t(isolation['level'])}{unprotected})", "dim")]
    for ex in report["exercises"]:
        lines += exercise_lines(ex, paint)
    return "\n".join(lines)


def painter(color: bool) -> Callable[[str, str], str]:
    """paint(text, style): the text in a style of COLORS when color, else as it is."""
    def paint(text: str, style: str) -> str:
        return f"\033[{COLORS[style]}m{text}\033[0m" if color else text

    return paint


def exercise_lines(ex: dict[str, Any], paint: Callable[[str, str], str], cells: dict[int, str] | None = None,
                   compact: bool = False) -> list[str]:
    """One exercise of a report as the terminal says it. compact (the notebook's summary) leaves out the
    checks that passed and the tracebacks; cells names a notebook's cells as the student sees them
    ({7: "In [12]"}: "In [12], line 3"; None: "cell 7, line 3")."""
    verdict = paint("PASS", "green") if ex["passed"] else paint("FAIL", "red")
    lines = [f"{_t(ex['exercise'])}: {_t(ex['title'])}  {_num(ex['score'])}/{_num(ex['max_score'])} {verdict} "
             f"(pass mark {_num(ex['pass_mark'])})"]
    if ex.get("failed_required_message"):
        lines.append(paint(f"  FAIL: {_t(ex['failed_required_message'])}", "red"))
    if "grader_error" in ex:
        lines.append(paint(f"  grader error: {_t(ex['grader_error']['message'])}", "red"))
        lines.append(f"      {GRADER_FAULT}")
    shown = [check for check in ex["checks"] if not (compact and check["passed"])]
    width = max((len(_t(c["id"])) for c in shown), default=0)
    said = None  # the check above's reason: a function that could not be graded fails all its checks
    for check in shown:
        mark = paint("✓", "green") if check["passed"] else paint("✗", "red")
        points = f"{_num(check['points'])}/{_num(check['max_points'])}"
        required = " (required)" if check.get("required") else ""
        lines.append(f"  {mark} {_t(check['id']):<{width}}  {points:>5}  {_t(check['title'])}{required}")
        if not check["passed"]:
            reason = check_reason(check, ex["mistakes"])
            lines.append(paint(f"      {'the same reason as above' if reason == said else reason}", "dim"))
        said = None if check["passed"] else reason
    for item in ex.get("manual", []):
        lines.append(f"  ? {_t(item['id']):<{width}}  {_num(item['points']):>5}  {_t(item['title'])}: {_t(item['status'])} "
                     f"({_t(item['words'])} words; graded by your instructor, not included in the score above)")
    for mistake in ex["mistakes"]:
        style = "red" if mistake["severity"] == "error" else "yellow"
        where = f"{_t(mistake['function'])}{_place(mistake, cells)}"
        lines.append(paint(f"  {_t(mistake['severity'])} {_t(mistake['id'])}", style) + f" ({where}): {_t(mistake['title'])}")
        lines.append(f"      {_t(mistake['message'])}")
    for error in ex["errors"]:
        lines.append(paint(f"  {_t(error['kind'])} in {_t(error['function'])}{error_place(error, cells)}", "red")
                     + f": {_t(error['message'])}")
        # Only newlines survive `visible`, so each traceback line stays an indented line of its own.
        traceback = [] if compact else visible(error.get("traceback", ""), lines=True).splitlines()
        if len(traceback) > TRACEBACK_LINES + 3:  # the outermost frame (where it started) and the last lines
            traceback = [*traceback[:2], "...", *traceback[-TRACEBACK_LINES:]]
        for tb_line in traceback:
            lines.append(paint(f"      {tb_line}", "dim"))
    for note in ex.get("notes", []):
        lines.append(paint(f"  note: {_t(note)}", "yellow"))
    return lines


def cell_place(item: dict[str, Any], cells: dict[int, str] | None = None) -> str:
    """Where a mistake or error is, as grader.report.place says it, a notebook's cell named by `cells`
    when it has that cell ("In [12], line 3")."""
    if cells and item.get("cell") in cells:
        return f"{cells[item['cell']]}, line {item['cell_line']}"
    return place(item)


def error_place(error: dict[str, Any], cells: dict[int, str] | None = None) -> str:
    """', cell C, line L' after an error's function, or '' when its message names the place already (an
    import failure names its line and cell; a function's error may only have the fields)."""
    if error["function"] == "<module>" or not error.get("cell"):
        return ""
    label = cells[error["cell"]] if cells and error["cell"] in cells else f"cell {error['cell']}"
    return "" if f"{label}," in error["message"] else _place(error, cells)


def _place(item: dict[str, Any], cells: dict[int, str] | None = None) -> str:
    """', cell C, line L' for a notebook, ', line N' for a file, '' without a line."""
    where = cell_place(item, cells)
    return f", {_t(where)}" if where else ""


def check_reason(check: dict[str, Any], mistakes: list[dict[str, Any]]) -> str:
    """Why a check failed, the reason the HTML gives: its message (a function that could not be graded
    says why), or, when that message is a mistake's, which is printed in full below, the mistake's id."""
    same = next((m for m in mistakes if m["message"] == check["message"]), None)
    return f"because of {_t(same['id'])} (below)" if same else _t(check["message"])


def _num(value: float) -> str:
    return format_number(value)  # a number from the report, NaN and infinities included


def print_report(report: dict[str, Any], stream: TextIO = sys.stdout) -> None:
    print(render(report, color=use_color(stream)), file=stream)
