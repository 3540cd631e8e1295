"""Grade a submission: run its functions in the sandbox, judge the plain data, build the report."""
from __future__ import annotations

import traceback
from pathlib import Path
from typing import Any

from grader.checks import CATALOG
from grader.parts.answers import free_text
from grader.report import submission_report
from grader.sandbox.calls import NOT_IMPLEMENTED, SYNTAX_ERROR, TOO_LARGE, Outcome
from grader.sandbox.isolation import SandboxError
from grader.sandbox.runner import SandboxRun, run_submission
from grader.sandbox.server import Sandbox
from grader.source_lines import UNPARSEABLE, SourceIndex, parse
from grader.spec import Exercise, FunctionError, ManualItem, PartResult, RubricItem
from grader.submission import notebook
from grader.submission.definitions import definitions_before, first_binding
from grader.submission.notebook import Converted
from grader.training import warmup


NOT_RUN = {"level": "not run", "protections": []}
MAX_SOURCE_CHARS = 200_000  # of the source kept in the report, for feedback that quotes it
MAX_SOURCE_BYTES = 1_000_000  # of an exercise file the grader reads at all (a lesson's is a few kilobytes)
MAX_ANSWER_CHARS = 5_000


def grade_path(path: Path, exercise: Exercise, sandbox: Sandbox | None = None) -> dict[str, Any]:
    """Grade one submission file for one exercise; returns the full report.

    Pass a running Sandbox to grade many submissions with one warm sandbox. A fault of the
    grader itself (never the student's) becomes a report with `grader_error` and no grade;
    a sandbox that cannot run at all raises SandboxError. A Jupyter notebook (.ipynb) is first
    converted to the Python of its code cells (grader.submission.notebook), graded as that file,
    then its report points to cells; one that cannot be read raises NotebookError.
    """
    if path.suffix != ".ipynb":
        return _graded(path, exercise, sandbox)
    converted = notebook.convert(notebook.read_notebook(path), path.name)
    with notebook.as_script(converted, exercise.name) as script:
        report = _graded(script, exercise, sandbox, converted)
    report["submission"] = str(path)
    for exercise_report in report["exercises"]:
        notebook.annotate(exercise_report, converted, path.name, script.name)
    return report


def _graded(path: Path, exercise: Exercise, sandbox: Sandbox | None, cells: Converted | None = None) -> dict[str, Any]:
    try:
        exercise_report, isolation = grade_file(path, exercise, sandbox, cells)
    except SandboxError:
        raise
    except Exception as exc:
        exercise_report, isolation = grader_fault(exercise, exc), sandbox.isolation.as_report() if sandbox else NOT_RUN
    return submission_report(str(path), [exercise_report], isolation)


def grader_fault(exercise: Exercise, exc: Exception) -> dict[str, Any]:
    """The report of an exercise the grader failed to grade: no checks, no score, the grader's traceback."""
    return {
        "exercise": exercise.name, "title": exercise.title, "score": 0, "max_score": exercise.max_score,
        "pass_mark": exercise.pass_mark, "passed": False, "failed_required": [], "failed_required_message": "",
        "checks": [], "mistakes": [], "errors": [], "notes": [], "details": {}, "source": "", "manual": [],
        "grader_error": {"message": f"{type(exc).__name__}: {exc}",
                         "traceback": "".join(traceback.format_exception(exc))},
    }


