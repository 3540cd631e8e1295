"""Plain-data encoding for values crossing the sandbox boundary, as JSON.

Used on both sides: the child imports it as a standalone module (numpy and the
standard library only), the grader as part of the package. Only numbers, strings,
booleans, None, numeric arrays, tuples and Keras model configs cross; nothing is
ever pickled.

Everything decoded comes from student code, so decoding is bounded (nesting depth,
numbers per value, characters per string, nodes of a model config) and raises
nothing but WireError. Every decoded string can be encoded as UTF-8 (lone surrogates
and control characters are replaced) and is cut, with a marker, at its limit.
"""
import json
import math
import re

import numpy as np

MODEL_TAG = "keras-model"
MAX_DEPTH = 32  # sequences inside sequences, in one value
MAX_ITEMS = 1_000_000  # numbers, strings and sequence items in one value
MAX_STRING_CHARS = 10_000  # per string in a value
MAX_DIMENSIONS = 32  # of one array (numpy's own limit in numpy 1.x)
MAX_CONFIG_DEPTH = 64  # a functional model's config is about 11 levels deep, a Sequential's 7
MAX_CONFIG_NODES = 100_000  # objects, lists and scalars of one model config (a small network has about 300)
MAX_CONFIG_STRING_CHARS = 1_000  # per name or setting in a model config
NON_FINITE = ("nan", "inf", "-inf")
INT_RANGE = 2**63  # larger integers cross as floats, so no consumer meets a thousand-digit number

# Replaced in every decoded string: lone surrogates (UTF-8 cannot encode them) and control
# characters other than tab and newline (no terminal, XML or SQLite consumer wants them).
_UNSAFE = re.compile("[\ud800-\udfff\x00-\x08\x0b-\x1f\x7f-\x9f]")


class WireError(ValueError):
    """A value that cannot cross the boundary as plain data."""


def text(value: str, limit: int = MAX_STRING_CHARS, keep_end: bool = False) -> str:
    """value made safe to encode, at most `limit` characters: cut with "... (N more characters)".

    keep_end keeps the last characters instead (for a traceback, whose end says what failed).
    """
    if len(value) > limit:
        room = max(limit - len(f"... ({len(value)} more characters)"), 0)
        cut = len(value) - room
        value = (f"({cut} more characters) ..." + value[cut:]) if keep_end else (value[:room] + f"... ({cut} more characters)")
    return _UNSAFE.sub("\ufffd", value)


def encode(value):
    """Encode a returned value as JSON-able plain data, or raise WireError."""
    return _encode(value, 0, [0])


def _encode(value, depth, count):
    count[0] += 1
    if count[0] > MAX_ITEMS:
        raise WireError(f"a value of more than {MAX_ITEMS:,} numbers and items")
    if value is None or isinstance(value, bool):
        return {"t": "py", "v": value}
    if isinstance(value, str):
        return {"t": "py", "v": text(str(value))}
    if isinstance(value, int):
        return {"t": "py", "v": int(value)} if -INT_RANGE < value < INT_RANGE else _encode_float(_to_float(value))
    if isinstance(value, float):
        return _encode_float(float(value))
    if isinstance(value, (tuple, list)) and not _is_numeric_sequence(value):
        if depth >= MAX_DEPTH:
            raise WireError(f"a value nested more than {MAX_DEPTH} levels deep")
        return {"t": "seq", "items": [_encode(v, depth + 1, count) for v in value]}
    try:
        array = np.asarray(value)
    except Exception as exc:  # student objects may fail in any way
        raise WireError(f"a {type(value).__name__} that is not an array ({exc})") from None
    if array.dtype.kind not in "biuf":
        raise WireError(f"a {type(value).__name__} of dtype {array.dtype}, not numbers")
    if array.ndim > MAX_DIMENSIONS:
        raise WireError(f"an array of {array.ndim} dimensions (at most {MAX_DIMENSIONS})")
    count[0] += array.size
    if count[0] > MAX_ITEMS:
        raise WireError(f"a value of more than {MAX_ITEMS:,} numbers and items (an array of shape {array.shape})")
    return {
        "t": "array",
        "dtype": array.dtype.str,
        "shape": list(array.shape),
        "data": [x if math.isfinite(x) else repr(x) for x in array.astype(float).ravel().tolist()],
    }


def _encode_float(value: float) -> dict:
    # Non-finite floats get their own tag, so a returned string "nan" stays a string.
    return {"t": "py", "v": value} if math.isfinite(value) else {"t": "float", "v": repr(value)}


