"""Grades neural-network exercises by what the network is, not only by what it scores."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grader.notebook_check import CheckResult

__version__ = "0.1.0"


def check(name: str | None = None) -> CheckResult:
    """Grade your current work on exercise `name` from a notebook, a script or the Python prompt (see
    grader.notebook_check.check: in a notebook, the latest version you ran of each function, constant and
    import; the official grade is of the notebook as saved, run top to bottom)."""
    from grader.notebook_check import check as run_check  # imported on first use: `import grader` stays light

    return run_check(name)
