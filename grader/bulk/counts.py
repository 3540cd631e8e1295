"""The counts of a bulk run, defined once: the progress bar, the final terminal line and the class
summary page all print a `Counts`, with the same words, so they cannot tell different stories.

Every grading in the class outputs has exactly one outcome:

- passed, failed: graded; the score reached the pass mark, or did not;
- errored: the student's code could not be graded for a reason of theirs: none of its functions could
  be graded (the file did not compile or import, timed out or crashed while importing, was too large,
  or was a notebook that could not be read); it has a report when the grader got that far;
- grader-error: the grader itself failed on it (a bug to report; regrade once it is fixed);
- malformed: the student's whole submission could not be opened (no exercise file in it, a broken
  or unsafe archive); it is one grading with no exercise.

`kept` says how many of those gradings this run did not make: they were already in the gradebook
(unchanged since the last run), or were left alone by `--student`/`--exercise`.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

OUTCOMES = ("passed", "failed", "errored", "grader-error", "malformed")
LABELS = {"passed": "passed", "failed": "failed", "errored": "could not be graded",
          "grader-error": "grader errors", "malformed": "malformed submissions"}
SINGULAR = {"grader-error": "grader error", "malformed": "malformed submission"}
EXPLAINED = {
    "passed": "graded, and the score reached the pass mark",
    "failed": "graded, and the score is below the pass mark or a required check failed",
    "errored": "none of the student's functions could be graded (the file did not compile or import, timed out or "
               "crashed while importing, was too large or could not be read); scored 0 when a report was made",
    "grader-error": "the grader itself failed: not the student's doing; regrade once it is fixed",
    "malformed": "the whole submission could not be opened (no exercise file in it, a broken or unsafe archive)",
}


def outcome(row: dict[str, Any]) -> str:
    """The outcome of one gradebook row (see the module docstring)."""
    if row["exercise"] is None:
        return "malformed"
    if row["status"] != "graded":
        return "grader-error" if row["error_kind"] == "grader-error" else "errored"
    if code_errors(row["report"]["exercises"][0]):
        return "errored"
    return "passed" if row["passed"] else "failed"


def code_errors(exercise: dict[str, Any]) -> list[dict[str, Any]]:
    """The errors that kept all of the student's code from being graded: a failure of the whole file (it did
    not compile or import, timed out or crashed while importing, was too large) that left none of its functions
    graded. Code outside the functions that failed after they were defined (a notebook's try-out cell) is not one:
    the functions were graded anyway; nor is one function that raised or timed out: it earned nothing, the rest
    were graded. A `<module>` error without "not_graded" (reports of earlier versions) left nothing graded."""
    functions = {check["function"] for check in exercise["checks"]}
    return [e for e in exercise["errors"]
            if e["function"] == "<module>" and functions <= set(e.get("not_graded", functions))]


@dataclass
class Counts:
    """How many gradings have each outcome, and how many of them this run did not make (kept)."""

    by_outcome: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    kept: int = 0

    @classmethod
    def of(cls, outcomes: Iterable[str], kept: int = 0) -> Counts:
        counts = cls(kept=kept)
        for name in outcomes:
            counts.add(name)
        return counts

    def add(self, name: str) -> None:
        self.by_outcome[name] += 1

    @property
    def gradings(self) -> int:
        return sum(self.by_outcome.values())

    @property
    def made(self) -> int:
        """Gradings this run made."""
        return self.gradings - self.kept

    def outcomes(self) -> str:
        """'3 passed, 1 failed, 0 could not be graded, 0 grader errors, 1 malformed submission'."""
        return ", ".join(f"{n} {label(name, n)}" for name, n in self.by_outcome.items())

    def run(self) -> str:
        """What this run did: '4 graded by this run, 1 kept from earlier runs'."""
        return f"{self.made} graded by this run, {self.kept} kept from earlier runs"

    def as_dict(self) -> dict[str, int]:
        return {**self.by_outcome, "gradings": self.gradings, "made": self.made, "kept": self.kept}


def label(name: str, n: int) -> str:
    """The words for an outcome, in the singular for one."""
    return SINGULAR.get(name, LABELS[name]) if n == 1 else LABELS[name]