def _to_float(value: int) -> float:
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _is_numeric_sequence(value) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value) and len(value) > 0


def decode(data):
    """Decode plain data from the other side; arrays come back as float64 or int64, sequences as tuples.

    A model config is accepted only as the whole value, never inside a sequence.
    """
    if isinstance(data, dict) and data.get("t") == MODEL_TAG:
        return _decode_model(data)
    return _decode(data, 0, [0])


def _decode(data, depth, count):
    count[0] += 1
    if count[0] > MAX_ITEMS:
        raise WireError(f"more than {MAX_ITEMS:,} numbers and items")
    if not isinstance(data, dict):
        raise WireError("malformed value")
    kind = data.get("t")
    if kind == "py":
        return _scalar(data.get("v"))
    if kind == "float":
        if data.get("v") not in NON_FINITE:
            raise WireError("malformed non-finite number")
        return float(data["v"])
    if kind == "seq":
        items = data.get("items")
        if not isinstance(items, list):
            raise WireError("malformed sequence")
        if depth >= MAX_DEPTH:
            raise WireError(f"a value nested more than {MAX_DEPTH} levels deep")
        return tuple(_decode(item, depth + 1, count) for item in items)
    if kind == "array":
        return _decode_array(data, count)
    if kind == MODEL_TAG:
        raise WireError("a Keras model inside another value")
    raise WireError(f"unknown value kind {text(kind, 40) if isinstance(kind, str) else type(kind).__name__}")


def _scalar(value):
    if value is None or isinstance(value, (bool, float)):
        return value
    if isinstance(value, int):
        return value if -INT_RANGE < value < INT_RANGE else _to_float(value)
    if isinstance(value, str):
        return text(value)
    raise WireError("malformed scalar")


def _decode_array(data, count):
    shape, flat, dtype = data.get("shape"), data.get("data"), data.get("dtype")
    if not isinstance(shape, list) or len(shape) > MAX_DIMENSIONS \
            or not all(type(n) is int and 0 <= n <= MAX_ITEMS for n in shape):
        raise WireError("malformed array shape")
    size = math.prod(shape)
    count[0] += size
    if count[0] > MAX_ITEMS:
        raise WireError(f"more than {MAX_ITEMS:,} numbers and items (an array of shape {tuple(shape)})")
    if not isinstance(flat, list) or len(flat) != size:
        raise WireError("array data does not match its shape")
    if not all(isinstance(x, (int, float)) or x in NON_FINITE for x in flat):
        raise WireError("array data holds something other than numbers")
    try:
        array = np.array([float(x) for x in flat], dtype=np.float64).reshape(shape)
    except OverflowError:
        raise WireError("array data holds a number too large for a float") from None
    # Integer arrays come back as int64, unless their values do not fit one (uint64, forged data).
    integer = isinstance(dtype, str) and dtype.lstrip("<>|=")[:1] in ("b", "i", "u")
    if integer and bool(np.all(np.abs(array) < INT_RANGE)):
        array = array.astype(np.int64)
    return array


def _decode_model(data):
    config = data.get("config")
    if not isinstance(config, dict):
        raise WireError("malformed model config")
    return {"t": MODEL_TAG, "config": _config_node(config, 0, [0]), "compiled": data.get("compiled") is True}


def _config_node(node, depth, count):
    """A copy of one JSON node of a model config, bounded and with safe strings."""
    count[0] += 1
    if count[0] > MAX_CONFIG_NODES:
        raise WireError(f"a model config of more than {MAX_CONFIG_NODES:,} parts")
    if depth > MAX_CONFIG_DEPTH:
        raise WireError(f"a model config nested more than {MAX_CONFIG_DEPTH} levels deep")
    if isinstance(node, dict):
        return {text(str(key), MAX_CONFIG_STRING_CHARS): _config_node(value, depth + 1, count)
                for key, value in node.items()}
    if isinstance(node, list):
        return [_config_node(value, depth + 1, count) for value in node]
    if isinstance(node, str):
        return text(node, MAX_CONFIG_STRING_CHARS)
    if node is None or isinstance(node, (bool, int, float)):
        return _scalar(node)
    raise WireError("malformed model config")


def loads(line: bytes):
    """One JSON event line from the child, or WireError (also for nesting too deep to parse)."""
    try:
        return json.loads(line)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise WireError(f"malformed event line ({type(exc).__name__})") from None


def dumps(value) -> str:
    return json.dumps(value, separators=(",", ":"))
