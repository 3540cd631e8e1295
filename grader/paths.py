"""Where the grader finds its reference solutions, and how it loads one (trusted code, in-process)."""
from __future__ import annotations

import functools
import importlib.util
import os
import types
from pathlib import Path


def reference_dir() -> Path:
    """GRADER_REFERENCE_DIR, else the `reference/` folder of the source checkout the grader runs from."""
    configured = os.environ.get("GRADER_REFERENCE_DIR")
    return Path(configured) if configured else Path(__file__).resolve().parents[1] / "reference"


def reference_file(exercise: str) -> Path:
    return reference_dir() / f"{exercise}.py"


def load_reference(exercise: str) -> types.ModuleType:
    """Import a reference solution as a fresh module. Only ever for the grader's own trusted files."""
    from grader import quiet_tensorflow

    quiet_tensorflow.load()  # references import Keras
    spec = importlib.util.spec_from_file_location(f"reference_{exercise}", reference_file(exercise))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@functools.cache
def reference_function(exercise: str, name: str):
    """One function of a reference solution, loaded once per process (for expected values)."""
    return getattr(load_reference(exercise), name)
