"""JUnit XML rendering of reports, for CI systems that show test results (Jenkins, GitLab, ...).

One <testsuite> per graded exercise of a submission, one <testcase> per check. A check the
student lost is a <failure>, also when their function crashed or timed out: that is the
student's fault, not the grader's. Only a fault of the grader itself is an <error>.

Every attribute and text taken from a report goes through `_clean` (grader.render.escape.visible:
controls, bidi controls and lone surrogates shown as escapes, which removes every character XML 1.0
forbids); ElementTree escapes the markup characters.
"""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from grader.render.escape import visible
from grader.report import errors_of

REQUIRED = "This check is required: the exercise fails without it, whatever the score."


def junit_xml(reports: list[dict[str, Any]]) -> str:
    """The reports as one JUnit XML document (with its XML declaration)."""
    root = ET.Element("testsuites", name="nn-grader")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for report in reports:
        for exercise in report["exercises"]:
            suite = _suite(report, exercise)
            root.append(suite)
            for key in totals:
                totals[key] += int(suite.get(key))
    root.attrib.update({key: str(value) for key, value in totals.items()})
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _suite(report: dict[str, Any], exercise: dict[str, Any]) -> ET.Element:
    suite = ET.Element("testsuite", name=_clean(f"{exercise['exercise']} ({report['submission']})"),
                       timestamp=_clean(report["graded_at"]))
    properties = ET.SubElement(suite, "properties")
    isolation = report["isolation"]
    for name, value in [("submission", report["submission"]), ("grader_version", report["grader_version"]),
                        ("isolation", isolation["level"]),
                        ("protections", ", ".join(isolation["protections"])),
                        ("unprotected", ", ".join(isolation.get("unprotected", [])))]:
        ET.SubElement(properties, "property", name=name, value=_clean(value))
    if "grader_error" in exercise:
        # The grader broke, so no check result can be trusted: one <error>, nothing else.
        fault = exercise["grader_error"]
        case = ET.SubElement(suite, "testcase", classname=_clean(exercise["exercise"]), name="grader")
        ET.SubElement(case, "error", type="grader-error", message=_clean(fault["message"])).text = _clean(fault["traceback"])
        suite.attrib.update(tests="1", failures="0", errors="1", skipped="0")
        return suite
    for name in ("score", "max_score", "pass_mark", "passed"):
        # JSON spelling (true, 83.5), as in the report, rather than Python's (True).
        ET.SubElement(properties, "property", name=name, value=json.dumps(exercise[name]))
    if exercise.get("failed_required"):  # why it failed whatever the score
        ET.SubElement(properties, "property", name="failed_required", value=_clean(json.dumps(exercise["failed_required"])))
    if exercise.get("failed_required_message"):
        ET.SubElement(properties, "property", name="verdict", value=_clean(f"FAIL: {exercise['failed_required_message']}"))
    for note in exercise["notes"]:
        ET.SubElement(properties, "property", name="note", value=_clean(note))
    for check in exercise["checks"]:
        suite.append(_case(exercise, check))
    for item in exercise.get("manual", []):
        # Graded by hand, later: neither a pass nor a failure of this run.
        case = ET.SubElement(suite, "testcase", classname=_clean(f"{exercise['exercise']}.manual"),
                             name=_clean(f"{item['id']}: {item['title']}"))
        ET.SubElement(case, "skipped", message=_clean(f"{item['status']} ({item['points']:g} points, by the instructor)"))
    failed = sum(not check["passed"] for check in exercise["checks"])
    manual = len(exercise.get("manual", []))
    suite.attrib.update(tests=str(len(exercise["checks"]) + manual), failures=str(failed), errors="0",
                        skipped=str(manual))
    if exercise.get("output"):
        truncated = "\n[the grader kept only the beginning of this output]" if exercise.get("output_truncated") else ""
        ET.SubElement(suite, "system-out").text = _clean(exercise["output"] + truncated)
    return suite


def _case(exercise: dict[str, Any], check: dict[str, Any]) -> ET.Element:
    # The title makes the name readable in CI listings; the id stays first so it can be searched for.
    case = ET.Element("testcase", classname=_clean(f"{exercise['exercise']}.{check['function']}"),
                      name=_clean(f"{check['id']}: {check['title']}"))
    if check["passed"]:
        return case
    errors = errors_of(exercise, check)
    mistakes = [m for m in exercise["mistakes"] if check["id"] in m["checks"]]
    # The check message repeats the error or mistake that decided it, when there is one: said once.
    restated = errors or any(m["message"] == check["message"] for m in mistakes)
    lines = [] if restated else [check["message"]]
    for error in errors:
        lines.append(f"{error['kind']} in {error['function']}: {error['message']}")
        if error.get("traceback"):
            lines.append(error["traceback"])
    for mistake in mistakes:
        lines.append(_mistake_text(mistake))
    if check.get("required"):
        lines.append(REQUIRED)
    # An error names what went wrong (timeout, exception, ...); otherwise the mistake that cost the points.
    kind = errors[0]["kind"] if errors else next((m["id"] for m in mistakes if m["message"] == check["message"]), "check-failed")
    ET.SubElement(case, "failure", type=_clean(kind), message=_clean(check["message"])).text = _clean("\n".join(lines).strip())
    return case


def _mistake_text(mistake: dict[str, Any]) -> str:
    where = f", line {mistake['line']}" if mistake.get("line") else ""
    text = f"{mistake['severity']} {mistake['id']} ({mistake['function']}{where}): {mistake['message']}"
    # The catalog's messages already end with the fix; it is added only where one does not.
    return text if mistake["fix"] in mistake["message"] else f"{text}\nFix: {mistake['fix']}"


def _clean(text: Any) -> str:
    """Text for an XML attribute or element: newlines and tabs kept, every other control shown as an escape."""
    return visible(text, lines=True)
