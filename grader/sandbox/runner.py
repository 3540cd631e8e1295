"""Runs a submission's functions in the sandbox and collects plain-data outcomes.

If the worker dies or hangs during one call, that call is recorded as failed and a
fresh worker runs the calls after it, so one broken function costs only its own points.
A function that timed out once is not called again for its other inputs: it has lost its
points already, and an endless loop would otherwise cost its time limit once per input.

An import that stops in the file's top-level code (a cell trying the functions out) costs only
what it kept from being defined: when a statement raises, the worker calls what the statements
before it defined; when the import takes its worker along (an endless loop, os._exit, a crash, all
the memory), a fresh worker imports only the definitions made before that statement (`definitions`
says which) and the calls run there. A submission that imports fine is imported once per worker, as ever.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.sandbox.calls import CRASHED, TIMEOUT, Call, Limits, Outcome
from grader.sandbox.server import JobResult, Sandbox


@dataclass
class SandboxRun:
    outcomes: dict[str, Outcome]
    isolation: dict[str, Any]
    constants: dict[str, Any] = field(default_factory=dict)
    import_error: Outcome | None = None  # what stopped importing the whole file (its line when known)
    stopped_in: int | None = None  # the top-level statement it stopped in; None when none ran
    definitions_only: bool = False  # the calls ran in a module of the definitions before that statement alone
    output: str = ""
    output_truncated: bool = False


def run_submission(source_path: Path, calls: list[Call], constants: list[str], limits: Limits = Limits(),
                   sandbox: Sandbox | None = None,
                   definitions: Callable[[int], list[int]] | None = None) -> SandboxRun:
    """Run every call in sandboxed workers; never raises for anything the student did.

    Without a sandbox, a fresh one is started and closed for this submission alone. `definitions(i)`
    gives the top-level statements to import instead when importing stopped in statement i and took
    its worker along (none: nothing to call; without it, nothing is imported again).
    """
    if sandbox is None:
        with Sandbox(limits=limits) as own:
            return run_submission(source_path, calls, constants, limits, own, definitions)
    run = SandboxRun(outcomes={}, isolation=sandbox.isolation.as_report())
    pending = list(calls)
    job = sandbox.run_job(source_path, pending, constants, limits)  # with no calls, it still reads the constants
    run.import_error, run.stopped_in = job.import_error, job.statement
    keep = None
    if _worker_lost_importing(job) and job.statement is not None and definitions is not None:
        keep = definitions(job.statement) or None
        if keep is not None:
            _add_output(run, job)
            run.definitions_only = True
            job = sandbox.run_job(source_path, pending, constants, limits, keep)
    run.constants = job.constants
    while True:
        _add_output(run, job)
        run.outcomes.update(job.outcomes)
        if _worker_lost_importing(job) or (pending and not job.outcomes):
            # Importing failed, or the worker stopped before taking up a call: no retry helps.
            failure = job.import_error if _worker_lost_importing(job) else Outcome(
                False, kind=CRASHED, message="the process stopped before running this function"
            )
            for call in pending:
                run.outcomes.setdefault(call.id, failure)
        _skip_after_timeouts(pending, job.outcomes, run.outcomes)
        pending = [call for call in pending if call.id not in run.outcomes]
        if not pending:
            return run
        job = sandbox.run_job(source_path, pending, [], limits, keep)


def _worker_lost_importing(job: JobResult) -> bool:
    """The import stopped and no call could follow it in that worker."""
    return job.import_error is not None and not job.partial


def _add_output(run: SandboxRun, job: JobResult) -> None:
    run.output += job.output
    run.output_truncated |= job.output_truncated


def _skip_after_timeouts(pending: list[Call], finished: dict[str, Outcome], outcomes: dict[str, Outcome]) -> None:
    """Give every pending call of a function that just timed out a timeout of its own, without calling it."""
    timed_out = {call.function: finished[call.id] for call in pending
                 if call.id in finished and finished[call.id].kind == TIMEOUT}
    for call in pending:
        first = timed_out.get(call.function)
        if first is not None and call.id not in outcomes:
            outcomes[call.id] = Outcome(False, kind=TIMEOUT, message=f"not called again for its other inputs after "
                                                                     f"an earlier call timed out ({first.message})")
