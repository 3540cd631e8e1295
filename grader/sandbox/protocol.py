"""The vocabulary of the sandbox's boundary, in one place (standard library only: the child and the
zygote import it inside the sandbox, the grader as grader.sandbox.protocol).

Events a worker writes, one JSON line each, on its event pipe: AT before each top-level statement of
the submission that can fail (its STATEMENT index in the module's body and its LINE), then IMPORTED (with the
constants, and STOPPED when a statement raised: the functions defined before it are still called) or
IMPORT_FAILED (nothing can be called: the file does not compile, or the import ran out of memory), then
START and RESULT per call; CONFINE_FAILED if it could not confine itself (then no student code ran).
A request may hold KEEP, the indexes of the only top-level statements to run (the definitions, when
an earlier import stopped and took its worker along). Messages the zygote sends on the control
socket: READY once, DONE per job. A failed call or import has one of ERROR_KINDS, whichever side found it.
"""
READY = "ready"
DONE = "done"
IMPORTED = "imported"
IMPORT_FAILED = "import-failed"
AT = "at"
STOPPED = "stopped"  # field of IMPORTED: the failure that stopped the import, with its LINE and STATEMENT
STATEMENT = "statement"
LINE = "line"
KEEP = "keep"  # field of a request
START = "start"
RESULT = "result"
CONFINE_FAILED = "confine-failed"

NOT_IMPLEMENTED = "not-implemented"
SYNTAX_ERROR = "syntax-error"
EXCEPTION = "exception"
INVALID_RETURN = "invalid-return"
TIMEOUT = "timeout"
MEMORY_LIMIT = "memory-limit"
CRASHED = "crashed"
TOO_LARGE = "too-large"  # found by the grader before anything runs: the file is beyond what it reads
ERROR_KINDS = (NOT_IMPLEMENTED, SYNTAX_ERROR, EXCEPTION, INVALID_RETURN, TIMEOUT, MEMORY_LIMIT, CRASHED, TOO_LARGE)

# A string constant (a free-text answer) crosses whole up to this many characters, so that its words
# can be counted; other strings are cut at wire.MAX_STRING_CHARS.
MAX_TEXT_CONSTANT_CHARS = 200_000
