"""The declarative pieces an exercise spec is made of."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, NoReturn, Protocol

from grader.checks.catalog import Finding
from grader.sandbox.calls import CRASHED, Call, Limits, Outcome


@dataclass(frozen=True)
class RubricItem:
    """Points earned when the part ran, none of `mistakes` was found and every `requires` condition held.

    A `required` item is part of the exercise's goal: the exercise passes only when its score
    reaches the pass mark and every required item passed (its points still count as usual).
    """

    id: str
    title: str
    points: float
    mistakes: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    required: bool = False


@dataclass(frozen=True)
class FunctionError:
    function: str
    kind: str
    message: str
    traceback: str = ""


@dataclass
class PartResult:
    function: str
    ran: bool
    findings: list[Finding] = field(default_factory=list)
    errors: list[FunctionError] = field(default_factory=list)
    conditions: dict[str, bool] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)  # per condition: what was measured
    notes: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


class Part(Protocol):
    """One graded function of an exercise: which calls it needs, the conditions its evaluation sets
    (what its rubric items may `require`, checked when the spec loads) and how to judge the outcomes."""

    function: str
    rubric: tuple[RubricItem, ...]

    def calls(self) -> list[Call]: ...

    def conditions(self) -> tuple[str, ...]: ...

    def evaluate(self, outcomes: dict[str, Outcome], constants: dict[str, Any]) -> PartResult: ...


@dataclass(frozen=True)
class ManualItem:
    """A free-text answer in a module constant: recorded for the instructor, never scored automatically."""

    constant: str
    title: str
    points: float  # awarded by hand, on top of the automatic max_score


@dataclass(frozen=True)
class Exercise:
    name: str
    title: str
    parts: tuple[Part, ...]
    pass_mark: float
    constants: tuple[str, ...] = ()
    limits: Limits = Limits()  # what the student's code may use in the sandbox
    manual: tuple[ManualItem, ...] = ()

    @property
    def max_score(self) -> float:
        return sum(item.points for part in self.parts for item in part.rubric)


class SpecError(ValueError):
    """An exercise spec that cannot grade correctly: refused when it loads, before any submission."""


def validate(exercise: Exercise) -> None:
    """Refuse a spec whose pieces do not fit together, naming the exercise and the offending item.

    Call ids must be unique (the outcomes are keyed by them), and so must rubric item ids (the
    report names checks by id); every mistake id an item names must be in the catalog and every
    condition it requires one its part sets, or the item could never be judged as written.
    """
    from grader.checks import CATALOG

    def refuse(problem: str) -> NoReturn:
        raise SpecError(f"exercise {exercise.name!r}: {problem}")

    if not exercise.parts:
        refuse("it has no parts to grade")
    seen_calls: dict[str, str] = {}
    seen_items: set[str] = set()
    for part in exercise.parts:
        for call in part.calls():
            if call.id in seen_calls:
                first = seen_calls[call.id]
                by = f"twice by {first}" if first == part.function else f"by {first} and by {part.function}"
                refuse(f"call id {call.id!r} is requested {by}; outcomes are kept by call id, so one would "
                       "replace the other: give each call its own id")
            seen_calls[call.id] = part.function
        conditions = set(part.conditions())
        for item in part.rubric:
            where = f"rubric item {item.id!r} of {part.function}"
            if item.id in seen_items:
                refuse(f"rubric item id {item.id!r} is used twice; each check needs its own id")
            seen_items.add(item.id)
            if not (isinstance(item.points, (int, float)) and math.isfinite(item.points) and item.points >= 0):
                refuse(f"{where} is worth {item.points!r} points; expected a finite number, 0 or more")
            unknown = [m for m in item.mistakes if m not in CATALOG]
            if unknown:
                refuse(f"{where} names mistake id(s) {', '.join(map(repr, unknown))}, which the catalog does not have")
            missing = [c for c in item.requires if c not in conditions]
            if missing:
                known = ", ".join(map(repr, sorted(conditions))) or "none"
                refuse(f"{where} requires condition(s) {', '.join(map(repr, missing))}, which {part.function} "
                       f"does not set (it sets: {known})")
    if not 0 <= exercise.pass_mark <= exercise.max_score:
        refuse(f"pass mark {exercise.pass_mark:g} is outside 0 to {exercise.max_score:g}, the points its rubric gives")
    for item in exercise.manual:
        if item.constant not in exercise.constants:
            refuse(f"manual item {item.constant!r} is not among the constants read from the submission "
                   f"({', '.join(exercise.constants) or 'none'})")


def failure(function: str, outcome: Outcome) -> FunctionError:
    return FunctionError(function, outcome.kind or CRASHED, outcome.message, outcome.traceback)
