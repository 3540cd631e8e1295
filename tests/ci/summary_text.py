"""The GitHub step summary as a reader sees it, for tests that look for words in it.

The summary's Markdown marks text up (code spans around a submission's text, backslashes before
markup characters); which marks it uses is the renderer's business, tested in tests/render/.
"""
from __future__ import annotations

import re

_CODE_SPAN = re.compile(r"(`+) ?(.*?) ?\1")  # CommonMark strips one space inside each end
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")  # a backslash before ASCII punctuation


def plain(markdown: str) -> str:
    """The text without code-span fences and backslash escapes."""
    return _ESCAPE.sub(r"\1", _CODE_SPAN.sub(r"\2", markdown))
