"""Runs a submission's functions in a child process and collects plain-data outcomes.

The child gets a scratch directory holding a copy of the submission, a clean
environment and resource limits. If it dies or hangs during one call, that call is
recorded as failed and a fresh child runs the calls after it, so one broken function
costs only its own points.
"""
from __future__ import annotations

import json
import os
import resource
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.sandbox import wire

CHILD_SCRIPT = Path(__file__).with_name("child.py")
MAX_RESULT_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Limits:
    import_seconds: float = 90.0
    call_seconds: float = 60.0
    cpu_seconds: int = 600
    memory_bytes: int = 3 * 1024**3
    output_bytes: int = 64 * 1024


@dataclass(frozen=True)
class Call:
    id: str
    function: str
    args: tuple = ()
    returns: str = "value"  # or "model": the child sends the model's Keras config


@dataclass
class Outcome:
    ok: bool
    value: Any = None
    kind: str = ""
    message: str = ""
    traceback: str = ""


@dataclass
class SandboxRun:
    outcomes: dict[str, Outcome]
    constants: dict[str, Any] = field(default_factory=dict)
    import_error: Outcome | None = None
    output: str = ""
    output_truncated: bool = False
    isolation: str = "process-limits"


def run_submission(
    source_path: Path, calls: list[Call], constants: list[str], limits: Limits = Limits()
) -> SandboxRun:
    """Run every call in sandboxed children; never raises for anything the student did."""
    run = SandboxRun(outcomes={})
    pending = list(calls)
    first = True
    with tempfile.TemporaryDirectory(prefix="grader-") as scratch:
        submission = Path(scratch) / source_path.name
        shutil.copyfile(source_path, submission)
        while pending:
            child = _Child(submission, pending, constants if first else [], limits, Path(scratch))
            child.run()
            run.output += child.output
            run.output_truncated |= child.output_truncated
            if first:
                run.constants, run.import_error, first = child.constants, child.import_error, False
            run.outcomes.update(child.outcomes)
            if child.import_error is not None or not child.outcomes:
                # Importing failed, or the child stopped without taking up a call: no retry helps.
                failure = child.import_error or Outcome(
                    False, kind="crashed", message="the process stopped before running this function"
                )
                for call in pending:
                    run.outcomes.setdefault(call.id, failure)
            pending = [call for call in pending if call.id not in run.outcomes]
    return run