def grade_file(path: Path, exercise: Exercise, sandbox: Sandbox | None = None,
               cells: Converted | None = None) -> tuple[dict[str, Any], dict]:
    """The exercise report of the Python file at path, and the isolation it ran under; `cells` maps the
    lines of a notebook's Python to its cells, so that every message names the student's cell and line."""
    calls = [call for part in exercise.parts for call in part.calls()]
    source, line = "", None
    size = path.stat().st_size
    if size > MAX_SOURCE_BYTES:
        # Parsing it would cost the grader gigabytes and minutes; no exercise needs a fraction of it.
        failure = Outcome(False, kind=TOO_LARGE, message=f"the file is {size:,} bytes; the grader reads exercise files "
                                                         f"of at most {MAX_SOURCE_BYTES:,} bytes. Keep only your code "
                                                         "in it (no pasted data or outputs)")
    else:
        try:
            source = path.read_text(encoding="utf-8")
            tree = parse(source)  # kept for locating the findings later
            failure = None
        except (UnicodeDecodeError, *UNPARSEABLE) as exc:
            line = getattr(exc, "lineno", None)
            where = f" ({_where(line, cells)})" if line else ""
            message = getattr(exc, "msg", None) or str(exc) or "the code is nested too deeply for Python to read"
            failure = Outcome(False, kind=SYNTAX_ERROR, message=f"{type(exc).__name__}: {message}{where}", line=line)
    if failure is not None:
        # Nothing is run: every call fails the way a failed import does.
        return _module_failed(grade_outcomes(exercise, {c.id: failure for c in calls}, {}, source), failure), NOT_RUN
    read = {call.function for call in calls} | set(exercise.constants)
    run = run_submission(path, calls, list(exercise.constants), exercise.limits, sandbox,
                         definitions=lambda stop: definitions_before(source, tree, stop, read))
    if run.import_error is None:
        report = grade_outcomes(exercise, run.outcomes, run.constants, source)
    elif run.stopped_in is None:  # no statement ran: Python could not compile the file, or it never began
        failure = _located(run.import_error, cells)
        report = grade_outcomes(exercise, {c.id: failure for c in calls}, run.constants, source)
        report = _module_failed(report, failure)
    else:
        report = _import_stopped(exercise, run, source, tree, cells)
    report["output"] = run.output
    report["output_truncated"] = run.output_truncated
    if run.output_truncated:
        report["notes"].append(f"Your code printed more than {exercise.limits.output_bytes // 1024} KiB; "
                               "only the beginning is kept in this report.")
    return report, run.isolation


def _module_failed(report: dict[str, Any], failure: Outcome) -> dict[str, Any]:
    """A failure of the whole module (nothing of it ran) is reported once, not once per function."""
    error = _error_dict(FunctionError("<module>", failure.kind, failure.message, failure.traceback))
    functions = sorted({check["function"] for check in report["checks"]})
    report["errors"] = [{**error, "line": failure.line, "not_graded": functions}]
    return report


def _where(line: int | None, cells: Converted | None) -> str:
    """'cell 7, line 3' in a notebook, 'line 40' in a file ('' without a line)."""
    place = cells.place(line) if cells else None
    return f"cell {place[0]}, line {place[1]}" if place else f"line {line}" if line else ""


def _located(failure: Outcome, cells: Converted | None) -> Outcome:
    """An import's failure with its place said in its message: "NameError: ... (cell 7, line 3)"."""
    where = f" ({_where(failure.line, cells)})" if failure.line else ""
    return Outcome(False, kind=failure.kind, message=failure.message + where, traceback=failure.traceback,
                   line=failure.line)


def _left_undefined(run: SandboxRun, tree: Any, functions: set[str],
                    cells: Converted | None) -> tuple[dict[str, str], list[str]]:
    """The functions an import that stopped in statement `run.stopped_in` did not define, each with why in the
    student's terms, and those of them defined after that statement (the others are defined nowhere)."""
    failure, noun = run.import_error, "notebook" if cells else "file"
    at = f" at {_where(failure.line, cells)}" if failure.line else ""
    undefined, later = {}, []
    for name in sorted(functions):
        defined_in = first_binding(tree, name)
        if defined_in is None:
            undefined[name] = f"{name} is not defined in your {noun} (which also stopped{at}: {failure.message})"
        elif defined_in >= run.stopped_in:
            undefined[name] = f"{name} is not defined: your {noun} stopped{at} before defining it: {failure.message}"
            later.append(name)
    return undefined, later


