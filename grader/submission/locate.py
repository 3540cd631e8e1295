"""Which exercise files a submission folder holds."""
from __future__ import annotations

from pathlib import Path


def exercise_files(folder: Path, names: list[str]) -> tuple[list[tuple[Path, str]], list[str]]:
    """The (file, exercise) pairs in folder, and notes about files passed over.

    For each exercise, folder/<name>.py, then folder/<name>.ipynb, then the same in its
    exercises/ subfolder; the first found is graded (a .py wins over a notebook beside it).
    """
    found, notes = [], []
    for name in names:
        for place in (folder, folder / "exercises"):
            script, notebook = place / f"{name}.py", place / f"{name}.ipynb"
            if script.is_file():
                if notebook.is_file():
                    notes.append(f"grading {script}, not the notebook {notebook} beside it (name the notebook to grade it)")
                found.append((script, name))
                break
            if notebook.is_file():
                found.append((notebook, name))
                break
    return found, notes


def submission_root(folder: Path, names: list[str]) -> Path:
    """The folder to search: folder itself, or the one folder inside it when it holds nothing else
    (a zip of a repository usually unpacks to `<repo>-main/...`)."""
    while not exercise_files(folder, names)[0]:
        entries = [entry for entry in folder.iterdir() if not entry.name.startswith((".", "__MACOSX"))]
        if len(entries) != 1 or not entries[0].is_dir() or entries[0].is_symlink():
            break
        folder = entries[0]
    return folder
