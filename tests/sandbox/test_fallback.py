"""Where bubblewrap cannot start: the process-limits fallback, run as root and as an ordinary user.

A hostile submission tries what a classmate tried on the old fallback: import the grader's own
reference solution (through the grader package, or by its path), read the grader's environment
(secrets included) from /proc, rewrite grader code the same run imports later, reach the network,
signal the grader's processes. Each report must then say precisely what was and was not protected:
every attempt that succeeded is named in `unprotected`, and with every feature this machine allows
none succeeds. Hardened both as root (a user of the sandbox's own) and as an ordinary user
(Landlock, namespaces), each configuration is also tried with features taken away, as on a machine
that lacks them (a container without namespaces, a kernel without Landlock).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sysconfig
import tempfile
from pathlib import Path

import pytest

from grader.sandbox.isolation import fallback
from grader.sandbox.server import Sandbox
from tests.harness import REFERENCE, ROOT, reference_with
from tests.sandbox.conftest import grade

SECRET = "grader-secret-4f1c9a"  # in the grader's environment, as a CI token would be
TARGET = ROOT / "grader" / "render" / "terminal.py"  # grader code the same run imports again

ATTEMPTS = """
import json, os, signal, socket, sys
found = {}
try:
    sys.path.insert(0, PROJECT)
    sys.modules.pop("grader", None)  # past the sandbox's do-nothing stand-in, to the package if it can be read
    import grader.paths
    found["reference"] = "def split_data" in grader.paths.reference_file("iris_net").read_text()
except BaseException:
    found["reference"] = False
try:
    found["reference"] = found["reference"] or "def split_data" in open(REFERENCE).read()
except OSError:
    pass
secrets = []
try:
    for entry in os.listdir("/proc"):
        try:
            if SECRET.encode() in open(f"/proc/{entry}/environ", "rb").read():
                secrets.append(entry)
        except OSError:
            pass
except OSError:
    pass
found["environment"] = bool(secrets)
try:
    with open(TARGET, "a") as handle:
        handle.write("")  # opened for writing is enough: nothing is changed
    found["grader code"] = True
except OSError:
    found["grader code"] = False
try:
    socket.create_connection(("127.0.0.1", PORT), timeout=2).close()
    found["network"] = True
except OSError:
    found["network"] = False
try:
    os.kill(os.getppid(), 0)  # signal 0: only asks whether a signal would be delivered
    found["signals"] = True
except OSError:
    found["signals"] = False