def _import_stopped(exercise: Exercise, run: SandboxRun, source: str, tree: Any,
                    cells: Converted | None) -> dict[str, Any]:
    """The report of an import that stopped in the file's own code outside the functions (a cell trying them
    out, say): it costs no points of its own. The error is reported once, as `<module>` with its line, the
    functions it left undefined say so in their checks, and the first note tells what was graded anyway."""
    calls = [call for part in exercise.parts for call in part.calls()]
    undefined, later = _left_undefined(run, tree, {call.function for call in calls}, cells)
    outcomes = {call.id: Outcome(False, kind=NOT_IMPLEMENTED, message=undefined[call.function])
                if call.function in undefined else run.outcomes[call.id] for call in calls}
    report = grade_outcomes(exercise, outcomes, run.constants, source)
    bindings = {name: first_binding(tree, name) for name in exercise.constants if name not in run.constants}
    unread = [name for name, index in bindings.items() if index is not None and index >= run.stopped_in]
    failure, where = run.import_error, _where(run.import_error.line, cells)
    error = _error_dict(FunctionError("<module>", failure.kind, _located(failure, cells).message, failure.traceback))
    kept = [e for e in report["errors"] if e["function"] not in undefined]
    report["errors"] = [{**error, "line": failure.line, "not_graded": sorted(undefined)}, *kept]
    for check in report["checks"]:
        if check["function"] in undefined:
            check["message"] = undefined[check["function"]]
    graded = sorted({c["function"] for c in report["checks"]} - set(undefined))
    report["notes"].insert(0, _stop_note(failure.message, where, bool(graded), later, unread, run.definitions_only,
                                         cells is not None))
    return report


def _stop_note(message: str, where: str, graded: bool, later: list[str], unread: list[str], definitions_only: bool,
               notebook: bool) -> str:
    """What an import that stopped in the file's code outside the functions left graded, in one note."""
    said = f"Your code outside the functions failed{f' at {where}' if where else ''} ({message})"
    where_to_try = "in a cell after them" if notebook else "at the end of the file"
    if not graded:
        note = (f"{said} before any of the functions was defined, so none could be graded. Fix or remove that line, "
                f"and try your functions out only after their definitions ({where_to_try}).")
    elif later:
        one = len(later) == 1
        note = (f"{said}; {_listed(later)} {'comes' if one else 'come'} after that line and "
                f"{'was' if one else 'were'} never defined, so {'it' if one else 'they'} could not be graded; "
                f"the other functions were graded anyway{_HOW[definitions_only]}. Try your functions out only after "
                f"their definitions ({where_to_try}).")
    else:
        note = f"{said}; your functions were graded anyway{_HOW[definitions_only]}: it costs no points."
    if unread:
        one = len(unread) == 1
        note += (f" {_listed(unread)} {'comes' if one else 'come'} after that line too, so the grader could not read "
                 f"{'it' if one else 'them'}.")
    return note


