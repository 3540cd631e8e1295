"""Notebook submissions without a sandbox: conversion, line map, reading errors, resolution, rendering."""
import io
import json
import subprocess
import sys
import tokenize
import uuid

import nbformat
import pytest
from hypothesis import given, settings, strategies as st
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_raw_cell

from grader.cli import resolve
from grader.exercises import load
from grader.grading import grade_path
from grader.render.html import render_html
from grader.render.terminal import render
from grader.submission.notebook import (MAX_CELLS, MAX_CODE_CHARS, MAX_JSON_DEPTH, MAX_NOTEBOOK_BYTES, NotebookError,
                                        PYTHON_CELL_MAGICS, SKIPPED, _ipython_only, annotate, convert, python_lines,
                                        read_notebook)


def write_notebook(path, *cells):
    path.write_text(nbformat.writes(new_notebook(cells=list(cells))))
    return path


def test_shell_and_magic_lines_are_commented_out_and_never_run(tmp_path):
    marker = tmp_path / f"should-not-exist-{uuid.uuid4().hex}"
    path = write_notebook(tmp_path / "iris_net.ipynb", new_code_cell(
        f"!touch {marker}\n%pip install keras\nimport os\nfiles = !ls\n%%time\nX = 1\n"
        f"get_ipython().system('touch {marker}')\nos.path?\n"))
    converted = convert(read_notebook(path), path.name)
    namespace = {}
    exec(compile(converted.source, "iris_net.py", "exec"), namespace)  # what the sandbox would import
    assert namespace["X"] == 1 and "files" not in namespace
    assert not marker.exists()
    assert [line for _, line, _ in converted.skipped] == [1, 2, 4, 5, 7, 8]


def test_ipython_lines_keep_their_place_and_python_is_untouched():
    source = ('def f(a, b):\n    """Doc\n    !not a shell line inside a string\n    """\n    %time g()\n'
              '    return (a\n            % b)\n!pip install \\\n    keras\nz = a != b\n')
    lines, skipped = python_lines(source)
    assert len(lines) == len(source.splitlines())
    assert lines[2] == "    !not a shell line inside a string" and lines[6] == "            % b)"
    assert lines[4] == "    # (not run by the grader) %time g()"
    assert lines[9] == "z = a != b"
    assert [n for n, _ in skipped] == [5, 8, 9]  # the backslash continues the shell command


def test_cell_magics():
    assert python_lines("%%time\nx = 1\n")[0] == ["# (not run by the grader) %%time", "x = 1"]
    lines, skipped = python_lines("%%bash\necho hi\nrm -rf /\n")
    assert all(line.startswith("# (not run by the grader)") for line in lines) and len(skipped) == 3
    lines, _ = python_lines("%%writefile helper.py\nimport os\n")
    assert lines[1] == "# (not run by the grader) import os"


def test_line_map_counts_all_cells_and_lines_within_them():
    notebook = new_notebook(cells=[
        new_markdown_cell("# Title"),
        new_code_cell("import numpy as np\nX = 1"),
        new_markdown_cell("text"),
        new_code_cell("\ndef f():\n    return 2\n"),
        new_raw_cell("raw"),
        new_code_cell(""),
        new_code_cell("!ls\nY = 3"),
    ])
    converted = convert(notebook, "n.ipynb")
    lines = converted.source.splitlines()
    for file_line, (cell, cell_line) in converted.places.items():
        assert lines[file_line - 1] == notebook.cells[cell - 1].source.splitlines()[cell_line - 1] or \
            lines[file_line - 1].endswith(notebook.cells[cell - 1].source.splitlines()[cell_line - 1])
    assert converted.place(lines.index("    return 2") + 1) == (4, 3)
    assert converted.place(lines.index("Y = 3") + 1) == (7, 2)
    assert [c["cell"] for c in converted.cells] == [2, 4, 6, 7]
    assert converted.place(1) is None  # the header line is nobody's


