"""Find the student's line for a finding, from the submission's syntax tree (never by running it)."""
from __future__ import annotations

import ast
import functools

# What Python's parser raises for source it cannot read: bad syntax, null bytes, nesting beyond its stack.
UNPARSEABLE = (SyntaxError, ValueError, RecursionError, MemoryError)


@functools.lru_cache(maxsize=4)
def parse(source: str) -> ast.Module:
    """The syntax tree of a submission, parsed once for all who ask (the grading checks it, then
    locates each finding in it); raises one of UNPARSEABLE."""
    return ast.parse(source)


class SourceIndex:
    def __init__(self, source: str):
        try:
            self.tree: ast.Module | None = parse(source)
        except UNPARSEABLE:
            self.tree = None

    def _function(self, name: str) -> ast.FunctionDef | None:
        if self.tree is None:
            return None
        for node in ast.walk(self.tree):
            if isinstance(node, ast.FunctionDef) and node.name == name:
                return node
        return None

    def locate(self, function: str, hint: str | None) -> int | None:
        """Line for a hint: 'def:NAME', 'dense:K' (K-th Dense call in `function`) or 'call:NAME'."""
        kind, _, arg = (hint or "").partition(":")
        if kind == "def":
            node = self._function(arg)
            return node.lineno if node else None
        scope = self._function(function)
        if scope is None:
            return None
        calls = sorted((n for n in ast.walk(scope) if isinstance(n, ast.Call)), key=lambda n: (n.lineno, n.col_offset))
        if kind == "dense":
            dense = [c for c in calls if _callee(c) == "Dense"]
            index = int(arg)
            if index < len(dense):
                return dense[index].lineno
        elif kind == "call":
            for call in calls:
                if _callee(call) == arg:
                    return call.lineno
        return scope.lineno


def _callee(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""