print("FOUND", json.dumps(found))
"""

# What each attempt needs protected, as the report states it.
UNPROTECTED_WHEN_FOUND = {"reference": "read", "environment": "other processes", "grader code": "change",
                          "network": "network", "signals": "other processes"}


def attempts(port: int) -> str:
    return (ATTEMPTS.replace("PROJECT", repr(str(ROOT))).replace("REFERENCE", repr(str(REFERENCE / "iris_net.py")))
            .replace("SECRET", repr(SECRET)).replace("TARGET", repr(str(TARGET))).replace("PORT", str(port)))


def found_in(exercise: dict) -> dict[str, bool]:
    line = next(line for line in exercise["output"].splitlines() if line.startswith("FOUND "))
    return json.loads(line[len("FOUND "):])


def assert_stated(found: dict[str, bool], isolation: dict) -> None:
    """Every attempt that worked is named among what is not protected; with nothing unprotected, none worked."""
    unprotected = " ".join(isolation["unprotected"])
    for attempt, worked in found.items():
        if worked:
            assert UNPROTECTED_WHEN_FOUND[attempt] in unprotected, (attempt, isolation)
    if not isolation["unprotected"]:
        assert not any(found.values()), found


ROOT_CONFIGURATIONS = {
    "all this machine allows": None,
    "without namespaces (a container)": ("user", "landlock"),
    "without Landlock (an older kernel)": ("namespaces", "user"),
    "Landlock only": ("landlock",),
    "nothing": (),
}


@pytest.fixture
def secret_environment(monkeypatch):
    monkeypatch.setenv("GRADER_TEST_SECRET", SECRET)


@pytest.mark.skipif(os.geteuid() != 0, reason="the root configurations need root")
@pytest.mark.parametrize("configuration", list(ROOT_CONFIGURATIONS))
def test_as_root_the_report_says_exactly_what_was_protected(configuration, tmp_path, guard, secret_environment):
    features = ROOT_CONFIGURATIONS[configuration]
    try:
        isolation = fallback("forced by the test", features)
    except ValueError as exc:
        pytest.skip(str(exc))
    if features is not None and not works_here(isolation):
        pytest.skip(f"{configuration} cannot confine a worker on this machine")
    with Sandbox(isolation) as sandbox:
        exercise = grade(sandbox, tmp_path, attempts(guard.port) + reference_with())
    assert exercise["score"] == 100, exercise["errors"]
    found = found_in(exercise)
    assert_stated(found, isolation.as_report())
    if features is None:  # everything this machine allows: as root here, that is everything
        assert isolation.unprotected == () and not any(found.values()), (found, isolation)
    guard.connections.clear()  # a connection that the report states as possible is not a failure here


def works_here(isolation) -> bool:
    """Whether a worker can be confined with exactly these features here (e.g. another user cannot run a
    Python installed in root's private home unless namespaces show it the installation)."""
    from grader.sandbox import isolation as levels
    from grader.sandbox import users

    with users.probe_uid() as uid, tempfile.TemporaryDirectory() as scratch:
        os.chmod(scratch, 0o711)
        tried = levels.probe("process-limits", [isolation.features], isolation.landlock_abi or 0, uid, scratch)
    return bool(tried) and tried[0].get("ok", False)


def ordinary_python(tmp_path: Path) -> list[str] | None:
    """A Python an ordinary user (nobody) can run, with this grader and its packages: a venv of the
    system's Python 3.11 whose .pth adds this environment's site-packages and the project."""
    system = shutil.which("python3.11", path="/usr/bin:/bin")
    if system is None or shutil.which("setpriv") is None:
        return None
    venv = tmp_path / "venv"
    subprocess.run([system, "-m", "venv", "--without-pip", str(venv)], check=True)
    packages = next(venv.glob("lib/python3.*/site-packages"))
    (packages / "grader.pth").write_text(f"{ROOT}\n{sysconfig.get_paths()['purelib']}\n")
    command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", str(venv / "bin" / "python")]
    probe = subprocess.run([*command, "-c", "import grader, numpy, tensorflow"], capture_output=True, timeout=120,
                           env={"PATH": "/usr/bin:/bin", "TF_CPP_MIN_LOG_LEVEL": "3"})
    return command if probe.returncode == 0 else None


@pytest.fixture
def shared_folder():
    """A folder the ordinary user can reach (pytest's own are private to root), and a way through the
    folders of this project that tox makes private (.tox) to the packages it installed there."""
    folder = Path(tempfile.mkdtemp(prefix="tmp-grader-user-"))
    os.chmod(folder, 0o777)
    opened = []
    packages = Path(sysconfig.get_paths()["purelib"])
    for parent in [packages, *packages.parents]:
        if parent == ROOT or not parent.is_relative_to(ROOT):
            break
        mode = parent.stat().st_mode
        if not mode & 0o001:
            os.chmod(parent, mode | 0o011)  # pass through, never list
            opened.append((parent, mode))
    yield folder
    for parent, mode in opened:
        os.chmod(parent, mode)
    shutil.rmtree(folder, ignore_errors=True)


def test_as_an_ordinary_user_the_report_says_exactly_what_was_protected(shared_folder, guard):
    """`grader check` run by user nobody: first the attacker, then an innocent student in the same
    sandbox, whose report must be what it is without the attacker."""
    tmp_path = shared_folder
    command = ordinary_python(tmp_path)
    if command is None:
        pytest.skip("no Python that an ordinary user can run here (the system's python3.11 and setpriv)")
    for student, source in (("alice", attempts(guard.port) + reference_with()), ("bob", reference_with())):
        (tmp_path / student).mkdir()
        (tmp_path / student / "iris_net.py").write_text(source)
    subprocess.run(["chown", "-R", "65534:65534", str(tmp_path)], check=True)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "TMPDIR": str(tmp_path), "GRADER_SANDBOX": "process",
           "TF_CPP_MIN_LOG_LEVEL": "3",
           "GRADER_TEST_SECRET": SECRET, "SOURCE_DATE_EPOCH": "1767225600"}

    def check(*students: str) -> subprocess.CompletedProcess:
        return subprocess.run([*command, "-m", "grader", "check", *students], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=600)

    both = check("alice", "bob")
    assert both.returncode == 0, both.stderr[-3000:]
    alice = json.loads((tmp_path / "reports" / "alice-iris_net.json").read_text())
    bob_after = (tmp_path / "reports" / "bob-iris_net.json").read_text()
    alone = check("bob")
    assert alone.returncode == 0, alone.stderr[-3000:]
    assert (tmp_path / "reports" / "bob-iris_net.json").read_text() == bob_after
    assert alice["isolation"]["level"] == "process-limits"
    found = found_in(alice["exercises"][0])
    assert_stated(found, alice["isolation"])
    assert not found["grader code"] and not found["reference"], (found, alice["isolation"])
    guard.connections.clear()
