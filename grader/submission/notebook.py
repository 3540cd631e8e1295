"""Notebook submissions: grade a Jupyter or Colab .ipynb like the .py it stands for.

The code cells, in order, become one Python file with a `# %% cell N` line before each;
shell commands (`!cmd`), magics (`%magic`, `x = !cmd`), help (`obj?`) and `get_ipython()`
lines are commented out, never run, and cell magics other than the Python-bodied ones
(%%time, %%timeit, %%capture, %%prun) comment out their whole cell. That file is graded
as usual; the report then points to cells: N counts all cells of the notebook (Markdown
included) from 1, as Jupyter's and VS Code's cell order shows them, and the line counts
from 1 within that cell. The conversion comes first and knows nothing of grading
(grader.grading converts, grades the Python with the cell map, then calls `annotate`).

A notebook is untrusted data, read in the grader's own process: its size, the nesting of its
JSON, its number of cells and its characters of code are bounded before and after nbformat
reads it (outputs are dropped unread), and its conversion reads each line once, so no
notebook costs more than a plain JSON file of MAX_NOTEBOOK_BYTES.
"""
from __future__ import annotations

import contextlib
import json
import re
import tempfile
import tokenize
import warnings
from collections.abc import Iterator
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
MAX_NOTEBOOK_BYTES = 20 * 1024**2  # as for any exercise file in a bulk run; plots are what make a notebook big
MAX_JSON_DEPTH = 100  # Jupyter writes 5 levels, widget state a dozen; far deeper, whether the JSON parser and
# nbformat (which recurse) fail would depend on how deep the caller's stack is: the same notebook must read alike
MAX_CELLS = 2_000  # long lessons have a few hundred
MAX_CODE_CHARS = 1_000_000  # of code cells, all together: 50 times a long exercise notebook
_JSON_STRING = re.compile(r'"[^"\\]*+(?:\\.[^"\\]*+)*+"', re.DOTALL)  # possessive: no backtracking state kept
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_OPENING, _CLOSING = {"(", "[", "{"}, {")", "]", "}"}


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
        if Path(path).stat().st_size > MAX_NOTEBOOK_BYTES:
            raise NotebookError(f"{path} is larger than {MAX_NOTEBOOK_BYTES // 1024**2} MB: clear its outputs "
                                "(Edit > Clear All Outputs), save it and hand it in again")
        text = Path(path).read_text(encoding="utf-8")
        if _nesting(text) > MAX_JSON_DEPTH:  # checked before any parser recurses into it
            raise NotebookError(f"{path} is not a readable Jupyter notebook (its JSON nests more than "
                                f"{MAX_JSON_DEPTH} levels deep)")
        data = json.loads(text)
        cells = [cell for cells in _cell_lists(data) for cell in cells]
        if len(cells) > MAX_CELLS:
            raise NotebookError(f"{path} has {len(cells)} cells, more than the {MAX_CELLS} the grader reads: "
                                "merge cells, or hand in a .py file")
        for cell in cells:
            if isinstance(cell, dict) and "outputs" in cell:
                cell["outputs"] = []  # never graded, and what nbformat takes longest to check
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. cells without ids from older Jupyter versions
            notebook = nbformat.reads(json.dumps(data), as_version=4, capture_validation_error={})
    except NotebookError:
        raise
    except OSError as exc:
        raise NotebookError(f"cannot read {path}: {exc.strerror or exc}") from None
    except Exception as exc:  # nbformat raises many kinds for a corrupt file
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise NotebookError(f"{path} is not a readable Jupyter notebook ({reason})") from None
    cells = notebook.get("cells")
    if not isinstance(cells, list) or not all(isinstance(c, dict) and isinstance(c.get("source", ""), str)
                                             for c in cells):
        raise NotebookError(f"{path} is not a readable Jupyter notebook (its cells are malformed)")
    code = sum(len(cell.get("source", "")) for cell in cells if cell.get("cell_type") == "code")
    if code > MAX_CODE_CHARS:
        raise NotebookError(f"{path} holds {code:,} characters of code, more than the {MAX_CODE_CHARS:,} the grader "
                            "reads: load data from files in your own session rather than writing it into cells")
    return notebook


def _nesting(text: str) -> int:
    """How deep the arrays and objects of a JSON text nest, its strings left out; linear, without parsing it."""
    import numpy as np

    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text)).encode("ascii")
    codes = np.frombuffer(brackets, dtype=np.uint8)
    steps = np.isin(codes, (ord("["), ord("{"))).astype(np.int32) - np.isin(codes, (ord("]"), ord("}")))
    return int(steps.cumsum().max(initial=0))