_HOW = {False: "", True: " from their definitions alone (imports, functions, classes and the values they use; your "
                         "other code outside the functions was not run again)"}


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def grade_outcomes(exercise: Exercise, outcomes: dict[str, Outcome], constants: dict[str, Any], source: str) -> dict[str, Any]:
    """Judge the outcomes of every call (however they were obtained) against the exercise spec."""
    warmup.wait()  # a warm-up in progress uses Keras' global random state too
    index = SourceIndex(source)
    results = [part.evaluate(outcomes, constants) for part in exercise.parts]
    checks, mistakes, errors, notes, details = [], [], [], [], {}
    for part, result in zip(exercise.parts, results):
        checks += [_check(item, result) for item in part.rubric]
        for finding in result.findings:
            entry = CATALOG[finding.id]
            mistakes.append({
                "id": finding.id, "severity": entry.severity, "title": entry.title,
                "message": entry.message(finding), "observed": finding.observed, "expected": finding.expected,
                "function": result.function,
                "line": index.locate(result.function, finding.locate),
                "why": entry.why, "fix": entry.fix_for(finding),
                "checks": [item.id for item in part.rubric if finding.id in item.mistakes],  # the points it cost
            })
        errors += [_error_dict(e) for e in result.errors]
        notes += result.notes
        if result.details:
            details[result.function] = result.details
    score = round(sum(c["points"] for c in checks), 2)
    return {
        "exercise": exercise.name, "title": exercise.title,
        "score": score, "max_score": exercise.max_score, "pass_mark": exercise.pass_mark,
        **verdict(score, exercise.pass_mark, checks),
        "checks": checks, "mistakes": mistakes, "errors": errors, "notes": notes, "details": details,
        "source": source[:MAX_SOURCE_CHARS],  # for feedback that quotes the student's own lines
        "manual": [_manual(item, constants.get(item.constant)) for item in exercise.manual],
    }


def _manual(item: ManualItem, answer: Any) -> dict[str, Any]:
    """A free-text answer as the instructor will read it; the grader only records it.

    Its words are counted in the whole answer; the report keeps its first MAX_ANSWER_CHARS
    characters, and a cut answer ends with a line saying so (shown wherever the answer is).
    """
    written = free_text(answer)
    cut = written.chars > MAX_ANSWER_CHARS
    kept = written.text[:MAX_ANSWER_CHARS]
    if cut:
        kept += (f"\n[... cut here: the answer has {written.chars:,} characters; "
                 f"this report keeps the first {MAX_ANSWER_CHARS:,}]")
    return {"id": item.constant, "title": item.title, "points": item.points, "answer": kept,
            "words": written.words, "chars": written.chars, "cut": cut, "note": written.note,
            "status": "needs manual grading" if written.text else "not answered"}


def verdict(score: float, pass_mark: float, checks: list[dict[str, Any]]) -> dict[str, Any]:
    """Whether the exercise's goal was reached: the score reaches the pass mark and no required check
    failed (a missed required check fails it whatever the score; its points still count)."""
    missed = [c for c in checks if c["required"] and not c["passed"]]
    return {"passed": score >= pass_mark and not missed, "failed_required": [c["id"] for c in missed],
            "failed_required_message": _required_message(missed)}


def _required_message(missed: list[dict[str, Any]]) -> str:
    """Why an exercise failed whatever its score, in one sentence every format shows ('' when nothing is missed)."""
    if not missed:
        return ""
    which = "a required check" if len(missed) == 1 else f"{len(missed)} required checks"
    listed = "; ".join(f"{check['title']} ({check['id']})" for check in missed)
    return (f"{which} failed: {listed}. The exercise passes only when its score reaches the pass mark "
            "and every required check passes.")


def _check(item: RubricItem, result: PartResult) -> dict[str, Any]:
    blocking = [f for f in result.findings if f.id in item.mistakes and CATALOG[f.id].severity == "error"]
    unmet = [name for name in item.requires if not result.conditions.get(name, False)]
    passed = result.ran and not blocking and not unmet
    if not result.ran:
        error = result.errors[0] if result.errors else None
        message = f"{result.function} could not be graded: {error.kind}: {error.message}" if error else "not graded"
    elif blocking:
        message = CATALOG[blocking[0].id].message(blocking[0])
    else:
        message = "; ".join(result.messages[name] for name in item.requires if name in result.messages) or "ok"
    return {"id": item.id, "title": item.title, "function": result.function, "passed": passed,
            "points": item.points if passed else 0, "max_points": item.points, "required": item.required,
            "message": message}


def _error_dict(error: FunctionError) -> dict[str, Any]:
    return {"function": error.function, "kind": error.kind, "message": error.message, "traceback": error.traceback}
