"""Memory bombs: the allocation fails inside the sandbox and is reported as `memory-limit`."""
from tests.harness import reference_with
from tests.sandbox.conftest import PATIENT, error, errors, grade


def test_growing_memory_bomb_in_a_function(sandbox, tmp_path):
    bomb = "def split_data(X, y):\n    hoard = []\n    while True:\n        hoard.append(bytearray(100 * 1024**2))\n"
    exercise = grade(sandbox, tmp_path, reference_with(split_data=bomb), PATIENT)
    assert errors(exercise) == {"split_data": "memory-limit"}
    assert "MemoryError" in error(exercise, "split_data")["message"]
    assert exercise["score"] == 80  # the other functions are graded as usual


def test_huge_array_at_import(sandbox, tmp_path):
    exercise = grade(sandbox, tmp_path, "import numpy as np\nbig = np.ones((10**5, 10**5))\n")
    assert errors(exercise) == {"<module>": "memory-limit"}
