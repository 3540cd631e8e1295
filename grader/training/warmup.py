"""Warm a fresh grader process up while the sandbox runs the student's code.

A cold `grader check` would trace its first training only after the submission ran. The
warm-up grades the exercise's own reference solution in this process meanwhile (trusted
code, through the child's call logic, no sandbox): TensorFlow's tracing machinery is warm
by then, and a student whose network is the lesson's gets the traced training from the
trainer's cache. Judging waits for the warm-up to finish, because both seed Keras' global
random generators.
"""
from __future__ import annotations

import json
import threading

from grader.spec import Exercise

_threads: list[threading.Thread] = []


def start(exercise: Exercise) -> None:
    """Begin warming up for this exercise in a background thread."""
    thread = threading.Thread(target=_warm, args=(exercise,), daemon=True, name="grader-warmup")
    thread.start()
    _threads.append(thread)


def wait() -> None:
    """Block until every warm-up has finished (at once when none was started)."""
    while _threads:
        _threads.pop().join()


def _warm(exercise: Exercise) -> None:
    from grader.paths import load_reference
    from grader.sandbox import child
    from grader.sandbox.calls import call_request, outcome_from_event

    try:
        module = load_reference(exercise.name)
        outcomes = {}
        for call in (c for part in exercise.parts for c in part.calls()):
            event = child._run_call(module, json.loads(json.dumps(call_request(call))), "reference")
            outcomes[call.id] = outcome_from_event(json.loads(json.dumps(event)), call)
        constants = {name: getattr(module, name) for name in exercise.constants if hasattr(module, name)}
        for part in exercise.parts:
            part.evaluate(outcomes, constants)
    except Exception:  # only a head start: the real grading reports any problem itself
        return
