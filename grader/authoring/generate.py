"""`grader generate`: write (or check) the student files that follow from `reference/`.

For every reference/<name>.py with an exercise spec, the stub exercises/<name>.py, and the
notebook exercises/<name>.ipynb when asked for with --notebooks or when it already exists
(so a plain `grader generate` never leaves a notebook stale). `--check` writes nothing and
lists what is out of date.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from grader.authoring.markers import make_stub, strip_markers
from grader.authoring.notebooks import dumps, notebook_from_source

STUB_HEADER = ("# Generated from {source} by `grader generate`: maintainers, edit the reference and\n"
               "# regenerate instead of editing this file by hand. Students: this file is yours to fill in.\n")
SOLUTION_HEADER = ("# The solution, generated from {source} by `grader generate --solutions`.\n"
                   "# Not for students; edit the reference, not this file.\n")
MAX_DIFF_LINES = 40


class GenerateError(ValueError):
    pass


@dataclass(frozen=True)
class Output:
    """One file `grader generate` writes: where, and its exact text."""
    path: Path
    text: str
    source: Path  # the reference it comes from


def exercise_names(reference_dir: Path, requested: list[str] | None = None) -> list[str]:
    """The exercises to generate: those asked for, else every reference with an exercise spec."""
    from grader.exercises import names

    known = names()
    if requested:
        for name in requested:
            if name not in known:
                raise GenerateError(f"unknown exercise {name!r}; known: {', '.join(known)}")
            if not (reference_dir / f"{name}.py").is_file():
                raise GenerateError(f"no reference file {reference_dir / f'{name}.py'} for exercise {name!r}")
        return list(dict.fromkeys(requested))
    return [name for name in known if (reference_dir / f"{name}.py").is_file()]


def outputs(name: str, reference_dir: Path, out_dir: Path, notebooks: bool = False,
            solutions: bool = False) -> list[Output]:
    """The files for one exercise. With solutions=True, the solution code instead of the stubs."""
    reference = reference_dir / f"{name}.py"
    label = f"reference/{name}.py"  # fixed, so the output does not depend on where the checkout is
    source = reference.read_text(encoding="utf-8")
    body = strip_markers(source, str(reference)) if solutions else make_stub(source, str(reference))
    header = (SOLUTION_HEADER if solutions else STUB_HEADER).format(source=label)
    files = [Output(out_dir / f"{name}.py", header + body, reference)]
    notebook_path = out_dir / f"{name}.ipynb"
    if notebooks or notebook_path.exists():
        files.append(Output(notebook_path, dumps(notebook_from_source(body, name, generated_from=label)), reference))
    return files


def solution_notebook(name: str, reference_dir: Path) -> str:
    """The text of a notebook holding the reference's solution code (for testing notebook grading)."""
    reference = reference_dir / f"{name}.py"
    body = strip_markers(reference.read_text(encoding="utf-8"), str(reference))
    return dumps(notebook_from_source(body, name, generated_from=f"reference/{name}.py"))


def write(files: list[Output]) -> list[Output]:
    """Write the files whose text changed; returns those."""
    changed = [f for f in files if _current(f.path) != f.text]
    for f in changed:
        f.path.parent.mkdir(parents=True, exist_ok=True)
        f.path.write_text(f.text, encoding="utf-8", newline="\n")
    return changed


def stale(files: list[Output], shown=str) -> list[tuple[Output, str]]:
    """The files that are missing or differ from what would be generated, each with a short unified diff.

    shown(path) is how the diff names a file.
    """
    found = []
    for f in files:
        current = _current(f.path)
        if current == f.text:
            continue
        if current is None:
            found.append((f, "(missing)"))
            continue
        diff = list(difflib.unified_diff(current.splitlines(), f.text.splitlines(), f"{shown(f.path)} (now)",
                                         f"{shown(f.path)} (generated)", lineterm=""))
        if len(diff) > MAX_DIFF_LINES:
            diff = diff[:MAX_DIFF_LINES] + [f"... {len(diff) - MAX_DIFF_LINES} more diff lines"]
        found.append((f, "\n".join(diff)))
    return found


def _current(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        return ""