class _Child:
    """One child process working through a list of calls until it finishes or fails."""

    def __init__(self, submission: Path, calls: list[Call], constants: list[str], limits: Limits, scratch: Path):
        self.submission, self.limits, self.scratch = submission, limits, scratch
        self.request = {
            "constants": constants,
            "calls": [call_request(c) for c in calls],
        }
        self.outcomes: dict[str, Outcome] = {}
        self.constants: dict[str, Any] = {}
        self.import_error: Outcome | None = None
        self.output = ""
        self.output_truncated = False
        self.imported = False

    def run(self) -> None:
        read_fd, write_fd = os.pipe()
        proc = subprocess.Popen(
            [sys.executable, "-I", str(CHILD_SCRIPT), str(self.submission), str(write_fd)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            pass_fds=(write_fd,),
            cwd=self.scratch,
            env=_clean_env(self.scratch),
            start_new_session=True,
            preexec_fn=self._apply_limits,
        )
        os.close(write_fd)
        collector = threading.Thread(target=self._collect_output, args=(proc.stdout,), daemon=True)
        collector.start()
        try:
            proc.stdin.write(json.dumps(self.request).encode())
            proc.stdin.close()
        except BrokenPipeError:
            pass
        current, timed_out = self._read_events(read_fd)
        _kill_group(proc)
        proc.wait()
        collector.join(timeout=5)
        os.close(read_fd)
        if self.import_error is None and not self.imported:
            self._record_death("<import>", proc.returncode, timed_out)
        elif current is not None:
            self._record_death(current, proc.returncode, timed_out)

    def _apply_limits(self) -> None:
        resource.setrlimit(resource.RLIMIT_AS, (self.limits.memory_bytes, self.limits.memory_bytes))
        resource.setrlimit(resource.RLIMIT_CPU, (self.limits.cpu_seconds, self.limits.cpu_seconds))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    def _read_events(self, fd: int) -> tuple[str | None, bool]:
        """Read events until the child finishes; return the call in progress if it died."""
        selector = selectors.DefaultSelector()
        selector.register(fd, selectors.EVENT_READ)
        buffer, received = b"", 0
        current: str | None = None
        deadline = time.monotonic() + self.limits.import_seconds
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return current or "<import>", True
            if not selector.select(timeout=min(remaining, 1.0)):
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return current, False
            received += len(chunk)
            if received > MAX_RESULT_BYTES:
                self.outcomes[current or "<import>"] = Outcome(False, kind="invalid-return", message="returned more data than the grader accepts")
                return None, False
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                event = self._parse(line)
                if event is None:
                    continue
                kind = event.get("event")
                if kind == "start":
                    current = event.get("id")
                    deadline = time.monotonic() + self.limits.call_seconds
                elif kind == "result" and event.get("id") == current:
                    self.outcomes[current] = outcome_from_event(event)
                    current = None
                elif kind == "imported":
                    self.imported = True
                    self.constants = _decode_constants(event.get("constants"))
                elif kind == "import-failed":
                    self.import_error = outcome_from_event(event)
                    return None, False

    @staticmethod
    def _parse(line: bytes) -> dict | None:
        try:
            event = json.loads(line)
        except ValueError:
            return None
        return event if isinstance(event, dict) else None

    def _record_death(self, current: str | None, returncode: int, timed_out: bool) -> None:
        if timed_out:
            seconds = self.limits.import_seconds if current == "<import>" else self.limits.call_seconds
            outcome = Outcome(False, kind="timeout", message=f"did not finish within {seconds:g} seconds")
        elif returncode is not None and returncode < 0:
            name = signal.Signals(-returncode).name
            kind = "memory-limit" if -returncode == signal.SIGKILL else "crashed"
            if -returncode == signal.SIGXCPU:
                kind = "timeout"
            outcome = Outcome(False, kind=kind, message=f"the process was ended by {name}")
        else:
            outcome = Outcome(False, kind="crashed", message=f"the process exited with status {returncode} before returning")
        if current == "<import>":
            self.import_error = outcome
        else:
            self.outcomes[current] = outcome

    def _collect_output(self, stream) -> None:
        kept = bytearray()
        for chunk in iter(lambda: stream.read(1 << 16), b""):
            room = self.limits.output_bytes - len(kept)
            if room > 0:
                kept += chunk[:room]
            if len(chunk) > max(room, 0):
                self.output_truncated = True
        self.output = kept.decode("utf-8", "replace")


def call_request(call: Call) -> dict:
    """A call as the child reads it: plain data only."""
    return {"id": call.id, "function": call.function, "args": [wire.encode(a) for a in call.args], "returns": call.returns}


def outcome_from_event(event: dict) -> Outcome:
    """Decode the child's result event for one call, validating it as untrusted data."""
    if event.get("ok"):
        try:
            return Outcome(True, value=wire.decode(event.get("value")))
        except (wire.WireError, KeyError, TypeError, ValueError) as exc:
            return Outcome(False, kind="invalid-return", message=f"returned a value the grader cannot read ({exc})")
    return Outcome(
        False,
        kind=str(event.get("kind", "crashed")),
        message=str(event.get("message", "")),
        traceback=str(event.get("traceback", "")),
    )


def _decode_constants(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        return {}
    constants = {}
    for name, value in raw.items():
        try:
            constants[str(name)] = wire.decode(value)
        except (wire.WireError, KeyError, TypeError, ValueError):
            constants[str(name)] = None
    return constants


def _clean_env(scratch: Path) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(scratch),
        "TMPDIR": str(scratch),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "CUDA_VISIBLE_DEVICES": "-1",
        "KERAS_BACKEND": "tensorflow",
        "TF_NUM_INTEROP_THREADS": "1",
        "TF_NUM_INTRAOP_THREADS": "1",
        "OMP_NUM_THREADS": "1",
    }


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
