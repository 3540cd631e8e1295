"""Where a user's grading service lives, and which grader it stands for.

The runtime folder is `$XDG_RUNTIME_DIR/nn-grader`, else `/tmp/nn-grader-<uid>`: made 0700, and
refused when it is a link, belongs to someone else or others may enter it (another user could then
put a socket of their own there, or reach ours). One service per *identity*: the grader's code, its
reference solutions, the Python running it and its GRADER_ settings. A service started for other code
or other sandbox settings has another key, so it is never asked.
"""
from __future__ import annotations

import hashlib
import os
import stat
import sys
from pathlib import Path

KEY_CHARS = 16
# Settings of the client or of the service's own lifetime, not of grading: a client with another
# patience may use the same service. GRADER_DAEMON_IDLE stays in the key: a service lives as it was told.
# GRADER_REFERENCE_DIR counts by the folder it names (below), not as written: relative, it names another
# folder from another working folder.
NOT_IDENTITY = ("GRADER_DAEMON", "GRADER_DAEMON_PATIENCE", "GRADER_REFERENCE_DIR")
SOURCE_SUFFIXES = (".py", ".j2")
TEMPORARY_PREFIX = "grader-service-"  # of a service's own temporary folder, then its pid (server.own_temporary_folder)


class PlaceError(RuntimeError):
    """The runtime folder cannot be trusted or made; the message says what was found and the fix."""


def folder() -> Path:
    """The runtime folder of this user's services (not created)."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    return Path(runtime) / "nn-grader" if runtime else Path(f"/tmp/nn-grader-{os.geteuid()}")


def private_folder() -> Path:
    """The runtime folder, made 0700 when missing; PlaceError when it is a link, not ours, or open to others."""
    place = folder()
    try:
        place.mkdir(mode=0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        raise PlaceError(f"cannot make the grading service's folder {place}: {exc.strerror}") from None
    info = os.lstat(place)
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise PlaceError(f"{place} is not a folder of its own (a link or a file); remove it")
    if info.st_uid != os.geteuid():
        raise PlaceError(f"{place} belongs to user {info.st_uid}, not to you ({os.geteuid()}); remove it")
    if info.st_mode & 0o077:
        raise PlaceError(f"{place} may be entered by other users (mode {stat.S_IMODE(info.st_mode):o}, "
                         "expected 700); run chmod 700 on it")
    return place


def key() -> str:
    """This grader's identity as a short hash: the version, where its code and references are, the size and
    modification time of each of their .py and .j2 files, the Python (its environment and interpreter), and the
    GRADER_ settings."""
    import grader
    from grader.paths import reference_dir

    package = Path(grader.__file__).resolve().parent
    references = reference_dir().resolve()
    digest = hashlib.sha256()
    # The Python as its environment and interpreter, not as spelled: `grader` runs bin/python3, `python -m`
    # bin/python, a kernel either; all three are one Python and share one service.
    for part in (grader.__version__, str(package), str(references), sys.prefix, os.path.realpath(sys.executable)):
        digest.update(part.encode() + b"\0")
    for root in (package, references):
        for path in sorted(root.rglob("*")):
            if path.suffix in SOURCE_SUFFIXES:
                try:
                    info = path.stat()
                except OSError:  # removed meanwhile
                    continue
                digest.update(f"{path}\0{info.st_size}\0{info.st_mtime_ns}\0".encode())
    for name in sorted(os.environ):
        if name.startswith("GRADER_") and name not in NOT_IDENTITY:
            digest.update(f"{name}={os.environ[name]}\0".encode())
    return digest.hexdigest()[:KEY_CHARS]


def socket_path(place: Path, identity: str) -> Path:
    return place / f"grader-{identity}.sock"


def pid_path(place: Path, identity: str) -> Path:
    return place / f"grader-{identity}.pid"


def log_path(place: Path, identity: str) -> Path:
    return place / f"grader-{identity}.log"


def lock_path(place: Path, identity: str) -> Path:
    """Held by the client that starts the service, so two clients at once start one."""
    return place / f"grader-{identity}.lock"
