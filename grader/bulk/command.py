"""`grader bulk`: grade a whole class into a gradebook, grades.csv and a class summary page."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from grader.bulk.counts import Counts


DESCRIPTION = """\
Grade every exercise found in each student's folder or .zip under SUBMISSIONS (the student
id is the folder or file name). Results go to a SQLite gradebook in DIR; a rerun grades only
what changed, so an interrupted run resumes where it stopped. --student and --exercise
regrade part of the class and leave every other student's entries in the outputs as they were."""

EPILOG = """\
exit status:
  0    every submission selected was graded or recorded, whatever the grades (errors of students' code
       and of the grader are recorded in the outputs, never stop the run)
  2    usage error: a bad argument, a SUBMISSIONS folder that is not a class (one student's own folder,
       or no student in it), an unknown --student or --exercise, a file that is not a gradebook, or
       grading workers that could not start (nothing is graded)
  130  interrupted (Ctrl-C): every finished grading is kept; run the same command again to resume"""


def add_parser(sub) -> None:
    cores = os.cpu_count() or 1
    bulk = sub.add_parser(
        "bulk", help="grade a whole class: one folder or .zip per student",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG,
        description=DESCRIPTION)
    bulk.add_argument("submissions", metavar="SUBMISSIONS",
                      help="the class folder: one folder or .zip per student, named by the student id "
                           "(required; no default)")
    bulk.add_argument("--out", metavar="DIR", required=True,
                      help="output folder: gradebook.sqlite, grades.csv, summary.html, reports/<student>/ "
                           "(required; no default)")
    bulk.add_argument("-j", "--jobs", type=_positive_int, default=cores, metavar="N",
                      help=f"grading workers on this machine (default: one per core, here {cores})")
    bulk.add_argument("--executor", choices=("local", "dask"), default="local",
                      help="local worker processes, or an existing Dask cluster (needs --scheduler) (default: local)")
    bulk.add_argument("--scheduler", metavar="ADDRESS",
                      help="the Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: none; needed by --executor dask)")
    bulk.add_argument("--regrade", action="store_true",
                      help="grade every submission again, even those already in the gradebook (default: off: "
                           "only new or changed submissions are graded)")
    bulk.add_argument("--student", action="append", default=[], metavar="ID",
                      help="grade only this student, always again (repeatable); every other student's entries "
                           "in the outputs stay as they were (default: every student)")
    bulk.add_argument("--exercise", action="append", default=[], metavar="NAME",
                      help="grade only this exercise, always again (repeatable; with --student, only that "
                           "student's) (default: every exercise)")
    bulk.add_argument("--timeout", type=float, metavar="SECONDS",
                      help="cap every time limit on student code at SECONDS (default: each exercise's own limits)")
    bulk.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from grader.bulk.discover import ClassFolderError
    from grader.bulk.gradebook import GradebookError
    from grader.bulk.run import BulkOptions, SelectionError, run_bulk
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
    options = BulkOptions(submissions, out, args.jobs, args.executor, args.scheduler, args.regrade, args.timeout,
                          tuple(dict.fromkeys(args.student)), tuple(dict.fromkeys(args.exercise)))
    try:
        result = run_bulk(options)
    except (GradebookError, ClassFolderError, SelectionError) as exc:
        raise UsageError(str(exc)) from None
    except KeyboardInterrupt:
        print(f"grader: interrupted; every finished grading is in {out / 'gradebook.sqlite'}: "
              "run the same command again to resume", file=sys.stderr)
        return 130
    print(f"{summary_line(result.students, result.counts)}\n"
          f"  gradebook: {out / 'gradebook.sqlite'}\n  grades:    {out / 'grades.csv'}\n"
          f"  summary:   {out / 'summary.html'}\n  reports:   {out / 'reports'}/<student>/<exercise>.html")
    return 0


def summary_line(students: int, counts: Counts) -> str:
    """The final terminal line: the same counts, in the same words, as the progress and the summary page."""
    return (f"{students} student{'' if students == 1 else 's'}, {counts.gradings} gradings: {counts.outcomes()} "
            f"({counts.run()})")


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value
