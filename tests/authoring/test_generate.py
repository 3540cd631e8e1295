"""`grader generate`: the student files follow from reference/, and --check keeps them honest."""
import ast
import json
import os
import shutil
import subprocess
import sys

import nbformat

from grader.authoring.generate import exercise_names, solution_notebook
from grader.authoring.markers import make_stub, strip_markers
from grader.authoring.notebooks import dumps, notebook_from_source
from grader.submission.notebook import convert
from tests.harness import REFERENCE, ROOT


def generate(*args: str, cwd=ROOT, reference=None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if reference is not None:
        env["GRADER_REFERENCE_DIR"] = str(reference)
    return subprocess.run([sys.executable, "-m", "grader", "generate", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_exercises_folder_is_up_to_date_with_reference():
    out = generate("--check")
    assert out.returncode == 0, f"exercises/ is out of date; run `grader generate`:\n{out.stdout}{out.stderr}"
    assert "up to date" in out.stdout


def test_every_exercise_has_a_reference_with_solution_blocks():
    names = exercise_names(REFERENCE)
    assert "iris_net" in names
    for name in names:
        reference = (REFERENCE / f"{name}.py").read_text()
        stub = make_stub(reference, name)
        assert stub != reference
        assert "NotImplementedError" in stub or "\ndef " not in reference  # answers-only exercises raise nothing


def test_iris_stub_is_the_reference_without_its_solutions():
    reference = (REFERENCE / "iris_net.py").read_text()
    stub = (ROOT / "exercises" / "iris_net.py").read_text()
    assert stub.startswith("# Generated from reference/iris_net.py by `grader generate`")
    assert "train_test_split(X, y" not in stub and "sklearn.model_selection import" not in stub
    assert 'raise NotImplementedError("split_data: split X and y into train and test sets")' in stub
    # Apart from the header and the raises, the stub is the reference's lines in order (a subsequence).
    remaining = iter(reference.splitlines())
    assert all(line in remaining for line in stub.splitlines()[2:] if "raise NotImplementedError" not in line)

def test_generated_notebook_layout_and_determinism():
    stub = make_stub((REFERENCE / "iris_net.py").read_text())
    notebook = notebook_from_source(stub, "iris_net", generated_from="reference/iris_net.py")
    nbformat.validate(notebook)
    kinds = [cell.cell_type for cell in notebook.cells]
    assert kinds == ["markdown", "code"] + ["markdown", "code"] * 4
    intro, imports = notebook.cells[0].source, notebook.cells[1].source
    assert intro.startswith("# Exercise iris_net: a first Keras network")
    assert "grader check iris_net.ipynb" in intro and "exercises/iris_net.py" not in intro
    assert imports.startswith("import keras\nimport numpy as np\n") and imports.endswith("BATCH_SIZE = 32")
    assert notebook.cells[2].source.startswith("## `split_data(X, y)`\n\nSplit the rows into a training set")
    assert notebook.cells[3].source.startswith('def split_data(X, y):\n    """Split the rows')
    assert all(cell.execution_count is None and cell.outputs == [] for cell in notebook.cells if cell.cell_type == "code")
    assert [cell.id for cell in notebook.cells] == [f"cell-{i}" for i in range(1, 11)]
    assert notebook.metadata.kernelspec.name == "python3" and notebook.metadata.language_info == {"name": "python"}
    text = dumps(notebook)
    assert text == dumps(notebook_from_source(stub, "iris_net", generated_from="reference/iris_net.py"))
    assert text == (ROOT / "exercises" / "iris_net.ipynb").read_text()


def test_notebook_code_round_trips_to_the_same_python():
    """The notebook's code cells, read back as a submission, are the module's code (minus its docstring)."""
    for text in (make_stub((REFERENCE / "iris_net.py").read_text()), strip_markers((REFERENCE / "iris_net.py").read_text())):
        notebook = notebook_from_source(text, "iris_net")
        module, back = ast.parse(text), ast.parse(convert(notebook, "iris_net.ipynb").source)
        assert ast.dump(ast.Module(module.body[1:], [])) == ast.dump(back)


def test_solution_notebook_keeps_the_solutions():
    notebook = nbformat.reads(solution_notebook("iris_net", REFERENCE), as_version=4)
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    assert "from sklearn.model_selection import train_test_split" in code
    assert "NotImplementedError" not in code and "BEGIN SOLUTION" not in code


def test_module_without_docstring_or_functions():
    notebook = notebook_from_source("import os\n\nX = 1\n", "bare")
    assert [(c.cell_type, c.source) for c in notebook.cells] == [("code", "import os\n\nX = 1")]


def test_generate_cli_on_a_copy(tmp_path):
    reference = tmp_path / "reference"
    reference.mkdir()
    shutil.copy(REFERENCE / "iris_net.py", reference / "iris_net.py")
    exercises = tmp_path / "exercises"

    out = generate(reference=reference, cwd=tmp_path)  # default: exercises/ beside reference/
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["wrote: exercises/iris_net.py"]
    assert (exercises / "iris_net.py").read_text() == (ROOT / "exercises" / "iris_net.py").read_text()
    assert not (exercises / "iris_net.ipynb").exists()
    assert generate("--check", reference=reference, cwd=tmp_path).returncode == 0

    out = generate("iris_net", "--notebooks", reference=reference, cwd=tmp_path)
    assert out.returncode == 0 and "wrote: exercises/iris_net.ipynb" in out.stdout
    assert (exercises / "iris_net.ipynb").read_text() == (ROOT / "exercises" / "iris_net.ipynb").read_text()

    # Editing a hint makes both files stale; --check names them, shows a diff and writes nothing.
    source = (reference / "iris_net.py").read_text()
    (reference / "iris_net.py").write_text(source.replace("return an activation name for the task", "pick one"))
    out = generate("--check", reference=reference, cwd=tmp_path)
    assert out.returncode == 1
    assert "exercises/iris_net.py is out of date with reference/iris_net.py" in out.stdout
    assert "exercises/iris_net.ipynb is out of date" in out.stdout  # an existing notebook is always checked
    assert '+    raise NotImplementedError("output_activation: pick one")' in out.stdout
    assert "2 of 2 files out of date" in out.stdout
    assert "pick one" not in (exercises / "iris_net.py").read_text()
    assert generate(reference=reference, cwd=tmp_path).returncode == 0
    assert "pick one" in (exercises / "iris_net.py").read_text()
    assert "pick one" in json.dumps(json.loads((exercises / "iris_net.ipynb").read_text()))
    assert generate("--check", reference=reference, cwd=tmp_path).returncode == 0

    # A missing file is out of date too.
    (exercises / "iris_net.py").unlink()
    out = generate("--check", reference=reference, cwd=tmp_path)
    assert out.returncode == 1 and "(missing)" in out.stdout

    # --out writes elsewhere; --solutions writes the solution (never into exercises/).
    out = generate("--out", "solutions", "--solutions", "--notebooks", reference=reference, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    solution = (tmp_path / "solutions" / "iris_net.py").read_text()
    assert "train_test_split(X, y" in solution and "SOLUTION\n" not in solution.split("\n", 2)[2]
    assert (tmp_path / "solutions" / "iris_net.ipynb").exists()
    out = generate("--solutions", reference=reference, cwd=tmp_path)
    assert out.returncode == 2 and "--solutions needs --out" in out.stderr


def test_generate_errors_are_one_line_with_exit_2(tmp_path):
    reference = tmp_path / "reference"
    reference.mkdir()
    source = (REFERENCE / "iris_net.py").read_text()
    (reference / "iris_net.py").write_text(source.replace("    # END SOLUTION\n", "", 1))
    for args in ((), ("--check",)):
        out = generate(*args, reference=reference, cwd=tmp_path)
        assert out.returncode == 2, out
        assert out.stderr.count("\n") == 1 and out.stderr.startswith("grader: error: ")
        assert "iris_net.py, line 48: nested # BEGIN SOLUTION: the block opened at line 35" in out.stderr
    assert not (tmp_path / "exercises").exists()
    out = generate("no_such_exercise", reference=reference, cwd=tmp_path)
    assert out.returncode == 2 and "unknown exercise 'no_such_exercise'" in out.stderr
