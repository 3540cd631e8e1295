"""Judges a numeric function against the reference implementation on inputs the grader chose."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.checks import run_family
from grader.checks.numeric import NumericCase, NumericSubject, matches, show
from grader.paths import reference_function
from grader.sandbox.calls import NUMBERS, Call, Outcome
from grader.spec import PartResult, RubricItem, failure


@dataclass(frozen=True)
class NumericPart:
    """Each condition names a group of input cases; it holds when every case matches the reference.

    The expected values come from the exercise's reference solution, run in the grader
    (trusted code). `family` names the mistake checks that read the cases (e.g. "softmax").
    Every call gets its own copy of its inputs (they cross the sandbox as data), so a function
    that changes its arguments in place changes neither later inputs nor the expected values.
    """

    function: str
    rubric: tuple[RubricItem, ...]
    cases: dict[str, tuple[tuple, ...]]  # condition -> argument tuples
    reference: str
    family: str | None = None

    def __post_init__(self):
        # The same arrays serve every grading in this process: nothing may change them in place.
        for group in self.cases.values():
            for args in group:
                for arg in args:
                    if isinstance(arg, np.ndarray):
                        arg.setflags(write=False)

    def _calls(self) -> dict[str, list[Call]]:
        """Per condition, a call for each of its argument tuples (each returns a number or an array)."""
        return {condition: [Call.of(self.function, f"{condition}{i}", args, NUMBERS) for i, args in enumerate(group)]
                for condition, group in self.cases.items()}

    def calls(self) -> list[Call]:
        return [call for group in self._calls().values() for call in group]

    def conditions(self) -> tuple[str, ...]:
        """The conditions evaluate sets: one per group of cases."""
        return tuple(self.cases)

    def evaluate(self, outcomes: dict[str, Outcome], constants: dict[str, Any]) -> PartResult:
        implementation = reference_function(self.reference, self.function)
        result = PartResult(self.function, ran=True)
        cases = []
        for condition, group in self._calls().items():
            result.conditions[condition] = True
            for call in group:
                outcome = call.outcome(outcomes)
                if not outcome.ok:
                    return PartResult(self.function, ran=False, errors=[failure(self.function, outcome)])
                case = NumericCase(condition, call.args, outcome.value, implementation(*call.args))
                cases.append(case)
                if not matches(case.got, case.expected) and result.conditions[condition]:
                    result.conditions[condition] = False
                    result.messages[condition] = f"{case.call(self.function)} returned {show(case.got)}; expected {show(case.expected)}"
            result.messages.setdefault(condition, f"{len(group)} cases match the expected values")
        if self.family:
            result.findings = run_family(self.family, NumericSubject(self.function, tuple(cases)))
        return result
