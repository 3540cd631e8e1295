"""Grade one submission for `grader.check()`, never in the student's process.

The submission becomes a `grader bulk` job (grader.bulk.jobs.make_job). The user's grading service answers it
(grader.service.client.answer) when it can; when it cannot (off, not started, failed), a fresh
`python -m grader check --no-daemon --json - FILE` process grades the file and its JSON report is read back:
the same grading path either way, so the same verdict as `grader check` on that file.
"""
from __future__ import annotations

import base64
import getpass
import json
import os
import site
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grader

PACKAGE_ROOT = Path(grader.__file__).resolve().parent.parent  # the grader the subprocess must import: this one
MAX_SECONDS = 1800  # a grading's own limits end it long before; this only keeps a broken grader from hanging here
_ERROR_PREFIX = "grader: error: "


@dataclass
class Answer:
    """A report, or the one-paragraph message saying why there is none; and the sandbox's isolation notice."""
    report: dict[str, Any] | None = None
    message: str = ""
    notice: str = ""


def make_job(exercise: str, filename: str, shown: str, content: bytes) -> dict[str, Any]:
    """The bulk job for a file's content, as `grader bulk` makes it for a student's file."""
    from grader.bulk.discover import exercise_file
    from grader.bulk.jobs import make_job as bulk_job

    return bulk_job(_user(), exercise_file(exercise, Path(filename), shown, content))


def answer(job: dict[str, Any]) -> Answer:
    """The grading of job: by the service when it answers, else by a `grader check --no-daemon` process."""
    from grader.service import client

    reply = client.answer(job)
    if reply is None:
        return _in_subprocess(job)
    if "report" in reply:
        return Answer(reply["report"], notice=reply.get("notice", ""))
    kind, message = reply["error"]
    shown = _grader_failed(message) if kind == "grader-error" else message
    return Answer(message=shown, notice=reply.get("notice", ""))


def _in_subprocess(job: dict[str, Any]) -> Answer:
    with tempfile.TemporaryDirectory(prefix="grader-check-") as folder:
        path = Path(folder) / job["filename"]
        path.write_bytes(base64.b64decode(job["content"]))
        command = [sys.executable, "-m", "grader", "check", "--no-daemon", "--json", "-", "--exercise",
                   job["exercise"], "--html", folder, str(path)]
        try:
            done = subprocess.run(command, cwd=folder, env=_environment(), stdin=subprocess.DEVNULL,
                                  capture_output=True, text=True, timeout=MAX_SECONDS)
        except subprocess.TimeoutExpired:
            return Answer(message=f"the check did not finish within {MAX_SECONDS // 60} minutes. Save your work "
                                  f"and run `grader check FILE` in a terminal, where you see what it is doing.")
    notice = "\n".join(line for line in done.stderr.splitlines() if line.startswith("sandbox: "))
    if done.returncode in (0, 1):
        try:
            report = _report(done.stdout)
        except ValueError:
            return Answer(message=_grader_failed(f"its report could not be read ({_last_line(done.stderr)})"))
        report["submission"] = job["submission"]
        return Answer(report, notice=notice)
    if done.returncode == 2:
        return Answer(message=_last_line(done.stderr).removeprefix(_ERROR_PREFIX), notice=notice)
    return Answer(message=_grader_failed(f"it exited with code {done.returncode}: {_last_line(done.stderr)}"))


def _environment() -> dict[str, str]:
    """This process's environment, with this grader importable by the subprocess when it is not installed
    (a checkout on the kernel's path): never another copy of it."""
    installed = {Path(folder).resolve() for folder in [*site.getsitepackages(), site.getusersitepackages()]}
    if PACKAGE_ROOT in installed:
        return dict(os.environ)
    path = [str(PACKAGE_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    return dict(os.environ, PYTHONPATH=os.pathsep.join(path))


def _report(text: str) -> dict[str, Any]:
    """The JSON report `grader check --json -` printed; ValueError when the text is not one."""
    report = json.loads(text)
    if not isinstance(report, dict) or not isinstance(report.get("exercises"), list):
        raise ValueError("not a grader report")
    return report


def _grader_failed(detail: str) -> str:
    return (f"the grader itself failed, not your code ({detail}). Save your work and run `grader check FILE` in "
            "a terminal; if it fails there too, tell your instructor.")


def _last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        return str(os.getuid())
