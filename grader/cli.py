"""Command line: grader check | list | explain | calibrate | demo | generate | bulk | gradescope-bundle."""
from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from grader.render.escape import visible
from grader.sandbox.isolation import SandboxError

# TensorFlow logs to stderr at import; keep the grader's own output readable.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

USAGE_ERROR = 2


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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grader", description="Grade neural-network exercises.")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    check = sub.add_parser("check", help="grade submissions (.py or .ipynb files, or folders holding them)")
    check.add_argument("paths", nargs="+", metavar="PATH")
    check.add_argument("--exercise", help="exercise name (default: inferred from the file name)")
    check.add_argument("--expect", action="append", metavar="NAME[,NAME...]",
                       help="the exercises the assignment declares (repeatable, or a comma list): each PATH is "
                            "graded for these only, and each one it does not hold is a failed exercise that scores 0 "
                            "and names the missing file")
    check.add_argument("--json", metavar="FILE", help="write the JSON report to FILE ('-' for stdout); "
                                                     "default: reports/<exercise>.json")
    check.add_argument("--html", metavar="DIR", default="reports",
                       help="folder for the HTML reports, one self-contained file per submission (default: reports)")
    check.add_argument("--junit", metavar="FILE", help="also write JUnit XML (one test case per check) for CI systems")
    check.add_argument("--gradescope", metavar="FILE", help="also write Gradescope's results.json format")
    check.add_argument("--github", action="store_true",
                       help="append a Markdown summary to the file named by $GITHUB_STEP_SUMMARY, when set")
    check.set_defaults(run=_check)

    listing = sub.add_parser("list", help="list exercises, or with --mistakes the mistake catalog")
    listing.add_argument("--mistakes", action="store_true")
    listing.set_defaults(run=_list)

    explain = sub.add_parser("explain", help="explain a mistake id")
    explain.add_argument("id")
    explain.set_defaults(run=_explain)

    calibrate = sub.add_parser("calibrate", help="train the reference over many seeds and show the threshold's margin")
    calibrate.add_argument("exercise")
    calibrate.add_argument("--seeds", type=int, default=30)
    calibrate.set_defaults(run=_calibrate)

    demo = sub.add_parser("demo", help="grade the bundled reference and sample submissions")
    demo.set_defaults(run=_demo)

    generate = sub.add_parser("generate", help="write the student stubs in exercises/ from reference/ "
                                               "(solution blocks become NotImplementedError)")
    generate.add_argument("names", nargs="*", metavar="NAME", help="exercises (default: every reference with a spec)")
    generate.add_argument("--check", action="store_true",
                          help="write nothing; list the files that are out of date and exit 1 if any")
    generate.add_argument("--notebooks", action="store_true",
                          help="also write a student notebook <name>.ipynb per exercise (existing ones are always kept up to date)")
    generate.add_argument("--out", metavar="DIR", help="where to write (default: exercises/ beside reference/)")
    generate.add_argument("--solutions", action="store_true",
                          help="write the solutions (the reference without its markers) instead of stubs; needs --out")
    generate.set_defaults(run=_generate)

    from grader.bulk.command import add_parser as add_bulk_parser

    add_bulk_parser(sub)

    bundle = sub.add_parser("gradescope-bundle", help="write a Gradescope autograder zip that grades one exercise "
                                                      "with this grader (its source included)")
    bundle.add_argument("exercise", metavar="NAME")
    bundle.add_argument("--out", metavar="FILE", help="where to write the zip (default: gradescope-<NAME>.zip)")
    bundle.set_defaults(run=_gradescope_bundle)
    return parser


def _exercise(name: str):
    from grader.exercises import UnknownExercise, load
    from grader.spec import SpecError

    try:
        return load(name)
    except (UnknownExercise, SpecError) as exc:
        raise UsageError(str(exc)) from None


