"""TensorFlow loaded without its own log lines reaching the user's terminal.

TensorFlow 2.2x logs through absl before TF_CPP_MIN_LOG_LEVEL takes effect (the oneDNN notice at
import, CPU-feature notices at its first operation), straight to file descriptor 2. So the first
import, and one operation, run with that descriptor pointed at /dev/null; everything else the
process writes to stderr before and after is untouched. After the import its Python logger and
its and Keras's warnings are silenced too: they speak of the grader's own tracing ("triggered
tf.function retracing") or of the student's network in Keras's terms (a softmax over one unit),
which the grader's own findings already say in the student's.
"""
from __future__ import annotations

import logging
import os
import sys
import threading
import warnings

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
        tf.get_logger().setLevel(logging.ERROR)
        for module in ("keras", "tensorflow"):
            warnings.filterwarnings("ignore", module=rf"{module}(\.|$)")
        _loaded = True
