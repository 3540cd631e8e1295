"""A local grading worker: `python -m grader.bulk.worker` grades jobs read as JSON lines on stdin.

Each answer is one JSON line on the original stdout; anything else printed to stdout
(TensorFlow, a stray print) is sent to stderr so it cannot corrupt the answers. The worker
imports TensorFlow once and keeps one warm sandbox for every job it is given.
"""
from __future__ import annotations

import ctypes
import json
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def main() -> None:
    # Die with the grader: a killed `grader bulk` must not leave workers grading on.
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    # Ctrl-C reaches the whole terminal group; the grader stops the workers itself, so a worker
    # never dies of it mid-job and has its student recorded as a grader error.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

    from grader.bulk.jobs import grade_job, start_sandbox
    from grader.report import dumps
    from grader.sandbox.isolation import SandboxError

    try:
        start_sandbox()
    except SandboxError as exc:
        answers.write(json.dumps({"fatal": str(exc)}) + "\n")
        return
    from grader import quiet_tensorflow

    quiet_tensorflow.load()  # now, alongside the sandbox, not during the first job

    answers.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        answers.write(dumps(grade_job(json.loads(line))) + "\n")  # the report's own rule for NaN and infinities


if __name__ == "__main__":
    main()
