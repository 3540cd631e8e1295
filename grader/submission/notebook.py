"""Notebook submissions: grade a Jupyter or Colab .ipynb like the .py it stands for.

The code cells, in order, become one Python file with a `# %% cell N` line before each;
shell commands (`!cmd`), magics (`%magic`, `x = !cmd`), help (`obj?`) and `get_ipython()`
lines are commented out, never run, and cell magics other than the Python-bodied ones
(%%time, %%timeit, %%capture, %%prun) comment out their whole cell. That file is graded
as usual; the report then points to cells: N counts all cells of the notebook (Markdown
included) from 1, as Jupyter's and VS Code's cell order shows them, and the line counts
from 1 within that cell.
"""
from __future__ import annotations

import io
import re
import tempfile
import tokenize
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HEADER = "# The code cells of {name}, as graded. Shell commands and magics are commented out: never run.\n"
SKIPPED = "# (not run by the grader) "
PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun"}
ESCAPE = re.compile(r"^\s*[!%]")  # !shell, %magic, %%cell-magic
ASSIGNED_ESCAPE = re.compile(r"^\s*[A-Za-z_][\w.]*(\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*[!%]")  # files = !ls
HELP = re.compile(r"^\s*(\?{1,2}[\w.]+|[\w.]+\?{1,2})\s*$")  # ?obj, obj??
NOTED_SKIPS = 5


class NotebookError(ValueError):
    """A file that cannot be read as a notebook; the message is one line."""


@dataclass
class Converted:
    """A notebook's code as one Python file, and where each of its lines came from."""
    source: str
    places: dict[int, tuple[int, int]] = field(default_factory=dict)  # file line -> (cell, line in cell)
    cells: list[dict[str, int]] = field(default_factory=list)  # {"cell", "start", "end"}: file lines per code cell
    skipped: list[tuple[int, int, str]] = field(default_factory=list)  # (cell, line, text) not run

    def place(self, line: int | None) -> tuple[int, int] | None:
        return self.places.get(line) if line else None


def read_notebook(path: Path):
    """The notebook at path (as nbformat v4), or NotebookError with a one-line reason."""
    import nbformat

    try:
        text = Path(path).read_text(encoding="utf-8")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. cells without ids from older Jupyter versions
            notebook = nbformat.reads(text, as_version=4, capture_validation_error={})
    except OSError as exc:
        raise NotebookError(f"cannot read {path}: {exc.strerror or exc}") from None
    except Exception as exc:  # nbformat raises many kinds for a corrupt file
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise NotebookError(f"{path} is not a readable Jupyter notebook ({reason})") from None
    cells = notebook.get("cells")
    if not isinstance(cells, list) or not all(isinstance(c, dict) and isinstance(c.get("source", ""), str)
                                             for c in cells):
        raise NotebookError(f"{path} is not a readable Jupyter notebook (its cells are malformed)")
    return notebook


def convert(notebook, name: str = "notebook.ipynb") -> Converted:
    """The code cells as one Python file, IPython-only lines commented out, with the line map."""
    out = [HEADER.format(name=name).rstrip("\n")]
    converted = Converted(source="")
    for number, cell in enumerate(notebook.get("cells", []), start=1):
        if cell.get("cell_type") != "code":
            continue
        lines, skipped = python_lines(cell.get("source", ""))
        out.append(f"# %% cell {number}")
        start = len(out) + 1
        for index, line in enumerate(lines, start=1):
            out.append(line)
            converted.places[len(out)] = (number, index)
        converted.cells.append({"cell": number, "start": start, "end": len(out)})
        converted.skipped += [(number, index, text) for index, text in skipped]
    converted.source = "\n".join(out) + "\n"
    return converted