def test_syntax_error_points_to_cell_and_line(tmp_path):
    path = write_notebook(tmp_path / "iris_net.ipynb", new_markdown_cell("intro"), new_code_cell("import keras"),
                          new_markdown_cell("## split_data"), new_code_cell("def split_data(X, y)\n    return X"))
    report = grade_path(path, load("iris_net"))  # nothing runs: no sandbox needed
    assert report["submission"] == str(path)
    [error] = report["exercises"][0]["errors"]
    assert error["kind"] == "syntax-error" and error["function"] == "<module>"
    assert (error["cell"], error["cell_line"]) == (4, 1)
    assert "(cell 4, line 1)" in error["message"]
    assert "# %% cell 4" in report["exercises"][0]["source"]
    assert "syntax-error in <module>: SyntaxError: expected ':' (cell 4, line 1)" in render(report)
    page = render_html(report)
    assert "Cell 4, line 1:" in page and '<mark data-line="1">def split_data(X, y)</mark>' in page


def test_tracebacks_and_messages_are_rewritten_to_cells():
    notebook = new_notebook(cells=[new_markdown_cell("x"), new_code_cell("import os\n\ndef f():\n    return 1 / 0")])
    converted = convert(notebook, "hw.ipynb")
    line = converted.source.splitlines().index("    return 1 / 0") + 1
    exercise = {"mistakes": [{"id": "m", "severity": "error", "title": "t", "message": "m", "function": "f",
                              "line": line, "why": "", "fix": ""}],
                "errors": [{"function": "f", "kind": "exception", "message": "ZeroDivisionError: division by zero",
                            "traceback": f'  File "iris_net.py", line {line}, in f\n    return 1 / 0\nZeroDivisionError'}]}
    annotate(exercise, converted, "hw.ipynb", "iris_net.py")
    assert (exercise["mistakes"][0]["cell"], exercise["mistakes"][0]["cell_line"]) == (2, 4)
    assert exercise["errors"][0]["traceback"].startswith('  File "hw.ipynb", cell 2, line 4, in f')
    assert exercise["cells"] == [{"cell": 2, "start": 3, "end": 6}]


@pytest.mark.parametrize("text", ["not json at all", "{}", '{"nbformat": 4, "nbformat_minor": 5}', "[1, 2]",
                                  '{"nbformat": 99, "cells": []}'])
def test_a_corrupt_notebook_is_a_one_line_usage_error(tmp_path, text):
    path = tmp_path / "iris_net.ipynb"
    path.write_text(text)
    with pytest.raises(NotebookError, match="is not a readable Jupyter notebook"):
        read_notebook(path)


def test_a_corrupt_notebook_on_the_command_line(tmp_path):
    (tmp_path / "iris_net.ipynb").write_bytes(b"\x89PNG\r\n\x1a\n")
    for target in ("iris_net.ipynb", "."):
        out = subprocess.run([sys.executable, "-m", "grader", "check", target], cwd=tmp_path,
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 2
        assert out.stderr.startswith("grader: error: ") and out.stderr.count("\n") == 1, out.stderr
        assert "not a readable Jupyter notebook" in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "reports").exists()


def test_folders_find_notebooks_and_prefer_py(tmp_path, capsys):
    notebook = write_notebook(tmp_path / "iris_net.ipynb", new_code_cell("X = 1"))
    assert resolve(tmp_path, None) == [(notebook, "iris_net")]
    assert resolve(notebook, None) == [(notebook, "iris_net")]
    (tmp_path / "exercises").mkdir()
    nested = write_notebook(tmp_path / "exercises" / "iris_net.ipynb", new_code_cell("X = 1"))
    notebook.unlink()
    assert resolve(tmp_path, "iris_net") == [(nested, "iris_net")]
    script = tmp_path / "exercises" / "iris_net.py"
    script.write_text("X = 1\n")
    capsys.readouterr()
    assert resolve(tmp_path, None) == [(script, "iris_net")]
    assert "not the notebook" in capsys.readouterr().err


