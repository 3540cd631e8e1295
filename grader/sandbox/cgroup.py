"""A pids cgroup that caps how many processes and threads one sandbox may run.

Needed only when the grader runs as root: the kernel does not apply RLIMIT_NPROC to
root's processes, even inside a user namespace. Works with cgroup v1 (a `pids`
hierarchy) and v2 (the `pids` controller enabled at the root); elsewhere the limit is
reported as not enforced.
"""
from __future__ import annotations

import os
import secrets
import signal
import time
from pathlib import Path

V1 = Path("/sys/fs/cgroup/pids")
V2 = Path("/sys/fs/cgroup")
PREFIX = "grader-"  # then the grader's pid and a random part: a reused pid never meets an old name


def _parent() -> Path | None:
    if os.geteuid() != 0:
        return None
    if (V1 / "cgroup.procs").exists() and os.access(V1, os.W_OK):
        return V1
    controllers = V2 / "cgroup.subtree_control"
    if controllers.exists() and "pids" in controllers.read_text().split() and os.access(V2, os.W_OK):
        return V2
    return None


def available() -> bool:
    return _parent() is not None


class PidsCgroup:
    """One cgroup per sandbox; processes join it before exec and it is removed with them."""

    def __init__(self, max_tasks: int):
        parent = _parent()
        if parent is None:
            raise OSError("no writable pids cgroup")
        remove_orphans(parent)
        self.path = parent / f"{PREFIX}{os.getpid()}-{secrets.token_hex(8)}"
        self.path.mkdir()
        self.set_max(max_tasks)

    def set_max(self, max_tasks: int) -> None:
        (self.path / "pids.max").write_text(str(max_tasks))

    def join(self) -> None:
        """Move the calling process in (called in the child between fork and exec)."""
        with open(self.path / "cgroup.procs", "w") as procs:
            procs.write(str(os.getpid()))

    def remove(self) -> None:
        _remove(self.path)


def remove_orphans(parent: Path) -> None:
    """Remove the cgroups of sandboxes whose grader process is gone (killed before it could remove
    them), with whatever still runs in them: only sandboxed processes ever join one."""
    for path in parent.glob(f"{PREFIX}*"):
        owner = path.name[len(PREFIX):].split("-", 1)[0]
        if owner.isdigit() and not _alive(int(owner)):
            _remove(path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def _remove(path: Path) -> None:
    """Kill every process in the cgroup and remove it (another grader may be removing it too)."""
    for _ in range(50):
        try:
            pids = [int(p) for p in (path / "cgroup.procs").read_text().split()]
        except FileNotFoundError:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            path.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.02)
