"""Spawning many processes: the process limit stops it, and nothing outlives the job."""
from pathlib import Path

from tests.harness import reference_with
from tests.sandbox.conftest import error, grade

MARKER = "4242.5"  # an unusual sleep argument, to find stray processes on the host


def sleepers_on_host() -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and MARKER in (entry / "cmdline").read_bytes().decode(errors="replace"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def test_hundreds_of_processes(sandbox, tmp_path):
    spawner = ("import subprocess\n\ndef split_data(X, y):\n    for _ in range(500):\n"
               f"        subprocess.Popen(['sleep', '{MARKER}'])\n")
    exercise = grade(sandbox, tmp_path, reference_with(split_data=spawner))
    if "process limit" in sandbox.isolation.protections:
        failure = error(exercise, "split_data")
        assert failure["kind"] == "exception" and "Resource temporarily unavailable" in failure["message"]
    assert sleepers_on_host() == []
    assert exercise["score"] == 80


def test_fork_bomb(sandbox, tmp_path):
    bomb = "import os\n\ndef split_data(X, y):\n    while True:\n        os.fork()\n"
    exercise = grade(sandbox, tmp_path, reference_with(split_data=bomb))
    if "process limit" not in sandbox.isolation.protections:
        return  # unbounded: not something to run without a limit
    # The bomb hits the limit (exception) or, on a loaded machine, the call's time limit first;
    # either way it costs only its own points and nothing of it is left (checked in grade()).
    assert error(exercise, "split_data")["kind"] in ("exception", "timeout")
    assert exercise["score"] == 80


def test_a_daemon_left_behind_is_killed_before_the_next_job(sandbox, tmp_path):
    daemon = (f"import os, subprocess\n\ndef split_data(X, y):\n    if os.fork() == 0:\n        os.setsid()\n"
              f"        subprocess.Popen(['sleep', '{MARKER}'])\n        os._exit(0)\n"
              "    return reference_split(X, y)\n")
    source = reference_with().replace("def split_data(", "def reference_split(") + "\n" + daemon
    assert grade(sandbox, tmp_path, source)["score"] == 100
    assert sleepers_on_host() == []
