"""Hostile text for the renderer tests: what a submission can put in a report, and where it goes.

Each payload attacks one format; "all" joins them. `untrusted` puts a payload in every field a
submission controls; `every_string` appends it to every string of the report, for the formats that
escape everything they take. Both return a copy; the same call with BENIGN gives the report to
compare the structure with.
"""
from __future__ import annotations

import copy
import re
from typing import Any

BENIGN = "plain words"
PAYLOADS = {
    "heading": "x\n## ✅ PASS: forged, 100/100\n\nforged\n===\n",
    "table": "a | b |\n| --- | --- |\n| forged | row |",
    "html": '<img src="https://evil.example/x.png" onerror="alert(1)"><script>alert(1)</script>'
            '<a href="https://evil.example">x</a><details open><summary>s</summary></details>',
    "markdown": "[click](https://evil.example) ![img](https://evil.example/x.png) **bold** _em_ ~~del~~ > quote",
    "autolink": "<https://evil.example> https://evil.example/a www.evil.example mail@evil.example",
    "backticks": "` `` ``` x ``` `` `\n```\n# inside a fence\n```",
    "line breaks": "a\rb\vc\fd\x1ce\x1df\x1eg\x85h\u2028## heading\u2029i\r\n| x |",
    "ansi": "\x1b[31mred\x1b[0m \x1b[2J\x1b[H\x1b[1A\x1b]0;title\x07 \x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\ \x08\x7f",
    "c1": "\x9b31m\x9d0;title\x9c\x85",
    "bidi": "\u202eevil\u202c \u2066x\u2069 \u200f\u061c",
    "surrogates": "\ud800 \udcff",
    "xml": "\x00\x01\x0b\x0c\ufffe\uffff ]]> &amp; &#0; <!-- comment --> <?pi x?> <![CDATA[x]]>",
    "csv": '=HYPERLINK("https://evil.example","x");=1+1\t@SUM(1)|-2',
    "pipes": "| \\| \\\\| |",
    "entities": "&lt;img src=x&gt; &#60;script&#62; &NewLine;",
}
PAYLOADS["all"] = "\n".join(PAYLOADS.values())

# What must never be written raw: C0 controls but tab and newline, C1, line and paragraph separators, bidi
# controls, lone surrogates, noncharacters XML forbids.
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
                 "\ud800-\udfff\ufffe\uffff]")


def untrusted(report: dict[str, Any], payload: str) -> dict[str, Any]:
    """The report with the payload in every field a submission controls."""
    report = copy.deepcopy(report)
    report["submission"] = f"students/{payload}/iris_net.py"
    for ex in report["exercises"]:
        for item in ex["checks"] + ex["mistakes"]:
            item["message"] += payload
        for error in ex["errors"]:
            error.update(kind=error["kind"] + payload, message=error["message"] + payload,
                         traceback=error.get("traceback", "") + payload)
        if "grader_error" in ex:
            ex["grader_error"] = {key: value + payload for key, value in ex["grader_error"].items()}
        ex["notes"] = [*ex["notes"], f"EPOCHS = {payload!s} is not a whole number"]
        ex["output"] = payload
        # On every line of the student's code, without the breaks Python counts (\n, \r): same line numbers.
        one_line = payload.replace("\n", " ").replace("\r", " ")
        ex["source"] = "\n".join(line + one_line for line in ex.get("source", "").split("\n"))
        for item in ex.get("manual", []):
            item["answer"] = payload
        model = ex.get("details", {}).get("build_model", {})
        for layer in model.get("layers") or []:
            layer["name"] += payload
        confusion = model.get("training", {}).get("confusion")
        if confusion:
            confusion["classes"] = [f"{label}{payload}" for label in confusion["classes"]]
    return report


def every_string(value: Any, payload: str) -> Any:
    """A copy of JSON-like data with the payload appended to every string value (not to keys; the
    student's code, which `untrusted` fills line by line, is kept so that its lines keep their numbers)."""
    if isinstance(value, str):
        return value + payload
    if isinstance(value, dict):
        return {key: item if key == "source" else every_string(item, payload) for key, item in value.items()}
    if isinstance(value, list):
        return [every_string(item, payload) for item in value]
    return value
