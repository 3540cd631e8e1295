"""Where jobs run: a pool of local worker processes (the default) or an existing Dask cluster.

Both take plain-data jobs and yield (job, result) pairs as gradings finish; only the
caller writes the gradebook. A worker that dies or hangs costs the job it held, which is
recorded as an error, and is replaced; the batch goes on.
"""
from __future__ import annotations

import json
import os
import queue
import selectors
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from grader.sandbox.isolation import SandboxError

START_SECONDS = 600.0  # importing TensorFlow twice per worker on a loaded machine
JOB_SECONDS = 1800.0  # far beyond any exercise's own limits: only a grader that hangs reaches it


class Executor(Protocol):
    def run(self, jobs: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]: ...

    def close(self) -> None: ...


class LocalPool:
    """N worker processes (python -m grader.bulk.worker), each fed one job at a time."""

    def __init__(self, workers: int, log_folder: Path, job_seconds: float = JOB_SECONDS):
        self.size = workers
        self.log_folder = log_folder
        self.job_seconds = job_seconds
        self._stop = threading.Event()
        self._workers: list[_Worker] = []

    def run(self, jobs: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        todo: queue.Queue = queue.Queue()
        for job in jobs:
            todo.put(job)
        done: queue.Queue = queue.Queue()
        self._workers = [_Worker(i, self.log_folder, self._threads_each()) for i in range(min(self.size, len(jobs)))]
        threads = [threading.Thread(target=self._serve, args=(w, todo, done), daemon=True) for w in self._workers]
        for thread in threads:
            thread.start()
        for _ in jobs:
            item = done.get()
            if isinstance(item, SandboxError):
                raise item
            yield item

    def close(self) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.stop()

    def _threads_each(self) -> int:
        return max(1, (os.cpu_count() or 1) // self.size)

    def _serve(self, worker: _Worker, todo: queue.Queue, done: queue.Queue) -> None:
        while not self._stop.is_set():
            try:
                job = todo.get_nowait()
            except queue.Empty:
                break
            try:
                result = worker.grade(job, self.job_seconds, self._stop)
            except SandboxError as exc:
                done.put(exc)
                return
            except (OSError, ValueError, AttributeError):
                if self._stop.is_set():
                    return  # close() killed the worker under us: nothing to report
                raise
            if not self._stop.is_set():
                done.put((job, result))
        worker.stop()


class _Worker:
    def __init__(self, number: int, log_folder: Path, threads: int):
        self.number, self.threads = number, threads
        self.log = log_folder / f"worker-{number}.log"
        self._proc: subprocess.Popen | None = None
        self._tmp: str | None = None

    def grade(self, job: dict[str, Any], seconds: float, stop: threading.Event) -> dict[str, Any]:
        if self._proc is None:
            self._start(stop)
        try:
            self._proc.stdin.write((json.dumps(job) + "\n").encode())
            self._proc.stdin.flush()
        except OSError:
            pass  # it died; the read below reports it
        answer = self._read(seconds, stop)
        if answer is None:
            code = self._proc.poll()
            self.stop()
            what = "took too long" if code is None else f"stopped (exit status {code})"
            return {"error": ["grader-error", f"the grading worker {what} on this submission; see {self.log}"]}
        return answer

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
            self._proc = None
        if self._tmp is not None:  # killed, the worker never ran its own clean-ups: what it left goes with it
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def _start(self, stop: threading.Event) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = tempfile.mkdtemp(prefix=f"grader-worker-{self.number}-")
        os.chmod(self._tmp, 0o711)  # the sandbox's user of its own (grader run as root) passes through to its folders
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3"), "TMPDIR": self._tmp,
               # Workers share the cores: one TensorFlow thread pool per core, not per worker.
               "TF_NUM_INTRAOP_THREADS": str(self.threads), "TF_NUM_INTEROP_THREADS": str(self.threads)}
        with self.log.open("ab") as log:
            self._proc = subprocess.Popen([sys.executable, "-m", "grader.bulk.worker"], stdin=subprocess.PIPE,
                                          stdout=subprocess.PIPE, stderr=log, env=env)
        ready = self._read(START_SECONDS, stop)
        if not ready or "ready" not in ready:
            self.stop()
            reason = (ready or {}).get("fatal") or _last_line(self.log) or "it stopped at once"
            raise SandboxError(f"a grading worker could not start: {reason}")

    def _read(self, seconds: float, stop: threading.Event) -> dict[str, Any] | None:
        """The worker's next answer line, or None if it died, hung past seconds, or we were stopped."""
        deadline = time.monotonic() + seconds
        with selectors.DefaultSelector() as selector:
            selector.register(self._proc.stdout, selectors.EVENT_READ)
            while not stop.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                if selector.select(timeout=min(left, 1.0)):
                    line = self._proc.stdout.readline()
                    return json.loads(line) if line else None
        return None


def _last_line(path: Path) -> str:
    try:
        lines = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return lines[-1] if lines else ""


class DaskPool:
    """Jobs submitted to an existing Dask cluster; each Dask worker keeps its own warm sandbox."""

    def __init__(self, address: str):
        try:
            from distributed import Client
        except ImportError:
            raise SandboxError("--executor dask needs the `distributed` package: pip install 'nn-grader[dask]'") from None
        try:
            self._client = Client(address)  # waits distributed.comm.timeouts.connect (Dask's config; 30 s)
        except (OSError, TimeoutError) as exc:
            raise SandboxError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        self._futures: list = []

    def run(self, jobs: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        from distributed import as_completed

        from grader.bulk.jobs import grade_job

        self._futures = [self._client.submit(grade_job, job, pure=False) for job in jobs]
        job_of = {future.key: job for future, job in zip(self._futures, jobs)}
        for future in as_completed(self._futures):
            try:
                result = future.result()
            except Exception as exc:  # e.g. KilledWorker: the cluster gave up on this job
                result = {"error": ["grader-error", f"the Dask cluster could not grade this submission: "
                                                    f"{type(exc).__name__}: {exc}"]}
            yield job_of[future.key], result

    def close(self) -> None:
        if self._futures:
            self._client.cancel(self._futures)
        self._client.close()
