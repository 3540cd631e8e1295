"""The client side of the grading service: send a job, get the answer, or None to grade without it.

Light on purpose: it imports no TensorFlow and no numpy, so a re-check costs a connection, not a
TensorFlow import. A service that cannot be used is never a wrong or missing answer: one that crashes,
hangs (no heartbeat for GRADER_DAEMON_PATIENCE seconds), answers garbage or is not its user's own is
stopped (killed when it must be), its files removed, one stderr line says so, and the caller grades
without it.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from grader.service import place
from grader.service.lines import MAX_LINE, Garbled, decode, peer_uid

DEFAULT_PATIENCE_SECONDS = 30.0
START_SECONDS = 120.0  # for the service to bind its socket (it does so before importing TensorFlow)
STOP_SECONDS = 900.0  # for a stopped service to finish the jobs it holds and exit
POLL_SECONDS = 0.05
FAILED = "grader: the grading service failed ({}); graded without it"


class _Unusable(Exception):
    """The service failed: the message says how, for the one stderr line."""


def enabled() -> bool:
    """GRADER_DAEMON: "1"/"on" always, "0"/"off" never, unset or "auto": on, except in CI (the CI variable set)."""
    mode = os.environ.get("GRADER_DAEMON", "auto").strip().lower()
    if mode in ("1", "on"):
        return True
    if mode in ("0", "off"):
        return False
    return not os.environ.get("CI")


def patience() -> float:
    """GRADER_DAEMON_PATIENCE: the seconds without a word from the service after which it counts as hung."""
    try:
        return max(1.0, float(os.environ.get("GRADER_DAEMON_PATIENCE", DEFAULT_PATIENCE_SECONDS)))
    except ValueError:
        return DEFAULT_PATIENCE_SECONDS


def answer(job: dict[str, Any]) -> dict[str, Any] | None:
    """The service's answer to a bulk job ({"report": ...} or {"error": [kind, message]}, with "notice", the
    sandbox's isolation notice), the service started first when none runs; None when it cannot be used."""
    if not enabled():
        return None
    try:
        folder, identity = place.private_folder(), place.key()
    except (place.PlaceError, OSError):
        return None  # no private place for a service here: grading without one is the safe answer
    connection = None
    try:
        connection = _connect(folder, identity) or _start(folder, identity)
        return connection.grade(job)
    except _Unusable as exc:
        if connection is not None:
            connection.kill()
        print(FAILED.format(exc), file=sys.stderr)
        return None
    finally:
        if connection is not None:
            connection.close()


def status() -> dict[str, Any] | None:
    """This identity's running service as it describes itself (pid, identity, uptime, jobs served, idle
    timeout); None when none runs."""
    try:
        connection = _connect(place.private_folder(), place.key())
    except (place.PlaceError, _Unusable, OSError):
        return None
    if connection is None:
        return None
    with contextlib.closing(connection):
        return connection.hello


def stop() -> bool:
    """Stop this identity's service (after the jobs it holds); whether one was running."""
    try:
        folder = place.private_folder()
        return _stop_at(place.socket_path(folder, place.key()))
    except (place.PlaceError, OSError):
        return False


def stop_all(folder: Path) -> int:
    """Stop every service in a runtime folder, of any identity (for test sessions); how many were running."""
    return sum(_stop_at(path) for path in sorted(folder.glob("grader-*.sock")))


def _stop_at(socket_path: Path) -> bool:
    try:
        connection = _connect_to(socket_path, socket_path.name[len("grader-"):-len(".sock")])
    except _Unusable:
        connection = None
    if connection is None:
        return False
    with contextlib.closing(connection):
        try:
            connection.request({"stop": True}, "stopping")
        except _Unusable:
            connection.kill()
            return True
        pid = connection.pid
    deadline = time.monotonic() + STOP_SECONDS
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
    return True


class _Connection:
    """One connection to a service that said hello as the service of this user and identity."""

    def __init__(self, sock: socket.socket, hello: dict[str, Any], socket_path: Path, inode: int | None):
        self.sock, self.hello, self.socket_path, self._inode = sock, hello, socket_path, inode
        self.pid = hello["pid"]
        self._reader = sock.makefile("rb")

    def grade(self, job: dict[str, Any]) -> dict[str, Any] | None:
        """The answer to job; None when the service is stopping (nothing failed: grade without it)."""
        message = self.request({"grade": job}, "answer", "stopping")
        if "stopping" in message:
            return None
        answer = message["answer"]
        if not _is_answer(answer):
            raise _Unusable("it answered something that is not a grading answer")
        return answer

    def request(self, message: dict[str, Any], *replies: str) -> dict[str, Any]:
        """Send message; the first reply of the kinds expected, waiting through heartbeats."""
        try:
            self.sock.sendall(json.dumps(message).encode() + b"\n")
        except OSError as exc:
            raise _Unusable(f"it closed the connection: {exc.strerror or exc}") from None
        while True:
            reply = _read(self._reader)
            if "heartbeat" in reply:
                continue
            if set(reply) & set(replies):
                return reply
            raise _Unusable(f"it answered {next(iter(reply))!r} instead of {' or '.join(replies)}")

    def kill(self) -> None:
        _end(self.pid, self.socket_path, self._inode)

    def close(self) -> None:
        self._reader.close()
        self.sock.close()


