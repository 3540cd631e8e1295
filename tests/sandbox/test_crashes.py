"""Code that ends its own process, or the sandbox's: `crashed` (or `exception` for sys.exit)."""
import pytest

from tests.harness import reference_with
from tests.sandbox.conftest import error, errors, grade


@pytest.mark.parametrize("prelude, kind", [
    ("raise RuntimeError('boom at import')", "exception"),
    ("import sys; sys.exit(3)", "exception"),
    ("import os; os._exit(0)", "crashed"),
])
def test_failures_at_import_fail_every_function_once(sandbox, tmp_path, prelude, kind):
    exercise = grade(sandbox, tmp_path, prelude + "\n" + reference_with())
    assert exercise["score"] == 0
    assert errors(exercise) == {"<module>": kind}


@pytest.mark.parametrize("body, text", [
    ("import os\n    os._exit(1)", "status 1"),
    ("import ctypes\n    ctypes.string_at(0)", "segmentation fault"),
    ("import os\n    os.abort()", "SIGABRT"),
])
def test_a_crashing_function_costs_only_its_points(sandbox, tmp_path, body, text):
    source = reference_with(normalize=f"def normalize(X_train, X_test):\n    {body}\n")
    exercise = grade(sandbox, tmp_path, source)
    assert errors(exercise) == {"normalize": "crashed"}
    assert text in error(exercise, "normalize")["message"]
    assert exercise["score"] == 80


def test_killing_the_sandbox_server_fails_only_that_function(sandbox, tmp_path):
    killer = "def normalize(X_train, X_test):\n    import os, signal\n    os.kill(os.getppid(), signal.SIGKILL)\n" \
             "    import time\n    time.sleep(30)\n"
    exercise = grade(sandbox, tmp_path, reference_with(normalize=killer))
    isolation = sandbox.isolation
    # As a user of its own, or under Landlock's signal scope, the code cannot even reach the server.
    shielded = "user" in isolation.features or isolation.landlock_abi >= 6
    assert errors(exercise) == {"normalize": "exception" if shielded else "crashed"}
    assert exercise["score"] == 80
    # The sandbox restarted by itself: the next submission is graded normally.
    assert grade(sandbox, tmp_path, reference_with())["score"] == 100


KILL = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n"


def test_code_that_kills_the_sandbox_server_and_goes_on_gets_the_same_outcome_every_time(sandbox, tmp_path):
    # Its worker dies with the server, a little later on a busy machine than on an idle one: nothing it
    # did after the kill may count, or how far it got would be graded.
    quick = "def normalize(X_train, X_test):\n    " + KILL.replace("\n", "\n    ") + "return X_train, X_test\n"
    at_import = reference_with() + "\n" + KILL + "TRIED = [1]\n"
    isolation = sandbox.isolation
    if "user" in isolation.features or isolation.landlock_abi >= 6:
        pytest.skip("the code cannot reach the server here")
    for source, failed in ((reference_with(normalize=quick), "normalize"), (at_import, "<module>")):
        first, second = (grade(sandbox, tmp_path, source) for _ in range(2))
        assert errors(first) == {failed: "crashed"}
        assert "did the code kill its parent process?" in error(first, failed)["message"]
        assert first == second
    assert error(first, "<module>")["line"] == at_import.count("\n") - 1  # the kill's own line
    assert first["score"] == 100  # the functions were all defined before it
