"""The service's wire format: one JSON object per line over a Unix stream socket, one request per connection.

On connect the service says {"hello": {...}}; the client sends {"grade": job}, {"status": true} or
{"stop": true}. While a job waits or runs the service sends {"heartbeat": n} about every second, then
{"answer": {...}}. Anything else is garbage, and a service that sends garbage is not used.
"""
from __future__ import annotations

import json
import socket
import struct
from typing import Any

MAX_LINE = 256 * 1024**2  # a request carries a file of at most 20 MiB, base64; a report is far smaller
HEARTBEAT_SECONDS = 1.0


class Garbled(ValueError):
    """A line that is not the JSON object the protocol expects."""


def encode(message: dict[str, Any]) -> bytes:
    from grader.report import dumps  # the report's own rule for NaN and infinities

    return dumps(message).encode() + b"\n"


def decode(line: bytes) -> dict[str, Any]:
    """The JSON object of one line; Garbled for anything else (a cut line, not JSON, not an object)."""
    if not line.endswith(b"\n"):
        raise Garbled("a cut line")
    try:
        message = json.loads(line)
    except (ValueError, RecursionError) as exc:
        raise Garbled(f"not JSON: {exc}") from None
    if not isinstance(message, dict) or len(message) != 1:
        raise Garbled("not a one-key object")
    return message


def peer_uid(sock: socket.socket) -> tuple[int, int]:
    """(pid, uid) of the process at the other end of a Unix socket, as the kernel says (SO_PEERCRED)."""
    pid, uid, _ = struct.unpack("3i", sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))
    return pid, uid
