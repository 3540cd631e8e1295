"""Progress of a bulk run: a bar with counts and an ETA on a terminal, plain lines otherwise.

A label names a student and an exercise file, both untrusted: it is written with every control
character shown as an escape, so it cannot colour, move the cursor or forge another line.
"""
from __future__ import annotations

import shutil
import sys
import time
from typing import TextIO

from grader.bulk.counts import Counts, label as outcome_label
from grader.render.escape import visible

BAR_WIDTH = 24


class Progress:
    """total: every grading the class outputs will hold; counts: those known before this run grades any
    (kept from earlier runs), so the last line shows the same counts as the final terminal line and the summary."""

    def __init__(self, total: int, stream: TextIO = sys.stderr, interactive: bool | None = None,
                 counts: Counts | None = None):
        self.total = total
        self.stream = stream
        self.interactive = stream.isatty() if interactive is None else interactive
        self.counts = counts or Counts()
        self.started = time.monotonic()

    @property
    def done(self) -> int:
        return self.counts.gradings

    def update(self, outcome: str, label: str) -> None:
        """One more grading made; outcome is one of grader.bulk.counts.OUTCOMES."""
        self.counts.add(outcome)
        if self.interactive:
            width = shutil.get_terminal_size((100, 20)).columns - 1
            self.stream.write("\r" + self._bar(width)[:width].ljust(width))
        else:
            self.stream.write(f"[{self.done}/{self.total}] {visible(label)}: {outcome_label(outcome, 1)}  "
                              f"({self._counts()}; {self._eta()})\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.interactive and self.counts.made:
            self.stream.write("\n")
            self.stream.flush()

    def _bar(self, width: int) -> str:
        # A terminal line must fit: the outcomes none has reached yet are left out here (never in a log), and
        # the bar itself goes before any count does.
        shown = ", ".join(f"{n} {outcome_label(name, n)}" for name, n in self.counts.by_outcome.items() if n)
        kept = f"; {self.counts.kept} kept" if self.counts.kept else ""
        text = f"{self.done}/{self.total}  {self._eta()}  {shown}{kept}"
        if len(text) + BAR_WIDTH + 3 > width:
            return text
        filled = BAR_WIDTH * self.done // max(self.total, 1)
        return f"[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {text}"

    def _counts(self) -> str:
        kept = f"; {self.counts.kept} kept from earlier runs" if self.counts.kept else ""
        return self.counts.outcomes() + kept

    def _eta(self) -> str:
        left = self.total - self.done
        if not left:
            return f"done in {_duration(time.monotonic() - self.started)}"
        seconds = (time.monotonic() - self.started) / max(self.counts.made, 1) * left
        return f"ETA {_duration(seconds)}"


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"