def resolve(path: Path, exercise: str | None, expected: list[str] | None = None) -> list[tuple[Path, str]]:
    """The (file, exercise) pairs a PATH stands for.

    A folder is searched for <exercise>.py, then <exercise>.ipynb, then the same in its
    exercises/ subfolder; the first found is graded (a .py wins over a notebook beside it).
    With `expected` (the assignment's exercises), only those are searched for, and a PATH may
    hold none of them: a file holds the one it is named for, a missing path none. What a
    submission lacks is for the caller to report as missing, never a usage error.
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
            raise UsageError(f"cannot tell which exercise {path} is; pass --exercise (one of: {', '.join(names())})")
        return [(path, name)]
    wanted = [exercise] if exercise else expected or names()
    found, notes = exercise_files(path, wanted)
    for file, _ in found:
        _refuse_link_to_reference(file)
    for note in notes:
        print(f"grader: {visible(note)}", file=sys.stderr)
    if not found and not expected:
        raise UsageError(f"{path} holds no exercise file ({', '.join(f'{n}.py or {n}.ipynb' for n in wanted)})")
    return found


def _refuse_link_to_reference(path: Path) -> None:
    """A symbolic link into reference/ would be graded as the reference solution itself."""
    from grader.paths import reference_dir

    references = reference_dir().resolve()
    if path.resolve().is_relative_to(references) and not path.absolute().parent.resolve().is_relative_to(references):
        raise UsageError(f"{path} is a link to the grader's reference solution; submit your own file")


def _check(args) -> int:
    from grader.report import all_passed

    expected = _expected(args.expect) if args.expect is not None else []
    if args.exercise and expected:
        raise UsageError("--exercise and --expect do not go together: --expect already names the exercises to grade")
    if args.exercise:
        _exercise(args.exercise)  # an unknown name is a usage error before anything else
    targets, missing = [], []
    for path in map(Path, args.paths):
        found = resolve(path, args.exercise, expected)
        held = {name for _, name in found}
        targets += found
        missing += [(path, name) for name in expected if name not in held]
    _read_notebooks(path for path, _ in targets)  # a corrupt notebook is a usage error before any grading
    if args.json and args.json != "-" and len(targets) + len(missing) > 1:
        raise UsageError("--json FILE takes one submission; leave it out to write one report per submission under reports/")
    reports = []
    if targets:  # with nothing to run (every declared exercise missing), no sandbox is needed
        with _sandbox() as sandbox:
            _warm_up(targets[0][1])
            for path, name in targets:
                reports.append(_grade_and_report(path, name, args.json, Path(args.html), sandbox))
    for path, name in missing:
        reports.append(_report_missing(path, name, args.json, Path(args.html)))
    _write_summaries(reports, args)
    return 0 if all(all_passed(r) for r in reports) else 1


def _expected(values: list[str]) -> list[str]:
    """The declared exercise names of every --expect, split at commas or spaces, each once, in order."""
    from grader.exercises import names

    expected = list(dict.fromkeys(name for value in values for name in re.split(r"[\s,]+", value) if name))
    if not expected:
        raise UsageError(f"--expect needs at least one exercise name (known: {', '.join(names())})")
    for name in expected:
        _exercise(name)  # an unknown name is a usage error before anything is graded
    return expected


def _read_notebooks(paths) -> None:
    from grader.submission.notebook import NotebookError, read_notebook

    for path in paths:
        if path.suffix == ".ipynb":
            try:
                read_notebook(path)
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
def _sandbox() -> Iterator:
    """One warm sandbox for the whole command, started at once so it loads TensorFlow alongside us."""
    from grader.sandbox.isolation import detect
    from grader.sandbox.server import Sandbox

    isolation = detect()
    if isolation.notice():
        print(isolation.notice(), file=sys.stderr)
    with Sandbox(isolation) as sandbox:
        sandbox.start()
        yield sandbox


def _warm_up(name: str) -> None:
    """Prepare the trainer for the first submission's exercise while the sandbox runs its code
    (only the first: judging waits for the warm-up, which should not grow with more exercises)."""
    from grader.training import warmup

    warmup.start(_exercise(name))


def _grade_and_report(path: Path, name: str, json_destination: str | None, html_folder: Path, sandbox) -> dict:
    """Grade one file, print the feedback, write the JSON and HTML reports ('-': JSON on stdout only)."""
    from grader.grading import grade_path

    return _deliver(grade_path(path, _exercise(name), sandbox), path, name, json_destination, html_folder)


def _report_missing(path: Path, name: str, json_destination: str | None, html_folder: Path) -> dict:
    """Report a declared exercise that PATH does not hold, as failed, like a graded one."""
    from grader.missing import missing_report

    place = path.parent if path.is_file() else path  # the reports are named as its file's would be
    return _deliver(missing_report(path, _exercise(name)), place / f"{name}.py", name, json_destination, html_folder)


def _deliver(report: dict, path: Path, name: str, json_destination: str | None, html_folder: Path) -> dict:
    """Print the feedback and write the JSON and HTML reports of one submission file at path."""
    from grader.render.html import write_html
    from grader.render.terminal import print_report
    from grader.report import write_json

    label = _report_label(path, name)
    destination = json_destination or str(Path("reports") / f"{label}.json")
    write_json(report, destination)
    html = write_html(report, html_folder / f"{label}.html")
    if destination != "-":
        print_report(report)
        print(f"  report: {visible(html)}  (JSON: {visible(destination)})\n")
    return report


def _report_label(path: Path, exercise: str) -> str:
    folder = path.resolve().parent.name
    return exercise if folder in ("exercises", "") else f"{folder}-{exercise}"


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
        raise UsageError(f"unknown mistake id {args.id!r}; see `grader list --mistakes`")
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
    with _sandbox() as sandbox:
        for path in submissions:
            exercise = _grade_and_report(path, "iris_net", None, Path("reports"), sandbox)["exercises"][0]
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
