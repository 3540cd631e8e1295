"""Which isolation the sandbox gets on this machine, and the bubblewrap command that provides it.

bubblewrap (Debian package `bubblewrap`) gives the child its own mount, PID, network,
IPC, UTS and user namespaces without a daemon: it sees a read-only system, the Python
installation, the two sandbox scripts and its scratch directory, and nothing else
(no project, no reference solutions, no home directory); it has no network at all.
Where bubblewrap is missing or cannot start, the child runs with process limits only,
and the report says so.
"""
from __future__ import annotations

import functools
import os
import shutil
import site
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

SANDBOX_SCRIPTS = ("zygote.py", "child.py", "wire.py")
SCRIPTS_DIR = "/runtime"  # where the sandbox scripts appear inside bubblewrap
SCRATCH_DIR = "/sandbox"  # where the scratch directory appears inside bubblewrap
SANDBOX_UID = 65534  # "nobody" inside the user namespace
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/localtime")
MODE_VARIABLE = "GRADER_SANDBOX"  # auto (default) | bubblewrap | process

COMMON = ("time limits", "memory limit", "output cap", "clean environment", "scratch directory removed afterwards")
FULL = COMMON + ("no network (not even loopback)", "read-only system; project, reference and other submissions invisible",
                 "writes only to its scratch directory", "own PID namespace: every process it starts dies with it")


class SandboxError(RuntimeError):
    """The sandbox itself cannot run here (never the student's fault)."""


@dataclass(frozen=True)
class Isolation:
    level: str  # "bubblewrap" or "process-limits"
    protections: tuple[str, ...]
    missing: str = ""  # why the full sandbox is not in use

    def as_report(self) -> dict:
        return {"level": self.level, "protections": list(self.protections)}

    def notice(self) -> str:
        """One plain sentence for the user when the full sandbox is not active."""
        if self.level == "bubblewrap":
            return ""
        return (f"sandbox: {self.missing}; student code runs with {', '.join(self.protections)} only. "
                "It can read your files and use the network. Install bubblewrap (apt-get install bubblewrap) "
                "for full isolation.")


@functools.cache
def detect() -> Isolation:
    """The best isolation this machine gives, honouring GRADER_SANDBOX."""
    mode = os.environ.get(MODE_VARIABLE, "auto")
    if mode not in ("auto", "bubblewrap", "process"):
        raise SandboxError(f"{MODE_VARIABLE} must be auto, bubblewrap or process, not {mode!r}")
    if mode == "process":
        return fallback(f"{MODE_VARIABLE}=process")
    problem = _bubblewrap_problem()
    if problem is None:
        processes = ("process limit",) if process_limit_enforceable(bubblewrap=True) else ()
        return Isolation("bubblewrap", FULL + processes)
    if mode == "bubblewrap":
        raise SandboxError(f"{MODE_VARIABLE}=bubblewrap but {problem}")
    return fallback(problem)


def fallback(reason: str) -> Isolation:
    """Process limits only, for the given reason."""
    processes = ("process limit",) if process_limit_enforceable(bubblewrap=False) else ()
    return Isolation("process-limits", COMMON + processes, reason)


def process_limit_enforceable(bubblewrap: bool) -> bool:
    """Root ignores RLIMIT_NPROC, so as root the limit needs a pids cgroup."""
    from grader.sandbox import cgroup

    if os.geteuid() != 0:
        return bubblewrap  # outside a user namespace the limit would count all the user's processes
    return cgroup.available()


def bubblewrap_command(scratch: Path) -> list[str]:
    """The bwrap argv prefix that runs a command in a fresh set of namespaces."""
    args = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID), "--hostname", "sandbox",
            "--tmpfs", "/tmp", "--proc", "/proc", "--dev", "/dev"]
    for path in SYSTEM_DIRS:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    for path in SYSTEM_FILES:
        args += ["--ro-bind-try", path, path]
    for root in python_roots():
        args += ["--ro-bind", root, root]
    for name in SANDBOX_SCRIPTS:
        args += ["--ro-bind", str(Path(__file__).with_name(name)), f"{SCRIPTS_DIR}/{name}"]
    args += ["--bind", str(scratch), SCRATCH_DIR, "--remount-ro", "/", "--chdir", SCRATCH_DIR, "--clearenv"]
    return args


def python_roots() -> list[str]:
    """The directories holding this Python and its packages (TensorFlow included), outermost first."""
    candidates = {sys.base_prefix, sys.prefix, sys.exec_prefix, *site.getsitepackages()}
    real = sorted({os.path.realpath(p) for p in candidates if os.path.isdir(p)})
    roots = [p for p in real if not any(p != q and p.startswith(q + os.sep) for q in real)]
    system = tuple(os.path.realpath(d) for d in SYSTEM_DIRS if os.path.isdir(d))
    roots = [p for p in roots if not p.startswith(system)]
    project = str(Path(__file__).resolve().parents[2])
    for root in roots:
        if project == root or project.startswith(root + os.sep):
            raise SandboxError(f"the Python environment {root} contains the grader's project folder, "
                                     "so the sandbox could not hide it; use a virtual environment outside it")
    return roots


def _bubblewrap_problem() -> str | None:
    """None when bubblewrap starts this Python in the sandbox here; else why not."""
    if sys.platform != "linux":
        return f"bubblewrap is not available on {sys.platform}"
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed"
    import tempfile

    with tempfile.TemporaryDirectory(prefix="grader-probe-") as scratch:
        try:
            probe = subprocess.run(bubblewrap_command(Path(scratch)) + [sys.executable, "-I", "-c", ""],
                                   capture_output=True, timeout=30)
        except SandboxError as exc:
            return str(exc)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"bubblewrap could not start ({exc})"
    if probe.returncode != 0:
        detail = probe.stderr.decode(errors="replace").strip().splitlines()
        return f"bubblewrap could not start here ({detail[-1] if detail else f'status {probe.returncode}'})"
    return None