def _connect(folder: Path, identity: str) -> _Connection | None:
    return _connect_to(place.socket_path(folder, identity), identity)


def _connect_to(socket_path: Path, identity: str) -> _Connection | None:
    """A connection to the service listening at socket_path; None when none listens (no socket, or a stale one).
    _Unusable when what listens is not this user's service of this identity."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(str(socket_path))
    except (FileNotFoundError, ConnectionRefusedError):
        sock.close()
        return None
    except OSError as exc:
        sock.close()
        raise _Unusable(f"cannot connect to {socket_path}: {exc.strerror}") from None
    pid, uid = peer_uid(sock)
    if uid != os.geteuid():
        sock.close()
        raise _Unusable(f"the process listening at {socket_path} belongs to user {uid}, not to you")
    inode = None
    with contextlib.suppress(OSError):
        inode = os.stat(socket_path).st_ino
    sock.settimeout(patience())
    try:
        with sock.makefile("rb") as reader:
            greeting = _read(reader)
        if "stopping" in greeting:  # it is ending (quiet for too long, or asked to): as if none listened
            sock.close()
            return None
        hello = greeting.get("hello")
        if not isinstance(hello, dict) or hello.get("pid") != pid or hello.get("identity") != identity:
            raise _Unusable("the process listening on its socket is not the grader's service")
    except _Unusable:
        sock.close()
        _end(pid, socket_path, inode)
        raise
    return _Connection(sock, hello, socket_path, inode)


def _read(reader) -> dict[str, Any]:
    try:
        line = reader.readline(MAX_LINE)
    except TimeoutError:
        raise _Unusable(f"no word from it for {patience():g} s (GRADER_DAEMON_PATIENCE)") from None
    except OSError as exc:
        raise _Unusable(f"the connection broke: {exc.strerror or exc}") from None
    if not line:
        raise _Unusable("it closed the connection mid-job")
    try:
        return decode(line)
    except Garbled as exc:
        raise _Unusable(f"it sent garbage ({exc})") from None


def _is_answer(answer: Any) -> bool:
    if not isinstance(answer, dict) or not isinstance(answer.get("notice", ""), str):
        return False
    if "report" in answer:
        return isinstance(answer["report"], dict)
    error = answer.get("error")
    return isinstance(error, list) and len(error) == 2 and all(isinstance(part, str) for part in error)


def _start(folder: Path, identity: str) -> _Connection:
    """Start identity's service (one starter at a time) and connect to it."""
    with _locked(place.lock_path(folder, identity)):
        connection = _connect(folder, identity)  # another client may have started it meanwhile
        if connection is not None:
            return connection
        with open(place.log_path(folder, identity), "wb") as log:  # the last start's log only
            first = subprocess.Popen([sys.executable, "-m", "grader.service", identity], stdin=subprocess.DEVNULL,
                                     stdout=log, stderr=log, cwd="/", env=_service_env(), start_new_session=True)
        try:
            code = first.wait(timeout=START_SECONDS)
        except subprocess.TimeoutExpired:
            _kill(first.pid)
            first.wait()
            log = place.log_path(folder, identity)
            raise _Unusable(f"it did not start in {START_SECONDS:g} s (see {log})") from None
        connection = _connect(folder, identity) if code == 0 else None
        if connection is None:
            raise _Unusable(f"it did not start (see {place.log_path(folder, identity)})")
        return connection


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise _Unusable("another check has been starting it for too long") from None
                time.sleep(POLL_SECONDS)
        yield
    finally:
        os.close(fd)


def _service_env() -> dict[str, str]:
    """The caller's environment, with what depends on the caller's folder made absolute (the service runs in /)."""
    import grader

    env = dict(os.environ)
    project = str(Path(grader.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (project, env.get("PYTHONPATH"))))
    if env.get("GRADER_REFERENCE_DIR"):
        env["GRADER_REFERENCE_DIR"] = str(Path(env["GRADER_REFERENCE_DIR"]).resolve())
    return env


def _alive(pid: int) -> bool:
    """Whether pid runs (a zombie waiting for a parent that does not reap it has ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _end(pid: int, socket_path: Path, inode: int | None) -> None:
    """End a failed service for good and remove its files, unless another service has put its own there."""
    _kill(pid)
    with contextlib.suppress(OSError):
        pid_file = socket_path.with_suffix(".pid")
        if pid_file.read_text().strip() == str(pid):
            pid_file.unlink()
    with contextlib.suppress(OSError):
        if os.stat(socket_path).st_ino == inode:
            socket_path.unlink()
    for scratch in Path(tempfile.gettempdir()).glob(f"{place.TEMPORARY_PREFIX}{pid}-*"):  # what the killed service left
        info = os.lstat(scratch)
        if stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid():
            shutil.rmtree(scratch, ignore_errors=True)


def _kill(pid: int) -> None:
    """SIGKILL the service and its process group (it leads its own session); it works on a stopped one too."""
    for kill in (os.killpg, os.kill):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            kill(pid, signal.SIGKILL)
