"""The grading service: a long-lived process that grades bulk jobs for one user, warm.

It binds its socket (0600, in the user's private runtime folder) before importing anything heavy,
so a client can wait on its heartbeats rather than on a guess of how long TensorFlow takes; then one
worker thread imports TensorFlow, starts the sandbox and grades the jobs one after the other with
grader.bulk.jobs.grade_job, the same function `grader bulk` runs. The main thread only talks: it
greets each client, queues its request, sends every waiting client a heartbeat about every second,
and delivers each answer. It serves only its own user (SO_PEERCRED), and exits after a quiet period,
when asked to (after the jobs it holds), when its socket or pid file is gone or replaced, or when one
job runs past JOB_BOUND (a hung grader: its clients then grade without it).
"""
from __future__ import annotations

import contextlib
import os
import queue
import selectors
import shutil
import socket
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.service import place
from grader.service.lines import HEARTBEAT_SECONDS, MAX_LINE, Garbled, decode, encode, peer_uid

DEFAULT_IDLE_SECONDS = 900.0
# Longest a job may take: the sandbox bounds each run of the student's code by the exercise's limits
# (an import, then one call after another), and a submission whose import stopped is run a second time;
# the grader's own training is bounded by its work caps and takes seconds. Twice the sandbox's worst
# case plus ten minutes of training is far past any real job, so reaching it means the grader hangs.
TRAINING_SECONDS = 600.0
SEND_SECONDS = 30.0  # a client that does not read its answer for this long is dropped
IDENTITY_CHECK_SECONDS = 5.0  # how often the service checks the grader it was started for is still the one here


@dataclass
class _Client:
    sock: socket.socket
    buffer: bytearray = field(default_factory=bytearray)
    job: dict[str, Any] | None = None  # its grading request, once read


