"""Test harness: grade example code in-process, skipping only the process boundary.

The tests' example code is trusted, so it runs here through the child's own call logic
(grader.sandbox.child) and the grader's own decoding, which keeps examples fast while
exercising everything else the real pipeline does. End-to-end tests use the sandbox.
"""
from __future__ import annotations

import dataclasses
import json
import textwrap
import types
from pathlib import Path

from grader.exercises import load
from grader.grading import grade_outcomes
from grader.paths import load_reference
from grader.sandbox import child
from grader.sandbox.calls import call_request, outcome_from_event

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "reference"


def example_module(source: str, exercise: str = "iris_net", path: str = "example.py") -> types.ModuleType:
    """The reference module with the example's definitions laid over it."""
    module = load_reference(exercise)
    exec(compile(textwrap.dedent(source), path, "exec"), module.__dict__)
    return module


def grade_source(source: str, exercise: str = "iris_net", *, light: bool = True, **part_overrides) -> dict:
    """Grade example code (functions it leaves out come from the reference).

    light=True trains one seed for few epochs: enough to run every check, far faster.
    part_overrides replaces fields of the model part (e.g. seeds=(0, 1, 2)).
    """
    spec = load(exercise)
    if light or part_overrides:
        parts = []
        for part in spec.parts:
            if hasattr(part, "budget"):
                changes = {"seeds": (0,), "budget": dataclasses.replace(part.budget, epochs=40)} if light else {}
                part = dataclasses.replace(part, **{**changes, **part_overrides})
            parts.append(part)
        spec = dataclasses.replace(spec, parts=tuple(parts))
    module = example_module(source, exercise)
    outcomes = {}
    for call in [c for part in spec.parts for c in part.calls()]:
        request = json.loads(json.dumps(call_request(call)))
        outcomes[call.id] = outcome_from_event(json.loads(json.dumps(child._run_call(module, request, "example.py"))), call)
    constants = {name: getattr(module, name) for name in spec.constants if hasattr(module, name)}
    if light and "EPOCHS" not in textwrap.dedent(source):
        constants.pop("EPOCHS", None)
    return grade_outcomes(spec, outcomes, constants, textwrap.dedent(source))


def mistake_ids(report: dict) -> set[str]:
    return {m["id"] for m in report["mistakes"]}


def reference_with(**replacements: str) -> str:
    """The reference source with whole functions replaced, as a student would edit it."""
    source = (REFERENCE / "iris_net.py").read_text()
    for name, new in replacements.items():
        start = source.index(f"def {name}(")
        end = source.find("\ndef ", start + 1)
        source = source[:start] + new.strip() + "\n\n" + (source[end + 1:] if end != -1 else "")
    return source
