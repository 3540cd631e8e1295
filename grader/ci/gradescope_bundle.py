"""`grader gradescope-bundle NAME`: a Gradescope autograder zip that grades one exercise with this grader.

Gradescope unzips the bundle into /autograder/source/, runs its setup.sh there once when it builds the
image, and its run_autograder (copied to /autograder/) once per submission; see
https://gradescope-autograders.readthedocs.io/en/latest/specs/ . The bundle carries the grader's own
source, so the image grades with exactly the grader that built it.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from grader.paths import reference_dir

if TYPE_CHECKING:
    from grader.spec import Exercise

TEMPLATES = Path(__file__).with_name("templates")
SOURCE_ROOT = Path(__file__).resolve().parents[2]  # the checkout this grader runs from
SOURCE_FOLDER = "nn-grader"  # where that source sits in the bundle; setup.sh installs it from there
# What installing and grading need besides the grader/ package and reference/: no tests, stubs or reports.
SOURCE_FILES = ("pyproject.toml", "README.md", "scripts/install-system-packages")
# Fixed timestamps: the same source always gives the same zip, byte for byte.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class BundleError(Exception):
    """The bundle cannot be built from this installation, or written."""


@dataclass(frozen=True)
class Entry:
    name: str  # path inside the zip
    data: bytes
    executable: bool


def bundle_entries(exercise: Exercise) -> list[Entry]:
    """setup.sh and run_autograder for the exercise, then the grader's source under nn-grader/."""
    missing = [name for name in SOURCE_FILES if not (SOURCE_ROOT / name).is_file()]
    if missing:
        raise BundleError(f"the bundle needs the grader's source checkout, but {SOURCE_ROOT} has no {missing[0]}; "
                          "install the grader with `pip install -e CHECKOUT`")
    references = reference_dir()
    if not (references / f"{exercise.name}.py").is_file():
        raise BundleError(f"no reference solution {references / exercise.name}.py to bundle")
    # Exercise names are Python module names, so they need no quoting in the scripts.
    values = {"@EXERCISE@": exercise.name, "@MAX_SCORE@": f"{exercise.max_score:g}"}
    entries = [_script("setup.sh", values), _script("run_autograder", values)]
    files = [(SOURCE_ROOT / name, name) for name in SOURCE_FILES]
    files += _tree(SOURCE_ROOT / "grader", "grader") + _tree(references, "reference")
    for path, name in files:
        entries.append(Entry(f"{SOURCE_FOLDER}/{name}", path.read_bytes(), bool(path.stat().st_mode & 0o111)))
    return entries


def write_bundle(exercise: Exercise, out: Path) -> list[Entry]:
    """Write the zip to out (built in memory first, so a failed build leaves no half-written file)."""
    entries = bundle_entries(exercise)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for entry in entries:
            info = zipfile.ZipInfo(entry.name, ZIP_TIME)
            info.external_attr = (0o100755 if entry.executable else 0o100644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            bundle.writestr(info, entry.data)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(buffer.getvalue())
    except OSError as exc:
        raise BundleError(f"cannot write {out}: {exc.strerror or exc}") from None
    return entries


def _script(name: str, values: dict[str, str]) -> Entry:
    text = (TEMPLATES / name).read_text(encoding="utf-8")
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    return Entry(name, text.encode("utf-8"), executable=True)


def _tree(folder: Path, prefix: str) -> list[tuple[Path, str]]:
    """The files under folder as (path, name in the bundle), without caches or hidden files."""
    files = []
    for path in sorted(folder.rglob("*")):
        parts = path.relative_to(folder).parts
        if path.is_file() and path.suffix != ".pyc" and not any(p == "__pycache__" or p.startswith(".") for p in parts):
            files.append((path, "/".join((prefix, *parts))))
    return files
