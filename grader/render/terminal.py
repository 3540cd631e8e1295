"""Terminal rendering of a report: compact, one line per check, colour only on a terminal."""
from __future__ import annotations

import os
import sys
from typing import Any, TextIO

COLORS = {"green": "32", "red": "31", "yellow": "33", "bold": "1", "dim": "2"}


def use_color(stream: TextIO) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ


def render(report: dict[str, Any], color: bool = False) -> str:
    def paint(text: str, style: str) -> str:
        return f"\033[{COLORS[style]}m{text}\033[0m" if color else text

    lines = [paint(f"{report['submission']}", "bold") + paint(f"  (grader {report['grader_version']}, isolation: {report['isolation']['level']})", "dim")]
    for ex in report["exercises"]:
        verdict = paint("PASS", "green") if ex["passed"] else paint("FAIL", "red")
        lines.append(f"{ex['exercise']}: {ex['title']}  {_num(ex['score'])}/{_num(ex['max_score'])} {verdict} (pass mark {_num(ex['pass_mark'])})")
        if "grader_error" in ex:
            lines.append(paint(f"  grader error: {ex['grader_error']['message']}", "red"))
            lines.append("      this is a fault in the grader, not in the submission; please report it")
        width = max((len(c["id"]) for c in ex["checks"]), default=0)
        for check in ex["checks"]:
            mark = paint("✓", "green") if check["passed"] else paint("✗", "red")
            points = f"{_num(check['points'])}/{_num(check['max_points'])}"
            lines.append(f"  {mark} {check['id']:<{width}}  {points:>5}  {check['title']}")
            explained = {m["message"] for m in ex["mistakes"]} | {e["function"] for e in ex["errors"]}
            if not check["passed"] and check["message"] not in explained and check["function"] not in explained:
                lines.append(paint(f"      {check['message']}", "dim"))
        for item in ex.get("manual", []):
            lines.append(f"  ? {item['id']:<{width}}  {_num(item['points']):>5}  {item['title']}: {item['status']} "
                         f"({item['words']} words; graded by your instructor, not included in the score above)")
        for mistake in ex["mistakes"]:
            style = "red" if mistake["severity"] == "error" else "yellow"
            where = f"{mistake['function']}{_place(mistake)}"
            lines.append(paint(f"  {mistake['severity']} {mistake['id']}", style) + f" ({where}): {mistake['title']}")
            lines.append(f"      {mistake['message']}")
        for error in ex["errors"]:
            place = _place(error) if error.get("cell") and f"cell {error['cell']}," not in error["message"] else ""
            lines.append(paint(f"  {error['kind']} in {error['function']}{place}", "red") + f": {error['message']}")
            for tb_line in error.get("traceback", "").splitlines()[-6:]:
                lines.append(paint(f"      {tb_line}", "dim"))
        for note in ex.get("notes", []):
            lines.append(paint(f"  note: {note}", "yellow"))
    return "\n".join(lines)


def _place(item: dict[str, Any]) -> str:
    """', cell C, line L' for a notebook, ', line N' for a file, '' without a line."""
    if item.get("cell"):
        return f", cell {item['cell']}, line {item['cell_line']}"
    return f", line {item['line']}" if item.get("line") else ""


def _num(value: float) -> str:
    return f"{value:g}"


def print_report(report: dict[str, Any], stream: TextIO = sys.stdout) -> None:
    print(render(report, color=use_color(stream)), file=stream)
