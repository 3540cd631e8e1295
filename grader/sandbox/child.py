"""Runs inside the sandbox, in a worker forked by the zygote: imports one submission,
calls its functions and emits plain data.

The request names the calls to make ({"id", "function", "args", "returns"}) and the module
constants to read. Each event is one JSON line on the event pipe (names in protocol.py): "at"
before each top-level statement that can fail, "imported", then a "start" and a "result" per call.
The module runs one top-level statement at a time, so a statement that raises (a cell trying the
functions out) stops it there and the functions defined before it are still called; where a
statement takes the worker along (an endless loop, os._exit), the grader knows from "at" where it
was. Nothing here
decides a grade; a dishonest worker can only lie about what it submitted, which the grader then
judges like anything else.
"""
import __future__
import ast
import gc
import importlib.util
import json
import os
import sys
import traceback
import types

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import protocol  # noqa: E402  (standalone: the grader package is not importable in the sandbox)
import wire  # noqa: E402

MAX_TRACEBACK_LINES = 30


def run_job(request, path, events_fd, after_call=lambda: None, alive=None):
    """Import the submission at path and make the request's calls; after_call runs after each
    (the zygote's cleanup). With `alive` (a socket to the zygote), each event is written only once the zygote
    has answered that it still runs: code that kills the zygote has its worker die with it, and how far the
    worker got meanwhile depends on the machine's speed; so nothing it did after the kill is ever reported,
    and the same submission gets the same outcome every time."""
    worker = os.getpid()
    out = os.fdopen(events_fd, "w", buffering=1)

    def answered():
        if alive is None:
            return
        try:
            alive.sendall(b"?")
            if alive.recv(1):
                return
        except OSError:
            pass
        os._exit(0)  # the zygote is gone (or the student's code closed the socket): report nothing more

    def emit(event):
        answered()
        out.write(wire.dumps(event) + "\n")
        out.flush()

    def at(index, line):
        if os.getpid() == worker:  # a process the student forked runs on, silently, as it would in Python
            answered()
            out.write(f'{{"event": "{protocol.AT}", "{protocol.STATEMENT}": {index}, "{protocol.LINE}": {line}}}\n')
            out.flush()  # before the statement runs: if it takes the worker along, the grader knows where

    module, stop = _load(path, request.get(protocol.KEEP), at)
    if os.getpid() != worker:
        os._exit(0)  # a process the student forked came back here: only the worker reports
    after_call()
    if module is None or (stop is not None and stop["kind"] == protocol.MEMORY_LIMIT):
        # Nothing to call, or a module that may hold the memory it ran out of: the grader decides what next.
        emit({"event": protocol.IMPORT_FAILED, **stop})
        return
    imported = {"event": protocol.IMPORTED, "constants": _constants(module, request.get("constants", []))}
    emit({**imported, protocol.STOPPED: stop} if stop is not None else imported)
    for call in request.get("calls", []):
        emit({"event": protocol.START, "id": call["id"]})
        result = _run_call(module, call, path)
        if os.getpid() != worker:
            os._exit(0)  # a process the student forked came back here: only the worker reports
        after_call()
        emit({"event": protocol.RESULT, "id": call["id"], **result})


