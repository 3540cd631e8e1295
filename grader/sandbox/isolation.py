"""Which isolation the sandbox gets on this machine, and what it does and does not protect.

bubblewrap (Debian package `bubblewrap`) gives the zygote its own mount, PID, network, IPC, UTS and
user namespaces without a daemon: it sees a read-only system, the Python installation and the
sandbox scripts, and nothing else (no project, no reference solutions, no home directory); it has no
network at all. Inside it, every job's worker also gets fresh user, mount and IPC namespaces of its
own (confine.py), so nothing one job writes (files, /tmp, /dev/shm, System V IPC) outlives it.

Where bubblewrap is missing or cannot start, the child runs with process limits, hardened with what
the machine allows, each feature tried by a probe (`confine.py --probe`) exactly as a worker applies
it: a user of the sandbox's own when the grader runs as root ("user"), fresh mount, IPC and network
namespaces per job with the home folders, /tmp and the project hidden ("namespaces"), and Landlock
("landlock": the job reads only the system and the Python installation, writes only its own
folder, opens no TCP connection, signals nothing outside). The report lists what is protected and,
as precisely, what is not.
"""
from __future__ import annotations

import functools
import json
import os
import shutil
import site
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

SANDBOX_SCRIPTS = ("zygote.py", "child.py", "wire.py", "confine.py", "protocol.py", "removal.py")
SCRIPTS_DIR = "/runtime"  # where the sandbox scripts appear inside bubblewrap
SCRATCH_DIR = "/sandbox"  # inside bubblewrap: the jobs' folders (a fresh private one per job)
SANDBOX_UID = 65534  # "nobody" inside the user namespace
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/localtime")
MODE_VARIABLE = "GRADER_SANDBOX"  # auto (default) | bubblewrap | process
CONFINE = Path(__file__).with_name("confine.py")
PROJECT = Path(__file__).resolve().parents[2]

COMMON = ("time limits", "memory limit", "output cap", "clean environment",
          "a new folder of its own for every job, removed afterwards")
FULL = COMMON + ("no network (not even loopback)", "read-only system; project, reference and other submissions invisible",
                 "writes only to its own folders", "own PID namespace: every process it starts dies with it")
FRESH = "fresh /tmp, /dev/shm and System V IPC for every job: nothing one job writes is visible to a later one"
SWEPT = "everything a job leaves (files in /tmp, /dev/shm and the like, System V IPC) is removed before the next job"


class SandboxError(RuntimeError):
    """The sandbox itself cannot run here (never the student's fault)."""


@dataclass(frozen=True)
class Isolation:
    level: str  # "bubblewrap" or "process-limits"
    protections: tuple[str, ...]
    missing: str = ""  # why the full sandbox is not in use
    unprotected: tuple[str, ...] = ()
    features: tuple[str, ...] = ()  # what each worker applies (confine.py): namespaces, user, landlock
    landlock_abi: int = 0

    def as_report(self) -> dict:
        return {"level": self.level, "protections": list(self.protections), "unprotected": list(self.unprotected)}

    def notice(self) -> str:
        """One plain sentence for the user when the full sandbox is not active."""
        if self.level == "bubblewrap":
            return ""
        missing = f" Not protected: {'; '.join(self.unprotected)}." if self.unprotected else ""
        return (f"sandbox: {self.missing}; student code runs with {', '.join(self.protections)} only.{missing} "
                "Install bubblewrap (apt-get install bubblewrap) for full isolation.")

    def confine_config(self, uid: int | None = None) -> dict:
        """The settings every worker of a sandbox with this isolation confines itself with (confine.py)."""
        return _confine_config(self.level, self.features, self.landlock_abi, uid)


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
        return bubblewrap(fresh=_bubblewrap_namespaces())
    if mode == "bubblewrap":
        raise SandboxError(f"{MODE_VARIABLE}=bubblewrap but {problem}")
    return fallback(problem)


def bubblewrap(fresh: bool = True) -> Isolation:
    """The full sandbox; fresh: every job in namespaces of its own (else its leftovers are removed)."""
    processes = ("process limit",) if process_limit_enforceable(bubblewrap=True) else ()
    return Isolation("bubblewrap", FULL + (FRESH if fresh else SWEPT,) + processes,
                     features=("namespaces",) if fresh else ())


def fallback(reason: str, features: tuple[str, ...] | None = None) -> Isolation:
    """Process limits only, for the given reason, hardened with `features` (default: all that work here)."""
    abi = _landlock_abi()
    if features is None:
        features = _working_features(abi)
    unknown = set(features) - {"namespaces", "user", "landlock"}
    if unknown:
        raise ValueError(f"unknown sandbox features {sorted(unknown)}")
    if "landlock" not in features:
        abi = 0
    protections, unprotected = _statement(features, abi)
    return Isolation("process-limits", protections, reason, unprotected, tuple(features), abi)


