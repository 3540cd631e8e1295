"""Students graded one after another in the same warm sandbox cannot reach each other.

Each test grades an innocent student, then a hostile one, then the innocent again in the same
sandbox, and compares the innocent's two reports (with a fixed grading time): whatever the attacker
left or broke must not change a single byte. The innocent is curious: besides the lesson's own
solution it prints everything a job could leave for a later one (the folders around its own, /tmp,
/dev/shm, /dev, System V IPC objects and the keys the attacker used), so its output shows a leak.
Every isolation that claims jobs are kept apart is tried: bubblewrap with fresh namespaces per job,
bubblewrap with the leftovers swept (where nested namespaces are not allowed), and the
process-limits fallback with what this machine allows.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from grader.sandbox.isolation import FRESH, SWEPT, bubblewrap, detect, fallback
from grader.sandbox.server import Sandbox
from tests.harness import reference_with
from tests.sandbox.conftest import error, full_sandbox_required, grade

LEFTOVERS = """
import ctypes, os, tempfile
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
here = os.getcwd()
planted = []
for folder in {here, os.path.dirname(here), os.environ.get("HOME", here), "/tmp", "/var/tmp", "/dev/shm", "/dev",
               "/sandbox", tempfile.gettempdir()}:
    try:
        with open(os.path.join(folder, "planted"), "w") as handle:
            handle.write("from an earlier student")
        planted.append(folder)
    except OSError:
        pass
for n in range(40):  # the folders later jobs might be given
    for folder in (os.path.dirname(here), "/sandbox"):
        try:
            os.makedirs(os.path.join(folder, f"job-{n}"))
        except OSError:
            pass
segment = libc.shmget(0x4242, SIZE, 0o1666)  # IPC_CREAT | rw for all
if segment >= 0:
    address = libc.shmat(segment, None, 0)
    if address not in (None, 2**64 - 1):
        ctypes.memset(address, 7, SIZE)  # really allocated, outside the address-space limit once detached
queue = libc.msgget(0x4243, 0o1666)
if queue >= 0:
    message = ctypes.create_string_buffer(b"\\x01\\0\\0\\0\\0\\0\\0\\0from an earlier student")
    libc.msgsnd(queue, message, 23, 0)
libc.semget(0x4244, 1, 0o1666)
print("planted:", planted, "System V:", segment >= 0, queue >= 0)
"""

CURIOUS = """
import ctypes, os, tempfile
libc = ctypes.CDLL(None, use_errno=True)
here = os.getcwd()  # a new name for every job: its own name is left out below
seen = {}
places = {"here": here, "parent": os.path.dirname(here), "home": os.environ.get("HOME", here), "tmp": "/tmp",
          "var-tmp": "/var/tmp", "shm": "/dev/shm", "dev": "/dev", "sandbox": "/sandbox", "tempdir": tempfile.gettempdir()}
for place, folder in places.items():
    try:
        seen[place] = sorted(name for name in os.listdir(folder) if name not in (os.path.basename(here), "__pycache__"))
    except OSError as exc:
        seen[place] = type(exc).__name__
for kind in ("shm", "msg", "sem"):
    try:
        seen[kind] = open(f"/proc/sysvipc/{kind}").read().splitlines()[1:]
    except OSError as exc:
        seen[kind] = type(exc).__name__
seen["keys"] = [libc.shmget(0x4242, 0, 0) >= 0, libc.msgget(0x4243, 0) >= 0, libc.semget(0x4244, 0, 0) >= 0]
print("seen:", seen)
"""

ISOLATIONS = {"bubblewrap": lambda: bubblewrap(fresh=True), "bubblewrap-swept": lambda: bubblewrap(fresh=False),
              "process-limits": lambda: fallback("forced by the test")}


@pytest.fixture(scope="module", params=list(ISOLATIONS))
def warm(request) -> Sandbox:
    """One warm sandbox per isolation that keeps jobs apart, shared by this module's tests."""
    if request.param.startswith("bubblewrap") and detect().level != "bubblewrap" and not full_sandbox_required():
        pytest.skip("bubblewrap is not available here: " + detect().missing)
    isolation = ISOLATIONS[request.param]()
    if FRESH not in isolation.protections and SWEPT not in isolation.protections:
        pytest.skip(f"{request.param} here does not claim to keep jobs apart: {isolation.unprotected}")
    with Sandbox(isolation) as sandbox:
        yield sandbox


