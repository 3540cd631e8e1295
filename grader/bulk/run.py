"""A bulk run: find the class's submissions, grade what the gradebook lacks, write the class outputs."""
from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO

from grader.bulk.classdata import class_results, outcome, report_path
from grader.bulk.counts import Counts
from grader.bulk.discover import find_submissions, nearest
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
    students: tuple[str, ...] = ()  # --student: grade only these (again), keep everyone else's entries
    exercises: tuple[str, ...] = ()  # --exercise: the same for exercises


@dataclass(frozen=True)
class BulkResult:
    students: int
    counts: Counts  # of every grading in the class outputs; `kept` of them this run did not make
    results: dict[str, Any]  # the class results the summary and grades.csv were rendered from


class SelectionError(ValueError):
    """--student or --exercise names nothing this class can regrade; the message says what it holds."""


@dataclass(frozen=True)
class Selection:
    """The (student, exercise) entries a run is about: every one, or those --student and --exercise name.
    A student's submission that could not be opened (exercise None) belongs to them whatever --exercise says."""

    students: frozenset[str] | None = None
    exercises: frozenset[str] | None = None

    @property
    def everything(self) -> bool:
        return self.students is None and self.exercises is None

    def __call__(self, student: str, exercise: str | None) -> bool:
        if self.students is not None and student not in self.students:
            return False
        if exercise is None:
            return self.exercises is None or self.students is not None
        return self.exercises is None or exercise in self.exercises


def run_bulk(options: BulkOptions, stream: TextIO = sys.stderr) -> BulkResult:
    """Grade the class (or the part options select) and write its outputs. Raises ClassFolderError for a folder that is
    not a class, SelectionError for --student/--exercise that name nothing to grade, GradebookError."""
    from grader import __version__
    from grader.exercises import names

    out = options.out
    work = out / ".work"
    selection = _selection(options, names())
    never = SelectionError("--student and --exercise regrade part of a class graded before: run `grader bulk "
                           "SUBMISSIONS --out DIR` once without them first")
    submissions = find_submissions(options.submissions, work, names(), only=selection.students)
    if not selection.everything and not (out / GRADEBOOK).exists():  # nothing to keep the rest of the class from
        remove_tree(work / "unpacked")
        raise never
    with Gradebook(out / GRADEBOOK) as book:
        earlier = book.current()
        if not selection.everything and not earlier:
            raise never
        again = options.regrade or not selection.everything  # a part asked for by name is always graded again
        kept = [row for row in earlier if not selection(row["student"], row["exercise"])]
        made: list[Key] = []  # of this run, graded or recorded
        unchanged: list[Key] = []
        problems, jobs = [], []
        for submission in submissions:
            if submission.problem and selection(submission.student, None):
                key = Key(submission.student, None, submission.problem_hash, __version__)
                if again or book.latest(key) is None:
                    problems.append((key, submission))
                    made.append(key)
                else:
                    unchanged.append(key)
            for file in submission.files:
                if not selection(submission.student, file.exercise):
                    continue
                key = Key(submission.student, file.exercise, file.content_hash, __version__)
                if again or book.latest(key) is None:
                    jobs.append(make_job(submission.student, file, options.timeout))
                    made.append(key)
                else:
                    unchanged.append(key)
        if not selection.everything and not made:
            raise SelectionError(_nothing_selected(selection, submissions))
        kept += [book.latest(key) for key in unchanged]
        progress = Progress(len(kept) + len(made), stream, counts=Counts.of((outcome(r) for r in kept), len(kept)))
        for key, submission in problems:
            book.record(key, submission.source.name, _now(), error=("malformed", submission.problem))
            progress.update("malformed", f"{submission.student} (the whole submission)")
        _grade(jobs, book, options, work, progress, __version__)
        book.replace_current([book.latest(key)["id"] for key in [*made, *unchanged]], selection)
        rows = book.current()
    for row in rows:  # reports deleted since they were graded: render them again from the gradebook
        if row["report"] and not (out / report_path(row["student"], row["exercise"])).exists():
            _write_report(out, row["student"], row["exercise"], row["report"])
    remove_tree(work / "unpacked")
    students = sorted({row["student"] for row in rows})
    results = class_results(rows, students, f"Class summary: {options.submissions.name}", _similarity(rows), len(kept))
    _write_class_outputs(results, out)
    return BulkResult(students=len(students), counts=Counts.of((outcome(row) for row in rows), len(kept)),
                      results=results)


def _selection(options: BulkOptions, known: list[str]) -> Selection:
    unknown = [name for name in options.exercises if name not in known]
    if unknown:
        raise SelectionError(f"no exercise {unknown[0]}{nearest(unknown[0], known)}; exercises: {', '.join(known)}")
    return Selection(frozenset(options.students) or None, frozenset(options.exercises) or None)


def _nothing_selected(selection: Selection, submissions: list) -> str:
    what = " or ".join(sorted(selection.exercises or ()))
    if selection.students is None:
        return f"nothing to regrade: no student handed in {what}"
    held = "; ".join(f"{s.student} handed in {', '.join(f.exercise for f in s.files) or 'no exercise file'}"
                     for s in submissions)
    return f"nothing to regrade: {', '.join(sorted(selection.students))} handed in no {what} ({held})"


def _grade(jobs: list[dict[str, Any]], book: Gradebook, options: BulkOptions, work: Path, progress: Progress,
           version: str) -> None:
    if not jobs:
        progress.finish()
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


def _similarity(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the similarity check compared and found per exercise, comparing what each student wrote beyond
    the stub and the lesson's solution (grader.bulk.similarity.compare, with "exercise" and "ungraded" added:
    the students whose submission could not be graded, so there was no code to compare)."""
    from grader.authoring.markers import make_stub, strip_markers
    from grader.bulk.similarity import compare
    from grader.paths import reference_file

    sources: dict[str, dict[str, str]] = {}
    ungraded: dict[str, list[str]] = {}
    for row in rows:
        if row["exercise"] is None:
            continue
        if row["status"] == "graded":
            sources.setdefault(row["exercise"], {})[row["student"]] = row["report"]["exercises"][0]["source"]
        else:
            ungraded.setdefault(row["exercise"], []).append(row["student"])
    found = []
    for exercise in sorted(sources.keys() | ungraded.keys()):
        reference = reference_file(exercise).read_text(encoding="utf-8")
        result = compare(sources.get(exercise, {}), stub=make_stub(reference), reference=strip_markers(reference))
        found.append({"exercise": exercise, **result, "ungraded": sorted(ungraded.get(exercise, []))})
    return found


def _write_class_outputs(results: dict[str, Any], out: Path) -> None:
    from grader.render.grades_csv import write_grades_csv
    from grader.render.summary import write_summary

    write_grades_csv(results, out / "grades.csv")
    write_summary(results, out / "summary.html")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
