"""The declarative pieces an exercise spec is made of."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from grader.checks.catalog import Finding
from grader.sandbox.calls import CRASHED, Call, Limits, Outcome


@dataclass(frozen=True)
class RubricItem:
    """Points earned when the part ran, none of `mistakes` was found and every `requires` condition held."""

    id: str
    title: str
    points: float
    mistakes: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()


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
    """One graded function of an exercise: which calls it needs and how to judge their outcomes."""

    function: str
    rubric: tuple[RubricItem, ...]

    def calls(self) -> list[Call]: ...

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


def failure(function: str, outcome: Outcome) -> FunctionError:
    return FunctionError(function, outcome.kind or CRASHED, outcome.message, outcome.traceback)
