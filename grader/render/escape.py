"""Untrusted text made harmless to show: the one rule every renderer applies to a report's strings.

Much of a report's text comes from the submission: its path, every error's message, traceback and
kind, check and mistake messages (they quote returned values), notes, printed output, free-text
answers, layer names, and in the class outputs the student ids and file names. Such text may hold
anything. `visible` shows, as a printable escape (`\\x1b`, `\\u202e`), every character that could act
on the reader's screen instead of being read: C0 and C1 controls (ANSI and OSC escape sequences,
carriage returns, backspaces), every line break but `\\n` (`\\v \\f \\x1c-\\x1e \\x85 \\u2028 \\u2029`),
the Unicode bidi controls (they reorder text, as in "Trojan Source"), lone surrogates (no UTF-8
writer can encode them) and U+FFFE/U+FFFF. That also removes every character XML 1.0 forbids.

Each format then adds its own escaping on top (Markdown code spans in grader/render/github.py, XML
escaping by ElementTree, HTML autoescaping by Jinja, formula neutralising in grades_csv.py).
"""
from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup

_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_ALWAYS = f"\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029{_BIDI}\ud800-\udfff\ufffe\uffff"
_ONE_LINE = re.compile(f"[\t\n{_ALWAYS}]")
_LINES = re.compile(f"[{_ALWAYS}]")
_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}  # as Python writes them


def visible(text: Any, lines: bool = False) -> str:
    """`text` (made a string) with every control, line break, bidi control and lone surrogate shown
    as an escape; lines=True keeps newlines (a \\r\\n counts as one) and tabs, for tracebacks and output."""
    text = str(text)
    if lines:
        return _LINES.sub(_escape, text.replace("\r\n", "\n"))
    return _ONE_LINE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _SHORT:
        return _SHORT[char]
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def jinja_finalize(value: Any) -> Any:
    """Jinja's `finalize` for the HTML templates: every string a template prints goes through
    `visible` (lines kept, for <pre> blocks) before autoescaping; markup the renderer built itself
    (the SVG charts, which escape their own labels) and numbers pass unchanged."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return visible(value, lines=True)
    return value
