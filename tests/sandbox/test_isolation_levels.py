"""Which protections are active is decided once, said once, and recorded in every report."""
import json
import os
import subprocess
import sys

from grader.sandbox.isolation import detect, fallback
from tests.harness import REFERENCE, ROOT
from tests.sandbox.conftest import full_sandbox_required, grade


def test_full_sandbox_is_active_where_required():
    if full_sandbox_required():
        assert detect().level == "bubblewrap", detect().missing
    assert detect().level in ("bubblewrap", "process-limits")


def test_report_records_the_isolation_level(sandbox, tmp_path):
    from grader.exercises import load
    from grader.grading import grade_path

    path = tmp_path / "iris_net.py"
    path.write_text("def output_activation(task):\n    return 'softmax'\n")
    report = grade_path(path, load("iris_net"), sandbox)
    assert report["isolation"] == sandbox.isolation.as_report()
    assert report["isolation"]["level"] in ("bubblewrap", "process-limits")


def run_cli(tmp_path, *args, **env):
    environment = {**os.environ, **env}
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=tmp_path, env=environment,
                          capture_output=True, text=True, timeout=300)


def test_fallback_is_said_once_and_recorded(tmp_path):
    for folder in ("alice", "bob"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "iris_net.py").write_text("def output_activation(task):\n    return 'sigmoid'\n")
    result = run_cli(tmp_path, "check", "alice", "bob", GRADER_SANDBOX="process")
    assert result.returncode == 1, result.stderr
    assert result.stderr.count("sandbox: GRADER_SANDBOX=process") == 1
    isolation = fallback("GRADER_SANDBOX=process")
    assert isolation.notice() in result.stderr
    for folder in ("alice", "bob"):
        report = json.loads((tmp_path / "reports" / f"{folder}-iris_net.json").read_text())
        assert report["isolation"] == isolation.as_report()
        assert "no network (not even loopback)" not in report["isolation"]["protections"]


def test_asking_for_bubblewrap_where_it_is_missing_is_a_clear_error(tmp_path):
    result = run_cli(tmp_path, "check", str(REFERENCE / "iris_net.py"), GRADER_SANDBOX="bubblewrap", PATH="/nonexistent")
    assert result.returncode == 2
    assert "grader: error: GRADER_SANDBOX=bubblewrap but bubblewrap (bwrap) is not installed" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unknown_sandbox_mode_is_a_clear_error(tmp_path):
    result = run_cli(tmp_path, "check", str(REFERENCE / "iris_net.py"), GRADER_SANDBOX="docker")
    assert result.returncode == 2 and "GRADER_SANDBOX must be auto, bubblewrap or process" in result.stderr


def alive(pid: int) -> bool:
    """Still running: exited processes may linger a moment as zombies until init reaps them."""
    try:
        return "zombie" not in open(f"/proc/{pid}/status").read()
    except FileNotFoundError:
        return False


def test_closing_the_sandbox_removes_its_scratch_and_processes(tmp_path):
    from grader.sandbox.server import Sandbox
    from tests.sandbox.conftest import descendants

    with Sandbox(preload=False) as sandbox:
        grade(sandbox, tmp_path, "import time\ntime.sleep(0)\n")
        scratch, pid = sandbox.scratch, sandbox.pid
        below = descendants(pid)  # bwrap's init and the zygote, or none when the zygote is the outer process
        assert scratch.is_dir() and len(below) == {"bubblewrap": 2, "process-limits": 0}[sandbox.isolation.level]
    assert not scratch.exists()
    assert not [child for child in below if alive(child)]
    assert not alive(pid)
    assert ROOT.is_dir()
