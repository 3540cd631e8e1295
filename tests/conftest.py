import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# The suite grades in-process unless a test asks for the grading service (tests/service/): a check that
# started a service would leave a process holding TensorFlow behind it. GRADER_DAEMON=on runs it through one.
os.environ.setdefault("GRADER_DAEMON", "off")

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

# No property may depend on how fast the machine is today: no per-example deadline, no "too slow".
settings.register_profile("any-machine", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("any-machine")


@pytest.fixture(scope="session", autouse=True)
def runtime_folder(tmp_path_factory):
    """A runtime folder of the session's own (XDG_RUNTIME_DIR) for the grading services its checks start,
    every one of them stopped at the end."""
    from grader.service import client

    folder = tmp_path_factory.mktemp("runtime")
    folder.chmod(0o700)
    saved = os.environ.get("XDG_RUNTIME_DIR")
    os.environ["XDG_RUNTIME_DIR"] = str(folder)
    yield folder
    if (folder / "nn-grader").is_dir():
        client.stop_all(folder / "nn-grader")
    if saved is None:
        os.environ.pop("XDG_RUNTIME_DIR", None)
    else:
        os.environ["XDG_RUNTIME_DIR"] = saved


@pytest.fixture(scope="module")
def warm():
    """One warm sandbox for a test module's gradings through the real sandboxed child."""
    from grader.sandbox.server import Sandbox

    with Sandbox() as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def grade_report(warm, tmp_path_factory):
    """grade_report(source, exercise="iris_net"): the full report of `source` graded as that exercise's
    file (an exercise name or spec) in the warm sandbox."""
    from grader.exercises import load
    from grader.grading import grade_path

    def grade(source: str, exercise="iris_net") -> dict:
        spec = load(exercise) if isinstance(exercise, str) else exercise
        path = tmp_path_factory.mktemp("submission") / f"{spec.name}.py"
        path.write_text(source)
        return grade_path(path, spec, warm)
    return grade