def python_lines(source: str) -> tuple[list[str], list[tuple[int, str]]]:
    """A cell's lines with IPython-only ones commented out (same count), and those (line, text)."""
    lines = source.splitlines()
    skipped: list[tuple[int, str]] = []

    def skip(index: int) -> None:
        line = lines[index]
        indent = line[:len(line) - len(line.lstrip())]
        skipped.append((index + 1, line.strip()))
        lines[index] = f"{indent}{SKIPPED}{line.lstrip()}"

    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        magic = lines[first].lstrip()[2:].split(maxsplit=1)
        if magic and magic[0] in PYTHON_CELL_MAGICS:
            skip(first)  # the body is Python: run it once, plainly
        else:
            for index in range(len(lines)):  # %%bash, %%writefile, %%html, ...: not Python at all
                if lines[index].strip():
                    skip(index)
            return lines, skipped
    pending: list[str] = []  # the lines of an unfinished logical line (open bracket, string or backslash)
    continued = False  # the previous line was a skipped one ending in a backslash
    for index, line in enumerate(lines):
        if continued or (not pending and _ipython_only(line)):
            continued = line.rstrip().endswith("\\")
            if line.strip():
                skip(index)
            continue
        pending.append(line)
        if _complete("\n".join(pending)):
            pending = []
    return lines, skipped


def _ipython_only(line: str) -> bool:
    return bool(ESCAPE.match(line) or ASSIGNED_ESCAPE.match(line) or HELP.match(line) or "get_ipython()" in line)


def _complete(text: str) -> bool:
    """Whether text ends a logical line (no open bracket, triple-quoted string or backslash)."""
    try:
        for _ in tokenize.generate_tokens(io.StringIO(text + "\n").readline):
            pass
    except tokenize.TokenError:
        return False
    except (SyntaxError, ValueError):
        return True  # Python reports it when the file is graded
    return True


def grade_notebook(path: Path, exercise, sandbox=None) -> dict[str, Any]:
    """Grade a notebook like the .py it stands for; the report points to cells and lines."""
    from grader.grading import grade_path

    path = Path(path)
    converted = convert(read_notebook(path), path.name)
    with tempfile.TemporaryDirectory(prefix="grader-notebook-") as folder:
        script = Path(folder) / f"{exercise.name}.py"
        script.write_text(converted.source, encoding="utf-8")
        report = grade_path(script, exercise, sandbox)
    report["submission"] = str(path)
    for exercise_report in report["exercises"]:
        annotate(exercise_report, converted, path.name, script.name)
    return report


def annotate(exercise: dict[str, Any], converted: Converted, notebook_name: str, script_name: str) -> None:
    """Add the cell and the line within it to every mistake and error with a line; rewrite messages and tracebacks."""
    for item in [*exercise.get("mistakes", []), *exercise.get("errors", [])]:
        place = converted.place(item.get("line"))
        if place:
            item["cell"], item["cell_line"] = place

    def in_message(match: re.Match) -> str:
        place = converted.place(int(match.group(1)))
        return f"(cell {place[0]}, line {place[1]})" if place else match.group(0)

    frame = re.compile(rf'File "{re.escape(script_name)}", line (\d+)')

    def in_traceback(match: re.Match) -> str:
        place = converted.place(int(match.group(1)))
        return f'File "{notebook_name}", cell {place[0]}, line {place[1]}' if place else match.group(0)

    for error in exercise.get("errors", []):
        if error.get("kind") == "syntax-error":  # the grader's own "(line N)" suffix
            error["message"] = re.sub(r"\(line (\d+)\)$", in_message, error.get("message", ""))
        if error.get("traceback"):
            error["traceback"] = frame.sub(in_traceback, error["traceback"])
    exercise["cells"] = converted.cells
    if converted.skipped:
        shown = ", ".join(f"cell {cell}, line {line} ({text[:40]})" for cell, line, text in converted.skipped[:NOTED_SKIPS])
        more = f" and {len(converted.skipped) - NOTED_SKIPS} more" if len(converted.skipped) > NOTED_SKIPS else ""
        exercise.setdefault("notes", []).append(
            f"Shell commands and magics are not run by the grader: {shown}{more}. Install packages and "
            "load data in your own session; the grader provides what the exercise needs.")
