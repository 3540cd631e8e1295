"""The same submission gets the same report every way it can be graded: through the warm grading
service (`grader check` with GRADER_DAEMON=on), through a cold `grader check --no-daemon` and through
`grader bulk`, for the reference, a buggy sample, a hostile submission, a notebook, and another
exercise's reference graded after them by the same service.

The whole JSON reports are compared: every field, the check, mistake and error lists, score, passed,
messages, notes, the captured output, the details the HTML charts are drawn from. Only one field
legitimately differs, and it is set aside (and checked on its own):

- "submission": the file as the grading names it. `grader check` (in-process or through the service)
  names it as typed (`exercises/iris_net.py`); `grader bulk` as `<student>/<path in their folder>`.

Nothing else is set aside: "graded_at" is the same everywhere because every process (the service too:
it inherits the environment of the check that starts it) runs with the same SOURCE_DATE_EPOCH, and a
report holds no timings (the seconds a grading took are in the bulk answer, not in the report) and no
path of a bulk job's temporary folder.

A hostile submission graded through the service first (it tries the service's socket in the runtime
folder, fills /tmp, kills its parent processes, prints markup and escape sequences, and returns a
network with a mistake) leaves it healthy: the same service (same pid) then grades an innocent
submission exactly as a fresh service with no attacker before it does.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from grader.authoring.notebooks import dumps, notebook_from_source
from tests.bulk.conftest import gradebook_rows
from tests.harness import REFERENCE, ROOT

pytestmark = pytest.mark.slow

GRADER = [sys.executable, "-m", "grader"]
FIXED_TIME = "1767225600"  # SOURCE_DATE_EPOCH: 2026-01-01, the grading time in every report
BUGGY = (ROOT / "samples" / "linear_hidden" / "iris_net.py").read_text()


def hostile(runtime: Path) -> str:
    """The lesson's solution with a linear hidden layer, which at import prints a forged verdict and, after
    every definition, attacks: the grading service's sockets (this test's runtime folder and the usual
    places), /tmp filled up, then every parent process it can see killed, nearest first."""
    solution = (REFERENCE / "iris_net.py").read_text()
    attack = f'''
import glob as _glob
import os as _os
import signal as _signal
import socket as _socket
import time as _time

print("<script>alert('graded')</script><b>iris_net 100/100 PASS</b> \\x1b[2J\\x1b[H\\x1b[1;32mall passed\\x1b[0m"
      "\\x1b]0;pwned\\x07 <img src=https://evil.example/x.png>", flush=True)


def _attack():
    for path in (_glob.glob({str(runtime)!r} + "/nn-grader/*.sock") + _glob.glob("/tmp/nn-grader-*/*.sock")
                 + _glob.glob("/run/user/*/nn-grader/*.sock")):
        try:
            client = _socket.socket(_socket.AF_UNIX)
            client.connect(path)
            client.sendall(b'{{"stop": true}}\\n')
        except OSError:
            pass
    for number in range(1024):
        try:
            with open(f"/tmp/fill-{{number}}", "wb") as stream:
                stream.write(b"x" * (1 << 20))
        except OSError:
            break
    pid = _os.getppid()
    while pid > 1:
        try:
            with open(f"/proc/{{pid}}/stat") as stat:
                parent = int(stat.read().rpartition(")")[2].split()[1])
            _os.kill(pid, _signal.SIGKILL)
        except (OSError, ValueError):
            break
        pid = parent
    _time.sleep(30)  # the sandbox ends it long before
'''
    source = solution.replace("import keras\n", "import keras\n" + attack, 1)
    source = source.replace('keras.layers.Dense(16, activation="relu")', 'keras.layers.Dense(16, activation="linear")')
    assert "_attack" in source and 'Dense(16, activation="linear")' in source
    return source + "\n\n_attack()\n"


def submissions(runtime: Path) -> dict[str, tuple[str, str]]:
    """name -> (file name, content)."""
    return {
        "reference": ("iris_net.py", (REFERENCE / "iris_net.py").read_text()),
        "buggy": ("iris_net.py", BUGGY),
        "hostile": ("iris_net.py", hostile(runtime)),
        "notebook": ("iris_net.ipynb", dumps(notebook_from_source(BUGGY, "iris_net"))),
        # Another exercise, graded after the others by the same service (its history must not show).
        "pass_fail": ("pass_fail.py", (REFERENCE / "pass_fail.py").read_text()),
    }


def environment(runtime: Path, service: bool) -> dict[str, str]:
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "SOURCE_DATE_EPOCH": FIXED_TIME,
            "XDG_RUNTIME_DIR": str(runtime), "GRADER_DAEMON": "on" if service else "off",
            "GRADER_DAEMON_IDLE": "300"}


def check(folder: Path, filename: str, env: dict[str, str], *options: str) -> dict[str, Any]:
    """The JSON report of `grader check` on exercises/<filename> in folder; stderr must not say the service failed."""
    run = subprocess.run([*GRADER, "check", *options, "--json", "-", f"exercises/{filename}"], cwd=folder, env=env,
                         capture_output=True, text=True, timeout=900)
    assert run.returncode in (0, 1), run.stderr[-3000:]
    assert "service failed" not in run.stderr and "Traceback" not in run.stderr, run.stderr[-3000:]
    return json.loads(run.stdout)


def status(runtime: Path) -> dict[str, Any] | None:
    """The service of this runtime folder as it describes itself (asked from here, with the checks' settings)."""
    from grader.service import client

    with pytest.MonkeyPatch.context() as patch:
        for name, value in environment(runtime, True).items():
            if name.startswith(("GRADER_", "XDG_")):
                patch.setenv(name, value)
        return client.status()


def short_folder() -> Path:
    """A runtime folder with a short path: a socket's path has at most 107 bytes."""
    return Path(tempfile.mkdtemp(prefix="nn-", dir="/tmp"))


def differences(a: Any, b: Any, path: str = "") -> list[str]:
    """Where two reports differ, as paths into them, with both values."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [found for key in sorted(set(a) | set(b), key=str)
                for found in (differences(a[key], b[key], f"{path}/{key}") if key in a and key in b
                              else [f"{path}/{key}: only in {'the first' if key in a else 'the second'}"])]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [found for i, (x, y) in enumerate(zip(a, b)) for found in differences(x, y, f"{path}[{i}]")]
    return [] if a == b and type(a) is type(b) else [f"{path}: {a!r:.200} != {b!r:.200}"]


def comparable(report: dict[str, Any]) -> dict[str, Any]:
    """The report without the one field that legitimately differs between ways of grading (see the top)."""
    return {key: value for key, value in report.items() if key != "submission"}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Every submission graded every way: {"cold"|"service"|"bulk": {name: report}}, plus what the service did."""
    base = tmp_path_factory.mktemp("verdict")
    runtime, fresh_runtime = short_folder(), short_folder()
    chosen = submissions(runtime)
    for name, (filename, content) in chosen.items():
        for kind in ("check", "class"):
            (base / kind / name / "exercises").mkdir(parents=True)
            (base / kind / name / "exercises" / filename).write_text(content)
    results: dict[str, Any] = {"cold": {}, "service": {}, "bulk": {}, "statuses": [],
                               "files": {name: filename for name, (filename, _) in chosen.items()}}
    try:
        for name, (filename, _) in chosen.items():
            results["cold"][name] = check(base / "check" / name, filename, environment(runtime, False), "--no-daemon")
        run = subprocess.run([*GRADER, "bulk", str(base / "class"), "--out", str(base / "out"), "-j", "1"],
                             env=environment(runtime, False), capture_output=True, text=True, timeout=1800)
        assert run.returncode == 0, run.stderr[-3000:]
        results["bulk"] = {row["student"]: row["report"] for row in gradebook_rows(base / "out")}
        # Through one service: the attacker first, then the others, each as the next check.
        for name in ["hostile", "reference", "buggy", "notebook", "pass_fail"]:
            results["service"][name] = check(base / "check" / name, chosen[name][0], environment(runtime, True))
            results["statuses"].append(status(runtime))
        # The innocent's report from a fresh service that never saw the attacker.
        results["fresh"] = check(base / "check" / "reference", "iris_net.py", environment(fresh_runtime, True))
        results["fresh status"] = status(fresh_runtime)
        yield results
    finally:
        from grader.service import client

        for folder in (runtime, fresh_runtime):
            client.stop_all(folder / "nn-grader")
            shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("name", ["reference", "buggy", "hostile", "notebook", "pass_fail"])
def test_the_service_a_cold_check_and_bulk_give_the_same_report(graded, name):
    cold, service, bulk = graded["cold"][name], graded["service"][name], graded["bulk"][name]
    filename = graded["files"][name]
    assert cold["submission"] == service["submission"] == f"exercises/{filename}"
    assert bulk["submission"] == f"{name}/exercises/{filename}"
    assert not differences(comparable(cold), comparable(service)), differences(comparable(cold), comparable(service))
    assert not differences(comparable(cold), comparable(bulk)), differences(comparable(cold), comparable(bulk))
    assert cold["graded_at"] == "2026-01-01T00:00:00+00:00"


def test_each_submission_is_graded_for_what_it_is(graded):
    """What the comparisons compare is real: full marks, the sample's errors, the attacker's own losses only."""
    reports = {name: report["exercises"][0] for name, report in graded["cold"].items()}
    assert reports["reference"]["score"] == 100 and reports["pass_fail"]["score"] == reports["pass_fail"]["max_score"]
    for name in ("buggy", "notebook"):
        assert any(m["severity"] == "error" for m in reports[name]["mistakes"]), name
        assert not reports[name].get("grader_error")
    assert reports["notebook"]["cells"] and all(m.get("cell") for m in reports["notebook"]["mistakes"] if m.get("line"))
    attacker = reports["hostile"]
    assert not attacker.get("grader_error")
    assert "linear-hidden-activation" in {m["id"] for m in attacker["mistakes"]}
    assert "<script>" in attacker["output"] and "\x1b[2J" in attacker["output"]  # kept as data, shown escaped
    assert {e["function"] for e in attacker["errors"]} == {"<module>"}  # its attack at import cost no function
    assert all(check["passed"] for check in attacker["checks"] if check["function"] != "build_model")


def test_a_hostile_submission_leaves_the_service_healthy_for_the_next_check(graded):
    after_attack, after_innocent = graded["statuses"][0], graded["statuses"][1]
    assert after_attack is not None and after_attack["jobs_served"] == 1
    assert after_innocent["pid"] == after_attack["pid"] and after_innocent["jobs_served"] == 2
    assert graded["fresh status"]["pid"] != after_attack["pid"] and graded["fresh status"]["jobs_served"] == 1
    innocent, fresh = graded["service"]["reference"], graded["fresh"]
    assert innocent == fresh, differences(innocent, fresh)
