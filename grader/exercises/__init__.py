"""Exercise specs: one module per exercise, each defining SPEC. Adding a module adds an exercise.

A spec is validated when it loads (grader.spec.validate): a wrong one is refused with a
SpecError naming the exercise and the offending item, before any submission is graded.
"""
from __future__ import annotations

import importlib
import pkgutil

from grader.spec import Exercise, SpecError, validate


class UnknownExercise(LookupError):
    pass


def names() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def load(name: str) -> Exercise:
    """The validated spec of exercise `name`; UnknownExercise for a name no module has, SpecError for a wrong spec."""
    if name not in names():
        raise UnknownExercise(f"unknown exercise {name!r}; known: {', '.join(names())}")
    spec = getattr(importlib.import_module(f"{__name__}.{name}"), "SPEC", None)
    if not isinstance(spec, Exercise):
        raise SpecError(f"exercise {name!r}: grader/exercises/{name}.py defines no SPEC = Exercise(...)")
    if spec.name != name:
        raise SpecError(f"exercise {name!r}: its SPEC is named {spec.name!r}; the name must be the module's")
    validate(spec)
    return spec
