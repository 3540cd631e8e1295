"""Runs inside the sandbox, in a worker forked by the zygote: imports one submission,
calls its functions and emits plain data.

The request names the calls to make ({"id", "function", "args", "returns"}) and the module
constants to read. Each event is one JSON line on the event pipe (names in protocol.py):
"imported", then a "start" and a "result" per call. Nothing here decides a grade; a dishonest
worker can only lie about what it submitted, which the grader then judges like anything else.
"""
import importlib.util
import json
import os
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import protocol  # noqa: E402  (standalone: the grader package is not importable in the sandbox)
import wire  # noqa: E402

MAX_TRACEBACK_LINES = 30


def run_job(request, path, events_fd, after_call=lambda: None):
    """Import the submission at path and make the request's calls; after_call runs after each
    (the zygote's cleanup)."""
    worker = os.getpid()
    out = os.fdopen(events_fd, "w", buffering=1)

    def emit(event):
        out.write(wire.dumps(event) + "\n")
        out.flush()

    try:
        module = _load(path)
    except BaseException as exc:  # SystemExit and KeyboardInterrupt included: all are the student's
        module, failure = None, _failure(exc, path)
    if os.getpid() != worker:
        os._exit(0)  # a process the student forked came back here: only the worker reports
    after_call()
    if module is None:
        emit({"event": protocol.IMPORT_FAILED, **failure})
        return
    emit({"event": protocol.IMPORTED, "constants": _constants(module, request.get("constants", []))})
    for call in request.get("calls", []):
        emit({"event": protocol.START, "id": call["id"]})
        result = _run_call(module, call, path)
        if os.getpid() != worker:
            os._exit(0)  # a process the student forked came back here: only the worker reports
        after_call()
        emit({"event": protocol.RESULT, "id": call["id"], **result})


def _load(path):
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    spec = importlib.util.spec_from_file_location("submission", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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