def _load(path, keep, at):
    """(module, None) once every top-level statement ran (only those in `keep` when given);
    (module, failure) when one raised, the module holding what the statements before it defined;
    (None, failure) when the file does not compile (then nothing ran, as for any Python import)."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    sys.modules["grader"] = _grader_stub()
    spec = importlib.util.spec_from_file_location("submission", path)
    module = importlib.util.module_from_spec(spec)
    collecting = gc.isenabled()
    gc.disable()  # the syntax tree is a great many objects that all live on: collecting them is wasted
    try:
        statements = _compiled(ast.parse(spec.loader.get_data(path), path), path, keep)
    except BaseException as exc:
        failure = _failure(exc, path)
        if isinstance(exc, SyntaxError):  # its line is a field: the grader says it in the student's terms
            failure["message"] = f"{type(exc).__name__}: {exc.msg}"
        return None, {**failure, protocol.LINE: getattr(exc, "lineno", None)}
    finally:
        if collecting:
            gc.enable()
    for index, line, code in statements:
        at(index, line)
        try:
            exec(code, module.__dict__)
        except BaseException as exc:  # SystemExit and KeyboardInterrupt included: all are the student's
            return module, {**_failure(exc, path), protocol.LINE: _module_line(exc, path) or line,
                            protocol.STATEMENT: index}
    return module, None


def _grader_stub():
    """A `grader` module whose check() and submit() do nothing and return None: a submission's own
    `import grader; grader.check("iris_net")` (a notebook's check cells) grades as without those lines, and
    never reaches a real grader from inside the sandbox."""
    stub = types.ModuleType("grader", "Stands in for the grader inside the sandbox: check() and submit() do nothing.")
    stub.check = stub.submit = lambda *args, **kwargs: None
    return stub


def _compiled(tree, path, keep):
    """(index, line, code) per run of top-level statements to run, every one compiled before any runs, so that
    a compile error anywhere stops the import before it starts, as it does in Python. A run is the statement
    at `index` with the inert ones just before it (`x = 1`, a plain def), which cannot fail or run any code:
    the statement a failure is in is always known, and a file of a hundred thousand `x = 1` compiles at once."""
    flags, code_seen, wanted = 0, False, None if keep is None else set(keep)
    compiled, run = [], []
    for index, statement in enumerate(tree.body):
        docstring = isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
        if isinstance(statement, ast.ImportFrom) and statement.module == "__future__":
            if code_seen:  # compiled apart from what is before it, it would pass
                raise SyntaxError("from __future__ imports must occur at the beginning of the file",
                                  (path, statement.lineno, statement.col_offset + 1, None))
            for alias in statement.names:  # what the rest of the file is compiled with
                flags |= getattr(__future__, alias.name).compiler_flag
        elif not (docstring and index == 0):
            code_seen = True
        if (wanted is not None and index not in wanted) or (docstring and index):
            continue  # a string between statements does nothing (first in a run, it would become __doc__)
        run.append((index, statement))
        if not _inert(statement):
            compiled.append(_run_code(run, path, flags))
            run = []
    if run:  # inert statements at the end
        compiled.append(_run_code(run, path, flags))
    return compiled


def _run_code(run, path, flags):
    index, statement = run[-1]
    return index, statement.lineno, compile(ast.Module([s for _, s in run], []), path, "exec", flags=flags,
                                            dont_inherit=True)


def _inert(statement):
    """A statement that runs none of the student's code and cannot raise: a name bound to literals, a def
    without decorators, defaults or annotations, `pass`."""
    if isinstance(statement, ast.Pass):
        return True
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
        arguments = statement.args
        annotated = statement.returns or any(a.annotation for a in ast.walk(arguments) if isinstance(a, ast.arg))
        return not (statement.decorator_list or arguments.defaults or any(arguments.kw_defaults) or annotated)
    if isinstance(statement, ast.Assign) and all(isinstance(t, ast.Name) for t in statement.targets):
        literals = (ast.Constant, ast.Tuple, ast.List, ast.Load)
        return all(isinstance(node, literals) for node in ast.walk(statement.value))
    return False


def _module_line(exc, path):
    """The line of the file's top-level code that was running when exc was raised (a call's line, say)."""
    real = os.path.realpath(path)
    frames = traceback.extract_tb(exc.__traceback__)
    return next((f.lineno for f in frames if f.name == "<module>" and os.path.realpath(f.filename) == real), None)


def _constants(module, names):
    found = {}
    for name in names:
        if hasattr(module, name):
            value = getattr(module, name)
            try:
                if type(value) is str:
                    found[name] = {"t": "py", "v": wire.text(value, protocol.MAX_TEXT_CONSTANT_CHARS)}
                else:
                    found[name] = wire.encode(value)
            except wire.WireError as exc:
                found[name] = {"t": "py", "v": f"<{exc}>"}
    return found


def _run_call(module, call, path):
    function = getattr(module, call["function"], None)
    if function is None or not callable(function):
        return {"ok": False, "kind": protocol.NOT_IMPLEMENTED, "message": f"{call['function']} is not defined"}
    try:
        value = function(*[wire.decode(arg) for arg in call["args"]])
    except BaseException as exc:
        return _failure(exc, path)
    try:
        if call.get("returns") == "model":
            return {"ok": True, "value": _model_value(value)}
        return {"ok": True, "value": wire.encode(value)}
    except wire.WireError as exc:
        return {"ok": False, "kind": protocol.INVALID_RETURN, "message": f"returned {exc}"}
    except Exception as exc:
        return {"ok": False, "kind": protocol.INVALID_RETURN, "message": f"could not read the returned value: {exc}"}


def _model_value(value):
    module = type(value).__module__
    if not (hasattr(value, "to_json") and hasattr(value, "layers")):
        raise wire.WireError(f"a {type(value).__name__}, not a Keras model")
    if not module.startswith("keras"):
        raise wire.WireError(
            f"a subclassed Keras model ({type(value).__name__}); build it with keras.Sequential "
            "or the functional API so its structure can be read from its config"
        )
    config = json.loads(value.to_json())
    return {"t": wire.MODEL_TAG, "config": config, "compiled": bool(getattr(value, "compiled", False))}


def _failure(exc, path):
    if isinstance(exc, NotImplementedError):
        kind = protocol.NOT_IMPLEMENTED
    elif isinstance(exc, MemoryError):
        kind = protocol.MEMORY_LIMIT
    elif isinstance(exc, SyntaxError):
        kind = protocol.SYNTAX_ERROR
    else:
        kind = protocol.EXCEPTION
    if isinstance(exc, SystemExit):
        message = f"the code called sys.exit({exc.code!r})"
    else:
        message = f"{type(exc).__name__}: {exc}".rstrip(": ")
    return {"ok": False, "kind": kind, "message": message, "traceback": _student_traceback(exc, path)}


def _student_traceback(exc, path):
    """The traceback trimmed to the student's own frames."""
    real = os.path.realpath(path)
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if os.path.realpath(f.filename) == real]
    lines = traceback.format_list(frames) + traceback.format_exception_only(type(exc), exc)
    text = "".join(lines).replace(os.path.dirname(real) + os.sep, "")
    return "\n".join(text.splitlines()[-MAX_TRACEBACK_LINES:])
