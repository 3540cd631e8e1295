"""The plain data that crosses the sandbox boundary: calls going in, outcomes coming back, limits.

Each call declares a contract, what its function must return; the child's result is checked
against it where it is decoded, so a value that does not fit costs only that function's points
(an invalid-return failure saying what was returned and what was expected) and every part
sees only values of the shape it declared.
"""
from __future__ import annotations

import itertools
import reprlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.sandbox import wire
# The kinds of a failed Outcome: one vocabulary for the child, the sandbox, the parts and the report.
from grader.sandbox.protocol import (  # noqa: F401  (re-exported)
    CRASHED, ERROR_KINDS, EXCEPTION, INVALID_RETURN, MAX_TEXT_CONSTANT_CHARS, MEMORY_LIMIT, NOT_IMPLEMENTED, SYNTAX_ERROR,
    TIMEOUT, TOO_LARGE,
)
from grader.sandbox.protocol import LINE

# What one failure may add to the report: its message is copied into every check of its function.
MAX_MESSAGE_CHARS = 2_000
MAX_TRACEBACK_CHARS = 8_000
MAX_CONSTANTS = 100
MAX_SHOWN_CHARS = 120  # a student's value quoted in a message
MAX_COUNT = 10_000_000  # a line or statement number: beyond any file the grader reads


@dataclass(frozen=True)
class Limits:
    """Per-exercise limits on the student's code (the grader's own training is not limited by these)."""

    import_seconds: float = 90.0
    call_seconds: float = 60.0
    cpu_seconds: int = 600
    memory_bytes: int = 3 * 1024**3  # address space; TensorFlow alone maps about 1.5 GiB
    processes: int = 128  # processes and threads together
    file_bytes: int = 256 * 1024**2  # largest file it may write
    output_bytes: int = 64 * 1024  # stdout and stderr kept for the report
    scratch_bytes: int = 256 * 1024**2  # each private folder of a job (its working folder, /tmp, /dev/shm)

    def for_worker(self) -> dict[str, int]:
        """The limits the sandbox applies itself, as plain data."""
        return {"memory_bytes": self.memory_bytes, "cpu_seconds": self.cpu_seconds,
                "file_bytes": self.file_bytes, "processes": self.processes, "scratch_bytes": self.scratch_bytes}


class ContractError(ValueError):
    """A returned value that does not fit its call's contract; the message says what it was and what was expected."""


class Contract:
    """What a function must return: `check` gives the value in its normal form, or raises ContractError."""

    expected = "a value"

    def check(self, value: Any) -> Any:
        raise NotImplementedError

    def refuse(self, observed: str, fix: str = "") -> ContractError:
        return ContractError(f"returned {observed}; expected {self.expected}" + (f". Fix: {fix}" if fix else ""))


class Plain(Contract):
    """Any plain value (numbers, strings, None, arrays, sequences of them), not a model."""

    expected = "a plain value (numbers, strings or arrays)"

    def check(self, value: Any) -> Any:
        if isinstance(value, dict):
            raise self.refuse(describe(value))
        return value


class ModelConfig(Contract):
    """A Keras model, as the decoded {"t": MODEL_TAG, "config": ..., "compiled": ...}."""

    expected = "a Keras model (built with keras.Sequential or the functional API)"

    def check(self, value: Any) -> Any:
        if not isinstance(value, dict):
            raise self.refuse(describe(value))
        return value


class TextOrNone(Contract):
    expected = "a string or None"

    def check(self, value: Any) -> Any:
        if value is None or isinstance(value, str):
            return value
        raise self.refuse(describe(value))


class Numbers(Contract):
    """A number (as a float) or a numeric array of any shape (as float64)."""

    expected = "a number or an array of numbers"

    def check(self, value: Any) -> Any:
        if isinstance(value, (bool, int, float)):
            return float(value)
        try:
            return _array(value).astype(np.float64)
        except _Misfit as misfit:
            raise self.refuse(misfit.observed, misfit.fix) from None


