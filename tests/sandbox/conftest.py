"""Hostile submissions against the real sandbox.

Every test here runs under `guard`: a listener on loopback that no connection may
reach, and snapshots of the project, the home folder and /tmp that must not change.
All tests share one warm sandbox per isolation level, as `grader check` does for a
folder of submissions; after each job its scratch directory must be empty again.
"""
from __future__ import annotations

import dataclasses
import os
import socket
import tempfile
import threading
import time
from pathlib import Path

import pytest

from grader.exercises import load
from grader.grading import grade_path
from grader.sandbox.calls import Limits
from grader.sandbox.isolation import detect, fallback
from grader.sandbox.server import Sandbox
from tests.harness import ROOT

IRIS = load("iris_net")
# Short enough that a test of an endless call is quick, long enough for real calls on a busy machine.
FAST = Limits(import_seconds=30, call_seconds=15)
# For code that does seconds of real work on a busy machine, where the limit under test is not time.
PATIENT = Limits(import_seconds=90, call_seconds=60)
SKIPPED_IN_PROJECT = {".git", ".tox", ".venv", "__pycache__", ".pytest_cache", ".hypothesis"}


def full_sandbox_required() -> bool:
    """CI (via tox) sets GRADER_REQUIRE_SANDBOX: there a missing bubblewrap fails instead of skipping."""
    return os.environ.get("GRADER_REQUIRE_SANDBOX") == "1"


requires_bubblewrap = pytest.mark.skipif(
    detect().level != "bubblewrap" and not full_sandbox_required(),
    reason="bubblewrap is not available here: " + detect().missing,
)


@pytest.fixture(scope="session")
def bubblewrap() -> Sandbox:
    isolation = detect()
    assert isolation.level == "bubblewrap", f"the full sandbox is required here but {isolation.missing}"
    with Sandbox(isolation) as sandbox:
        yield sandbox


@pytest.fixture(params=["bubblewrap", "process_limits"])
def sandbox(request) -> Sandbox:
    """Faults every isolation level must contain: run each test under both."""
    if request.param == "bubblewrap" and detect().level != "bubblewrap" and not full_sandbox_required():
        pytest.skip("bubblewrap is not available here: " + detect().missing)
    return request.getfixturevalue(request.param)


@pytest.fixture(scope="session")
def process_limits() -> Sandbox:
    with Sandbox(fallback("forced by the test")) as sandbox:
        yield sandbox


class Listener:
    """A TCP server on loopback that records every connection it accepts."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.connections: list[tuple] = []
        self.server.settimeout(0.2)
        self.stopped = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stopped:
            try:
                conn, address = self.server.accept()
            except (TimeoutError, OSError):
                continue
            self.connections.append(address)
            conn.close()

    def close(self) -> None:
        self.stopped = True
        self.thread.join()
        self.server.close()


def snapshot() -> dict[str, tuple]:
    """Every file of the project (size, mtime), and the names in the home folder and /tmp
    (less those the tests and the grader's own TensorFlow make there)."""
    state: dict[str, tuple] = {}
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIPPED_IN_PROJECT]
        for name in files:
            path = os.path.join(folder, name)
            info = os.lstat(path)
            state[path] = (info.st_size, info.st_mtime_ns)
    for folder in (Path.home(), Path(tempfile.gettempdir())):
        for entry in folder.iterdir():
            if not entry.name.startswith(("pytest-of-", "grader-sandbox-", "tmp", "__autograph_generated_file")):
                state[str(entry)] = ()
    return state


@pytest.fixture(autouse=True)
def guard():
    """No connection reaches loopback and nothing outside the sandbox's scratch changes."""
    listener = Listener()
    before = snapshot()
    started = time.monotonic()
    yield listener
    elapsed = time.monotonic() - started
    listener.close()
    after = snapshot()
    assert listener.connections == [], "a sandboxed submission reached a loopback listener"
    changed = sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))
    assert changed == [], f"files outside the scratch directory changed: {changed[:10]}"
    assert elapsed < 120, f"a hostile submission took {elapsed:.0f} s"


def grade(sandbox: Sandbox, tmp_path: Path, source: str, limits: Limits = FAST) -> dict:
    """Grade a submission for iris_net in the given sandbox; its scratch must be empty afterwards."""
    path = tmp_path / "iris_net.py"
    path.write_text(source)
    exercise = grade_path(path, dataclasses.replace(IRIS, limits=limits), sandbox)["exercises"][0]
    left = [] if sandbox.scratch is None else [p.name for p in sandbox.scratch.iterdir() if p.name != "home"]
    assert left == [], "a job left files in the sandbox's folder"
    # Only the sandbox's own processes are left: bwrap's init and the zygote, or the zygote alone.
    if sandbox.pid is not None:  # not started when nothing was run (a file that does not parse)
        assert len(descendants(sandbox.pid)) == {"bubblewrap": 2, "process-limits": 0}[sandbox.isolation.level]
    return exercise


def descendants(pid: int | None) -> set[int]:
    """Every live process below pid, read from /proc."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier and p not in found}
        found |= frontier
    return found


def errors(exercise: dict) -> dict[str, str]:
    return {e["function"]: e["kind"] for e in exercise["errors"]}


def error(exercise: dict, function: str) -> dict:
    return next(e for e in exercise["errors"] if e["function"] == function)
