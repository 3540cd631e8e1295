"""Progress of a bulk run: a bar with counts and an ETA on a terminal, plain lines otherwise.

A label names a student and an exercise file, both untrusted: it is written with every control
character shown as an escape, so it cannot colour, move the cursor or forge another line.
"""
from __future__ import annotations

import shutil
import sys
import time
from typing import TextIO

from grader.render.escape import visible

BAR_WIDTH = 24


class Progress:
    def __init__(self, total: int, stream: TextIO = sys.stderr, interactive: bool | None = None):
        self.total = total
        self.stream = stream
        self.interactive = stream.isatty() if interactive is None else interactive
        self.counts = {"passed": 0, "failed": 0, "errored": 0}
        self.started = time.monotonic()

    @property
    def done(self) -> int:
        return sum(self.counts.values())

    def update(self, outcome: str, label: str) -> None:
        """One more grading finished; outcome is passed, failed or errored."""
        self.counts[outcome] += 1
        if self.interactive:
            line = self._bar()
            width = shutil.get_terminal_size((100, 20)).columns - 1
            self.stream.write("\r" + line[:width].ljust(width))
        else:
            self.stream.write(f"[{self.done}/{self.total}] {visible(label)}: {outcome}  ({self._counts()}; {self._eta()})\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.interactive and self.total:
            self.stream.write("\n")
            self.stream.flush()

    def _bar(self) -> str:
        filled = BAR_WIDTH * self.done // max(self.total, 1)
        return f"[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {self.done}/{self.total}  {self._counts()}  {self._eta()}"

    def _counts(self) -> str:
        return ", ".join(f"{count} {name}" for name, count in self.counts.items())

    def _eta(self) -> str:
        left = self.total - self.done
        if not left:
            return f"done in {_duration(time.monotonic() - self.started)}"
        seconds = (time.monotonic() - self.started) / self.done * left
        return f"ETA {_duration(seconds)}"


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"
