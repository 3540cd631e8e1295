"""Floods of output: kept up to the cap, the rest dropped and the student told."""
from tests.harness import reference_with
from tests.sandbox.conftest import FAST, error, grade


def test_hundreds_of_megabytes_on_stdout_and_stderr(sandbox, tmp_path):
    flood = ("import os, sys\n\ndef split_data(X, y):\n    chunk = 'x' * 2**20\n"
             "    for _ in range(150):\n        sys.stdout.write(chunk)\n        os.write(2, chunk.encode())\n"
             "    return reference_split(X, y)\n")
    source = reference_with().replace("def split_data(", "def reference_split(") + "\n" + flood
    exercise = grade(sandbox, tmp_path, source)
    assert exercise["score"] == 100  # printing is allowed; only the kept output is capped
    assert exercise["output_truncated"] and len(exercise["output"]) <= FAST.output_bytes
    assert any("printed more than" in note for note in exercise["notes"])


def test_flooding_the_result_channel(sandbox, tmp_path):
    """Garbage written to every open descriptor (the result pipe among them) stops that call only."""
    source = ("import os\n\ndef split_data(X, y):\n    junk = b'{' * 2**20\n    for fd in range(3, 64):\n"
              "        try:\n            for _ in range(100):\n                os.write(fd, junk)\n"
              "        except OSError:\n            pass\n")
    failure = error(grade(sandbox, tmp_path, source), "split_data")
    assert failure["kind"] == "invalid-return" and "more data" in failure["message"]