@dataclass(frozen=True)
class ArrayTuple(Contract):
    """A tuple (or list) of len(names) numeric arrays, each as an int64 or float64 ndarray."""

    names: tuple[str, ...]
    finite: bool = False  # no NaN or infinity in any of them

    @property
    def expected(self) -> str:
        return f"a tuple ({', '.join(self.names)}) of arrays of {'finite ' if self.finite else ''}numbers"

    def check(self, value: Any) -> tuple[np.ndarray, ...]:
        if not isinstance(value, tuple) or len(value) != len(self.names):
            raise self.refuse(describe(value))
        arrays = []
        for name, item in zip(self.names, value):
            try:
                array = _array(item)
            except _Misfit as misfit:
                raise self.refuse(f"a tuple whose {name} is {misfit.observed}", misfit.fix) from None
            if self.finite and not np.isfinite(array).all():
                raise self.refuse(f"a tuple whose {name} holds NaN or infinite values",
                                  "look for a division by zero, e.g. by a standard deviation of 0")
            arrays.append(array)
        return tuple(arrays)


PLAIN, MODEL, TEXT_OR_NONE, NUMBERS = Plain(), ModelConfig(), TextOrNone(), Numbers()


class _Misfit(Exception):
    def __init__(self, observed: str, fix: str = ""):
        super().__init__(observed)
        self.observed, self.fix = observed, fix


def _array(value: Any) -> np.ndarray:
    """A decoded number, array or (nested) sequence of them as one array; a ragged one is a misfit."""
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, (bool, int)):
        return np.asarray(value, dtype=np.int64)
    if isinstance(value, float):
        return np.asarray(value)
    if not isinstance(value, tuple):
        raise _Misfit(describe(value))
    if not value:
        return np.empty(0)
    items = [_array(item) for item in value]  # decoding bounded the depth
    odd = next((item.shape for item in items if item.shape != items[0].shape), None)
    if odd is not None:
        sizes = " and ".join(_size(shape) for shape in (items[0].shape, odd))
        raise _Misfit(f"a ragged sequence (rows of {sizes})", "give every row the same length, or return NumPy arrays")
    if items[0].ndim + 1 > wire.MAX_DIMENSIONS:
        raise _Misfit(f"a sequence nested more than {wire.MAX_DIMENSIONS} levels deep")
    return np.stack(items)


def _size(shape: tuple[int, ...]) -> str:
    if len(shape) == 1:
        return f"{shape[0]} number{'' if shape[0] == 1 else 's'}"
    return "one number" if not shape else f"shape {shape}"


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxtuple, _REPR.maxlist, _REPR.maxdict = 2, 4, 4, 4
_REPR.maxstring = _REPR.maxother = 60


def shown(value: Any, limit: int = MAX_SHOWN_CHARS) -> str:
    """A student's value as a short repr for a message, at most `limit` characters (any value: strings
    and numbers from a submission can be any size)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**15:
        return f"a number of about {int(value.bit_length() * 0.30103) + 1:,} digits"  # repr() refuses past 4,300
    try:
        text = _REPR.repr(value)
    except ValueError:  # such a number inside a container
        text = f"a {type(value).__name__} holding a huge number"
    return text if len(text) <= limit else text[:limit - 3] + "..."


def describe(value: Any) -> str:
    """What a decoded value is, in the student's terms: "None", "the string 'relu'", "an array of shape (3,)"."""
    if value is None:
        return "None"
    if isinstance(value, bool):
        return f"the bool {value}"
    if isinstance(value, (int, float)):
        return f"the number {shown(value)}"
    if isinstance(value, str):
        return f"the string {shown(value)}"
    if isinstance(value, np.ndarray):
        return f"the number {shown(value.item())}" if value.ndim == 0 else f"an array of shape {value.shape}"
    if isinstance(value, tuple):
        return f"a tuple or list of {len(value)} value{'' if len(value) == 1 else 's'}"
    if isinstance(value, dict):
        return "a Keras model"
    return f"a {type(value).__name__}"


