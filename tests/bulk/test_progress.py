"""Progress of a bulk run: a bar on a terminal, plain lines in a log."""
import io

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
