"""`python -m grader.service IDENTITY`: start the grading service for IDENTITY, detached.

The first process forks the service and exits once the service's socket is in place (0) or the
service died before that (1), so its starter can wait on it, and the service is nobody's child.
"""
from __future__ import annotations

import os
import sys


def _detach() -> int:
    """In the service: the write end of the pipe its first process waits on. The first process exits here."""
    read_end, write_end = os.pipe()
    if os.fork():
        os.close(write_end)
        os._exit(0 if os.read(read_end, 1) == b"1" else 1)
    os.close(read_end)
    os.setsid()  # no terminal: Ctrl-C or a closed terminal of the first check never reaches it
    return write_end


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m grader.service IDENTITY (started by `grader check`; see `grader service status`)")
    ready = _detach()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from grader.service.server import main

    sys.exit(main(sys.argv[1], ready))
