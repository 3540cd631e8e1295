"""A bulk run: find the class's submissions, grade what the gradebook lacks, write the class outputs."""
from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO

from grader.bulk.classdata import class_results, outcome, report_path
from grader.bulk.discover import find_submissions
from grader.bulk.gradebook import Gradebook, Key
from grader.bulk.jobs import make_job
from grader.bulk.progress import Progress
from grader.sandbox.isolation import SandboxError
from grader.sandbox.removal import remove_tree

GRADEBOOK = "gradebook.sqlite"


@dataclass(frozen=True)
class BulkOptions:
    submissions: Path
    out: Path
    workers: int
    executor: str = "local"  # or "dask"
    scheduler: str | None = None
    regrade: bool = False
    timeout: float | None = None  # caps each exercise's time limits for student code


@dataclass(frozen=True)
class BulkResult:
    students: int
    graded: int  # gradings done by this run
    skipped: int  # already in the gradebook with the same content and grader version
    errored: int  # of all current gradings
    results: dict[str, Any]  # the class results the summary and grades.csv were rendered from


def run_bulk(options: BulkOptions, stream: TextIO = sys.stderr) -> BulkResult:
    from grader import __version__
    from grader.exercises import names

    out = options.out
    work = out / ".work"
    submissions = find_submissions(options.submissions, work, names())
    with Gradebook(out / GRADEBOOK) as book:
        current: list[Key] = []
        jobs, recorded = [], 0
        for submission in submissions:
            if submission.problem:
                key = Key(submission.student, None, submission.problem_hash, __version__)
                if options.regrade or book.latest(key) is None:
                    book.record(key, submission.source.name, _now(), error=("malformed", submission.problem))
                    recorded += 1
                current.append(key)
            for file in submission.files:
                key = Key(submission.student, file.exercise, file.content_hash, __version__)
                current.append(key)
                if options.regrade or book.latest(key) is None:
                    jobs.append(make_job(submission.student, file, options.timeout))
        _grade(jobs, book, options, work, Progress(len(jobs), stream), __version__)
        rows = [book.latest(key) for key in current]
    for row in rows:  # reports deleted since they were graded: render them again from the gradebook
        if row["report"] and not (out / report_path(row["student"], row["exercise"])).exists():
            _write_report(out, row["student"], row["exercise"], row["report"])
    remove_tree(work / "unpacked")
    results = class_results(rows, [s.student for s in submissions], f"Class summary: {options.submissions.name}",
                            _similar(rows))
    _write_class_outputs(results, out)
    return BulkResult(students=len(submissions), graded=len(jobs) + recorded, skipped=len(current) - len(jobs) - recorded,
                      errored=sum(outcome(row) == "errored" for row in rows), results=results)


def _grade(jobs: list[dict[str, Any]], book: Gradebook, options: BulkOptions, work: Path, progress: Progress,
           version: str) -> None:
    if not jobs:
        return
    executor = _executor(options, work)
    try:
        for job, result in executor.run(jobs):
            if result.get("error", [None])[0] == "sandbox":
                raise SandboxError(result["error"][1])
            key = Key(job["student"], job["exercise"], job["content_hash"], version)
            report = result.get("report")
            if report is not None:
                _write_report(options.out, job["student"], job["exercise"], report)
            # The row is written last: a run killed before this point grades the submission again.
            book.record(key, job["submission"], report["graded_at"] if report else _now(), report=report,
                        error=tuple(result["error"]) if "error" in result else None)
            took = f" ({result['seconds']:.1f} s)" if "seconds" in result else ""
            progress.update(outcome(book.latest(key)), f"{job['student']} {job['exercise']}{took}")
    finally:
        executor.close()
        progress.finish()


def _executor(options: BulkOptions, work: Path):
    from grader.bulk.pool import DaskPool, LocalPool

    if options.executor == "dask":
        return DaskPool(options.scheduler)
    return LocalPool(options.workers, work / "logs")


def _write_report(out: Path, student: str, exercise: str, report: dict[str, Any]) -> None:
    from grader.render.html import write_html

    write_html(report, out / report_path(student, exercise))


def _similar(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Suspiciously similar pairs per exercise, comparing what each student wrote beyond the stub."""
    from grader.authoring.markers import make_stub, strip_markers
    from grader.bulk.similarity import similar_pairs
    from grader.paths import reference_file

    sources: dict[str, dict[str, str]] = {}
    for row in rows:
        if row["status"] == "graded":
            sources.setdefault(row["exercise"], {})[row["student"]] = row["report"]["exercises"][0]["source"]
    pairs = []
    for exercise, by_student in sorted(sources.items()):
        reference = reference_file(exercise).read_text(encoding="utf-8")
        for pair in similar_pairs(by_student, stub=make_stub(reference), reference=strip_markers(reference)):
            pairs.append({"exercise": exercise, **pair})
    return pairs


def _write_class_outputs(results: dict[str, Any], out: Path) -> None:
    from grader.render.grades_csv import write_grades_csv
    from grader.render.summary import write_summary

    write_grades_csv(results, out / "grades.csv")
    write_summary(results, out / "summary.html")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
