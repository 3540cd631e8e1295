"""`grader check --watch FILE`: a real `grader` process grades the file, then again on each save.

Each test starts the command, waits for the first verdict, saves the file changed (a plain write,
then an editor's rename of a new file into place, a syntax error mid-edit, a file deleted and saved
again), waits for the verdict showing the change, and ends it with SIGINT: exit status 0, no
traceback. Waits are bounded polls for what the output shows, never timings.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from tests.bulk.classroom import SOLUTION

pytestmark = pytest.mark.slow

BOUND_SECONDS = 600  # for one verdict on a busy machine: far beyond any real grading; only a hang reaches it
HEADER = re.compile(r"^\[\d\d:\d\d:\d\d\] (?P<file>\S+) (?P<why>graded|saved)$", re.M)
SCORE = re.compile(r"^iris_net: .*  (?P<score>\d+)/100 (PASS|FAIL)", re.M)
LINEAR = SOLUTION.replace('Dense(16, activation="relu")', 'Dense(16, activation="linear")')
assert LINEAR != SOLUTION


class Watching:
    """A running `grader check --watch`, its stdout and stderr read as they come."""

    def __init__(self, folder: Path, *options: str, env: dict[str, str] | None = None):
        self.out: list[str] = []
        self.err: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "grader", "check", "--watch", *options, "exercises/iris_net.py"],
            cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {})},
            # SIGINT as a terminal's Ctrl-C sends it, even when the test runner itself ignores it.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        for stream, lines in ((self.process.stdout, self.out), (self.process.stderr, self.err)):
            threading.Thread(target=lambda s=stream, kept=lines: kept.extend(s), daemon=True).start()

    @property
    def stdout(self) -> str:
        return "".join(self.out)

    def verdicts(self) -> list[str]:
        """Each verdict printed so far, from its header line to its report line, once complete."""
        text = self.stdout
        starts = [match.start() for match in HEADER.finditer(text)] + [len(text)]
        blocks = [text[start:end] for start, end in zip(starts, starts[1:])]
        return [block for block in blocks if "  report: " in block]

    def next_verdict(self, count: int) -> str:
        """The verdict number `count` (from 1), once printed."""
        deadline = time.monotonic() + BOUND_SECONDS
        while len(self.verdicts()) < count:
            assert self.process.poll() is None, f"the watch ended:\n{self.stdout}\n{''.join(self.err)}"
            assert time.monotonic() < deadline, f"no verdict {count}:\n{self.stdout}\n{''.join(self.err)}"
            time.sleep(0.1)
        return self.verdicts()[count - 1]

    def wait_for_stderr(self, text: str) -> None:
        deadline = time.monotonic() + BOUND_SECONDS
        while text not in "".join(self.err):
            assert time.monotonic() < deadline and self.process.poll() is None, "".join(self.err)
            time.sleep(0.1)

    def interrupt(self) -> int:
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=BOUND_SECONDS)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def score(verdict: str) -> int:
    return int(SCORE.search(verdict)["score"])


def rename_into_place(path: Path, text: str) -> None:
    """Save as editors such as vim and most IDEs do: write a new file, then rename it over the old one."""
    fresh = path.with_name(f".{path.name}.swp")
    fresh.write_text(text)
    os.replace(fresh, path)


@pytest.fixture
def exercise(tmp_path) -> Path:
    (tmp_path / "exercises").mkdir()
    path = tmp_path / "exercises" / "iris_net.py"
    path.write_text(SOLUTION)
    return path


def test_every_kind_of_save_is_graded_again_with_one_sandbox_kept(exercise):
    watching = Watching(exercise.parent.parent, "--no-daemon")
    try:
        first = watching.next_verdict(1)
        assert HEADER.search(first)["file"] == "exercises/iris_net.py" and score(first) == 100
        watching.wait_for_stderr("Ctrl-C stops")

        exercise.write_text(LINEAR)  # a plain write
        second = watching.next_verdict(2)
        assert HEADER.search(second)["why"] == "saved" and "linear-hidden-activation" in second and score(second) < 100

        rename_into_place(exercise, SOLUTION)
        third = watching.next_verdict(3)
        assert score(third) == 100 and "linear-hidden-activation" not in third

        exercise.write_text(SOLUTION.replace("def split_data(X, y):", "def split_data(X, y:"))  # mid-edit
        fourth = watching.next_verdict(4)
        assert "syntax-error" in fourth and score(fourth) == 0

        exercise.unlink()
        deadline = time.monotonic() + BOUND_SECONDS
        while "was deleted" not in watching.stdout:
            assert time.monotonic() < deadline, watching.stdout
            time.sleep(0.1)
        exercise.write_text(LINEAR)  # saved again, as a new file
        fifth = watching.next_verdict(5)
        assert "linear-hidden-activation" in fifth

        exercise.write_text(LINEAR)  # saved without a change: nothing to grade
        exercise.touch()
        assert watching.interrupt() == 0
    finally:
        watching.kill()
    stderr = "".join(watching.err)
    assert "Traceback" not in stderr and "Traceback" not in watching.stdout, stderr
    assert len(watching.verdicts()) == 5 and stderr.rstrip().endswith("grader: stopped watching")


def test_each_save_is_answered_by_the_warm_service(exercise, monkeypatch):
    from grader.service import client

    runtime = Path(tempfile.mkdtemp(prefix="nn-", dir="/tmp"))  # short: a socket's path has at most 107 bytes
    env = {"GRADER_DAEMON": "on", "GRADER_DAEMON_IDLE": "120", "XDG_RUNTIME_DIR": str(runtime)}
    for name, value in env.items():
        monkeypatch.setenv(name, value)  # so that client.status() here asks the watch's service
    watching = Watching(exercise.parent.parent, env=env)
    try:
        assert score(watching.next_verdict(1)) == 100
        service = client.status()
        assert service is not None and service["jobs_served"] == 1
        rename_into_place(exercise, LINEAR)
        assert "linear-hidden-activation" in watching.next_verdict(2)
        after = client.status()
        assert (after["pid"], after["jobs_served"]) == (service["pid"], 2)  # the same warm service answered
        # The watch itself never loaded TensorFlow: it only sent the file and printed the answer.
        assert "tensorflow" not in Path(f"/proc/{watching.process.pid}/maps").read_text()
        assert watching.interrupt() == 0
    finally:
        watching.kill()
        client.stop_all(runtime / "nn-grader")
        shutil.rmtree(runtime)
    stderr = "".join(watching.err)
    assert "Traceback" not in stderr and "service failed" not in stderr, stderr
