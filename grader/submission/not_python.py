"""Whether a file handed in as an exercise's Python is Python at all, told before anything heavy is imported.

`grader check` refuses, with one line, a file that is binary (NUL bytes, or not UTF-8, which is how
the grader reads every exercise file) or text that is not Python: it does not parse and defines
none of the exercise's functions (for an exercise of answers, none of its constants). A file
that does not parse but defines one of them is a student's real attempt with a syntax error:
it is graded, and its `syntax-error` feedback names the line.
"""
from __future__ import annotations

import ast
import codecs
import re
from pathlib import Path

from grader.submission.untouched import stub_tree

MAX_READ_BYTES = 1_000_001  # one byte beyond what the grader reads of an exercise file: larger is its own error


def not_python(path: Path, exercise: str) -> str | None:
    """Why the file at path is not the Python of exercise (one line: observed, expected, fix), or None."""
    try:
        with open(path, "rb") as stream:
            data = stream.read(MAX_READ_BYTES)
    except OSError:
        return None  # grading reports what cannot be read
    complete = len(data) < MAX_READ_BYTES
    expected = f"expected the Python code of {exercise}"
    fix = f"save your code as plain text (UTF-8) in {exercise}.py, or hand in your notebook {exercise}.ipynb"
    if b"\0" in data:
        return f"{path} is not a Python file: it holds binary data (NUL bytes); {expected}. Fix: {fix}"
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(data, final=complete)
    except UnicodeDecodeError as exc:
        return (f"{path} is not a Python file: it is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
                f"{exc.start}); {expected}. Fix: {fix}")
    if not complete:
        return None  # too large to be an exercise: grading says so
    try:
        ast.parse(text)
        return None
    except SyntaxError as exc:
        problem = f"line {exc.lineno}: {exc.msg}" if exc.lineno else exc.msg
    except (ValueError, RecursionError, MemoryError):
        return None  # Python itself cannot read it: grading reports that as the student's syntax error
    names = exercise_names(exercise)
    if not names or any(_defines(text, name, is_function) for name, is_function in names):
        return None
    listed = ", ".join(name for name, _ in names)
    kind = "functions" if names[0][1] else "answers"
    return (f"{path} is not Python: it does not parse ({problem}) and defines none of the {kind} of {exercise} "
            f"({listed}); {expected}. Fix: start from the exercise's stub {exercise}.py and fill it in")


def exercise_names(exercise: str) -> list[tuple[str, bool]]:
    """The functions the exercise's stub defines, each (name, True); for a stub of constants only, its
    constants, each (name, False). Empty without a reference to read them from."""
    tree = stub_tree(exercise)
    if tree is None:
        return []
    functions = [node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
    if functions:
        return [(name, True) for name in functions]
    constants = [target.id for node in tree.body if isinstance(node, ast.Assign)
                 for target in node.targets if isinstance(target, ast.Name)]
    return [(name, False) for name in dict.fromkeys(constants)]


def _defines(text: str, name: str, is_function: bool) -> bool:
    """Whether a line of text starts defining name, read line by line (the text does not parse)."""
    escaped = re.escape(name)
    if is_function:
        pattern = rf"^[ \t]*(?:async[ \t]+)?def[ \t]+{escaped}\b"
    else:
        pattern = rf"^{escaped}[ \t]*(?::[^=\n]*)?=(?!=)"  # NAME = ..., NAME: type = ...
    return re.search(pattern, text, re.MULTILINE) is not None
