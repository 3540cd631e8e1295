"""Plain-data encoding for values crossing the sandbox boundary, as JSON.

Used on both sides: the child imports it as a standalone module (numpy and the
standard library only), the grader as part of the package. Only numbers, strings,
booleans, None, numeric arrays, tuples and Keras model configs cross; nothing is
ever pickled.
"""
import json
import math

import numpy as np

MODEL_TAG = "keras-model"


class WireError(ValueError):
    """A value that cannot cross the boundary as plain data."""


def encode(value):
    """Encode a returned value as JSON-able plain data, or raise WireError."""
    if value is None or isinstance(value, (bool, str)):
        return {"t": "py", "v": value}
    if isinstance(value, int):
        return {"t": "py", "v": value}
    if isinstance(value, float):
        return {"t": "py", "v": value if math.isfinite(value) else repr(value)}
    if isinstance(value, (tuple, list)) and not _is_numeric_sequence(value):
        return {"t": "seq", "items": [encode(v) for v in value]}
    try:
        array = np.asarray(value)
    except Exception as exc:  # student objects may fail in any way
        raise WireError(f"a {type(value).__name__} that is not an array ({exc})") from None
    if array.dtype.kind not in "biuf":
        raise WireError(f"a {type(value).__name__} of dtype {array.dtype}, not numbers")
    return {
        "t": "array",
        "dtype": array.dtype.str,
        "shape": list(array.shape),
        "data": [x if math.isfinite(x) else repr(x) for x in array.astype(float).ravel().tolist()],
    }


def _is_numeric_sequence(value) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value) and len(value) > 0


def decode(data):
    """Decode plain data from the other side; arrays come back as float64 or int64."""
    if not isinstance(data, dict):
        raise WireError("malformed value")
    kind = data.get("t")
    if kind == "py":
        value = data.get("v")
        if value in ("nan", "inf", "-inf"):
            return float(value)
        if value is None or isinstance(value, (bool, str, int, float)):
            return value
        raise WireError("malformed scalar")
    if kind == "seq":
        return tuple(decode(item) for item in data.get("items", []))
    if kind == "array":
        shape = [int(n) for n in data["shape"]]
        flat = np.array([float(x) for x in data["data"]], dtype=np.float64)
        if flat.size != int(np.prod(shape, dtype=np.int64)):
            raise WireError("array data does not match its shape")
        array = flat.reshape(shape)
        if np.dtype(data["dtype"]).kind in "biu":
            array = array.astype(np.int64)
        return array
    if kind == MODEL_TAG:
        if not isinstance(data.get("config"), dict):
            raise WireError("malformed model config")
        return {"t": MODEL_TAG, "config": data["config"], "compiled": bool(data.get("compiled"))}
    raise WireError(f"unknown value kind {kind!r}")


def dumps(value) -> str:
    return json.dumps(value, separators=(",", ":"))
