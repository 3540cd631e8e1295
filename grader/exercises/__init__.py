"""Exercise specs: one module per exercise, each defining SPEC. Adding a module adds an exercise."""
from __future__ import annotations

import importlib
import pkgutil

from grader.spec import Exercise


class UnknownExercise(LookupError):
    pass


def names() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def load(name: str) -> Exercise:
    if name not in names():
        raise UnknownExercise(f"unknown exercise {name!r}; known: {', '.join(names())}")
    return importlib.import_module(f"{__name__}.{name}").SPEC
