"""What a session ran, as plain text: an IPython kernel's input history, or a Python prompt's readline history.

Only the source is read, never the objects it made: the inputs in the order they ran with their execution
counts, which of them raised and at which line (IPython 9 keeps each failed input's traceback; with an older
IPython, as in Colab, a statement that raised is known only by the names it left unbound), and which names
the session's namespace holds now.
"""
from __future__ import annotations

import codeop
import os
import re
import warnings
from pathlib import Path

from grader.kernel.reduce import RAISED_SOMEWHERE, Input
from grader.submission.notebook import MAX_NOTEBOOK_BYTES  # larger, the kernel's notebook is not looked into

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_CONTINUES = re.compile(r"(else|elif|except|finally)\b")  # a line at the margin that carries on the block above


class NoHistory(Exception):
    """The session's history cannot be read; the message says what to do instead."""


def kernel_inputs(shell) -> list[Input]:
    """The inputs an IPython shell ran, each labelled with its execution count ("In [12]"), in that order."""
    history = shell.history_manager
    failures = getattr(history, "exceptions", {})  # IPython 9 keeps each failed input's formatted traceback
    inputs = []
    for count, source in enumerate(history.input_hist_raw):
        if count == 0 or not source.strip():
            continue
        stopped = _failed_line(failures[count], count) if count in failures else None
        inputs.append(Input(f"In [{count}]", source, stopped, current=count == shell.execution_count))
    return inputs


def _failed_line(failure: dict, count: int) -> int:
    """The line of input `count` whose statement raised: the first frame of that input in its traceback."""
    text = _ANSI.sub("", "\n".join(str(line) for line in failure.get("traceback", [])))
    found = re.search(rf"In ?\[{count}\], line (\d+)", text)
    return int(found.group(1)) if found else RAISED_SOMEWHERE


def kernel_notebook(namespace: dict) -> Path | None:
    """The notebook file the kernel runs, when its front end says: Jupyter Server's JPY_SESSION_NAME, ipykernel's
    `__session__`, VS Code's `__vsc_ipynb_file__` (strings the front end sets, not the student's objects). A
    path relative to the server's root is looked for beside the kernel, which runs in the notebook's folder."""
    for value in (os.environ.get("JPY_SESSION_NAME"), namespace.get("__vsc_ipynb_file__"),
                  namespace.get("__session__")):
        if not (isinstance(value, str) and value.endswith(".ipynb")):
            continue
        for path in (Path(value).expanduser(), Path.cwd() / Path(value).name):
            try:
                if path.is_file() and path.stat().st_size <= MAX_NOTEBOOK_BYTES:
                    return path
            except OSError:
                continue
    return None


def prompt_inputs() -> list[Input]:
    """The lines typed at this Python prompt (readline's history, less what an earlier session left in the
    history file), as one input whose statements are parsed one by one, as the prompt read them."""
    try:
        import readline
    except ImportError:
        raise NoHistory("this Python has no readline, so the lines you typed cannot be read back") from None
    length = readline.get_current_history_length()
    start = min(length, _loaded_from_file())
    lines = [readline.get_history_item(index) or "" for index in range(start + 1, length + 1)]
    if not lines:
        raise NoHistory("the history of this prompt is empty (the lines you typed are not in readline's history)")
    return [Input("your session", "\n".join(lines), units=_statements(lines))]


def _loaded_from_file() -> int:
    """How many entries Python's prompt loaded from the history file at its start (site.register_readline)."""
    path = Path("~/.python_history").expanduser()
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            entries = handle.read().splitlines()
    except OSError:
        return 0
    return len(entries) - (1 if entries[:1] == ["_HiStOrY_V2_"] else 0)  # libedit's header (macOS)


def _statements(lines: list[str]) -> list[tuple[int, int]]:
    """The (first, last) line of each statement typed, split as the prompt split them: a statement ends when its
    lines compile (or fail to), and a block still open ends at a line back at the margin, where the user typed
    the empty line that readline does not keep."""
    units, start = [], 0
    for index, line in enumerate(lines):
        at_margin = line[:1] not in (" ", "\t") and not _CONTINUES.match(line)
        if index > start and at_margin and _status("\n".join(lines[start:index]) + "\n") is not None:
            units.append((start + 1, index))
            start = index
        if _status("\n".join(lines[start:index + 1])) is not None:
            units.append((start + 1, index + 1))
            start = index + 1
    if start < len(lines):
        units.append((start + 1, len(lines)))
    return units


def _status(source: str) -> bool | None:
    """True: a whole statement; None: it goes on; False: a syntax error (the prompt refused it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return True if codeop.compile_command(source, "<stdin>", "single") is not None else None
        except (SyntaxError, ValueError, OverflowError):
            return False