class Service:
    """One service, bound to its identity's socket in the runtime folder."""

    def __init__(self, folder: Path, identity: str, idle_seconds: float):
        self.folder, self.identity, self.idle_seconds = folder, identity, idle_seconds
        self.socket_path = place.socket_path(folder, identity)
        self.pid_path = place.pid_path(folder, identity)
        self.started = time.time()
        self.jobs_served = 0
        self.stopping = False
        self.overran = False  # it ended because a job ran past its bound
        self._selector = selectors.DefaultSelector()
        self._waiting: list[_Client] = []  # clients with a job queued or running, in order
        self._todo: queue.Queue = queue.Queue()
        self._done: queue.Queue = queue.Queue()
        self._wake_read, self._wake_write = socket.socketpair()
        self._running_since: float | None = None
        self._running_bound = 0.0
        self._last_activity = time.monotonic()
        self._warmed: set[str] = set()

    def bind(self) -> None:
        """Listen on a fresh socket and put it in place with its pid file (a stale socket is replaced whole)."""
        fresh = self.socket_path.with_name(f"{self.socket_path.name}.{os.getpid()}")
        fresh.unlink(missing_ok=True)
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        umask = os.umask(0o177)
        try:
            self._listener.bind(str(fresh))
        finally:
            os.umask(umask)
        self._listener.listen(16)
        os.rename(fresh, self.socket_path)
        self._inode = os.stat(self.socket_path).st_ino
        pid_file = self.pid_path.with_name(f"{self.pid_path.name}.{os.getpid()}")
        pid_file.write_text(f"{os.getpid()}\n")
        os.rename(pid_file, self.pid_path)
        self._listener.setblocking(False)
        self._selector.register(self._listener, selectors.EVENT_READ, "accept")
        self._selector.register(self._wake_read, selectors.EVENT_READ, "wake")

    def serve(self) -> None:
        """Grade until idle, stopped, displaced, or a job overruns its bound; then remove this service's files."""
        threading.Thread(target=self._work, daemon=True, name="grader-service-worker").start()
        self._todo.put(None)  # first: warm up
        next_beat = next_identity_check = time.monotonic() + HEARTBEAT_SECONDS
        try:
            while not self._finished():
                for key, _ in self._selector.select(timeout=max(0.0, next_beat - time.monotonic())):
                    if key.data == "accept":
                        self._accept()
                    elif key.data == "wake":
                        self._wake_read.recv(4096)
                    else:
                        self._read(key.data)
                self._deliver()
                if time.monotonic() >= next_beat:
                    next_beat = time.monotonic() + HEARTBEAT_SECONDS
                    self._beat()
                    if not self._still_ours():
                        self._stop("its socket or pid file was removed or replaced")
                    elif time.monotonic() >= next_identity_check:
                        next_identity_check = time.monotonic() + IDENTITY_CHECK_SECONDS
                        if place.key() != self.identity:  # its code, references or settings changed: no client asks it
                            self._stop("the grader's files changed since it started")
        finally:
            self._remove_files()

    def _finished(self) -> bool:
        if self._running_since is not None and time.monotonic() - self._running_since > self._running_bound:
            _log(f"a job ran over {self._running_bound:.0f} s: exiting, its client grades without the service")
            self.overran = True
            return True
        if self._waiting or self._running_since is not None:
            return False
        if self.stopping:
            return True
        if time.monotonic() - self._last_activity > self.idle_seconds:
            self._stop(f"idle for {self.idle_seconds:g} s")
            return True
        return False

    def _accept(self) -> None:
        try:
            sock, _ = self._listener.accept()
        except BlockingIOError:
            return
        self._last_activity = time.monotonic()
        _, uid = peer_uid(sock)
        if uid != os.geteuid():  # the folder keeps others out; this is the second lock
            _log(f"refused a client of uid {uid}")
            sock.close()
            return
        sock.settimeout(SEND_SECONDS)
        client = _Client(sock)
        if self._send(client, {"hello": self.status()}):
            self._selector.register(sock, selectors.EVENT_READ, client)

    def _read(self, client: _Client) -> None:
        try:
            chunk = client.sock.recv(1 << 20)
        except OSError:
            chunk = b""
        client.buffer += chunk
        if not chunk or len(client.buffer) > MAX_LINE:
            self._drop(client)
            return
        if not client.buffer.endswith(b"\n"):
            return
        self._selector.unregister(client.sock)
        try:
            request = decode(bytes(client.buffer))
        except Garbled as exc:
            _log(f"a request that is not the protocol's: {exc}")
            client.sock.close()
            return
        client.buffer.clear()
        if "grade" in request and isinstance(request["grade"], dict) and not self.stopping:
            client.job = request["grade"]
            self._waiting.append(client)
            self._todo.put(client)
            return
        if "stop" in request:
            self._stop("asked to stop")
        # a job sent as the service stops is answered "stopping": its client grades without the service
        self._send(client, {"stopping" if self.stopping else "status": self.status()})
        self._drop(client)

    def _stop(self, why: str) -> None:
        """Take no more clients; the jobs already queued are graded first. The socket goes first, so no new
        client can come; one that came just before is told "stopping" (it starts a new service or grades itself)."""
        if self.stopping:
            return
        _log(f"stopping: {why}")
        self.stopping = True
        self._remove_files()
        self._selector.unregister(self._listener)
        while True:
            try:
                sock, _ = self._listener.accept()
            except OSError:  # none left waiting
                break
            with sock:
                with contextlib.suppress(OSError):
                    sock.sendall(encode({"stopping": self.status()}))
        self._listener.close()

    def _beat(self) -> None:
        for client in list(self._waiting):
            self._send(client, {"heartbeat": self.jobs_served})  # one gone is dropped; its job still runs

    def _deliver(self) -> None:
        while True:
            try:
                client, answer = self._done.get_nowait()
            except queue.Empty:
                return
            self._waiting.remove(client)
            self._last_activity = time.monotonic()
            self.jobs_served += 1
            self._send(client, {"answer": answer})
            self._drop(client)

    def _send(self, client: _Client, message: dict[str, Any]) -> bool:
        if client.sock is None:
            return False
        try:
            client.sock.sendall(encode(message))
            return True
        except OSError:
            self._drop(client)
            return False

    def _drop(self, client: _Client) -> None:
        if client.sock is None:
            return
        try:
            self._selector.unregister(client.sock)
        except (KeyError, ValueError):
            pass
        client.sock.close()
        client.sock = None

    def _still_ours(self) -> bool:
        if self.stopping:
            return True
        try:
            return (os.stat(self.socket_path).st_ino == self._inode
                    and self.pid_path.read_text().strip() == str(os.getpid()))
        except OSError:
            return False

    def _remove_files(self) -> None:
        """Remove the socket and pid file, unless another service has put its own in their place."""
        try:
            if self.pid_path.read_text().strip() == str(os.getpid()):
                self.pid_path.unlink()
        except OSError:
            pass
        try:
            if os.stat(self.socket_path).st_ino == self._inode:
                self.socket_path.unlink()
        except OSError:
            pass

    def status(self) -> dict[str, Any]:
        """What `grader service status` shows."""
        return {"pid": os.getpid(), "uid": os.geteuid(), "identity": self.identity, "started": self.started,
                "uptime": round(time.time() - self.started, 1), "jobs_served": self.jobs_served,
                "idle_timeout": self.idle_seconds, "waiting": len(self._waiting), "python": sys.executable}

    def _work(self) -> None:
        """The worker thread: warm up, then grade each queued job, one at a time."""
        from grader.bulk.jobs import grade_job

        while True:
            client = self._todo.get()
            if client is None:
                self._warm_up()
                continue
            self._running_bound = _bound(client.job)
            self._running_since = time.monotonic()
            self._warm_exercise(client.job)
            try:
                answer = grade_job(client.job)
            except Exception as exc:  # a job that is not a job (no content): the grader's fault, never a hang
                answer = {"error": ["grader-error", f"{type(exc).__name__}: {exc}"]}
            answer["notice"] = _notice()
            self._done.put((client, answer))
            self._running_since = None
            self._wake_write.send(b".")

    def _warm_up(self) -> None:
        from grader import quiet_tensorflow
        from grader.bulk.jobs import start_sandbox
        from grader.sandbox.isolation import SandboxError

        try:
            start_sandbox()
        except SandboxError as exc:
            _log(f"the sandbox cannot start: {exc}")  # each job says so, as grade_job answers it
        quiet_tensorflow.load()
        _log("warm")

    def _warm_exercise(self, job: dict[str, Any]) -> None:
        """Trace the exercise's training the first time it is graded here, as a cold `grader check` does."""
        from grader.exercises import load
        from grader.training import warmup

        name = job.get("exercise")
        if isinstance(name, str) and name not in self._warmed:
            self._warmed.add(name)
            try:
                warmup.start(load(name))
            except Exception:  # an unknown exercise: grade_job answers for it
                pass


