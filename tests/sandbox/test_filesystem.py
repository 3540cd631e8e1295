"""The sandbox sees no project files (no reference solution to copy) and can write only to its scratch."""
import ast
from pathlib import Path

from tests.harness import ROOT, reference_with
from tests.sandbox.conftest import PATIENT, error, grade, requires_bubblewrap

pytestmark = requires_bubblewrap


def test_the_grader_package_is_not_importable(bubblewrap, tmp_path):
    # `import grader` gives the sandbox's do-nothing stand-in (for a notebook's check cells): no package behind it.
    source = ("def split_data(X, y):\n    import grader.paths, os\n"
              "    return open(os.path.join(os.path.dirname(grader.paths.__file__), '..', 'reference', 'iris_net.py')).read()\n")
    failure = error(grade(bubblewrap, tmp_path, source), "split_data")
    assert failure["kind"] == "exception" and "No module named 'grader.paths'" in failure["message"]


def test_searching_for_the_reference_finds_nothing(bubblewrap, tmp_path):
    search = f'''
import os
found = []
for known in [{str(ROOT / "reference" / "iris_net.py")!r}, {str(ROOT / "reports")!r}, {str(Path.home())!r} + "/.bash_history"]:
    found += [known] if os.path.exists(known) else []
folder = os.getcwd()
while folder != "/":  # the working directory's parents
    folder = os.path.dirname(folder)
    found += [os.path.join(folder, name) for name in os.listdir(folder) if name in ("reference", "grader", "reports")]
for top, dirs, files in os.walk("/"):  # the whole visible file system
    dirs[:] = [d for d in dirs if os.path.join(top, d) not in ("/proc", "/sys", "/dev")]
    for name in files:
        path = os.path.join(top, name)
        if name == "iris_net.py" and path != os.path.abspath(__file__):
            found.append(path)
print("found:", found)
'''
    # Walking the whole visible file system at import takes seconds on a busy machine: give it time.
    exercise = grade(bubblewrap, tmp_path, search + reference_with(), PATIENT)
    assert exercise["score"] == 100
    assert "found: []" in exercise["output"], exercise["output"]


def test_writes_outside_the_scratch_folder_fail(bubblewrap, tmp_path):
    targets = [ROOT / "reports" / "pwned", ROOT / "reference" / "iris_net.py", ROOT / "grader" / "pwned",
               Path.home() / "pwned", tmp_path / "pwned", Path("/usr/pwned"), Path("/etc/pwned")]
    writer = f'''
import os
written = []
for target in {[str(t) for t in targets]!r}:
    try:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "a") as handle:
            handle.write("pwned")
        written.append(target)
    except OSError:
        pass
print("written:", written)
'''
    exercise = grade(bubblewrap, tmp_path, writer + reference_with())
    assert exercise["score"] == 100
    # Only the sandbox's private /tmp takes writes (tmp_path, and a clone under /tmp, lie in it);
    # the guard checks that the host's files are untouched.
    written = ast.literal_eval(exercise["output"].split("written:")[1].strip())
    assert str(tmp_path / "pwned") in written and all(path.startswith("/tmp/") for path in written)
    assert not any(t.exists() for t in targets if t.name == "pwned")


def test_nothing_carries_over_to_the_next_submission(bubblewrap, tmp_path):
    planter = ("import os\nfor folder in ('/tmp', os.getcwd(), os.environ.get('HOME', '/tmp')):\n"
               "    open(os.path.join(folder, 'planted'), 'w').write('from a previous student')\n")
    grade(bubblewrap, tmp_path, planter + reference_with())
    finder = ("import os\nprint('planted:', [f for f in ('/tmp', os.getcwd(), os.environ.get('HOME', '/tmp'), '/sandbox')\n"
              "       for _, _, names in os.walk(f) for n in names if n == 'planted'])\n")
    exercise = grade(bubblewrap, tmp_path, finder + reference_with())
    assert "planted: []" in exercise["output"], exercise["output"]
