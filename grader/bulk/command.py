"""`grader bulk`: grade a whole class into a gradebook, grades.csv and a class summary page."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def add_parser(sub) -> None:
    bulk = sub.add_parser(
        "bulk", help="grade a whole class: one folder or .zip per student",
        description="Grade every exercise found in each student's folder or .zip under SUBMISSIONS (the student id "
                    "is the folder or file name). Results go to a SQLite gradebook in DIR; a rerun grades only "
                    "what changed, so an interrupted run resumes where it stopped.")
    bulk.add_argument("submissions", metavar="SUBMISSIONS")
    bulk.add_argument("--out", metavar="DIR", required=True,
                      help="output folder: gradebook.sqlite, grades.csv, summary.html, reports/<student>/")
    bulk.add_argument("-j", "--jobs", type=_positive_int, default=os.cpu_count() or 1, metavar="N",
                      help="grading workers on this machine (default: one per core)")
    bulk.add_argument("--executor", choices=("local", "dask"), default="local",
                      help="local worker processes (default), or an existing Dask cluster (needs --scheduler)")
    bulk.add_argument("--scheduler", metavar="ADDRESS", help="the Dask scheduler, e.g. tcp://10.0.0.5:8786")
    bulk.add_argument("--regrade", action="store_true",
                      help="grade every submission again, even those already in the gradebook")
    bulk.add_argument("--timeout", type=float, metavar="SECONDS",
                      help="cap every time limit on student code at SECONDS (default: each exercise's own limits)")
    bulk.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from grader.bulk.gradebook import GradebookError
    from grader.bulk.run import BulkOptions, run_bulk
    from grader.cli import UsageError

    submissions, out = Path(args.submissions), Path(args.out)
    if not submissions.is_dir():
        raise UsageError(f"SUBMISSIONS must be a folder holding one folder or .zip per student: {submissions}")
    if args.executor == "dask" and not args.scheduler:
        raise UsageError("--executor dask needs --scheduler ADDRESS (the address of a running Dask scheduler)")
    if args.scheduler and args.executor != "dask":
        raise UsageError("--scheduler is only used with --executor dask")
    if out.resolve().is_relative_to(submissions.resolve()):
        raise UsageError("--out must not be inside SUBMISSIONS (it would be graded as a student)")
    if args.timeout is not None and args.timeout <= 0:
        raise UsageError("--timeout must be a positive number of seconds")
    options = BulkOptions(submissions, out, args.jobs, args.executor, args.scheduler, args.regrade, args.timeout)
    try:
        result = run_bulk(options)
    except GradebookError as exc:
        raise UsageError(str(exc)) from None
    except KeyboardInterrupt:
        print(f"grader: interrupted; every finished grading is in {out / 'gradebook.sqlite'}: "
              "run the same command again to resume", file=sys.stderr)
        return 130
    print(f"{result.students} students: {result.graded} gradings done, {result.skipped} unchanged since the last "
          f"run (kept), {result.errored} errored\n"
          f"  gradebook: {out / 'gradebook.sqlite'}\n  grades:    {out / 'grades.csv'}\n"
          f"  summary:   {out / 'summary.html'}\n  reports:   {out / 'reports'}/<student>/<exercise>.html")
    return 0


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value
