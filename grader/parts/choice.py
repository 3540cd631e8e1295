"""Judges a function that answers a question per input, e.g. output_activation(task)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grader.checks.catalog import Finding
from grader.sandbox.calls import Call, Outcome
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

    def calls(self) -> list[Call]:
        return [Call(f"{self.function}#{key}", self.function, (key,)) for key in self.accepted]

    def evaluate(self, outcomes: dict[str, Outcome], constants: dict[str, Any]) -> PartResult:
        result = PartResult(self.function, ran=True)
        for key, accepted in self.accepted.items():
            outcome = outcomes[f"{self.function}#{key}"]
            if not outcome.ok:
                return PartResult(self.function, ran=False, errors=[failure(self.function, outcome)])
            answer = outcome.value.lower() if isinstance(outcome.value, str) else outcome.value
            right = answer in [a.lower() if isinstance(a, str) else a for a in accepted]
            result.conditions[key] = right
            result.messages[key] = f"{self.function}({key!r}) returned {outcome.value!r}"
            if not right:
                shown = " or ".join(repr(a) for a in accepted)
                result.findings.append(Finding(self.mistake, f"{self.function}({key!r}) returned {outcome.value!r}", shown,
                                               f"def:{self.function}"))
        return result
