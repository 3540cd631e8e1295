"""Judges a function that answers a question per input, e.g. output_activation(task)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grader.checks.catalog import Finding
from grader.sandbox.calls import TEXT_OR_NONE, Call, Outcome, shown
from grader.source_lines import answer_hint
from grader.spec import PartResult, RubricItem, failure


@dataclass(frozen=True)
class ChoicePart:
    """Each rubric item `<function>-<input>` passes when the answer for that input is accepted.

    `accepted` maps each input to the answers counted as right (compared case-insensitively;
    None stands for Python's None). A wrong answer is reported under `mistake`.
    """

    rubric: tuple[RubricItem, ...]
    accepted: dict
    mistake: str
    function: str

    def conditions(self) -> tuple[str, ...]:
        """One per input: whether its answer was accepted."""
        return tuple(self.accepted)

    def calls(self) -> list[Call]:
        """One call per input, its only argument; every answer must be a string or None."""
        return [Call.of(self.function, key, (key,), TEXT_OR_NONE) for key in self.accepted]

    def evaluate(self, outcomes: dict[str, Outcome], constants: dict[str, Any]) -> PartResult:
        result = PartResult(self.function, ran=True)
        for call in self.calls():
            key, = call.args
            accepted = self.accepted[key]
            outcome = call.outcome(outcomes)
            if not outcome.ok:
                return PartResult(self.function, ran=False, errors=[failure(self.function, outcome)])
            answer = outcome.value.lower() if isinstance(outcome.value, str) else outcome.value
            right = answer in [a.lower() if isinstance(a, str) else a for a in accepted]
            result.conditions[key] = right
            result.messages[key] = f"{self.function}({key!r}) returned {shown(outcome.value)}"
            if not right:
                result.findings.append(Finding(self.mistake, result.messages[key], " or ".join(repr(a) for a in accepted),
                                               answer_hint(key, outcome.value)))
        return result
