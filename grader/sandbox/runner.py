"""Runs a submission's functions in the sandbox and collects plain-data outcomes.

If the worker dies or hangs during one call, that call is recorded as failed and a
fresh worker runs the calls after it, so one broken function costs only its own points.
A function that timed out once is not called again for its other inputs: it has lost its
points already, and an endless loop would otherwise cost its time limit once per input.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.sandbox.calls import CRASHED, TIMEOUT, Call, Limits, Outcome
from grader.sandbox.server import Sandbox


@dataclass
class SandboxRun:
    outcomes: dict[str, Outcome]
    isolation: dict[str, Any]
    constants: dict[str, Any] = field(default_factory=dict)
    import_error: Outcome | None = None
    output: str = ""
    output_truncated: bool = False


def run_submission(source_path: Path, calls: list[Call], constants: list[str], limits: Limits = Limits(),
                   sandbox: Sandbox | None = None) -> SandboxRun:
    """Run every call in sandboxed workers; never raises for anything the student did.

    Without a sandbox, a fresh one is started and closed for this submission alone.
    """
    if sandbox is None:
        with Sandbox(limits=limits) as own:
            return run_submission(source_path, calls, constants, limits, own)
    run = SandboxRun(outcomes={}, isolation=sandbox.isolation.as_report())
    pending, first = list(calls), True
    while pending or first:  # with no calls, one job still imports it and reads the constants
        job = sandbox.run_job(source_path, pending, constants if first else [], limits)
        run.output += job.output
        run.output_truncated |= job.output_truncated
        if first:
            run.constants, run.import_error, first = job.constants, job.import_error, False
        run.outcomes.update(job.outcomes)
        if job.import_error is not None or (pending and not job.outcomes):
            # Importing failed, or the worker stopped before taking up a call: no retry helps.
            failure = job.import_error or Outcome(
                False, kind=CRASHED, message="the process stopped before running this function"
            )
            for call in pending:
                run.outcomes.setdefault(call.id, failure)
        _skip_after_timeouts(pending, job.outcomes, run.outcomes)
        pending = [call for call in pending if call.id not in run.outcomes]
    return run


def _skip_after_timeouts(pending: list[Call], finished: dict[str, Outcome], outcomes: dict[str, Outcome]) -> None:
    """Give every pending call of a function that just timed out a timeout of its own, without calling it."""
    timed_out = {call.function: finished[call.id] for call in pending
                 if call.id in finished and finished[call.id].kind == TIMEOUT}
    for call in pending:
        first = timed_out.get(call.function)
        if first is not None and call.id not in outcomes:
            outcomes[call.id] = Outcome(False, kind=TIMEOUT, message=f"not called again for its other inputs after "
                                                                     f"an earlier call timed out ({first.message})")
