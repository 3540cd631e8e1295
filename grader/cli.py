"""Command line: grader check | list | explain | calibrate | demo | generate | bulk | gradescope-bundle | service."""
from __future__ import annotations

import argparse
import contextlib
import difflib
import os
import re
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

from grader.render.escape import visible
from grader.sandbox.isolation import SandboxError

# TensorFlow logs to stderr at import; keep the grader's own output readable.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

USAGE_ERROR = 2
MAX_SCANNED = 1_000  # entries of a folder read for a near miss of an exercise file's name


class UsageError(Exception):
    pass


def entry() -> None:
    """The `grader` command: main(), then exit without the interpreter's teardown, which with
    TensorFlow loaded costs about a second and has nothing left to save."""
    code = main()
    if "tensorflow" in sys.modules:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)
    sys.exit(code)


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (UsageError, SandboxError) as exc:
        print(f"grader: error: {visible(exc)}", file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        print("grader: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. piped into `head`
        sys.stderr.close()
        return 0


EXIT_CODES = "exit status:\n"
_EXIT_CODE = re.compile(r"\s+\d+\s+")  # an epilog line "  2  usage error ..."


class _Formatter(argparse.HelpFormatter):
    """Wraps descriptions as argparse does, and each exit code of an epilog on lines of its own, under its text."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        lines = []
        for line in text.splitlines():
            code = _EXIT_CODE.match(line)
            hang = indent + " " * (code.end() if code else 0)
            lines.append(textwrap.fill(line if code else " ".join(line.split()), width, initial_indent=indent,
                                       subsequent_indent=hang))
        return "\n".join(lines)


FORMATTER = _Formatter


def _parser() -> argparse.ArgumentParser:
    from grader import __version__

    parser = argparse.ArgumentParser(
        prog="grader", description="Grade neural-network exercises.", formatter_class=FORMATTER,
        epilog=EXIT_CODES + "  0  success (`grader check`: every graded exercise passed)\n"
                            "  1  an exercise did not pass (see each command's --help)\n"
                            "  2  usage error, with a one-line message; `grader COMMAND --help` for each command\n"
                            "  130  interrupted (Ctrl-C)")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}",
                        help="print the grader's version and exit")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    check = sub.add_parser(
        "check", help="grade submissions (.py or .ipynb files, or folders holding them)", formatter_class=FORMATTER,
        description="Grade each PATH: an exercise file, or a folder searched for <exercise>.py or .ipynb, itself "
                    "and then its exercises/ subfolder. In a folder, an untouched stub (every graded function still "
                    "raises NotImplementedError, every constant at its default) is skipped with one line; a file "
                    "named on the command line, or an exercise named with --exercise or declared with --expect, is "
                    "always graded. Of a .py and its notebook side by side, the one worked on is graded (the .py "
                    "when both are). A run of several ends with one line: k of n passed. The files are graded by "
                    "your warm grading service (started by the first check, so a re-check does not load "
                    "TensorFlow again; `grader service status`), or in this process with --no-daemon. "
                    "GRADER_DAEMON=on uses the service always, off never; unset or auto: always, except where "
                    "the CI variable is set. A service that fails costs one slow check, graded in this process, "
                    "with one line on stderr.",
        epilog=EXIT_CODES + "  0  every graded exercise passed\n"
                            "  1  an exercise did not pass, a declared one (--expect) is missing, or a folder held "
                            "only untouched stubs\n"
                            "  2  nothing was graded: a path that does not exist, a file that is not Python, an "
                            "unknown exercise name, a notebook that cannot be read, a sandbox that cannot start")
    check.add_argument("paths", nargs="+", metavar="PATH",
                       help="a .py or .ipynb exercise file, or a folder holding them (e.g. `.`)")
    check.add_argument("--exercise", metavar="NAME",
                       help="grade PATH as exercise NAME, always, even as an untouched stub (default: the exercise "
                            "the file is named after; in a folder, every exercise found)")
    check.add_argument("--expect", action="append", metavar="NAME[,NAME...]",
                       help="the exercises the assignment declares (repeatable, or a comma list): each PATH is "
                            "graded for these only, and each one it does not hold is a failed exercise that scores 0 "
                            "and names the missing file (default: none declared)")
    check.add_argument("--json", metavar="FILE", help="write the JSON report to FILE ('-' for stdout, and nothing "
                                                     "else there); default: reports/<exercise>.json, or "
                                                     "reports/<folder>-<exercise>.json outside an exercises/ folder")
    check.add_argument("--html", metavar="DIR", default="reports",
                       help="folder for the HTML reports, one self-contained file per submission (default: reports)")
    check.add_argument("--junit", metavar="FILE",
                       help="also write JUnit XML (one test case per check) for CI systems (default: not written)")
    check.add_argument("--gradescope", metavar="FILE",
                       help="also write Gradescope's results.json format (default: not written)")
    check.add_argument("--github", action="store_true",
                       help="append a Markdown summary to the file named by $GITHUB_STEP_SUMMARY, when set "
                            "(default: off)")
    check.add_argument("--watch", action="store_true",
                       help="grade, then grade again each time one of the files is saved, printing the new verdict "
                            "under a line with the time and the file; Ctrl-C stops (exit status 0) (default: off)")
    check.add_argument("--no-daemon", action="store_true",
                       help="grade in this process, without the grading service, whatever GRADER_DAEMON says "
                            "(default: use the service as GRADER_DAEMON says)")
    check.set_defaults(run=_check)

    listing = sub.add_parser("list", help="list exercises, or with --mistakes the mistake catalog",
                             formatter_class=FORMATTER, epilog=EXIT_CODES + "  0  always")
    listing.add_argument("--mistakes", action="store_true",
                         help="list the mistake catalog (id, severity, family, title) instead of the exercises "
                              "(default: the exercises)")
    listing.set_defaults(run=_list)

    explain = sub.add_parser("explain", help="explain a mistake id", formatter_class=FORMATTER,
                             epilog=EXIT_CODES + "  0  the id is in the catalog\n"
                                                 "  2  unknown id (the nearest known one is suggested)")
    explain.add_argument("id", metavar="ID", help="a mistake id, as the feedback and `grader list --mistakes` show it")
    explain.set_defaults(run=_explain)

    calibrate = sub.add_parser(
        "calibrate", help="train the reference over many seeds and show the threshold's margin",
        formatter_class=FORMATTER,
        epilog=EXIT_CODES + "  0  the reference clears every calibrated condition with room to spare\n"
                            "  1  it fails one, or clears the accuracy threshold by 0.02 or less (TOO TIGHT)\n"
                            "  2  usage error: unknown exercise, one without a network, --seeds below 3")
    calibrate.add_argument("exercise", metavar="NAME", help="an exercise with a network, as `grader list` names it")
    calibrate.add_argument("--seeds", type=int, default=30, metavar="N",
                           help="training seeds, at least 3 (default: 30)")
    calibrate.set_defaults(run=_calibrate)

    demo = sub.add_parser("demo", help="grade the bundled reference and sample submissions", formatter_class=FORMATTER,
                          epilog=EXIT_CODES + "  0  as expected: full marks for the reference, every sample's "
                                              "mistakes found\n"
                                              "  1  anything else\n"
                                              "  2  the sandbox cannot start")
    demo.set_defaults(run=_demo)

    generate = sub.add_parser("generate", help="write the student stubs in exercises/ from reference/ "
                                               "(solution blocks become NotImplementedError)",
                              formatter_class=FORMATTER,
                              epilog=EXIT_CODES + "  0  written, or (--check) every file up to date\n"
                                                  "  1  (--check) a file is out of date\n"
                                                  "  2  usage error: unknown exercise, malformed solution markers")
    generate.add_argument("names", nargs="*", metavar="NAME", help="exercises (default: every reference with a spec)")
    generate.add_argument("--check", action="store_true",
                          help="write nothing; list the files that are out of date and exit 1 if any (default: off)")
    generate.add_argument("--notebooks", action="store_true",
                          help="also write a student notebook <name>.ipynb per exercise (existing ones are always "
                               "kept up to date; default: off)")
    generate.add_argument("--out", metavar="DIR", help="where to write (default: exercises/ beside reference/)")
    generate.add_argument("--solutions", action="store_true",
                          help="write the solutions (the reference without its markers) instead of stubs; needs --out "
                               "(default: off)")
    generate.set_defaults(run=_generate)

    from grader.bulk.command import add_parser as add_bulk_parser

    add_bulk_parser(sub)

    bundle = sub.add_parser("gradescope-bundle", help="write a Gradescope autograder zip that grades one exercise "
                                                      "with this grader (its source included)",
                            formatter_class=FORMATTER,
                            epilog=EXIT_CODES + "  0  the zip was written\n"
                                                "  2  usage error: unknown exercise, the zip cannot be built")
    bundle.add_argument("exercise", metavar="NAME", help="the exercise to grade, as `grader list` names it")
    bundle.add_argument("--out", metavar="FILE", help="where to write the zip (default: gradescope-<NAME>.zip)")
    bundle.set_defaults(run=_gradescope_bundle)

    service = sub.add_parser(
        "service", help="the warm grading service `grader check` uses: status, or stop it", formatter_class=FORMATTER,
        description="One grading service per user (and per grader install and GRADER_ settings) keeps TensorFlow "
                    "and the sandbox loaded, so a re-check answers in about a second. The first `grader check` "
                    "starts it; it ends itself after GRADER_DAEMON_IDLE seconds without work (default: 900). Its "
                    "socket, pid file and log are in $XDG_RUNTIME_DIR/nn-grader, else /tmp/nn-grader-<uid>.",
        epilog=EXIT_CODES + "  0  status: it runs; stop: stopped, or none was running\n"
                            "  1  status: none runs")
    service.add_argument("action", choices=("status", "stop"), metavar="ACTION",
                         help="status: whether it runs, its pid, identity, uptime, jobs served and idle timeout; "
                              "stop: stop it (the jobs it holds are graded first)")
    service.set_defaults(run=_service)
    return parser


def _exercise(name: str):
    """The spec of a known exercise; an unknown name or a wrong spec is a usage error."""
    from grader.exercises import load
    from grader.spec import SpecError

    try:
        return load(known_exercise(name))
    except SpecError as exc:
        raise UsageError(str(exc)) from None


def known_exercise(name: str) -> str:
    """name, when an exercise has it; else a usage error suggesting the nearest one (no spec is loaded)."""
    from grader.exercises import names

    known = names()
    if name not in known:
        raise UsageError(f"unknown exercise {name!r}{_nearest(name, known)}; known: {', '.join(known)}")
    return name


def _nearest(name: str, known: list[str]) -> str:
    """' (did you mean X?)' for the known name closest to name, case aside; '' when none is close."""
    close = _closest(name, known)
    return f" (did you mean {close}?)" if close else ""


def _closest(name: str, known: list[str]) -> str | None:
    by_case = {option.lower(): option for option in known}
    close = difflib.get_close_matches(name.lower(), list(by_case), n=1)
    return by_case[close[0]] if close else None


def resolve(path: Path, exercise: str | None, expected: list[str] | None = None,
            notes: bool = True) -> list[tuple[Path, str]]:
    """The (file, exercise) pairs a PATH stands for.

    A folder is searched for <exercise>.py, then <exercise>.ipynb, then the same in its
    exercises/ subfolder; the first found is graded (a .py wins over a notebook beside it).
    With `expected` (the assignment's exercises), only those are searched for, and a PATH may
    hold none of them: a file holds the one it is named for, a missing path none. What a
    submission lacks is for the caller to report as missing, never a usage error. notes=False leaves
    the notes on what was passed over (a notebook beside a .py) to the caller.
    """
    from grader.exercises import names
    from grader.submission.locate import exercise_files

    if expected and not path.is_dir():
        return resolve(path, None) if path.is_file() and path.stem in expected else []
    if not path.exists():
        raise UsageError(f"no such file or folder: {path}")
    if path.is_file():
        _refuse_link_to_reference(path)
        name = exercise or path.stem
        if name not in names():
            close = _closest(path.stem, names())
            fix = f"rename it {close}{path.suffix or '.py'} or pass --exercise {close}" if close else \
                "pass --exercise NAME"
            raise UsageError(f"cannot tell which exercise {path} is: {path.stem!r} is no exercise's name"
                             f"{_nearest(path.stem, names())}; {fix} (exercises: {', '.join(names())})")
        return [(path, name)]
    wanted = [exercise] if exercise else expected or names()
    found, passed_over = exercise_files(path, wanted)
    for file, _ in found:
        _refuse_link_to_reference(file)
    for note in passed_over if notes else []:
        print(f"grader: {visible(note)}", file=sys.stderr)
    if not found and not expected:
        raise UsageError(f"{path} holds no exercise file ({', '.join(f'{n}.py or {n}.ipynb' for n in wanted)})"
                         f"{_near_miss(path, wanted)}")
    return found


def _near_miss(folder: Path, wanted: list[str]) -> str:
    """'; rename X to Y' for the first file of folder (or its exercises/) named nearly as an exercise."""
    for place in (folder, folder / "exercises"):
        try:
            with os.scandir(place) as scan:  # bounded: a submission folder may hold any number of files
                entries = sorted(entry.name for _, entry in zip(range(MAX_SCANNED), scan) if entry.is_file())
        except OSError:
            continue
        for entry in entries:
            stem, suffix = os.path.splitext(entry)
            close = _closest(stem, wanted) if suffix in (".py", ".ipynb") else None
            if close:
                return f"; it holds {place / entry} (did you mean {close}{suffix}?): rename it {close}{suffix}"
    return ""


def _refuse_link_to_reference(path: Path) -> None:
    """A symbolic link into reference/ would be graded as the reference solution itself."""
    from grader.paths import reference_dir

    references = reference_dir().resolve()
    if path.resolve().is_relative_to(references) and not path.absolute().parent.resolve().is_relative_to(references):
        raise UsageError(f"{path} is a link to the grader's reference solution; submit your own file")


def _check(args) -> int:
    if args.watch:  # grade again on every save: grader/watch.py
        from grader.watch import watch

        return watch(args)
    expected = _expected(args.expect) if args.expect is not None else []
    if args.exercise and expected:
        raise UsageError("--exercise and --expect do not go together: --expect already names the exercises to grade")
    if args.exercise:
        known_exercise(args.exercise)  # an unknown name is a usage error before anything else
    candidates, missing = {}, []
    for path in map(Path, args.paths):
        found = resolve(path, args.exercise, expected, notes=False)
        held = {name for _, name in found}
        for file, name in found:  # each exercise's files in one folder, and whether they were named or declared
            key = (file.resolve(), name)
            if not path.is_dir():
                candidates[key] = ([file], name, True)  # a file named is graded as it is
            elif key not in candidates:  # found by searching: the file worked on, or skipped if neither was
                candidates[key] = (_beside(file), name, bool(args.exercise or expected))
        missing += [(path, name) for name in expected if name not in held]
    _refuse_non_python([(file, name) for files, name, _ in candidates.values() for file in files])  # before TensorFlow
    read: dict[Path, object] = {}
    targets, skipped = {}, []
    for files, name, named in candidates.values():
        chosen = _worked_on(files, name, named, read)
        if chosen is None:
            skipped.append(files)
        else:  # a file named twice, or also found in a folder, is graded once
            targets.setdefault((chosen.resolve(), name), (chosen, name))
    targets = list(targets.values())
    _read_notebooks([path for path, _ in targets], read)  # a corrupt notebook is a usage error before any grading
    for files in skipped:
        beside = f"; so is the notebook {visible(files[1])} beside it" if len(files) > 1 else ""
        print(f"grader: skipped {visible(files[0])}: the stub is untouched (nothing to grade){beside}", file=sys.stderr)
    if not targets and not missing:
        print(_nothing_to_grade(skipped), file=sys.stderr if args.json == "-" else sys.stdout)  # stdout: JSON only
        return 1
    if args.json and args.json != "-" and len(targets) + len(missing) > 1:
        raise UsageError("--json FILE takes one submission; leave it out to write one report per submission under reports/")
    places = [(path, name) for path, name in targets] + [(_missing_place(path, name), name) for path, name in missing]
    labels = _report_labels(places)
    reports = []
    if targets:  # with nothing to run (every declared exercise missing), nothing is graded
        with _Grading(service=not args.no_daemon) as grading:
            for (path, name), label in zip(targets, labels):
                reports.append(_grade_and_report(path, name, label, args.json, Path(args.html), grading))
    for (path, name), label in zip(missing, labels[len(targets):]):
        reports.append(_report_missing(path, name, label, args.json, Path(args.html)))
    _write_summaries(reports, args)
    return _verdict(reports, len(skipped), quiet=args.json == "-")


def _refuse_non_python(targets: list[tuple[Path, str]]) -> None:
    """A binary file, or text that is not Python at all, is a usage error, not feedback on every function."""
    from grader.submission.not_python import not_python

    for path, name in targets:
        reason = None if path.suffix == ".ipynb" else not_python(path, name)
        if reason:
            raise UsageError(reason)


def _beside(file: Path) -> list[Path]:
    """The exercise's files in file's folder, the .py first: a student may have worked in either."""
    notebook = file.with_suffix(".ipynb")
    return [file, notebook] if file.suffix == ".py" and notebook.is_file() else [file]


def _worked_on(files: list[Path], name: str, named: bool, read: dict) -> Path | None:
    """The file to grade of an exercise's files in one folder: the one worked on (the .py when both are),
    the .py when neither is but the exercise was named or declared, else None (skipped). Says which on stderr."""
    if named and len(files) == 1:
        return files[0]
    worked = [file for file in files if not _untouched(file, name, read)]
    if len(worked) > 1:
        print(f"grader: grading {visible(worked[0])}, not the notebook {visible(worked[1])} beside it "
              "(name the notebook to grade it)", file=sys.stderr)
    elif worked and worked[0] != files[0]:
        print(f"grader: grading the notebook {visible(worked[0])}: {visible(files[0])} beside it is the untouched "
              "stub", file=sys.stderr)
    return worked[0] if worked else files[0] if named else None


def _untouched(path: Path, name: str, read: dict) -> bool:
    """Whether the exercise file is still its stub (grader.submission.untouched); read keeps the notebooks read."""
    from grader.submission.not_python import MAX_READ_BYTES
    from grader.submission.notebook import NotebookError, convert, read_notebook
    from grader.submission.untouched import is_untouched

    if path.suffix == ".ipynb":
        try:
            read[path] = read.get(path) or read_notebook(path)
        except NotebookError:
            return False  # worked on, perhaps: grading it says what is wrong with it
        source = convert(read[path], path.name).source
    elif path.stat().st_size < MAX_READ_BYTES:
        source = path.read_text(encoding="utf-8")  # UTF-8: _refuse_non_python read it already
    else:
        return False  # too large to be a stub: grading says so
    return is_untouched(source, _exercise(name))


def _nothing_to_grade(skipped: list[list[Path]]) -> str:
    """What to do when every exercise file found is an untouched stub."""
    path = skipped[0][0]
    count = "the exercise found is an" if len(skipped) == 1 else f"all {len(skipped)} exercises found are"
    return (f"nothing graded: {count} untouched stub{'s' if len(skipped) > 1 else ''} (nothing filled in yet). "
            "Fill in the exercise you are working on: replace each `raise NotImplementedError(...)` with your code, "
            "or set its answers (the stub's docstrings say what to do), then check again. "
            f"`grader check {visible(path)}` grades a file as it is.")


def _verdict(reports: list[dict], skipped: int, quiet: bool) -> int:
    """The exit code; after several submissions (or any skipped), one line: k of n passed."""
    from grader.report import all_passed

    passed = sum(1 for report in reports if all_passed(report))
    if (len(reports) > 1 or skipped) and not quiet:
        stubs = f"; {skipped} untouched stub{'s' if skipped > 1 else ''} skipped" if skipped else ""
        print(f"{passed} of {len(reports)} passed{stubs}")
    return 0 if passed == len(reports) else 1


def _expected(values: list[str]) -> list[str]:
    """The declared exercise names of every --expect, split at commas or spaces, each once, in order."""
    from grader.exercises import names

    expected = list(dict.fromkeys(name for value in values for name in re.split(r"[\s,]+", value) if name))
    if not expected:
        raise UsageError(f"--expect needs at least one exercise name (known: {', '.join(names())})")
    for name in expected:
        known_exercise(name)  # an unknown name is a usage error before anything is graded
    return expected


def _read_notebooks(paths: list[Path], read: dict) -> None:
    """Read every notebook among paths not read yet: one that cannot be read is a usage error."""
    from grader.submission.notebook import NotebookError, read_notebook

    for path in paths:
        if path.suffix == ".ipynb" and path not in read:
            try:
                read[path] = read_notebook(path)
            except NotebookError as exc:
                raise UsageError(str(exc)) from None


def _write_summaries(reports: list[dict], args) -> None:
    """The formats that cover every graded submission at once."""
    if args.junit:
        from grader.render.junit import junit_xml

        _write_text(args.junit, junit_xml(reports))
    if args.gradescope:
        from grader.render.gradescope import write_gradescope

        write_gradescope(reports, args.gradescope)
    if args.github:
        from grader.render.github import append_step_summary

        if not append_step_summary(reports):
            print("grader: --github: GITHUB_STEP_SUMMARY is not set; no summary written", file=sys.stderr)


def _write_text(path: str, text: str) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(text, encoding="utf-8")


@contextlib.contextmanager
def _sandbox(notice: bool = True) -> Iterator:
    """One warm sandbox for the whole command, started at once so it loads TensorFlow alongside us;
    notice: say the isolation notice (False when the service said it already)."""
    from grader.sandbox.isolation import detect
    from grader.sandbox.server import Sandbox

    isolation = detect()
    if isolation.notice() and notice:
        print(isolation.notice(), file=sys.stderr)
    with Sandbox(isolation) as sandbox:
        sandbox.start()
        yield sandbox


def _warm_up(name: str) -> None:
    """Prepare the trainer for the first submission's exercise while the sandbox runs its code
    (only the first: judging waits for the warm-up, which should not grow with more exercises)."""
    from grader.training import warmup

    warmup.start(_exercise(name))


def _grade_and_report(path: Path, name: str, label: str, json_destination: str | None, html_folder: Path,
                      grading: _Grading) -> dict:
    """Grade one file, print the feedback, write the JSON and HTML reports ('-': JSON on stdout only)."""
    return _deliver(grading.report(path, name), label, json_destination, html_folder)


class _Grading:
    """Grades the files of one command: by the grading service while it answers (grader.service.client), else
    in this process with one warm sandbox, started at the first file graded here. Either way the report is
    grade_path's, and the isolation notice is said once."""

    def __init__(self, service: bool):
        self._service = service
        self._noticed = False
        self._sandbox = None
        self._resources = contextlib.ExitStack()

    def __enter__(self) -> _Grading:
        return self

    def __exit__(self, *exc) -> None:
        self._resources.close()

    def report(self, path: Path, name: str) -> dict:
        """The report of the file at path as exercise name; SandboxError or UsageError as grading here raises."""
        answer = self._answer(path, name) if self._service else None
        if answer is not None:
            if answer.get("notice") and not self._noticed:
                print(answer["notice"], file=sys.stderr)
            self._noticed = True
            if "report" in answer:
                return answer["report"]
            kind, message = answer["error"]
            if kind == "sandbox":
                raise SandboxError(message)
            if kind == "malformed":
                raise UsageError(message)
            # "grader-error": graded here, where the grader's fault becomes the report a local grading gives
        return self._here(path, name)

    def _answer(self, path: Path, name: str) -> dict | None:
        """The service's answer, or None (it is off, failed, or the file is too large to send): grade here."""
        from grader.bulk.discover import MAX_FILE_BYTES, exercise_file
        from grader.bulk.jobs import make_job
        from grader.service import client

        if not client.enabled() or path.stat().st_size > MAX_FILE_BYTES:  # grading here refuses it as today
            self._service = False
            return None
        answer = client.answer(make_job("", exercise_file(name, path, str(path), path.read_bytes())))
        self._service = answer is not None  # one failure (said on stderr) and the rest is graded here
        return answer

    def _here(self, path: Path, name: str) -> dict:
        from grader.grading import grade_path

        if self._sandbox is None:
            self._sandbox = self._resources.enter_context(_sandbox(notice=not self._noticed))
            self._noticed = True
            _warm_up(name)
        return grade_path(path, _exercise(name), self._sandbox)


def _missing_place(path: Path, name: str) -> Path:
    """Where a declared exercise that PATH does not hold was looked for: its reports are named as that file's."""
    return (path.parent if path.is_file() else path) / f"{name}.py"


def _report_missing(path: Path, name: str, label: str, json_destination: str | None, html_folder: Path) -> dict:
    """Report a declared exercise that PATH does not hold, as failed, like a graded one."""
    from grader.missing import missing_report

    return _deliver(missing_report(path, _exercise(name)), label, json_destination, html_folder)


def _deliver(report: dict, label: str, json_destination: str | None, html_folder: Path) -> dict:
    """Print the feedback and write the JSON and HTML reports of one submission, named label."""
    from grader.render.html import write_html
    from grader.render.terminal import print_report
    from grader.report import write_json

    destination = json_destination or str(Path("reports") / f"{label}.json")
    write_json(report, destination)
    html = write_html(report, html_folder / f"{label}.html")
    if destination != "-":
        print_report(report)
        print(f"  report: {visible(html)}  (JSON: {visible(destination)})\n")
    return report


def _report_label(path: Path, exercise: str) -> str:
    """A submission's report name: <exercise> in an exercises/ folder (or at the root), else <folder>-<exercise>."""
    folder = path.resolve().parent.name
    return exercise if folder in ("exercises", "") else f"{folder}-{exercise}"


def _report_labels(files: list[tuple[Path, str]]) -> list[str]:
    """One report name per (file, exercise), never two alike and always the same for the same files:
    _report_label's, and for files that would share one, as many of their folders as tell them apart
    (a-exercises-iris_net, b-exercises-iris_net), then for files of one folder their own names
    (iris_net-py, iris_net-ipynb). Each renaming is said on stderr."""
    labels = [_report_label(path, name) for path, name in files]
    for label, group in _groups(labels).items():
        if len(group) == 1:
            continue
        folders = {i: files[i][0].resolve().parent.parts[1:] for i in group}
        distinct = len(set(folders.values()))
        depth = 1 if distinct == 1 else next(d for d in range(1, max(map(len, folders.values())) + 1)
                                               if len({parts[-d:] for parts in folders.values()}) == distinct)
        stems_alike = all(files[i][0].stem == files[i][1] for i in group)
        for i in group:
            path, name = files[i]
            labels[i] = "-".join((*folders[i][-depth:], name)) if distinct > 1 else labels[i]
            if sum(folders[j] == folders[i] for j in group) > 1:  # files of one folder: their names differ
                labels[i] += f"-{path.suffix.lstrip('.') if stems_alike else path.name}"
        renamed = ", ".join(f"{visible(files[i][0])} -> {visible(labels[i])}" for i in group)
        print(f"grader: {len(group)} submissions would share the report name {visible(label)}; named apart: "
              f"{renamed}", file=sys.stderr)
    for group in _groups(labels).values():  # a renamed one that meets another's name: numbered, in order
        for count, i in enumerate(group[1:], start=2):
            labels[i] += f"-{count}"
    return labels


def _groups(labels: list[str]) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = {}
    for index, label in enumerate(labels):
        groups.setdefault(label, []).append(index)
    return groups


def _list(args) -> int:
    from grader.exercises import load, names

    if args.mistakes:
        from grader.checks import CATALOG

        for entry in CATALOG.values():
            print(f"{entry.id:<28} {entry.severity:<8} {entry.family:<10} {entry.title}")
        return 0
    for name in names():
        spec = load(name)
        print(f"{name:<16} {spec.title}  ({spec.max_score:g} points, pass mark {spec.pass_mark:g})")
    return 0


def _explain(args) -> int:
    from grader.checks import CATALOG

    entry = CATALOG.get(args.id)
    if entry is None:
        raise UsageError(f"unknown mistake id {args.id!r}{_nearest(args.id, list(CATALOG))}; "
                         "see `grader list --mistakes`")
    print(f"{entry.id} ({entry.severity}, {entry.family}): {entry.title}\n\nWhy it matters: {entry.why}\n\nHow to fix it: {entry.fix}")
    return 0


def _calibrate(args) -> int:
    """Exit 0 when the reference clears every calibrated condition with room to spare, 1 otherwise."""
    from grader.calibration import NothingToCalibrate, calibrate, describe

    if args.seeds < 3:
        raise UsageError("--seeds must be at least 3")
    try:
        result = calibrate(_exercise(args.exercise), args.seeds)
    except NothingToCalibrate as exc:
        from grader.exercises import load, names
        from grader.parts.model import ModelPart

        networks = [n for n in names() if any(isinstance(p, ModelPart) for p in load(n).parts)]
        raise UsageError(f"{exc}; exercises with a network: {', '.join(networks)}") from None
    print(describe(result))
    return 0 if result.passed else 1


def _demo(args) -> int:
    """Grade the reference (must get full marks) and every bundled sample (each must show a mistake)."""
    from grader.paths import reference_dir

    root = reference_dir().parent
    submissions = [reference_dir() / "iris_net.py", *sorted((root / "samples").glob("*/iris_net.py"))]
    verdicts = []
    with _Grading(service=True) as grading:
        for path in submissions:
            label = _report_label(path, "iris_net")
            exercise = _grade_and_report(path, "iris_net", label, None, Path("reports"), grading)["exercises"][0]
            if path.parent == reference_dir():
                verdicts.append(exercise["score"] == exercise["max_score"])
            else:
                verdicts.append(any(m["severity"] == "error" for m in exercise["mistakes"]))
    print("demo:", "as expected: the reference gets full marks and every sample's mistakes are found"
          if all(verdicts) else "UNEXPECTED: see the reports above")
    return 0 if all(verdicts) else 1


def _generate(args) -> int:
    """Write the student files that follow from reference/, or with --check list those out of date."""
    from grader.authoring.generate import GenerateError, exercise_names, outputs, stale, write
    from grader.authoring.markers import MarkerError
    from grader.paths import reference_dir

    references = reference_dir()
    default_out = references.parent / "exercises"
    out = Path(args.out) if args.out else default_out
    if args.solutions and (not args.out or out.resolve() == default_out.resolve()):
        raise UsageError("--solutions needs --out DIR, a folder other than the students' exercises/")
    if args.solutions and args.check:
        raise UsageError("--check compares the students' files; leave out --solutions")
    for name in args.names:
        known_exercise(name)
    try:
        names = exercise_names(references, args.names)
        files = [f for name in names for f in outputs(name, references, out, args.notebooks, args.solutions)]
    except (GenerateError, MarkerError) as exc:
        raise UsageError(str(exc)) from None
    if not names:
        raise UsageError(f"no reference file in {references} has an exercise spec")
    if args.check:
        out_of_date = stale(files, _shown)
        for output, diff in out_of_date:
            print(f"{_shown(output.path)} is out of date with {_shown(output.source)}; run `grader generate"
                  f"{' --notebooks' if output.path.suffix == '.ipynb' else ''}`\n{diff}")
        if out_of_date:
            print(f"generate --check: {len(out_of_date)} of {len(files)} files out of date")
            return 1
        print(f"generate --check: all {len(files)} files up to date")
        return 0
    changed = write(files)
    for output in files:
        print(f"{'wrote' if output in changed else 'up to date'}: {_shown(output.path)}")
    return 0


def _shown(path: Path) -> str:
    """A path as the user would type it: relative to the working folder when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _service(args) -> int:
    """`grader service status|stop`: exit 0, except 1 for the status of a service that does not run."""
    from grader.service import client, place

    if args.action == "stop":
        stopped = client.status()
        print(f"grader service: stopped (pid {stopped['pid']})" if stopped and client.stop()
              else "grader service: not running")
        return 0
    status = client.status()
    if status is None:
        print(f"grader service: not running (identity {place.key()}; the next `grader check` starts it"
              f"{'' if client.enabled() else ', once GRADER_DAEMON allows it'})")
        return 1
    print(f"grader service: running, pid {status['pid']}, identity {status['identity']}, up {status['uptime']:g} s, "
          f"{status['jobs_served']} job{'' if status['jobs_served'] == 1 else 's'} served, idle timeout "
          f"{status['idle_timeout']:g} s\n  socket: {place.socket_path(place.folder(), status['identity'])}")
    return 0


def _gradescope_bundle(args) -> int:
    """Write the Gradescope autograder zip for one exercise."""
    from grader import __version__
    from grader.ci.gradescope_bundle import BundleError, write_bundle

    spec = _exercise(args.exercise)
    out = Path(args.out or f"gradescope-{spec.name}.zip")
    try:
        entries = write_bundle(spec, out)
    except BundleError as exc:
        raise UsageError(str(exc)) from None
    print(f"wrote {_shown(out)} ({len(entries)} files: grader {__version__} for {spec.name}); "
          "upload it as the autograder of a Gradescope programming assignment")
    return 0
