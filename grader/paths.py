"""Where the grader finds its reference solutions."""
from __future__ import annotations

import os
from pathlib import Path


def reference_dir() -> Path:
    """GRADER_REFERENCE_DIR, else the `reference/` folder of the source checkout the grader runs from."""
    configured = os.environ.get("GRADER_REFERENCE_DIR")
    return Path(configured) if configured else Path(__file__).resolve().parents[1] / "reference"


def reference_file(exercise: str) -> Path:
    return reference_dir() / f"{exercise}.py"
