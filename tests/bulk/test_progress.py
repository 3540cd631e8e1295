"""Progress of a bulk run: a bar on a terminal, plain lines in a log."""
import io
import re

from grader.bulk.progress import Progress


def test_plain_lines_when_not_on_a_terminal():
    stream = io.StringIO()
    progress = Progress(3, stream)
    for outcome, label in [("passed", "ana iris_net"), ("errored", "bo iris_net"), ("failed", "cy pass_fail")]:
        progress.update(outcome, label)
    progress.finish()
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("[1/3] ana iris_net: passed  (1 passed, 0 failed, 0 errored; ETA")
    assert lines[2].startswith("[3/3] cy pass_fail: failed  (1 passed, 1 failed, 1 errored; done in")
    assert "\r" not in stream.getvalue()


def test_one_rewritten_bar_on_a_terminal():
    stream = io.StringIO()
    progress = Progress(4, stream, interactive=True)
    progress.update("passed", "ana iris_net")
    progress.update("failed", "bo iris_net")
    progress.finish()
    text = stream.getvalue()
    assert text.count("\r") == 2 and text.endswith("\n") and text.count("\n") == 1
    last = text.split("\r")[-1]
    assert "[############------------] 2/4" in last and "1 passed, 1 failed, 0 errored" in last and "ETA" in last


def test_a_label_cannot_control_the_terminal_or_forge_a_line():
    """Student ids and file names are untrusted: their controls are shown as escapes, on the label's own line."""
    stream = io.StringIO()
    progress = Progress(2, stream)
    progress.update("failed", "x\x1b]0;owned\x07\x1b[2K\r[2/2] eve iris_net: passed\n\u202eana iris_net")
    progress.update("passed", "bo\x9b2J\u2028iris_net (1.2 s)")
    lines = stream.getvalue().split("\n")
    assert len(lines) == 3 and lines[2] == ""
    assert lines[0].startswith("[1/2] x\\x1b]0;owned\\x07\\x1b[2K\\r[2/2] eve iris_net: passed\\n\\u202eana iris_net: failed  "
                               "(0 passed, 1 failed, 0 errored; ETA")
    assert lines[1].startswith("[2/2] bo\\x9b2J\\u2028iris_net (1.2 s): passed  (1 passed, 1 failed, 0 errored; done in")
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u202e]", stream.getvalue())
