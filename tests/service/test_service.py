"""The grading service through real `grader check` processes: start, reuse, restart, failures, identities.

Every service here is a real detached process holding TensorFlow; the tests share them where they can
and wait for conditions with generous bounded polls, never on timings.
"""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.paths import reference_file
from grader.service import client

PATIENCE = 60.0  # bound of every poll: far longer than any condition takes on a busy machine
FAILED = re.compile(r"^grader: the grading service failed \(.+\); graded without it$", re.M)
SLEEPY = "import time\ntime.sleep(6)  # a try-out that sleeps: the job runs long enough to be interrupted\n"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """The environment of this module's checks: the service on, in a runtime folder of the module's own."""
    runtime = tmp_path_factory.mktemp("service-runtime")
    runtime.chmod(0o700)
    environment = {**os.environ, "XDG_RUNTIME_DIR": str(runtime), "GRADER_DAEMON": "on",
                   "GRADER_DAEMON_IDLE": "300"}
    yield environment
    if (runtime / "nn-grader").is_dir():
        client.stop_all(runtime / "nn-grader")


@pytest.fixture(scope="module")
def folder(env) -> Path:
    return Path(env["XDG_RUNTIME_DIR"]) / "nn-grader"


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("submission") / "iris_net.py"
    path.write_text(reference_file("iris_net").read_text())
    return path


@pytest.fixture(scope="module")
def buggy(tmp_path_factory) -> Path:
    """The bundled linear_hidden sample: the hidden layer has no activation."""
    path = tmp_path_factory.mktemp("buggy") / "iris_net.py"
    path.write_text((reference_file("iris_net").parents[1] / "samples" / "linear_hidden" / "iris_net.py").read_text())
    return path


@pytest.fixture(scope="module")
def in_process(buggy, env) -> dict:
    """The buggy sample's JSON report from a check graded in the calling process (--no-daemon)."""
    done = check(buggy, env, "--no-daemon", "--json", "-")
    assert done.returncode in (0, 1) and done.stderr == "", done.stderr
    report = json.loads(done.stdout)
    assert any(m["id"] == "linear-hidden-activation" for m in report["exercises"][0]["mistakes"])
    return {"code": done.returncode, "report": report}


def check(path: Path, env: dict, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", "check", *options, str(path)], env=env, cwd=path.parent,
                          capture_output=True, text=True, timeout=600)


def status(env: dict) -> dict | None:
    """What `grader service status` says: its pid, identity and jobs served, None when none runs."""
    done = subprocess.run([sys.executable, "-m", "grader", "service", "status"], env=env, capture_output=True,
                          text=True, timeout=120)
    if done.returncode == 1:
        assert "not running" in done.stdout
        return None
    assert done.returncode == 0, done.stderr
    found = re.search(r"running, pid (\d+), identity (\w+), up [\d.]+ s, (\d+) jobs? served, idle timeout ([\d.]+) s",
                      done.stdout)
    assert found, done.stdout
    return {"pid": int(found[1]), "identity": found[2], "jobs": int(found[3]), "idle": float(found[4])}


def hello(folder: Path, identity: str) -> dict:
    """The service's own greeting, read from its socket as a client does."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(PATIENCE)
        sock.connect(str(folder / f"grader-{identity}.sock"))
        return json.loads(sock.makefile("rb").readline())["hello"]


def wait_for(condition, what: str):
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"waited {PATIENCE:g} s for {what}")


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


def summary(report: dict) -> tuple:
    exercise = report["exercises"][0]
    return (report["submission"], exercise["score"], exercise["passed"],
            [(c["id"], c["points"]) for c in exercise["checks"]], sorted(m["id"] for m in exercise["mistakes"]))


def running(env: dict, reference: Path) -> dict:
    """This module's service, started by a check when none runs."""
    return status(env) or (check(reference, env).returncode == 0 and status(env))