@pytest.fixture(autouse=True)
def fixed_time(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # reports of the same grading are then byte-identical


def graded_twice_around(sandbox: Sandbox, tmp_path: Path, attacker: str, innocent: str) -> tuple[str, str, dict]:
    """The innocent's report before and after the attacker's grading (as JSON), and the attacker's."""
    (tmp_path / "before").mkdir()
    (tmp_path / "attacker").mkdir()
    (tmp_path / "after").mkdir()
    before = grade(sandbox, tmp_path / "before", innocent)
    hostile = grade(sandbox, tmp_path / "attacker", attacker)
    after = grade(sandbox, tmp_path / "after", innocent)
    return json.dumps(before, sort_keys=True), json.dumps(after, sort_keys=True), hostile


def test_nothing_a_job_leaves_is_seen_by_the_next(warm, tmp_path):
    attacker = LEFTOVERS.replace("SIZE", str(16 << 20)) + reference_with()
    before, after, hostile = graded_twice_around(warm, tmp_path, attacker, CURIOUS + reference_with())
    assert "planted: [" in hostile["output"] and "planted: []" not in hostile["output"], hostile["output"]
    assert "System V: True True" in hostile["output"], hostile["output"]
    assert hostile["score"] == 100  # what it did costs it nothing here: it only tried to reach others
    assert after == before
    assert "'keys': [False, False, False]" in json.loads(after)["output"]


def shared_memory_bytes() -> int:
    """System V and tmpfs memory in use on this machine (Shmem in /proc/meminfo)."""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("Shmem:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no Shmem line in /proc/meminfo")


def test_shared_memory_does_not_outlive_the_job(warm, tmp_path):
    size = 512 << 20
    start = shared_memory_bytes()
    hostile = grade(warm, tmp_path, LEFTOVERS.replace("SIZE", str(size)) + reference_with())
    assert "System V: True" in hostile["output"], hostile["output"]
    deadline = time.monotonic() + 30  # namespaces are freed by the kernel a moment after their last process
    while shared_memory_bytes() > start + size // 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert shared_memory_bytes() < start + size // 2, "the job's 512 MB of System V memory survived it"


DEEP = 3000
BROKEN_STREAMS = {
    # A value nested deeper than the grader's JSON reader goes: encoded by the child's own wire code.
    "deep value": "def split_data(X, y):\n    value = 1\n    for _ in range(470):\n        value = (value,)\n    return value\n",
    # The worker's event pipe (descriptor 3) written directly: nesting, garbage, a line that never ends.
    "deep event": f"def split_data(X, y):\n    import os\n    os.write(3, b'{{\"event\": \"result\", \"id\": \"x\", \"v\": '"
                  f" + b'[' * {DEEP} + b']' * {DEEP} + b'}}\\n')\n    return None\n",
    "garbage": "def split_data(X, y):\n    import os\n    os.write(3, b'\\xff\\xfe not json at all\\n' * 100)\n    return None\n",
    "endless line": "def split_data(X, y):\n    import os\n    while True:\n        os.write(3, b'[' * 65536)\n",
    "forged events": "def split_data(X, y):\n    import os\n    os.write(3, b'{\"event\": \"result\", \"id\": \"build_model#4x3\", "
                     "\"ok\": true, \"value\": {\"t\": \"py\", \"v\": 1}}\\n{\"event\": \"imported\"}\\n[1, 2]\\n\"s\"\\n')\n"
                     "    return None\n",
}


@pytest.mark.parametrize("attack", list(BROKEN_STREAMS))
def test_a_broken_event_stream_costs_only_its_own_job(warm, tmp_path, attack):
    attacker = reference_with(split_data=BROKEN_STREAMS[attack])
    before, after, hostile = graded_twice_around(warm, tmp_path, attacker, reference_with())
    assert after == before
    assert "grader_error" not in hostile
    assert error(hostile, "split_data")["kind"] in ("invalid-return", "exception")
    assert hostile["score"] == 80, hostile  # every other function graded as usual



DEEP_TREE = """
import os
for top in (os.getcwd(), "/tmp"):
    try:
        os.chdir(top)
        for _ in range(3000):  # beyond PATH_MAX: only a removal relative to each folder reaches the bottom
            os.mkdir("d")
            os.chdir("d")
        open("planted", "w").write("from an earlier student")
        for _ in range(3000):  # read-only on the way back up
            os.chmod(".", 0o500)
            os.chdir("..")
    except OSError:
        pass  # /tmp may not be writable here
os.chdir(os.path.dirname(os.path.abspath(__file__)))
"""


@pytest.fixture(scope="module", params=["bubblewrap-swept", "process-limits-landlock"])
def removing(request) -> Sandbox:
    """Sandboxes in which the zygote removes what a job left in its own folder (no fresh namespaces)."""
    if request.param.startswith("bubblewrap") and detect().level != "bubblewrap" and not full_sandbox_required():
        pytest.skip("bubblewrap is not available here: " + detect().missing)
    isolation = bubblewrap(fresh=False) if request.param.startswith("bubblewrap") else fallback("test", ("landlock",))
    if request.param.endswith("landlock") and not isolation.landlock_abi:
        pytest.skip("Landlock is not available here")
    with Sandbox(isolation) as sandbox:
        yield sandbox


def test_a_tree_of_any_depth_is_removed_before_the_next_job(removing, tmp_path):
    for folder in ("before", "attacker", "after"):
        (tmp_path / folder).mkdir()
    before = grade(removing, tmp_path / "before", CURIOUS + reference_with())
    pid = removing.pid
    hostile = grade(removing, tmp_path / "attacker", DEEP_TREE + reference_with())
    after = grade(removing, tmp_path / "after", CURIOUS + reference_with())
    assert hostile["score"] == 100 and "grader_error" not in hostile
    assert json.dumps(after, sort_keys=True) == json.dumps(before, sort_keys=True)
    assert removing.pid == pid  # the zygote removed the tree and lived on: no restart made the next job forget it
