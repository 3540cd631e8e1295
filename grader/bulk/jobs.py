"""One grading job as plain data, and the function that grades it in whatever process runs it.

A job carries the file's content, not its path, so a worker on another machine (Dask) needs
no shared filesystem. Each worker process keeps one warm sandbox for all its jobs.
"""
from __future__ import annotations

import atexit
import base64
import dataclasses
import itertools
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from grader.bulk.discover import ExerciseFile

_sandbox = None
_folder: Path | None = None
_numbers = itertools.count()
_lock = threading.Lock()  # a Dask worker may run tasks on several threads; the sandbox serves one job at a time


def make_job(student: str, file: ExerciseFile, timeout: float | None = None) -> dict[str, Any]:
    return {"student": student, "exercise": file.exercise, "submission": file.shown, "filename": file.path.name,
            "content": base64.b64encode(file.content).decode("ascii"), "content_hash": file.content_hash,
            "timeout": timeout}


def grade_job(job: dict[str, Any]) -> dict[str, Any]:
    """Grade one job here: {"report": report} or {"error": [kind, message]} when nothing could be graded,
    with the seconds it took in "seconds"."""
    with _lock:
        started = time.monotonic()
        result = _grade(job)
        result["seconds"] = round(time.monotonic() - started, 3)
        return result


def _grade(job: dict[str, Any]) -> dict[str, Any]:
    from grader.exercises import load
    from grader.grading import grade_path
    from grader.sandbox.isolation import SandboxError
    from grader.submission.notebook import NotebookError

    folder = _job_folder() / str(next(_numbers))
    folder.mkdir()
    path = folder / Path(job["filename"]).name
    path.write_bytes(base64.b64decode(job["content"]))
    try:
        report = grade_path(path, _limited(load(job["exercise"]), job.get("timeout")), _warm_sandbox())
    except NotebookError as exc:
        return {"error": ["malformed", str(exc).replace(str(path), job["submission"])]}
    except SandboxError as exc:
        return {"error": ["sandbox", str(exc)]}
    except Exception as exc:  # a fault of the grader, never the student's: record it, keep the batch going
        return {"error": ["grader-error", f"{type(exc).__name__}: {exc}"]}
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    report["submission"] = job["submission"]
    return {"report": report}


def _limited(exercise, timeout: float | None):
    """The exercise with its time limits capped at timeout seconds (an instructor's option)."""
    if not timeout:
        return exercise
    limits = exercise.limits
    return dataclasses.replace(exercise, limits=dataclasses.replace(
        limits, import_seconds=min(limits.import_seconds, timeout), call_seconds=min(limits.call_seconds, timeout)))


def _warm_sandbox():
    global _sandbox
    if _sandbox is None:
        from grader.sandbox.server import Sandbox

        _sandbox = Sandbox()
        _sandbox.start()
        atexit.register(_sandbox.close)
    return _sandbox


def start_sandbox() -> None:
    """Start this process's sandbox now, so it loads TensorFlow while the grader does too."""
    with _lock:
        _warm_sandbox()


def _job_folder() -> Path:
    global _folder
    if _folder is None:
        _folder = Path(tempfile.mkdtemp(prefix="grader-bulk-"))
        atexit.register(shutil.rmtree, _folder, True)
    return _folder
