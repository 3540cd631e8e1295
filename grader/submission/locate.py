"""Which exercise files a submission folder holds.

A submission folder is untrusted: it may nest thousands of levels, hold 100,000 files or links
that loop. Everything here looks at a bounded number of entries, at most MAX_DEPTH folders
down, and never follows a link to a folder, so such a folder costs no more than a normal one.
"""
from __future__ import annotations

import os
from collections import deque
from pathlib import Path

MAX_DEPTH = 32
"""Folders deep the grader looks into a submission, and the deepest path it unpacks from a zip:
far beyond any repository's layout (a Python package rarely nests more than five)."""

MAX_LISTED = 2_000
"""Entries `listing` reads in all: enough to tell two versions of a normal submission apart."""


def exercise_files(folder: Path, names: list[str]) -> tuple[list[tuple[Path, str]], list[str]]:
    """The (file, exercise) pairs in folder, and notes about files passed over.

    For each exercise, folder/<name>.py, then folder/<name>.ipynb, then the same in its
    exercises/ subfolder; the first found is graded (a .py wins over a notebook beside it).
    """
    found, notes = [], []
    for name in names:
        for place in (folder, folder / "exercises"):
            script, notebook = place / f"{name}.py", place / f"{name}.ipynb"
            if _is_file(script):
                if _is_file(notebook):
                    notes.append(f"grading {script}, not the notebook {notebook} beside it (name the notebook to grade it)")
                found.append((script, name))
                break
            if _is_file(notebook):
                found.append((notebook, name))
                break
    return found, notes


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # a path too long to open, say: then it holds no exercise file
        return False


def submission_root(folder: Path, names: list[str]) -> Path:
    """The folder to search: folder itself, or the one folder inside it when it holds nothing else
    (a zip of a repository usually unpacks to `<repo>-main/...`), at most MAX_DEPTH levels down."""
    for _ in range(MAX_DEPTH):
        if exercise_files(folder, names)[0]:
            break
        inner = _only_folder(folder)
        if inner is None:
            break
        folder = inner
    return folder


def _only_folder(folder: Path) -> Path | None:
    """The one visible entry of folder if it is a folder (not a link), else None; reads at most two entries."""
    visible = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if not entry.name.startswith((".", "__MACOSX")):
                    visible.append(entry)
                    if len(visible) > 1:
                        return None
            if len(visible) == 1 and visible[0].is_dir(follow_symlinks=False):
                return folder / visible[0].name
    except OSError:  # unreadable, or a path too long to open
        pass
    return None


def listing(folder: Path) -> list[str]:
    """What folder holds, as paths relative to it (folders end in `/`): breadth first, sorted within each
    folder, at most MAX_LISTED entries and MAX_DEPTH levels; links are listed, never followed."""
    found: list[str] = []
    queue: deque[tuple[Path, str, int]] = deque([(folder, "", 0)])
    while queue and len(found) < MAX_LISTED:
        path, prefix, depth = queue.popleft()
        try:
            with os.scandir(path) as scan:  # a folder of 100,000 files is read only as far as needed
                entries = sorted((entry.name, entry.is_dir(follow_symlinks=False))
                                 for _, entry in zip(range(MAX_LISTED - len(found)), scan))
        except OSError:  # unreadable, or a path too long to open
            continue
        for name, is_folder in entries:
            found.append(f"{prefix}{name}{'/' if is_folder else ''}")
            if is_folder and depth + 1 < MAX_DEPTH:
                queue.append((path / name, f"{prefix}{name}/", depth + 1))
    return found