def needs_private_reference(features: tuple[str, ...]) -> bool:
    """Whether only file permissions keep the sandbox's own user from the reference solutions."""
    return "user" in features and not {"namespaces", "landlock"} & set(features)


def make_reference_private() -> None:
    """reference/ readable by its owner only (the grader), or SandboxError: the sandbox's own user
    must not read the solutions where neither namespaces nor Landlock hide them."""
    from grader.paths import reference_dir

    folder = reference_dir()
    try:
        info = folder.stat()
        if info.st_mode & 0o077:
            folder.chmod(info.st_mode & 0o700)
    except OSError as exc:
        raise SandboxError(f"cannot make {folder} private to its owner, which the sandbox needs here: {exc}") from None


def _statement(features: tuple[str, ...], abi: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What the fallback with these features protects, and what it does not, in the user's terms."""
    user, namespaces, landlocked = "user" in features, "namespaces" in features, abi > 0
    protections, unprotected = list(COMMON), []
    if needs_private_reference(features):
        protections.append("the reference solutions made readable by their owner (the grader) only")
    if process_limit_enforceable(bubblewrap=False) or user:
        protections.append("process limit")
    if user:
        protections += ["runs as a user of its own, not as root: cannot read root's files, signal or trace "
                        "the grader, or keep a process running after the job"]
    else:
        unprotected.append("runs as your own user" + (" (root, without capabilities)" if os.geteuid() == 0 else ""))
    if namespaces:
        protections += ["no network", FRESH, "home folders, /tmp and the grader's project hidden"]
        if user:
            protections.append("other users' processes invisible in /proc")
    if landlocked:
        protections.append("Landlock: reads only the system and the Python installation, writes only its own folders")
        if abi >= 4:
            protections.append("Landlock: no TCP connections")
        if abi >= 6:
            protections.append("Landlock: cannot signal or reach processes outside its own")
    else:
        readable = "files readable by every user" if user else "every file your user can read"
        unprotected.append(readable + ("" if not namespaces else ", outside the hidden folders"))
        if not user:
            unprotected.append("every file your user can change, the grader's own included")
    if not namespaces:
        if not landlocked or abi < 4:
            unprotected.append("the network")
        else:
            unprotected.append("UDP and local sockets (only TCP is blocked)")
        if user:
            protections.append(SWEPT)
        else:
            unprotected.append("System V IPC and /dev/shm, shared with your other processes")
    if not user and not (landlocked and abi >= 6):
        unprotected.append("your other processes: it can signal them and read their details in /proc")
    return tuple(protections), tuple(unprotected)


def _confine_config(level: str, features: tuple[str, ...], abi: int, uid: int | None) -> dict:
    roots = python_roots(check_project=level == "bubblewrap")
    if level == "bubblewrap":
        return {"mode": "bubblewrap", "namespaces": "namespaces" in features,
                "hide": ["/tmp", "/dev/shm", SCRATCH_DIR], "keep": roots}
    config = {"mode": "process", "namespaces": "namespaces" in features, "landlock": abi,
              "uid": uid if "user" in features else None, "keep": roots,
              "read": [*SYSTEM_DIRS, *SYSTEM_FILES, *roots]}
    if "namespaces" in features:
        config["hide"] = sorted({"/tmp", "/var/tmp", "/dev/shm", "/root", "/home", "/run/user", str(Path.home()),
                                 tempfile.gettempdir(), str(PROJECT)})
    return config


@functools.cache
def _landlock_abi() -> int:
    if sys.platform != "linux":
        return 0
    from grader.sandbox import confine

    return confine.landlock_abi()


def _working_features(abi: int) -> tuple[str, ...]:
    """The most the fallback can apply here: the first combination a probe confines a worker with."""
    if sys.platform != "linux":
        return ()
    root = os.geteuid() == 0
    options = [("namespaces", "user", "landlock"), ("namespaces", "user"), ("user", "landlock"), ("user",),
               ("namespaces", "landlock"), ("namespaces",), ("landlock",)]
    candidates = [c for c in options if (root or "user" not in c) and (abi or "landlock" not in c)]
    if not candidates:
        return ()
    from grader.sandbox import users

    with users.probe_uid() as uid, tempfile.TemporaryDirectory(prefix="grader-probe-") as scratch:
        os.chmod(scratch, 0o711)
        tried = probe("process-limits", candidates, abi, uid, scratch)
    return next((c for c, answer in zip(candidates, tried) if answer.get("ok")), ())


def probe(level: str, candidates: list[tuple[str, ...]], abi: int, uid: int | None, root: str,
          prefix: list[str] | None = None) -> list[dict]:
    """Try to confine a worker with each candidate set of features, in order, until one works;
    one answer per candidate tried ({"ok": bool, "why": str})."""
    script = f"{SCRIPTS_DIR}/confine.py" if prefix else str(CONFINE)
    arguments = {"root": root, "candidates": [_confine_config(level, c, abi, uid) for c in candidates]}
    try:
        done = subprocess.run([*(prefix or []), sys.executable, "-I", script, "--probe", json.dumps(arguments)],
                              capture_output=True, text=True, timeout=60, cwd=None if prefix else root,
                              env=clean_env())
        return json.loads(done.stdout)["tried"]
    except (OSError, ValueError, KeyError, subprocess.TimeoutExpired):
        return []


def clean_env() -> dict[str, str]:
    """The environment student code (and the probe standing for it) sees: nothing inherited from the grader's."""
    return {
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",  # a worker that crashes keeps what it printed
        "PYTHONHASHSEED": "0",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "CUDA_VISIBLE_DEVICES": "-1",
        "KERAS_BACKEND": "tensorflow",
        "TF_NUM_INTEROP_THREADS": "1",
        "TF_NUM_INTRAOP_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
    }


def _bubblewrap_namespaces() -> bool:
    """Whether workers inside bubblewrap can have namespaces of their own (nested user namespaces)."""
    tried = probe("bubblewrap", [("namespaces",)], 0, None, SCRATCH_DIR, bubblewrap_command())
    return bool(tried) and bool(tried[0].get("ok"))


def process_limit_enforceable(bubblewrap: bool) -> bool:
    """Root ignores RLIMIT_NPROC, so as root the limit needs a pids cgroup."""
    from grader.sandbox import cgroup

    if os.geteuid() != 0:
        return bubblewrap  # outside a user namespace the limit would count all the user's processes
    return cgroup.available()


def bubblewrap_command() -> list[str]:
    """The bwrap argv prefix that runs a command in a fresh set of namespaces: it may write only to
    its own tmpfs folders (/tmp and /sandbox, where the jobs' folders go)."""
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
    args += ["--tmpfs", SCRATCH_DIR, "--remount-ro", "/", "--chdir", SCRATCH_DIR, "--clearenv"]
    return args


def python_roots(check_project: bool = True) -> list[str]:
    """The directories holding this Python and its packages (TensorFlow included), outermost first:
    its prefixes, its site-packages, and the folders .pth files add to sys.path, less the project."""
    project = str(PROJECT)
    added = {p for p in sys.path if p and os.path.isabs(p) and os.path.isdir(p) and _packages(os.path.realpath(p))}
    candidates = {sys.base_prefix, sys.prefix, sys.exec_prefix, *site.getsitepackages(), *added}
    real = sorted({os.path.realpath(p) for p in candidates if os.path.isdir(p)})
    roots = [p for p in real if not any(p != q and p.startswith(q + os.sep) for q in real)]
    system = tuple(os.path.realpath(d) for d in SYSTEM_DIRS if os.path.isdir(d))
    roots = [p for p in roots if not p.startswith(system)]
    for root in roots if check_project else ():
        if _inside(project, root):
            raise SandboxError(f"the Python environment {root} contains the grader's project folder, "
                               "so the sandbox could not hide it; use a virtual environment outside it")
    return roots


def _packages(path: str) -> bool:
    """A folder on sys.path that holds installed packages, not the project's own code (its root, tests/)."""
    if _inside(str(PROJECT), path):
        return False
    return not _inside(path, str(PROJECT)) or bool({"site-packages", "dist-packages"} & set(Path(path).parts))


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _bubblewrap_problem() -> str | None:
    """None when bubblewrap starts this Python in the sandbox here; else why not."""
    if sys.platform != "linux":
        return f"bubblewrap is not available on {sys.platform}"
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed"
    try:
        probe = subprocess.run(bubblewrap_command() + [sys.executable, "-I", "-c", ""], capture_output=True, timeout=30)
    except SandboxError as exc:
        return str(exc)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap could not start ({exc})"
    if probe.returncode != 0:
        detail = probe.stderr.decode(errors="replace").strip().splitlines()
        return f"bubblewrap could not start here ({detail[-1] if detail else f'status {probe.returncode}'})"
    return None
