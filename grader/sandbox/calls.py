"""The plain data that crosses the sandbox boundary: calls going in, outcomes coming back, limits."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grader.sandbox import wire


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


@dataclass(frozen=True)
class Call:
    id: str
    function: str
    args: tuple = ()
    returns: str = "value"  # or "model": the child sends the model's Keras config


@dataclass
class Outcome:
    ok: bool
    value: Any = None
    kind: str = ""
    message: str = ""
    traceback: str = ""


def call_request(call: Call) -> dict:
    """A call as the child reads it: plain data only."""
    return {"id": call.id, "function": call.function, "args": [wire.encode(a) for a in call.args], "returns": call.returns}


def outcome_from_event(event: dict) -> Outcome:
    """Decode the child's result event for one call, validating it as untrusted data."""
    if event.get("ok"):
        try:
            return Outcome(True, value=wire.decode(event.get("value")))
        except (wire.WireError, KeyError, TypeError, ValueError) as exc:
            return Outcome(False, kind="invalid-return", message=f"returned a value the grader cannot read ({exc})")
    return Outcome(
        False,
        kind=str(event.get("kind", "crashed")),
        message=str(event.get("message", "")),
        traceback=str(event.get("traceback", "")),
    )


def decode_constants(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        return {}
    constants = {}
    for name, value in raw.items():
        try:
            constants[str(name)] = wire.decode(value)
        except (wire.WireError, KeyError, TypeError, ValueError):
            constants[str(name)] = None
    return constants
