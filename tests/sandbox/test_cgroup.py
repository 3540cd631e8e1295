"""The pids cgroups of sandboxes (as root): a grader killed before it removed its own leaves them
behind; the next grader removes them with whatever still runs there, and a reused pid never meets
an old name (a later `grader bulk` failed with FileExistsError)."""
import os
import subprocess

import pytest

from grader.sandbox import cgroup

pytestmark = pytest.mark.skipif(not cgroup.available(), reason="needs root and a writable pids cgroup")


def _parent():
    return cgroup.V1 if (cgroup.V1 / "cgroup.procs").exists() else cgroup.V2


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_a_killed_graders_cgroups_are_removed_with_their_processes_by_the_next_one():
    parent = _parent()
    stale = parent / f"{cgroup.PREFIX}{_dead_pid()}-0"
    stale.mkdir()
    sleeper = subprocess.Popen(["sleep", "600"])
    (stale / "cgroup.procs").write_text(str(sleeper.pid))  # a sandboxed process the killed grader left running
    mine = parent / f"{cgroup.PREFIX}{os.getpid()}-kept"  # a live grader's: not touched
    mine.mkdir()
    try:
        group = cgroup.PidsCgroup(16)
        assert not stale.exists() and sleeper.wait(timeout=30) == -9
        assert mine.exists()
        group.remove()
        assert not group.path.exists()
    finally:
        sleeper.kill()
        for path in (stale, mine):
            if path.exists():
                path.rmdir()


def test_a_graders_cgroups_never_share_a_name():
    groups = [cgroup.PidsCgroup(16) for _ in range(3)]
    try:
        assert len({g.path for g in groups}) == 3
        assert all(g.path.name.startswith(f"{cgroup.PREFIX}{os.getpid()}-") for g in groups)
    finally:
        for g in groups:
            g.remove()
