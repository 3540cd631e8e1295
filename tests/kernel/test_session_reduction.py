"""What grader.check() takes of a session: a real IPython shell (in a process of its own) runs the inputs, and the
notebook built of its history keeps the latest version of each definition it holds, every other line commented
out in place. And what it says when it cannot tell the exercise or has nothing to grade."""
from __future__ import annotations

import json
import subprocess
import sys

RUN = """
import json, sys
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance(history_length=0)
inputs, then, needed = json.load(sys.stdin)
for source in inputs:
    shell.run_cell(source, store_history=True)
from grader.kernel.history import kernel_inputs
from grader.kernel.reduce import reduce_inputs
import grader
out = {"cells": reduce_inputs(kernel_inputs(shell), shell.user_ns, needed).cells}
if then:
    out["said"] = str(shell.run_cell(then, store_history=True).result)
print(json.dumps(out))
"""


def _session(inputs: list[str], then: str = "", tmp_path=None, needed: list[str] | None = None) -> dict:
    done = subprocess.run([sys.executable, "-c", RUN], input=json.dumps([inputs, then, needed]), capture_output=True,
                          text=True, timeout=300, env=_environment(tmp_path))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def _environment(tmp_path) -> dict:
    import os

    return {**os.environ, "IPYTHONDIR": str(tmp_path)} if tmp_path else dict(os.environ)


def test_the_latest_definition_of_each_name_held_now_is_kept_in_place(tmp_path):
    inputs = [
        "import math\nimport no_such_module_here",  # the second import failed: its name is not bound
        "EPOCHS = 10\nBATCH_SIZE = 8",
        "EPOCHS += 5\nBATCH_SIZE = 16\nprint(EPOCHS)",  # builds on EPOCHS = 10; BATCH_SIZE = 8 is replaced
        "config = {}\nconfig['units'] = [n for n in range(3)]\nunits = config['units'] + missing",  # NameError
        "import functools\n@functools.cache\ndef f(x):\n    return x\nf(2)",
        "HIDDEN = get_ipython().user_ns['EPOCHS']",  # reads a name no kept statement binds: dropped
        "def g(:\n    pass",  # does not parse
        "def h():\n    return 1\nh = 1 / 0\ndef k():\n    return 2",  # raised at line 3: k never ran
        "import grader as g2\ng2.check('iris_net')\nfrom grader import check as c\nc()",
        "from math import *\nroot = sqrt(EPOCHS)",  # the names a star import binds are not known: all count
    ]
    cells = dict(map(tuple, _session(inputs, tmp_path=tmp_path)["cells"]))
    assert cells == {
        "In [1]": "import math\n# (not checked) import no_such_module_here",
        "In [2]": "EPOCHS = 10\n# (not checked) BATCH_SIZE = 8",
        "In [3]": "EPOCHS += 5\nBATCH_SIZE = 16\n# (not checked) print(EPOCHS)",
        "In [4]": "config = {}\nconfig['units'] = [n for n in range(3)]\n"
                  "# (not checked) units = config['units'] + missing",
        "In [5]": "import functools\n@functools.cache\ndef f(x):\n    return x\n# (not checked) f(2)",
        "In [8]": "def h():\n    return 1\n# (not checked) h = 1 / 0\n# (not checked) def k():\n"
                  "# (not checked)     return 2",
        "In [10]": "from math import *\nroot = sqrt(EPOCHS)",
    }  # In [9] only imports the grader and checks


def test_only_the_assignments_the_graded_names_need_are_kept(tmp_path):
    inputs = [
        "import math\nHIDDEN = 16\nSCALE = 2\nUNUSED = 3",
        "def build_model(n_features, n_classes):\n    return [HIDDEN * n_features, math.pi]",
        "WIDTH = SCALE * 4\nEPOCHS = WIDTH + 1",  # EPOCHS is graded: WIDTH, and so SCALE, are needed
        "model = build_model(4, 3)\nhistory = [model, UNUSED]",  # a try-out: not run again on every check
    ]
    cells = dict(map(tuple, _session(inputs, tmp_path=tmp_path, needed=["build_model", "EPOCHS"])["cells"]))
    assert cells == {
        "In [1]": "import math\nHIDDEN = 16\nSCALE = 2\n# (not checked) UNUSED = 3",
        "In [2]": "def build_model(n_features, n_classes):\n    return [HIDDEN * n_features, math.pi]",
        "In [3]": "WIDTH = SCALE * 4\nEPOCHS = WIDTH + 1",
    }


def test_an_exercise_that_cannot_be_told_is_named_with_an_example(tmp_path):
    inputs = ["def normalize(X_train, X_test):\n    return X_train, X_test",
              "def build_model(n_features, n_classes):\n    return None"]
    said = _session(inputs, "import grader\ngrader.check()", tmp_path)["said"]
    assert said.startswith("grader.check() cannot tell which exercise to check")
    assert "graded in fruit, iris_net and pass_fail alike" in said and 'grader.check("fruit")' in said


def test_an_unknown_exercise_name_gets_the_nearest_one(tmp_path):
    said = _session(["x = 1"], "import grader\ngrader.check('iris')", tmp_path)["said"]
    assert "unknown exercise 'iris' (did you mean iris_net?)" in said


def test_a_session_with_nothing_defined_has_nothing_to_grade(tmp_path):
    said = _session(["print(1)"], "import grader\ngrader.check('iris_net')", tmp_path)["said"]
    assert "nothing to grade yet" in said and "Run the cells that define your functions" in said
