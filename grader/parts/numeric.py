"""Judges a numeric function against the reference implementation on inputs the grader chose."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grader.checks import run_family
from grader.checks.numeric import NumericCase, NumericSubject, matches, show
from grader.paths import reference_function
from grader.sandbox.calls import Call, Outcome
from grader.spec import PartResult, RubricItem, failure


@dataclass(frozen=True)
class NumericPart:
    """Each condition names a group of input cases; it holds when every case matches the reference.

    The expected values come from the exercise's reference solution, run in the grader
    (trusted code). `family` names the mistake checks that read the cases (e.g. "softmax").
    """

    function: str
    rubric: tuple[RubricItem, ...]
    cases: dict[str, tuple[tuple, ...]]  # condition -> argument tuples
    reference: str
    family: str | None = None

    def calls(self) -> list[Call]:
        return [Call(f"{self.function}#{condition}{i}", self.function, args)
                for condition, group in self.cases.items() for i, args in enumerate(group)]

    def evaluate(self, outcomes: dict[str, Outcome], constants: dict[str, Any]) -> PartResult:
        implementation = reference_function(self.reference, self.function)
        result = PartResult(self.function, ran=True)
        cases = []
        for condition, group in self.cases.items():
            result.conditions[condition] = True
            for i, args in enumerate(group):
                outcome = outcomes[f"{self.function}#{condition}{i}"]
                if not outcome.ok:
                    return PartResult(self.function, ran=False, errors=[failure(self.function, outcome)])
                case = NumericCase(condition, args, outcome.value, implementation(*args))
                cases.append(case)
                if not matches(case.got, case.expected) and result.conditions[condition]:
                    result.conditions[condition] = False
                    result.messages[condition] = f"{case.call(self.function)} returned {show(case.got)}; expected {show(case.expected)}"
            result.messages.setdefault(condition, f"{len(group)} cases match the expected values")
        if self.family:
            result.findings = run_family(self.family, NumericSubject(self.function, tuple(cases)))
        return result
