import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

# No property may depend on how fast the machine is today: no per-example deadline, no "too slow".
settings.register_profile("any-machine", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("any-machine")


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