def _cell_lists(data: Any) -> list[list]:
    """The lists of cells a notebook's JSON holds: `cells`, or in each of `worksheets` (nbformat 3 and older)."""
    if not isinstance(data, dict):
        return []
    sheets = data.get("worksheets")
    holders = [data, *(sheets if isinstance(sheets, list) else [])]
    return [holder["cells"] for holder in holders if isinstance(holder, dict) and isinstance(holder.get("cells"), list)]


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
    index = 0
    continued = False  # the previous line was a skipped one ending in a backslash
    while index < len(lines):  # each pass starts a logical line
        line = lines[index]
        if continued or _ipython_only(line):
            continued = line.rstrip().endswith("\\")
            if line.strip():
                skip(index)
            index += 1
        else:
            index = _logical_line_end(lines, index)
    return lines, skipped


def _ipython_only(line: str) -> bool:
    return bool(ESCAPE.match(line) or ASSIGNED_ESCAPE.match(line) or HELP.match(line) or "get_ipython()" in line)


def _logical_line_end(lines: list[str], start: int) -> int:
    """The index after the last line of the logical line that starts at lines[start]: where no bracket, string
    or backslash is left open, or the end of the cell. Lines inside it are Python (a `%` there is modulo).

    One tokenizer reads the lines once, each as it asks for it (re-reading the lines so far at each line made an
    unfinished bracket over thousands of lines quadratic). Before handing it the next line, its last tokens
    tell whether the logical line is over: the line's own newline came out as a token (neither a string nor a
    backslash swallowed it) and every bracket opened is closed; the tokenizer then gets the end of input."""
    fed, depth = start, 0
    last: tokenize.TokenInfo | None = None  # the last token of the line fed last

    def readline() -> str:
        nonlocal fed, last
        over = fed > start and depth == 0 and last is not None and last.string.endswith("\n")
        if over or fed == len(lines):
            return ""
        fed, last = fed + 1, None
        return lines[fed - 1] + "\n"

    try:
        for token in tokenize.generate_tokens(readline):
            last = token
            if token.type == tokenize.OP and token.string in _OPENING:
                depth += 1
            elif token.type == tokenize.OP and token.string in _CLOSING:
                depth -= 1  # may go below zero, as the tokenizer's count does: then the line is not over either
    except (tokenize.TokenError, SyntaxError, ValueError):  # the cell ends inside it, or it is broken code,
        pass  # which Python reports when the file is graded
    return fed


@contextlib.contextmanager
def as_script(converted: Converted, exercise_name: str) -> Iterator[Path]:
    """The notebook's Python as the file `<exercise>.py` in a new temporary folder, for as long as it is graded."""
    with tempfile.TemporaryDirectory(prefix="grader-notebook-") as folder:
        script = Path(folder) / f"{exercise_name}.py"
        script.write_text(converted.source, encoding="utf-8")
        yield script


def annotate(exercise: dict[str, Any], converted: Converted, notebook_name: str, script_name: str) -> None:
    """Add the cell and the line within it to every mistake and error with a line; point tracebacks to cells."""
    for item in [*exercise.get("mistakes", []), *exercise.get("errors", [])]:
        place = converted.place(item.get("line"))
        if place:
            item["cell"], item["cell_line"] = place

    frame = re.compile(rf'File "{re.escape(script_name)}", line (\d+)')

    def in_traceback(match: re.Match) -> str:
        place = converted.place(int(match.group(1)))
        return f'File "{notebook_name}", cell {place[0]}, line {place[1]}' if place else match.group(0)

    for error in exercise.get("errors", []):  # messages already name cells: the grading was given the cell map
        if error.get("traceback"):
            error["traceback"] = frame.sub(in_traceback, error["traceback"])
    exercise["cells"] = converted.cells
    if converted.skipped:
        shown = ", ".join(f"cell {cell}, line {line} ({text[:40]})" for cell, line, text in converted.skipped[:NOTED_SKIPS])
        more = f" and {len(converted.skipped) - NOTED_SKIPS} more" if len(converted.skipped) > NOTED_SKIPS else ""
        exercise.setdefault("notes", []).append(
            f"Shell commands and magics are not run by the grader: {shown}{more}. Install packages and "
            "load data in your own session; the grader provides what the exercise needs.")