def sleepy_check(env: dict, folder: Path, reference: Path, tmp_path: Path, serving: dict) -> subprocess.Popen:
    """A `grader check` of a slow submission (SLEEPY), running, once its job has reached the serving service."""
    sleepy = tmp_path / "iris_net.py"
    sleepy.write_text(SLEEPY + reference.read_text())
    process = subprocess.Popen([sys.executable, "-m", "grader", "check", "--json", "-", str(sleepy)], env=env,
                               cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for(lambda: hello(folder, serving["identity"])["waiting"] == 1, "the job to reach the service")
    return process


def test_the_first_check_starts_a_service_and_the_next_one_reuses_it(env, folder, reference, buggy, in_process):
    assert status(env) is None
    first = check(reference, env)
    assert first.returncode == 0, first.stderr
    assert "100/100 PASS" in first.stdout and first.stderr == ""
    started = status(env)
    assert started and started["jobs"] == 1 and started["idle"] == 300
    assert (folder / f"grader-{started['identity']}.sock").is_socket()
    assert (folder / f"grader-{started['identity']}.pid").read_text().strip() == str(started["pid"])
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    assert oct((folder / f"grader-{started['identity']}.sock").stat().st_mode & 0o777) == "0o600"

    second = check(buggy, env, "--json", "-")
    assert second.returncode == in_process["code"] and second.stderr == ""
    assert summary(json.loads(second.stdout)) == summary(in_process["report"])  # the verdict of grading in-process
    assert status(env) == {**started, "jobs": 2}


def test_two_checks_at_once_are_both_answered_by_the_one_service(env, reference, buggy, in_process):
    serving = running(env, reference)
    both = [subprocess.Popen([sys.executable, "-m", "grader", "check", "--json", "-", str(path)], env=env,
                             cwd=path.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for path in (buggy, buggy)]
    outputs = [process.communicate(timeout=600) for process in both]
    for process, (stdout, stderr) in zip(both, outputs):
        assert process.returncode == in_process["code"] and stderr == ""
        assert summary(json.loads(stdout)) == summary(in_process["report"])
    assert status(env) == {**serving, "jobs": serving["jobs"] + 2}


def test_the_grader_command_and_python_m_grader_share_one_service(env, reference):
    serving = running(env, reference)
    bin_folder = Path(sys.executable).parent
    for command in ([bin_folder / "grader"], [bin_folder / "python", "-m", "grader"]):  # bin/python3, bin/python
        done = subprocess.run([*map(str, command), "check", str(reference)], env=env, cwd=reference.parent,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0 and done.stderr == ""
    assert status(env) == {**serving, "jobs": serving["jobs"] + 2}


def test_a_killed_service_is_replaced_by_the_next_check(env, folder, reference):
    killed = running(env, reference)
    os.kill(killed["pid"], signal.SIGKILL)
    wait_for(lambda: not alive(killed["pid"]), "the killed service to end")
    assert (folder / f"grader-{killed['identity']}.sock").exists()  # left behind, nobody listens on it

    done = check(reference, env)
    assert done.returncode == 0 and "100/100 PASS" in done.stdout
    assert done.stderr == ""  # a stale socket is no failure: a new service answers
    new = status(env)
    assert new["pid"] != killed["pid"] and new["identity"] == killed["identity"] and new["jobs"] == 1


def test_a_service_killed_mid_job_costs_one_check_graded_in_process(env, folder, reference, tmp_path):
    serving = running(env, reference)
    process = sleepy_check(env, folder, reference, tmp_path, serving)
    os.kill(serving["pid"], signal.SIGKILL)
    stdout, stderr = process.communicate(timeout=600)

    assert process.returncode == 0
    assert len(FAILED.findall(stderr)) == 1 and stderr.count("\n") == 1, stderr
    assert "closed the connection mid-job" in stderr
    report = json.loads(stdout)
    assert report["submission"] == str(tmp_path / "iris_net.py") and report["exercises"][0]["score"] == 100
    assert not (folder / f"grader-{serving['identity']}.sock").exists()  # the client removed what it left


def test_a_hung_service_is_killed_and_the_check_graded_in_process(env, folder, reference, buggy, in_process):
    hung = running(env, reference)
    os.kill(hung["pid"], signal.SIGSTOP)
    try:
        done = check(buggy, {**env, "GRADER_DAEMON_PATIENCE": "3"}, "--json", "-")
    finally:
        if alive(hung["pid"]):  # the check killed it, else it would stay stopped
            os.kill(hung["pid"], signal.SIGCONT)
    assert done.returncode == in_process["code"]
    assert len(FAILED.findall(done.stderr)) == 1 and done.stderr.count("\n") == 1, done.stderr
    assert "no word from it for 3 s" in done.stderr
    assert summary(json.loads(done.stdout)) == summary(in_process["report"])
    wait_for(lambda: not alive(hung["pid"]), "the hung service to be killed")
    assert not (folder / f"grader-{hung['identity']}.sock").exists()


def test_a_listener_that_answers_garbage_is_killed_and_the_check_graded_in_process(env, folder, buggy, in_process):
    down = subprocess.run([sys.executable, "-m", "grader", "service", "stop"], env=env, capture_output=True, text=True)
    assert down.returncode == 0
    identity = re.search(r"identity (\w+)", subprocess.run([sys.executable, "-m", "grader", "service", "status"],
                                                            env=env, capture_output=True, text=True).stdout)[1]
    folder.mkdir(mode=0o700, exist_ok=True)
    garbage = ("import socket, sys, time\ns = socket.socket(socket.AF_UNIX)\ns.bind(sys.argv[1])\ns.listen()\n"
               "print('listening', flush=True)\nc, _ = s.accept()\nc.sendall(b'{not json\\n')\ntime.sleep(600)\n")
    impostor = subprocess.Popen([sys.executable, "-c", garbage, str(folder / f"grader-{identity}.sock")],
                                stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert impostor.stdout.readline() == "listening\n"
        done = check(buggy, env, "--json", "-")
        assert impostor.wait(timeout=PATIENCE) == -signal.SIGKILL  # the client ended it
    finally:
        impostor.kill()
        impostor.wait()
    assert done.returncode == in_process["code"]
    assert len(FAILED.findall(done.stderr)) == 1 and "it sent garbage" in done.stderr, done.stderr
    assert summary(json.loads(done.stdout)) == summary(in_process["report"])
    assert not (folder / f"grader-{identity}.sock").exists()


def test_a_service_of_other_settings_is_not_used_and_ends_after_its_quiet_period(env, folder, reference):
    serving = running(env, reference)
    other = {**env, "GRADER_SANDBOX": "process", "GRADER_DAEMON_IDLE": "10"}
    done = check(reference, other, "--json", "-")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["isolation"]["level"] == "process-limits"  # graded as those settings say
    assert done.stderr.startswith("sandbox: GRADER_SANDBOX=process;")  # the isolation notice, once
    assert done.stderr.count("\n") == 1
    theirs = status(other)
    assert theirs["pid"] != serving["pid"] and theirs["identity"] != serving["identity"]
    assert status(env) == serving  # the first one graded nothing of it

    wait_for(lambda: not alive(theirs["pid"]), "the quiet service to end itself")
    assert not (folder / f"grader-{theirs['identity']}.sock").exists()
    assert not (folder / f"grader-{theirs['identity']}.pid").exists()
    assert status(other) is None


def test_a_hostile_submission_leaves_the_service_healthy_for_the_next_check(env, reference, tmp_path):
    serving = running(env, reference)
    hostile = tmp_path / "iris_net.py"
    hostile.write_text("import os, signal\nopen('/tmp/left-behind', 'w').write('x')\n"
                       "os.kill(os.getppid(), signal.SIGKILL)\n" + reference.read_text())
    done = check(hostile, env, "--json", "-")
    assert done.returncode == 1 and done.stderr == ""
    assert json.loads(done.stdout)["exercises"][0]["score"] == 0  # its own points only

    after = check(reference, env, "--json", "-")
    assert after.returncode == 0 and json.loads(after.stdout)["exercises"][0]["score"] == 100
    assert status(env) == {**serving, "jobs": serving["jobs"] + 2}


def test_a_check_through_the_service_imports_no_tensorflow(env, reference):
    running(env, reference)
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "grader", "check", "--json", "-",
                           str(reference)], env=env, cwd=reference.parent, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0 and json.loads(done.stdout)["exercises"][0]["score"] == 100
    imported = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "grader.service.client" in imported
    assert not {name for name in imported if name.split(".")[0] in ("tensorflow", "keras")}


def test_a_sandbox_that_cannot_start_is_the_same_usage_error_through_the_service(env, reference):
    broken = {**env, "GRADER_SANDBOX": "sideways"}
    here = check(reference, broken, "--no-daemon")
    served = check(reference, broken)
    assert here.returncode == served.returncode == 2
    assert served.stderr == here.stderr == ("grader: error: GRADER_SANDBOX must be auto, bubblewrap or process, "
                                            "not 'sideways'\n")
    assert served.stdout == here.stdout == ""
    assert status(broken)["jobs"] == 1  # the service answered it


def test_check_help_documents_the_service_switches():
    done = subprocess.run([sys.executable, "-m", "grader", "check", "--help"], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "200"}, timeout=120)
    assert "--no-daemon" in done.stdout and "GRADER_DAEMON=on" in done.stdout and "grader service status" in done.stdout


def test_service_stop_ends_it_after_the_job_it_is_grading(env, folder, reference, tmp_path):
    serving = running(env, reference)
    process = sleepy_check(env, folder, reference, tmp_path, serving)
    done = subprocess.run([sys.executable, "-m", "grader", "service", "stop"], env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0 and done.stdout == f"grader service: stopped (pid {serving['pid']})\n"
    stdout, stderr = process.communicate(timeout=600)
    assert process.returncode == 0 and stderr == ""  # answered by the service before it ended
    assert json.loads(stdout)["exercises"][0]["score"] == 100
    assert not alive(serving["pid"]) and status(env) is None
    assert not (folder / f"grader-{serving['identity']}.sock").exists()
    assert not (folder / f"grader-{serving['identity']}.log").exists()  # a clean end leaves no log
