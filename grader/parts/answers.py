"""Judges answers given as module constants, e.g. multiple-choice letters Q1 = "b"."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grader.sandbox.calls import Call, Outcome, shown
from grader.spec import PartResult, RubricItem


@dataclass(frozen=True)
class Question:
    constant: str  # the module constant holding the answer
    title: str
    accepted: tuple[str, ...]  # right answers, compared case-insensitively
    hint: str  # a nudge towards the lesson's point, shown for a wrong answer (not the answer itself)
    points: float


@dataclass(frozen=True)
class AnswersPart:
    """One rubric item per question; it passes when the constant holds an accepted answer."""

    questions: tuple[Question, ...]
    function: str = "answers"

    @property
    def rubric(self) -> tuple[RubricItem, ...]:
        return tuple(RubricItem(q.constant.lower(), q.title, q.points, requires=(q.constant,)) for q in self.questions)

    def calls(self) -> list[Call]:
        return []  # the answers arrive as module constants

    def evaluate(self, outcomes: dict[str, Outcome], constants: dict[str, Any]) -> PartResult:
        """Total over any decoded constant: only a string can be an answer, and a value is shown bounded."""
        result = PartResult(self.function, ran=True)
        for question in self.questions:
            name, answer = question.constant, constants.get(question.constant)
            given = answer.strip().lower() if isinstance(answer, str) else None
            right = given in question.accepted
            result.conditions[name] = right
            if right:
                result.messages[name] = f"{name} = {shown(answer)}"
            elif answer is None or given == "":
                result.messages[name] = f"{name} is not answered yet (set it to a letter)"
            elif given is None:
                result.messages[name] = f"{name} = {shown(answer)} is not a letter (set it to a letter, as a string)"
            else:
                result.messages[name] = f"{name} = {shown(answer)} is not the best answer. Hint: {question.hint}"
        return result