def test_renderers_show_cells(tmp_path):
    notebook = new_notebook(cells=[new_markdown_cell("intro"), new_code_cell("import keras\n\n\ndef build_model(a, b):\n"
                                                                            "    x = 1\n    return keras.layers.Dense(3)")])
    converted = convert(notebook, "iris_net.ipynb")
    line = converted.source.splitlines().index("    return keras.layers.Dense(3)") + 1
    exercise = {"exercise": "iris_net", "title": "T", "score": 0, "max_score": 100, "pass_mark": 70, "passed": False,
                "checks": [], "notes": [], "details": {}, "source": converted.source,
                "mistakes": [{"id": "no-hidden-layer", "severity": "error", "title": "No hidden layer", "message": "m",
                              "function": "build_model", "line": line, "why": "w", "fix": "f", "checks": []}],
                "errors": []}
    annotate(exercise, converted, "iris_net.ipynb", "iris_net.py")
    report = {"schema": 1, "submission": "iris_net.ipynb", "grader_version": "0", "graded_at": "now",
              "isolation": {"level": "bubblewrap", "protections": []}, "exercises": [exercise]}
    assert "error no-hidden-layer (build_model, cell 2, line 6): No hidden layer" in render(report)
    page = render_html(report)
    assert "In <code>build_model</code>, cell 2, line 6." in page
    assert "Your code around cell 2, line 6" in page
    # The excerpt stays inside the cell and numbers its lines as the cell does.
    assert 'data-line="3"' in page and 'data-line="7"' not in page and "# %% cell" not in page
    json.dumps(report)  # still plain data


# Hostile notebooks: conversion reads each line once, and reading is bounded before nbformat parses anything.

@pytest.fixture
def lines_tokenized(monkeypatch) -> list[int]:
    """How many lines the real tokenizer is handed in all (its end-of-input reads included)."""
    count = [0]
    generate = tokenize.generate_tokens

    def counting(readline):
        def counted():
            count[0] += 1
            return readline()
        return generate(counted)

    monkeypatch.setattr(tokenize, "generate_tokens", counting)
    return count


def test_an_unclosed_bracket_over_thousands_of_lines_is_tokenized_once(lines_tokenized):
    # 121 KB of one unfinished list with modulo and bang lines in it: re-reading it at each line took 45 s.
    lines = ["x = ["] + [f"    {i},  # %not a magic" if i % 3 else f"    % {i}" for i in range(4000)]
    converted, skipped = python_lines("\n".join(lines))
    assert converted == lines and skipped == []  # inside a bracket, % is Python
    assert lines_tokenized[0] <= len(lines) + 1


def test_many_short_lines_and_closed_brackets_are_tokenized_once(lines_tokenized):
    lines = ["y = (1,", "  % 2)", "!pip install keras"] * 1000 + [f"z{i} = {i}" for i in range(1000)]
    converted, skipped = python_lines("\n".join(lines))
    assert [line for line, _ in skipped] == list(range(3, 3001, 3))  # each !pip after its closed bracket
    logical_lines = 1000 + 1000
    assert lines_tokenized[0] <= len(lines) + logical_lines  # each line once, and the end of each logical line


def quadratic_python_lines(source: str) -> tuple[list[str], list[tuple[int, str]]]:
    """The definition python_lines had, which re-tokenized an unfinished statement at each of its lines."""
    def complete(text: str) -> bool:
        try:
            for _ in tokenize.generate_tokens(io.StringIO(text + "\n").readline):
                pass
        except tokenize.TokenError:
            return False
        except (SyntaxError, ValueError):
            return True
        return True

    lines = source.splitlines()
    skipped = []

    def skip(index: int) -> None:
        line = lines[index]
        skipped.append((index + 1, line.strip()))
        lines[index] = f"{line[:len(line) - len(line.lstrip())]}{SKIPPED}{line.lstrip()}"

    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        magic = lines[first].lstrip()[2:].split(maxsplit=1)
        if magic and magic[0] in PYTHON_CELL_MAGICS:
            skip(first)
        else:
            for index in range(len(lines)):
                if lines[index].strip():
                    skip(index)
            return lines, skipped
    pending, continued = [], False
    for index, line in enumerate(lines):
        if continued or (not pending and _ipython_only(line)):
            continued = line.rstrip().endswith("\\")
            if line.strip():
                skip(index)
            continue
        pending.append(line)
        if complete("\n".join(pending)):
            pending = []
    return lines, skipped


