"""Judges answers given as module constants, e.g. multiple-choice letters Q1 = "b"."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from grader.sandbox.calls import MAX_TEXT_CONSTANT_CHARS, Call, Outcome, shown
from grader.spec import PartResult, RubricItem

# The sandbox's own mark at the end of a string it had to cut (grader.sandbox.wire.text).
_CUT_BY_SANDBOX = re.compile(r"\.\.\. \((\d+) more characters\)$")


@dataclass(frozen=True)
class FreeText:
    """A free-text answer as the student wrote it: its whole text, its length and how it was written."""

    text: str  # stripped; several strings are joined with spaces
    chars: int  # of the whole answer, also when the sandbox passed on only its beginning
    note: str = ""  # how it was written or read, when that is not simply one whole string

    @property
    def words(self) -> int:
        return len(self.text.split())


def free_text(value: Any) -> FreeText:
    """What a free-text constant holds: a string, or strings separated by commas (a tuple or list,
    e.g. commas at the line ends of a long answer), which are what the student wrote, joined.
    Anything else is no answer, with a note saying what it was."""
    if isinstance(value, str):
        pieces, note = [value], ""
    elif isinstance(value, (tuple, list)) and value and all(isinstance(piece, str) for piece in value):
        pieces = list(value)
        note = (f"written as {len(pieces)} strings separated by commas (a tuple or list); recorded joined. "
                "Without the commas Python joins them into one string")
    else:
        return FreeText("", 0, "" if value is None else f"not text ({shown(value)}); write the answer as a string")
    text = " ".join(piece.strip() for piece in pieces if piece.strip())
    chars = len(text)
    cut = _CUT_BY_SANDBOX.search(text) if len(pieces) == 1 and len(value) == MAX_TEXT_CONSTANT_CHARS else None
    if cut:
        text = text[:cut.start()]
        chars = len(value) - len(cut.group(0)) + int(cut.group(1))
        note = f"only its first {len(text):,} characters were read; its words are counted in those"
    return FreeText(text, chars, note)


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

    def conditions(self) -> tuple[str, ...]:
        """The conditions evaluate sets: one per question, named after its constant."""
        return tuple(q.constant for q in self.questions)

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
            elif isinstance(answer, tuple) and len(answer) == 1 and isinstance(answer[0], str):
                result.messages[name] = (f"{name} = {shown(answer)} is a tuple, not a letter: "
                                         "remove the comma after the string")
            elif given is None:
                result.messages[name] = f"{name} = {shown(answer)} is not a letter (set it to a letter, as a string)"
            else:
                result.messages[name] = f"{name} = {shown(answer)} is not the best answer. Hint: {question.hint}"
        return result
