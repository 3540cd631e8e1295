"""`grader.check()`: the verdict of `grader check` from inside a notebook, a script or the Python prompt.

What is graded is source, never the session's live objects, and the grading never runs in the student's
process (grader.kernel.answer: the user's grading service, else a `grader check --no-daemon` process):

- In an IPython kernel (Jupyter, Colab, VS Code, the `ipython` shell): the inputs the session ran, in the order
  they ran, as a notebook of one code cell per input, reduced to the latest version you ran of each function,
  constant and import (grader.kernel.reduce: try-out statements, earlier versions of re-run cells, cells that
  did not parse and statements that raised are commented out). The feedback names cells as the kernel
  numbered them ("In [12], line 3"). The official grade is of the notebook as saved, run top to bottom: save
  it and run it from the top (Kernel > Restart & Run All) to see exactly that.
- In a script (`python iris_net.py`): the script's file, as `grader check iris_net.py` grades it.
- At the plain Python prompt: the lines typed this session (readline's history), reduced like a kernel's.

With no name, the exercise is the one the notebook's metadata names (`grader generate --notebooks` writes it),
else the notebook's or the script's file name, else the one whose graded functions the session defined.
"""
from __future__ import annotations

import ast
import html
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.kernel.answer import Answer, answer, make_job
from grader.kernel.exercise import NotChecked, exercise_for
from grader.kernel.history import NoHistory, kernel_inputs, kernel_notebook, prompt_inputs
from grader.kernel.reduce import Reduced, reduce_inputs

_said = set()  # the isolation notices said in this process: each once, as the CLI says it once per run


@dataclass(repr=False)
class CheckResult:
    """The verdict of one grader.check(): shown as the compact HTML summary in a notebook, as text elsewhere.

    report is the full report (None when nothing was graded: message then says why); cells maps the report's
    cell numbers to the labels the student sees ("In [12]")."""
    report: dict[str, Any] | None = None
    message: str = ""
    cells: dict[int, str] | None = None

    @property
    def passed(self) -> bool:
        """Whether every graded exercise passed (False when nothing was graded)."""
        from grader.report import all_passed

        return self.report is not None and all_passed(self.report)

    @property
    def score(self) -> float | None:
        """The exercise's score (None when nothing was graded)."""
        return self.report["exercises"][0]["score"] if self.report and self.report["exercises"] else None

    def _repr_html_(self) -> str:
        if self.report is None:
            return f'<pre style="white-space:pre-wrap">{html.escape(self.message)}</pre>'
        from grader.render.notebook import summary_html

        return summary_html(self.report, self.cells)

    def __str__(self) -> str:
        if self.report is None:
            return self.message
        from grader.render.notebook import summary_text

        return summary_text(self.report, self.cells)

    __repr__ = __str__


def check(name: str | None = None) -> CheckResult:
    """Grade your current work on exercise `name` (default: the one this notebook or script is for).

    In a notebook, grader.check() grades the latest version you ran of each function, constant and import; the
    official grade is of the notebook as saved, run top to bottom. In a script it grades the script's file, at
    the Python prompt the lines you typed. Returns the verdict: .passed, .score, .report (the full report)."""
    result = _checked(name)
    if _shell() is None and not hasattr(sys, "ps1"):  # a script: nobody displays the value returned
        print(result)
    return result


def _checked(name: str | None) -> CheckResult:
    try:
        exercise, suffix, shown, content, cells = _submission(name)
    except (NotChecked, NoHistory) as exc:
        return CheckResult(message=str(exc) if isinstance(exc, NotChecked) else _no_history(exc))
    graded = answer(make_job(exercise, f"{exercise}{suffix}", shown, content))
    _say_once(graded)
    return CheckResult(graded.report, f"grader.check({exercise!r}): {graded.message}" if graded.message else "", cells)


def _submission(name: str | None) -> tuple[str, str, str, bytes, dict[int, str] | None]:
    """(exercise, file suffix, the name the report shows, the file's content, the notebook's cell labels)."""
    shell = _shell()
    if shell is not None:
        namespace = shell.user_ns
        inputs = kernel_inputs(shell)
        notebook = kernel_notebook(namespace)
        exercise = exercise_for(name, notebook=notebook, defined=reduce_inputs(inputs, namespace).names)
        reduced = reduce_inputs(inputs, namespace, _graded_names(exercise))
        _refuse_empty(reduced, exercise, "Run the cells that define your functions")
        shown = f"{notebook.name if notebook else 'this notebook'}, as run in this kernel"
        labels = {number: label for number, (label, _) in enumerate(reduced.cells, start=1)}
        return exercise, ".ipynb", shown, _notebook(reduced), labels
    main = sys.modules.get("__main__")
    script = getattr(main, "__file__", None)
    if script:
        path = Path(script)
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise NotChecked(f"grader.check() cannot read this script, {path}: {exc.strerror or exc}. Save it and "
                             f"run `grader check {path.name}`.") from None
        exercise = exercise_for(name, script=path, defined=_defined(content))
        return exercise, ".py", path.name, content, None
    if not hasattr(sys, "ps1") and not sys.flags.interactive:
        raise NotChecked("grader.check() finds no code to grade here (no notebook, script or Python prompt). Save "
                         "your code in a file and run `grader check FILE`.")
    inputs = prompt_inputs()
    exercise = exercise_for(name, defined=reduce_inputs(inputs, vars(main)).names)
    reduced = reduce_inputs(inputs, vars(main), _graded_names(exercise))
    _refuse_empty(reduced, exercise, "Type or paste your functions")
    return exercise, ".py", "the lines typed at this Python prompt", reduced.cells[0][1].encode() + b"\n", None


def _graded_names(exercise: str) -> set[str]:
    """The functions the exercise calls and the constants it reads."""
    from grader.exercises import load

    spec = load(exercise)
    return {call.function for part in spec.parts for call in part.calls()} | set(spec.constants)


def _defined(content: bytes) -> set[str]:
    """The names a script's top-level statements bind (none when it does not parse)."""
    from grader.source_lines import UNPARSEABLE
    from grader.submission.definitions import bound

    try:
        return {name for statement in ast.parse(content).body for name in bound(statement)}
    except UNPARSEABLE:
        return set()


def _shell():
    """The IPython shell this runs in, or None (IPython is never imported here)."""
    ipython = sys.modules.get("IPython")
    return ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None


def _notebook(reduced: Reduced) -> bytes:
    """A notebook (nbformat 4) of the kept inputs, one code cell each, in the order they ran."""
    import json

    cells = [{"cell_type": "code", "id": f"cell-{number}", "metadata": {}, "execution_count": None, "outputs": [],
              "source": text} for number, (_, text) in enumerate(reduced.cells, start=1)]
    notebook = {"cells": cells, "metadata": {"language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(notebook, indent=1).encode()


def _refuse_empty(reduced: Reduced, exercise: str, fix: str) -> None:
    if not reduced.cells:
        raise NotChecked(f"grader.check({exercise!r}): nothing to grade yet: this session has run no import, "
                         f"function or constant that is still defined. {fix}, then check again.")


def _no_history(exc: NoHistory) -> str:
    return (f"grader.check() cannot read what you typed: {exc}. Save your code in a file (for example "
            "iris_net.py) and run `grader check iris_net.py` in a terminal.")


def _say_once(graded: Answer) -> None:
    """The sandbox's isolation notice (bubblewrap missing), on stderr once per session, as the CLI says it."""
    if graded.notice and graded.notice not in _said:
        _said.add(graded.notice)
        print(graded.notice, file=sys.stderr)
