"""`grader check --watch PATH...`: grade once, then again each time one of the files is saved.

The files are those `grader check PATH...` would grade. They are polled about twice a second with
os.stat, by name, so an editor that saves by renaming a new file into place, or a file deleted and
saved again, is seen like a plain write. A change is graded once the file has stopped changing for
one poll (an editor's save may take several writes), and only when its content differs from what
was graded last (a save without a change, a `touch`, grades nothing).

Each grading goes the way of `grader check` (cli._Grading): through the grading service while it is
on and answers (about a second once warm), else in this process with one sandbox, started at the
first grading and kept for the whole watch (`--no-daemon`, the service off or failed once). Either way
the report is made by `grade_path`, as `grader check` and `grader bulk` make it. A syntax error
mid-edit is just the next verdict; Ctrl-C ends the watch with exit status 0.
"""
from __future__ import annotations

import hashlib
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from grader import cli
from grader.render.escape import visible

POLL_SECONDS = 0.5
ONE_RUN_OPTIONS = ("junit", "gradescope", "github", "expect")  # formats and declarations of one whole run


@dataclass
class Watched:
    """One watched file and what was last seen and graded of it."""
    path: Path  # as the user named it (or as found in a folder they named)
    exercise: str
    label: str  # its report files' name
    seen: tuple[int, ...] | None = None  # os.stat signature at the last poll; None while the file is missing
    graded: tuple[int, ...] | None = None  # the signature last graded (or found unchanged)
    digest: str | None = None  # SHA-256 of the content last graded


def watch(args) -> int:
    """Run `grader check --watch`: the exit status, 0 when ended with Ctrl-C."""
    for option in ONE_RUN_OPTIONS:
        if getattr(args, option):
            raise cli.UsageError(f"--watch grades each file again as you save it; --{option} is for a single run "
                                 f"(`grader check` without --watch): leave it out")
    files, skipped = _targets(args)
    if args.json and args.json != "-" and len(files) > 1:
        raise cli.UsageError("--json FILE takes one submission; leave it out to write one report per submission "
                             "under reports/")
    grader = Grader(use_service=not args.no_daemon, json_destination=args.json, html_folder=Path(args.html))
    try:
        with grader:
            for watched in files:
                watched.seen = watched.graded = signature(watched.path)
                if watched.path in skipped:
                    print(f"grader: skipped {visible(watched.path)}: the stub is untouched (nothing to grade); it is "
                          "graded when you save it", file=sys.stderr)
                else:
                    grader.grade(watched, "graded")
            names = ", ".join(visible(watched.path) for watched in files)
            print(f"grader: watching {names}: each save is graded again; Ctrl-C stops", file=sys.stderr, flush=True)
            while True:
                time.sleep(POLL_SECONDS)
                for watched in files:
                    _poll(watched, grader)
    except KeyboardInterrupt:
        print("grader: stopped watching", file=sys.stderr)
        return 0


def signature(path: Path) -> tuple[int, ...] | None:
    """What changes when a file is saved, by write or by renaming another file into place; None when missing."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns


def _poll(watched: Watched, grader: Grader) -> None:
    """Grade the file when it changed and has stayed as it is since the last poll."""
    now = signature(watched.path)
    settled, watched.seen = now == watched.seen, now
    if not settled or now == watched.graded:
        return
    watched.graded = now
    if now is None:
        watched.digest = None  # saved again later, it is graded again even if unchanged
        print(f"{_stamp()} {visible(watched.path)} was deleted; waiting for it to be saved again", flush=True,
              file=grader.header_stream)
        return
    grader.grade(watched, "saved")


def _stamp() -> str:
    return time.strftime("[%H:%M:%S]")


def _targets(args) -> tuple[list[Watched], set[Path]]:
    """The files `grader check PATH...` would grade, and those of them skipped for now as untouched stubs."""
    if args.exercise:
        cli.known_exercise(args.exercise)
    chosen: dict[tuple[Path, str], Path] = {}
    skipped = set()
    read: dict[Path, object] = {}
    for path in map(Path, args.paths):
        for file, name in cli.resolve(path, args.exercise, notes=False):  # _worked_on says what it chose
            files = [file] if not path.is_dir() else cli._beside(file)
            worked = cli._worked_on(files, name, not path.is_dir() or bool(args.exercise), read)
            if worked is None:
                worked = files[0]
                skipped.add(worked)
            chosen.setdefault((worked.resolve(), name), worked)
    cli._refuse_non_python([(file, name) for (_, name), file in chosen.items()])  # before TensorFlow, as check does
    places = [(file, name) for (_, name), file in chosen.items()]
    labels = cli._report_labels(places)
    return [Watched(file, name, label) for (file, name), label in zip(places, labels)], skipped


class Grader:
    """Grades a watched file as `grader check` does (cli._Grading: the service while it answers, else one
    sandbox started here at the first grading and kept), prints its header line and verdict, writes its reports."""

    def __init__(self, use_service: bool, json_destination: str | None, html_folder: Path):
        self.json_destination, self.html_folder = json_destination, html_folder
        # With the JSON report on stdout, stdout holds only JSON: the header lines go to stderr.
        self.header_stream = sys.stderr if json_destination == "-" else sys.stdout
        self._grading = cli._Grading(service=use_service)

    def __enter__(self) -> Grader:
        return self

    def __exit__(self, *exc) -> None:
        self._grading.__exit__(*exc)  # stops the sandbox, when one was started here

    def grade(self, watched: Watched, why: str) -> None:
        """Grade the file as it is now, unless its content is what was graded last."""
        try:
            digest = hashlib.sha256(watched.path.read_bytes()).hexdigest()
        except OSError as exc:
            print(f"{_stamp()} {visible(watched.path)} cannot be read ({exc.strerror}); waiting for the next save",
                  file=self.header_stream, flush=True)
            return
        if digest == watched.digest:
            return  # saved without a change
        watched.digest = digest
        print(f"{_stamp()} {visible(watched.path)} {why}", file=self.header_stream, flush=True)
        try:
            cli._refuse_non_python([(watched.path, watched.exercise)])
            report = self._grading.report(watched.path, watched.exercise)
        except cli.UsageError as exc:  # not Python (a binary saved over it), a notebook that cannot be read
            print(f"grader: error: {visible(exc)}", file=sys.stderr, flush=True)
            return
        cli._deliver(report, watched.label, self.json_destination, self.html_folder)
        sys.stdout.flush()