def compiles(lines: list[str]) -> bool:
    try:
        compile("\n".join(lines), "cell.py", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


PIECES = ["x = (", ")", "]", "[", "{", "}", "'\'\'", '"""', "'", '"', "\\", "# c", "%time f()", "!ls", "a = !ls",
          "os.path?", "  ", "    y = 1", "def f():", "    return (a", "% b)", "\t", "'abc\\", "f'{x}'", "b'x'",
          "get_ipython()", "%%time", "x = 1; y = [", "pass", "", "1 +", "if x:", "  z", "$", "?", "\f"]
CELLS = st.lists(st.lists(st.sampled_from(PIECES), max_size=3).map("".join), min_size=1, max_size=8).map("\n".join)


@settings(max_examples=400, deadline=None)
@given(CELLS)
def test_python_lines_is_the_quadratic_definition_read_once(source):
    new, old = python_lines(source), quadratic_python_lines(source)
    # Python 3.11's tokenizer gives the very same lines; later ones report broken code differently, which
    # may change which lines of a cell that cannot compile anyway are commented out.
    assert new == old or not (compiles(new[0]) or compiles(old[0]))


def write_json(path, text: str):
    path.write_text(text)
    return path


def notebook_json(cells: list[dict], metadata: str = "{}") -> str:
    return ('{"nbformat": 4, "nbformat_minor": 5, "metadata": ' + metadata + ', "cells": ' + json.dumps(cells) + "}")


def code_cell(source: str, outputs: list | None = None, number: int = 0) -> dict:
    return {"cell_type": "code", "id": f"c{number}", "metadata": {}, "execution_count": None, "source": source,
            "outputs": outputs or []}


@pytest.mark.parametrize("text, reason", [
    (notebook_json([code_cell("x = 1")], '{"x": ' + "[" * 100_000 + "]" * 100_000 + "}"),
     f"nests more than {MAX_JSON_DEPTH} levels deep"),
    (notebook_json([code_cell("x = 1")], '{"x": ' + "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1) + "}"),
     f"nests more than {MAX_JSON_DEPTH} levels deep"),
    (notebook_json([code_cell(f"x = {i}", number=i) for i in range(MAX_CELLS + 1)]),
     f"has {MAX_CELLS + 1} cells, more than the {MAX_CELLS}"),
    (notebook_json([code_cell("x = 1\n" * (MAX_CODE_CHARS // 6 + 1))]), "characters of code, more than"),
])
def test_a_hostile_notebook_is_refused_with_a_clear_reason(tmp_path, text, reason):
    with pytest.raises(NotebookError, match=reason):
        read_notebook(write_json(tmp_path / "iris_net.ipynb", text))


def test_a_notebook_too_large_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "iris_net.ipynb"
    with path.open("wb") as stream:
        stream.truncate(MAX_NOTEBOOK_BYTES + 1)  # sparse: nothing to write, nothing that reading could parse
    with pytest.raises(NotebookError, match="larger than 20 MB: clear its outputs"):
        read_notebook(path)


def test_nested_strings_many_outputs_and_the_limits_themselves_still_read(tmp_path):
    deep = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH  # nesting of the whole file counts: the limit itself is fine
    brackets = "s = '" + "[" * 500 + "'"  # brackets in strings are no nesting
    outputs = [{"output_type": "stream", "name": "stdout", "text": f"epoch {i}\n"} for i in range(20_000)]
    text = notebook_json([code_cell(brackets, outputs)] + [code_cell("", number=i) for i in range(1, MAX_CELLS)],
                         '{"x": ' + deep[2:-2] + "}")
    notebook = read_notebook(write_json(tmp_path / "iris_net.ipynb", text))
    assert notebook.cells[0].source == brackets and notebook.cells[0].outputs == []  # outputs are never read
    assert len(notebook.cells) == MAX_CELLS
