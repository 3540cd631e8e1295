"""Two users on one machine never share a grading service: root's and nobody's (uid 65534), real processes.

The project's Python lives under /root, which nobody cannot enter, so nobody runs the grader from a
virtual environment of its own made from the system's Python of the same version, seeing the same
installed packages.
"""
from __future__ import annotations

import json
import os
import shutil
import site
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import grader
from grader.paths import reference_file
from grader.service import client

NOBODY = 65534
SYSTEM_PYTHON = Path(f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}")


@pytest.fixture(scope="module")
def nobody():
    """(python, work folder, environment, identity) for running the grader as nobody, its service stopped
    afterwards."""
    if os.geteuid() != 0 or not SYSTEM_PYTHON.exists():
        pytest.skip("needs root (to run a check as another user) and the system's Python of this version")
    base = Path(tempfile.mkdtemp(prefix="grader-nobody-", dir="/tmp"))
    base.chmod(0o755)
    subprocess.run([str(SYSTEM_PYTHON), "-m", "venv", "--without-pip", str(base / "venv")], check=True)
    packages = next(Path(p) for p in site.getsitepackages() if p.endswith("site-packages"))
    opened = _open_to_nobody(packages)
    ours = next((base / "venv" / "lib").glob("python*/site-packages"))
    project = Path(grader.__file__).resolve().parents[1]  # as the suite imports it, whatever kind of install
    (ours / "project.pth").write_text(f"{project}\nimport site; site.addsitedir({str(packages)!r})\n")
    work = base / "work"
    work.mkdir()
    (work / "iris_net.py").write_text(reference_file("iris_net").read_text())
    os.chown(work, NOBODY, NOBODY)
    os.chown(work / "iris_net.py", NOBODY, NOBODY)
    env = {key: value for key, value in os.environ.items() if key != "XDG_RUNTIME_DIR"}
    env.update(HOME=str(work), GRADER_DAEMON="on", GRADER_DAEMON_IDLE="120")
    python = base / "venv" / "bin" / "python"
    key = as_nobody([str(python), "-c", "from grader.service import place; print(place.key())"], work, env)
    assert key.returncode == 0, key.stderr
    yield python, work, env, key.stdout.strip()  # the identity of nobody's service (not one an earlier run left)
    as_nobody([str(python), "-m", "grader", "service", "stop"], work, env)
    shutil.rmtree(base)
    for folder, mode in opened:
        folder.chmod(mode)


def _open_to_nobody(packages: Path) -> list[tuple[Path, int]]:
    """Let nobody pass through (not list) the folders above packages that are inside this project (tox keeps its
    environments in a .tox folder only root may enter); the (folder, mode) to restore. Skip when a folder outside
    the project keeps nobody out."""
    project = Path(grader.__file__).resolve().parents[1]
    opened = []
    for folder in reversed(packages.resolve().parents):
        mode = folder.stat().st_mode & 0o7777
        if mode & 0o001:
            continue
        if not folder.is_relative_to(project):
            pytest.skip(f"{folder} keeps other users out of the installed packages")
        folder.chmod(mode | 0o001)
        opened.append((folder, mode))
    return opened


@pytest.fixture(scope="module")
def root_service(tmp_path_factory):
    """Root's own service, in its own runtime folder: (its status, its socket)."""
    runtime = tmp_path_factory.mktemp("root-runtime")
    runtime.chmod(0o700)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime), "GRADER_DAEMON": "on", "GRADER_DAEMON_IDLE": "120"}
    path = tmp_path_factory.mktemp("root-submission") / "iris_net.py"
    path.write_text(reference_file("iris_net").read_text())
    done = subprocess.run([sys.executable, "-m", "grader", "check", "--json", "-", str(path)], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    sockets = list((runtime / "nn-grader").glob("grader-*.sock"))
    assert len(sockets) == 1
    yield sockets[0]
    client.stop_all(runtime / "nn-grader")


def as_nobody(command: list[str], cwd: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, env=env, user=NOBODY, group=NOBODY, extra_groups=[],
                          capture_output=True, text=True, timeout=600)


def owner(pid: int) -> int:
    line = next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("Uid:"))
    return int(line.split()[1])


def test_another_user_gets_a_service_of_their_own_in_their_own_folder(nobody, root_service):
    python, work, env, identity = nobody
    done = as_nobody([str(python), "-m", "grader", "check", "--json", "-", "iris_net.py"], work, env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["exercises"][0]["score"] == 100 and done.stderr == ""

    folder = Path(f"/tmp/nn-grader-{NOBODY}")  # no XDG_RUNTIME_DIR: the fallback folder
    info = folder.stat()
    assert info.st_uid == NOBODY and info.st_mode & 0o777 == 0o700
    pid_file = folder / f"grader-{identity}.pid"
    theirs = int(pid_file.read_text())
    ours = int(root_service.with_suffix(".pid").read_text())
    assert theirs != ours and owner(theirs) == NOBODY and owner(ours) == 0


def test_another_user_cannot_reach_a_service_that_is_not_theirs(nobody, root_service):
    python, work, env, identity = nobody
    probe = "import socket, sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])"
    done = as_nobody([str(python), "-c", probe, str(root_service)], work, env)
    assert done.returncode != 0 and "PermissionError" in done.stderr  # the private folder keeps nobody out

    # Root passes any folder's permissions; nobody's service itself refuses it (SO_PEERCRED): no hello, closed.
    as_nobody([str(python), "-m", "grader", "check", "--json", "-", "iris_net.py"], work, env)  # it runs
    their_socket = Path(f"/tmp/nn-grader-{NOBODY}") / f"grader-{identity}.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(60)
        sock.connect(str(their_socket))
        assert sock.recv(1024) == b""