@dataclass(frozen=True)
class Call:
    """One call of a student function; `contract` is what it must return (by default a Keras model
    when the child sends a model, `returns="model"`, and any plain value otherwise)."""

    id: str
    function: str
    args: tuple = ()
    returns: str = "value"  # or "model": the child sends the model's Keras config
    contract: Contract | None = None

    def __post_init__(self):
        if self.contract is None:
            object.__setattr__(self, "contract", MODEL if self.returns == "model" else PLAIN)

    @classmethod
    def of(cls, function: str, key: Any, args: tuple = (), contract: Contract | None = None,
           returns: str = "value") -> Call:
        """The call of `function` that its part knows by `key` (unique among that function's calls)."""
        return cls(f"{function}#{key}", function, tuple(args), returns, contract)

    def outcome(self, outcomes: Mapping[str, Outcome]) -> Outcome:
        """This call's outcome, its value checked against the contract.

        Parts read their outcomes through this, so they see only values of the declared shape
        however the outcomes were made (the sandbox's own are checked when decoded, too).
        """
        return checked(outcomes[self.id], self.contract)


@dataclass
class Outcome:
    ok: bool
    value: Any = None
    kind: str = ""  # one of ERROR_KINDS when not ok
    message: str = ""
    traceback: str = ""
    line: int | None = None  # of an import that stopped: the line of the file's top-level code it stopped at


def call_request(call: Call) -> dict:
    """A call as the child reads it: plain data only."""
    return {"id": call.id, "function": call.function, "args": [wire.encode(a) for a in call.args], "returns": call.returns}


def checked(outcome: Outcome, contract: Contract) -> Outcome:
    """The outcome with its value in the contract's normal form, or an invalid-return failure saying why."""
    if not outcome.ok:
        return outcome
    try:
        return Outcome(True, value=contract.check(outcome.value))
    except ContractError as exc:
        return Outcome(False, kind=INVALID_RETURN, message=str(exc))


def outcome_from_event(event: dict, call: Call | None = None) -> Outcome:
    """Decode the child's result event for `call`, validating it as untrusted data.

    The value is decoded within wire's bounds and checked against the call's contract
    (without a call, only decoded); a failure's kind is one of ERROR_KINDS (any other
    becomes "crashed") and its message and traceback are bounded.
    """
    if event.get("ok") is not True:
        return failure_from_event(event)
    try:
        outcome = Outcome(True, value=wire.decode(event.get("value")))
    except wire.WireError as exc:
        return Outcome(False, kind=INVALID_RETURN, message=f"returned a value the grader cannot read ({exc})")
    return checked(outcome, call.contract) if call is not None else outcome


def failure_from_event(event: dict) -> Outcome:
    """The failure the child reports (a call's, or the import's): a known kind, bounded texts, a line or None."""
    kind = event.get("kind")
    return Outcome(False, kind=kind if kind in ERROR_KINDS else CRASHED,
                   message=_text(event.get("message"), MAX_MESSAGE_CHARS),
                   traceback=_text(event.get("traceback"), MAX_TRACEBACK_CHARS, keep_end=True),
                   line=counted(event.get(LINE)))


def counted(value: Any, start: int = 1) -> int | None:
    """A line number or an index sent by the child: an int from `start` up to a file's size, else None."""
    if type(value) is int and start <= value <= MAX_COUNT:
        return value
    return None


def _text(value: Any, limit: int, keep_end: bool = False) -> str:
    return wire.text(value, limit, keep_end) if isinstance(value, str) else ""


def decode_constants(raw: Any) -> dict[str, Any]:
    """The module constants the child read, each decoded like a returned value (None when unreadable);
    a string constant may be longer than a returned string, up to MAX_TEXT_CONSTANT_CHARS."""
    if not isinstance(raw, dict):
        return {}
    constants = {}
    for name, value in itertools.islice(raw.items(), MAX_CONSTANTS):
        try:
            if isinstance(value, dict) and value.get("t") == "py" and isinstance(value.get("v"), str):
                decoded = wire.text(value["v"], MAX_TEXT_CONSTANT_CHARS)
            else:
                decoded = PLAIN.check(wire.decode(value))
        except (wire.WireError, ContractError):
            decoded = None
        constants[_text(name, MAX_SHOWN_CHARS)] = decoded
    return constants
