"""TensorFlow loaded without its own log lines reaching the user's terminal.

TensorFlow 2.2x logs through absl before TF_CPP_MIN_LOG_LEVEL takes effect (the oneDNN notice at
import, CPU-feature notices at its first operation), straight to file descriptor 2. So the first
import, and one operation, run with that descriptor pointed at /dev/null; everything else the
process writes to stderr before and after is untouched.
"""
from __future__ import annotations

import os
import sys
import threading

_lock = threading.Lock()
_loaded = False


def load() -> None:
    """Import TensorFlow and Keras once per process, quietly; at once when already done."""
    global _loaded
    if _loaded:
        return
    with _lock:
        if _loaded:
            return
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        sys.stderr.flush()
        saved = os.dup(2)
        try:
            with open(os.devnull, "w") as null:
                os.dup2(null.fileno(), 2)
                import keras  # noqa: F401
                import tensorflow as tf

                (tf.constant([1.0]) * 2).numpy()  # the first operation logs too
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        _loaded = True