def _bound(job: dict[str, Any]) -> float:
    """JOB_BOUND for this job's exercise: twice the sandbox's longest run, plus TRAINING_SECONDS."""
    from grader.exercises import load

    try:
        exercise = load(job["exercise"])
    except Exception:
        return TRAINING_SECONDS
    calls = sum(len(part.calls()) for part in exercise.parts)
    return 2 * (exercise.limits.import_seconds + calls * exercise.limits.call_seconds) + TRAINING_SECONDS


def _notice() -> str:
    from grader.sandbox.isolation import SandboxError, detect

    try:
        return detect().notice()
    except SandboxError:
        return ""


def _log(message: str) -> None:
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} grader service {os.getpid()}: {message}", file=sys.stderr, flush=True)


def idle_seconds() -> float:
    """GRADER_DAEMON_IDLE, else DEFAULT_IDLE_SECONDS."""
    try:
        return max(1.0, float(os.environ.get("GRADER_DAEMON_IDLE", DEFAULT_IDLE_SECONDS)))
    except ValueError:
        return DEFAULT_IDLE_SECONDS


def main(identity: str, ready_fd: int | None = None) -> int:
    """Serve as identity's service; write b"1" to ready_fd once the socket is in place."""
    folder = place.private_folder()
    if place.key() != identity:  # started for another grader or other settings than this process has
        _log(f"refusing to serve as {identity}: this process is grader {place.key()}")
        return 1
    scratch = own_temporary_folder(os.getpid())
    try:
        return _serve(folder, identity, ready_fd)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def own_temporary_folder(pid: int) -> Path:
    """A temporary folder of this service's own (TMPDIR for it, its sandbox and its jobs), so that everything they
    leave goes when the service ends, or when a client that found it failed kills it (client._end)."""
    scratch = Path(tempfile.mkdtemp(prefix=f"{place.TEMPORARY_PREFIX}{pid}-"))
    os.chmod(scratch, 0o711)  # the sandbox's user of its own (grader run as root) passes through to its folders
    os.environ["TMPDIR"] = tempfile.tempdir = str(scratch)
    return scratch


def _serve(folder: Path, identity: str, ready_fd: int | None) -> int:
    service = Service(folder, identity, idle_seconds())
    service.bind()
    _log(f"serving {service.socket_path} (idle timeout {service.idle_seconds:g} s)")
    if ready_fd is not None:
        os.write(ready_fd, b"1")
        os.close(ready_fd)
    service.serve()
    if service.overran:
        return 1
    place.log_path(folder, identity).unlink(missing_ok=True)  # a clean end: nothing in the log to look at
    return 0
