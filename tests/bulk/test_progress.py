"""Progress of a bulk run: a bar on a terminal, plain lines in a log."""
import io
import re

from grader.bulk.counts import Counts
from grader.bulk.progress import Progress

NONE_YET = "0 grader errors, 0 malformed submissions"


def test_plain_lines_when_not_on_a_terminal():
    stream = io.StringIO()
    progress = Progress(3, stream)
    for outcome, label in [("passed", "ana iris_net"), ("errored", "bo iris_net"), ("failed", "cy pass_fail")]:
        progress.update(outcome, label)
    progress.finish()
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith(f"[1/3] ana iris_net: passed  (1 passed, 0 failed, 0 could not be graded, {NONE_YET}; ETA")
    assert lines[1].startswith("[2/3] bo iris_net: could not be graded  (")
    assert lines[2].startswith(f"[3/3] cy pass_fail: failed  (1 passed, 1 failed, 1 could not be graded, {NONE_YET}; done in")
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
    assert last.startswith("[############------------] 2/4  ETA") and last.rstrip().endswith("1 passed, 1 failed")


def test_a_label_cannot_control_the_terminal_or_forge_a_line():
    """Student ids and file names are untrusted: their controls are shown as escapes, on the label's own line."""
    stream = io.StringIO()
    progress = Progress(2, stream)
    progress.update("failed", "x\x1b]0;owned\x07\x1b[2K\r[2/2] eve iris_net: passed\n\u202eana iris_net")
    progress.update("passed", "bo\x9b2J\u2028iris_net (1.2 s)")
    lines = stream.getvalue().split("\n")
    assert len(lines) == 3 and lines[2] == ""
    assert lines[0].startswith("[1/2] x\\x1b]0;owned\\x07\\x1b[2K\\r[2/2] eve iris_net: passed\\n\\u202eana iris_net: failed  "
                               f"(0 passed, 1 failed, 0 could not be graded, {NONE_YET}; ETA")
    assert lines[1].startswith("[2/2] bo\\x9b2J\\u2028iris_net (1.2 s): passed  "
                               f"(1 passed, 1 failed, 0 could not be graded, {NONE_YET}; done in")
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u202e]", stream.getvalue())


def test_gradings_kept_from_earlier_runs_are_counted_from_the_start():
    """The last line holds every grading of the class outputs, as the final terminal line and the summary do."""
    stream = io.StringIO()
    progress = Progress(4, stream, counts=Counts.of(["passed", "grader-error"], kept=2))
    progress.update("malformed", "dee (the whole submission)")
    progress.update("failed", "eve iris_net (3.0 s)")
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("[3/4] dee (the whole submission): malformed submission  (1 passed, 0 failed, "
                               "0 could not be graded, 1 grader error, 1 malformed submission; 2 kept from earlier runs; ETA")
    assert lines[1].startswith("[4/4] eve iris_net (3.0 s): failed  (1 passed, 1 failed, 0 could not be graded, "
                               "1 grader error, 1 malformed submission; 2 kept from earlier runs; done in")
    assert progress.counts.made == 2 and progress.counts.gradings == 4


def test_on_a_narrow_terminal_the_counts_go_before_the_bar(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")  # shutil.get_terminal_size reads it first
    stream = io.StringIO()
    progress = Progress(9, stream, interactive=True, counts=Counts.of(["passed"] * 3, kept=3))
    for outcome in ("failed", "errored", "grader-error"):
        progress.update(outcome, "x iris_net")
    last = stream.getvalue().split("\r")[-1]
    assert len(last) == 79 and "#" not in last
    assert last.rstrip().endswith("3 passed, 1 failed, 1 could not be graded, 1 grader error; 3 kept")
