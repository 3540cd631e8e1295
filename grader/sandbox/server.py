"""The trusted side of the fork server: one warm zygote, a worker forked per job.

The zygote (zygote.py) starts once inside bubblewrap, or with process limits only
where bubblewrap is missing, and imports TensorFlow there. Each job (one submission,
some calls) gets an unguessable name, a fresh event pipe and output pipe, and its request
(the submission's text included) in a sealed memory file, all passed over the control
socket; the worker forked for it from the zygote confines itself and makes its own new
folder, so no job can prepare anything for a later one, and its start costs milliseconds
instead of a TensorFlow import. Everything read back is untrusted plain data; time limits
are enforced from here. Whatever breaks the event stream costs only the job that sent it:
the sandbox is restarted before the next job.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.sandbox import cgroup, confine, isolation, protocol, users, wire
from grader.sandbox.calls import (
    Call, Limits, Outcome, call_request, counted, decode_constants, failure_from_event, outcome_from_event,
)
from grader.sandbox.protocol import CRASHED, INVALID_RETURN, MEMORY_LIMIT, TIMEOUT
from grader.sandbox.removal import remove_tree
from grader.sandbox.isolation import Isolation, SandboxError

ZYGOTE = Path(__file__).with_name("zygote.py")
MAX_RESULT_BYTES = 64 * 1024 * 1024
KILL_GRACE_SECONDS = 10.0
IMPORT = "<import>"


@dataclass
class JobResult:
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    constants: dict[str, Any] = field(default_factory=dict)
    import_error: Outcome | None = None  # what stopped the import, its line when known
    partial: bool = False  # the import stopped, yet the worker called what the statements before it defined
    statement: int | None = None  # the index of the top-level statement the import stopped in (None: none ran)
    output: str = ""
    output_truncated: bool = False


class Sandbox:
    """A warm sandbox serving jobs one at a time. Use as a context manager, or call close()."""

    def __init__(self, isolation_level: Isolation | None = None, preload: bool = True,
                 limits: Limits = Limits()):
        self.isolation = isolation_level or isolation.detect()
        self.preload = preload
        self.limits = limits
        self._proc: subprocess.Popen | None = None

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        """Start the zygote without waiting for it (it imports TensorFlow meanwhile)."""
        if self._proc is not None:
            return
        self._resources = contextlib.ExitStack()
        uid = self._uid = None
        if "user" in self.isolation.features:
            try:
                uid = self._uid = self._resources.enter_context(users.sandbox_user())
            except users.NoFreeUser as exc:
                raise SandboxError(str(exc)) from None
        if isolation.needs_private_reference(self.isolation.features):
            isolation.make_reference_private()
        self._scratch = Path(tempfile.mkdtemp(prefix="grader-sandbox-"))
        self._control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        bubblewrap = self.isolation.level == "bubblewrap"
        env = isolation.clean_env()
        if bubblewrap:
            prefix = isolation.bubblewrap_command()
            for key, value in {**env, "HOME": "/tmp", "TMPDIR": "/tmp"}.items():
                prefix += ["--setenv", key, value]
            script, root = f"{isolation.SCRIPTS_DIR}/zygote.py", isolation.SCRATCH_DIR
        else:
            # The jobs' folders go here: another user may pass through (0711) to its own, never list it.
            os.chmod(self._scratch, 0o711 if uid is not None else 0o700)
            home = self._scratch / "home"  # the zygote's own; each job gets its folder as HOME
            home.mkdir(mode=0o700)
            prefix, script, root = [], str(ZYGOTE), str(self._scratch)
            env.update(HOME=str(home), TMPDIR=str(home))
        config = {"root": root, "preload": self.preload, "confine": self.isolation.confine_config(uid)}
        self._cgroup = cgroup.PidsCgroup(self.limits.processes) if os.geteuid() == 0 and cgroup.available() else None
        self._log = tempfile.TemporaryFile()
        self._proc = subprocess.Popen(
            prefix + [sys.executable, "-I", script, str(theirs.fileno()), json.dumps(config)],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log, pass_fds=(theirs.fileno(),),
            cwd=self._scratch, env=env,
            start_new_session=True, preexec_fn=self._cgroup.join if self._cgroup else None,
        )
        theirs.close()
        self._ready = False

    @property
    def pid(self) -> int | None:
        """The outermost sandbox process (bwrap, or the zygote itself), None when stopped."""
        return self._proc.pid if self._proc is not None else None

    @property
    def scratch(self) -> Path | None:
        """The sandbox's host folder (None when stopped): the zygote's working folder, and in the
        process-limits fallback the parent of the jobs' folders, which are removed after each job."""
        return self._scratch if self._proc is not None else None

    def close(self) -> None:
        """Stop the zygote (it kills its workers first), then remove the scratch folder."""
        if self._proc is None:
            return
        self._control.close()
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(self._proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self._proc.wait()
        if self._cgroup:
            self._cgroup.remove()
        self._log.close()
        if self._uid is not None:
            confine.kill_user(self._uid, lambda: None)  # workers the zygote could not stop, if any
        remove_tree(self._scratch)  # in the fallback, a job could have shaped it
        self._resources.close()  # the sandbox's own user, once none of its processes is left
        self._proc = None

    def run_job(self, source_path: Path, calls: list[Call], constants: list[str], limits: Limits,
                keep: list[int] | None = None) -> JobResult:
        """Import the submission in a fresh worker (only its top-level statements `keep` when given) and make
        the calls; stops at the first death."""
        self.start()
        self._wait_ready(limits.import_seconds + 60)
        name = secrets.token_hex(16)  # the job's folder: nobody can guess it, or make it before the worker
        request = {"submission": source_path.name, "source": source_path.read_text(encoding="utf-8"),
                   "constants": constants, "calls": [call_request(c) for c in calls]}
        if keep is not None:
            request[protocol.KEEP] = list(keep)
        worker_limits = limits.for_worker()
        if not self._process_limit_applies():
            worker_limits.pop("processes")
        if self._cgroup:
            self._cgroup.set_max(limits.processes)
        events_read, events_write = os.pipe()
        output_read, output_write = os.pipe()
        request_file = _sealed(json.dumps(request).encode())
        try:
            socket.send_fds(self._control, [json.dumps({"job": name, "limits": worker_limits}).encode()],
                            [events_write, output_write, request_file])
        except OSError as exc:
            self.close()
            raise SandboxError(f"the sandbox stopped unexpectedly ({exc})") from None
        finally:
            for fd in (events_write, output_write, request_file):
                os.close(fd)
        job = _Job(name, calls, limits, self._control)
        try:
            job.collect(events_read, output_read)
        except BaseException:
            self.close()  # a fault of the grader's own mid-job: the zygote is out of step with it now
            raise
        if job.sandbox_lost or job.broken:
            self.close()  # the next job gets a fresh zygote, in step with the grader
        if job.unconfined:
            raise SandboxError(f"the sandbox could not confine a worker: {job.unconfined}")
        return job.result

    def _process_limit_applies(self) -> bool:
        """RLIMIT_NPROC means nothing for root, and outside a user namespace it counts every process of
        the user: it applies inside bubblewrap as an ordinary user, and for the sandbox's own user."""
        if "user" in self.isolation.features:
            return True
        return os.geteuid() != 0 and self.isolation.level == "bubblewrap"

    def _wait_ready(self, seconds: float) -> None:
        if self._ready:
            return
        if not _readable(self._control, seconds):
            self.close()
            raise SandboxError(f"the sandbox did not start within {seconds:g} seconds")
        data = self._control.recv(1 << 16)
        message = _parse(data) if data else {"error": self._log_tail() or "it exited at once"}
        if message.get("error"):
            self.close()
            raise SandboxError(f"the sandbox could not start: {message['error']}")
        self._ready = True

    def _log_tail(self) -> str:
        self._proc.wait(timeout=5)
        self._log.seek(0)
        lines = self._log.read().decode(errors="replace").strip().splitlines()
        return lines[-1] if lines else ""


class _Job:
    """Reads one job's events and output until the zygote reports the worker gone."""

    def __init__(self, name: str, calls: list[Call], limits: Limits, control: socket.socket):
        self.name, self.limits, self.control = name, limits, control
        self.calls = {call.id: call for call in calls}
        self.result = JobResult()
        self.imported = False
        self.current: str | None = None
        self.at: tuple[int | None, int | None] = (None, None)  # the top-level statement being run, and its line
        self.timed_out = False
        self.killed = False
        self.sandbox_lost = False
        self.broken = False  # the worker sent what the grader could not read: restart before the next job
        self.unconfined = ""  # why the worker could not confine itself (then it ran no student code)
        self.partial: list[bytes] = []  # the event line still arriving

    def collect(self, events_fd: int, output_fd: int) -> None:
        collector = threading.Thread(target=self._collect_output, args=(output_fd,), daemon=True)
        collector.start()
        status = self._read(events_fd)
        collector.join(timeout=5)
        os.close(events_fd)
        if self.result.import_error is None and not self.imported:
            self._record_death(IMPORT, status)
        elif self.current is not None:
            self._record_death(self.current, status)

    def _read(self, events_fd: int) -> dict | None:
        """Read events, enforcing the time limits; return the worker's exit status from the zygote."""
        selector = selectors.DefaultSelector()
        selector.register(events_fd, selectors.EVENT_READ, "events")
        selector.register(self.control, selectors.EVENT_READ, "control")
        received, events_open = 0, True
        deadline = time.monotonic() + self.limits.import_seconds
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if self.killed:
                    self.sandbox_lost = True  # the zygote did not answer a kill in time
                    return None
                self._kill(timed_out=True)
                deadline = time.monotonic() + KILL_GRACE_SECONDS
                continue
            for key, _ in selector.select(timeout=min(remaining, 1.0)):
                if key.data == "control":
                    data = self.control.recv(1 << 16)
                    if not data:
                        self.sandbox_lost = True
                        return None
                    message = _parse(data)
                    if message.get("event") == protocol.DONE and message.get("job") == self.name:
                        if events_open:
                            self._drain(events_fd)
                        return message
                    continue
                chunk = os.read(events_fd, 1 << 16)
                if not chunk:
                    selector.unregister(events_fd)
                    events_open = False
                    continue
                received += len(chunk)
                if received > MAX_RESULT_BYTES and not self.killed:
                    self._refuse("returned more data than the grader accepts")
                if not self.killed and self._feed(chunk):
                    deadline = time.monotonic() + self.limits.call_seconds

    def _drain(self, events_fd: int) -> None:
        """The events still in the pipe once the worker is gone."""
        os.set_blocking(events_fd, False)
        while not self.killed:
            try:
                chunk = os.read(events_fd, 1 << 16)
            except BlockingIOError:
                break
            if not chunk:
                break
            self._feed(chunk)

    def _feed(self, chunk: bytes) -> bool:
        """Act on every complete event line; True when a call started (its time limit starts)."""
        *lines, rest = chunk.split(b"\n")
        started = False
        if lines:
            lines[0] = b"".join(self.partial) + lines[0]
            self.partial = []
            for line in lines:
                if self.killed:
                    break
                try:
                    event = _event_line(line)
                except wire.WireError as exc:  # whatever the worker sent, it costs only this job
                    self._refuse(f"sent data the grader cannot read ({exc}); "
                                 "return plain values and leave the grader's channels alone")
                    continue
                started |= self._event(event)
        if rest:
            self.partial.append(rest)
        return started

    def _event(self, event: dict) -> bool:
        kind, call = event.get("event"), event.get("id")
        if kind == protocol.START and isinstance(call, str) and call in self.calls and call not in self.result.outcomes:
            self.current = call
            return True
        if kind == protocol.RESULT and self.current is not None and call == self.current:
            self.result.outcomes[self.current] = outcome_from_event(event, self.calls[self.current])
            self.current = None
        elif kind == protocol.AT and not self.imported:
            self.at = (counted(event.get(protocol.STATEMENT), start=0), counted(event.get(protocol.LINE)))
        elif kind == protocol.IMPORTED and not self.imported:
            self.imported = True
            self.result.constants = decode_constants(event.get("constants"))
            stopped = event.get(protocol.STOPPED)
            if isinstance(stopped, dict):
                self._stopped(stopped)
                self.result.partial = True
        elif kind == protocol.IMPORT_FAILED and not self.imported:
            self._stopped(event)
            self.imported = True
        elif kind == protocol.CONFINE_FAILED and not self.imported:
            self.unconfined = str(event.get("message"))[:500]
            self.imported = True
            self.result.import_error = Outcome(False, kind=CRASHED, message="the sandbox could not start this job")
        return False

    def _stopped(self, failure: dict) -> None:
        """The failure that stopped the import, in the statement the child says (None when none ran)."""
        self.result.import_error = failure_from_event(failure)
        self.result.statement = counted(failure.get(protocol.STATEMENT), start=0)

    def _refuse(self, message: str) -> None:
        """The event stream broke: the call in progress (or the import) fails with message, the worker
        is stopped, and the sandbox restarts before the next job."""
        failure = Outcome(False, kind=INVALID_RETURN, message=message)
        if self.current is not None:
            self.result.outcomes[self.current] = failure
        elif not self.imported:
            failure.line = self.at[1]
            self.result.import_error, self.result.statement, self.imported = failure, self.at[0], True
        self.current = None
        self.broken = True
        self._kill(timed_out=False)

    def _kill(self, timed_out: bool) -> None:
        self.timed_out |= timed_out
        self.killed = True
        try:
            self.control.send(json.dumps({"kill": self.name}).encode())
        except OSError:
            self.sandbox_lost = True

    def _record_death(self, current: str, status: dict | None) -> None:
        if self.timed_out:
            seconds = self.limits.import_seconds if current == IMPORT else self.limits.call_seconds
            outcome = Outcome(False, kind=TIMEOUT, message=f"did not finish within {seconds:g} seconds")
        elif status is None:
            outcome = Outcome(False, kind=CRASHED, message="the sandbox stopped while running this code "
                                                             "(did the code kill its parent process?)")
        elif "signal" in status:
            outcome = _signal_outcome(int(status["signal"]), self.limits)
        elif "error" in status:
            outcome = Outcome(False, kind=CRASHED, message=str(status["error"]))
        else:
            outcome = Outcome(False, kind=CRASHED,
                              message=f"the process exited with status {status.get('exit')} before returning")
        if current == IMPORT:
            outcome.line = self.at[1]  # where the worker was when it stopped
            self.result.import_error, self.result.statement = outcome, self.at[0]
        else:
            self.result.outcomes[current] = outcome

    def _collect_output(self, fd: int) -> None:
        kept = bytearray()
        with os.fdopen(fd, "rb") as stream:
            for chunk in iter(lambda: stream.read1(1 << 16), b""):
                room = self.limits.output_bytes - len(kept)
                if room > 0:
                    kept += chunk[:room]
                if len(chunk) > max(room, 0):
                    self.result.output_truncated = True
        self.result.output = kept.decode("utf-8", "replace")


def _signal_outcome(number: int, limits: Limits) -> Outcome:
    try:
        name = signal.Signals(number).name
    except ValueError:
        name = f"signal {number}"
    if number == signal.SIGXCPU:
        return Outcome(False, kind=TIMEOUT, message=f"used more than {limits.cpu_seconds} seconds of CPU time")
    if number == signal.SIGXFSZ:
        return Outcome(False, kind=CRASHED,
                       message=f"wrote a file larger than {limits.file_bytes // 1024**2} MB")
    if number == signal.SIGKILL:
        return Outcome(False, kind=MEMORY_LIMIT,
                       message="the process was killed (SIGKILL), most likely for running out of memory")
    if number == signal.SIGSEGV:
        return Outcome(False, kind=CRASHED, message="the process crashed with a segmentation fault (SIGSEGV)")
    return Outcome(False, kind=CRASHED, message=f"the process was ended by {name}")


def _parse(message: bytes) -> dict:
    """One message from the zygote as a dict; {} for anything else."""
    try:
        return _event_line(message)
    except wire.WireError:
        return {}


def _event_line(line: bytes) -> dict:
    """One event line from a worker, which must be a JSON object (wire.WireError otherwise)."""
    event = wire.loads(line)
    if not isinstance(event, dict):
        raise wire.WireError("an event must be a JSON object")
    return event


def _sealed(data: bytes) -> int:
    """A read-only memory file holding data (a temporary file where memfd is missing)."""
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("grader-job", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SEAL | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE)
        return fd
    handle = tempfile.TemporaryFile()
    handle.write(data)
    handle.flush()
    return os.dup(handle.fileno())


def _readable(sock: socket.socket, seconds: float) -> bool:
    with selectors.DefaultSelector() as selector:
        selector.register(sock, selectors.EVENT_READ)
        return bool(selector.select(timeout=seconds))
