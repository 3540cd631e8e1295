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


# Calls that declare a model's input shape: the Input layer, or a layer or build() given the shape.
INPUT_CALLEES = {"Input", "InputLayer", "build"}
INPUT_KEYWORDS = {"input_shape", "input_dim", "batch_input_shape", "batch_shape"}
MAX_CALLS = 10_000  # of a function and the helpers it calls, as locate reads them (a real one has dozens)


class SourceIndex:
    """The lines of a submission's functions, to point each finding at the student's own line."""

    def __init__(self, source: str):
        try:
            self.tree: ast.Module | None = parse(source)
        except UNPARSEABLE:
            self.tree = None
        self._functions: dict[str, ast.FunctionDef] = {}
        self._expanded: dict[str, list[ast.Call]] = {}  # per function: its calls, helpers' included (see _calls)
        for node in ast.walk(self.tree) if self.tree is not None else ():
            if isinstance(node, ast.FunctionDef):
                self._functions.setdefault(node.name, node)

    def _function(self, name: str) -> ast.FunctionDef | None:
        return self._functions.get(name)

    def locate(self, function: str, hint: str | None) -> int | None:
        """Line for a hint: 'def:NAME', 'dense:K' (the K-th Dense layer `function` makes), 'call:NAME',
        'input' (where the input shape is declared) or 'assign:NAME' (a module constant); alternatives
        separated by '|' are tried in order. Without a match, the line of `function` itself.

        The calls of `function` are read in order, with the calls of every helper function of the file
        it calls in their place, so a layer built in a helper points at the helper's line.
        """
        scope = self._function(function)
        if scope is not None and function not in self._expanded:  # read once for all its findings
            self._expanded[function] = self._calls(scope)
        calls = self._expanded.get(function, [])
        for part in (hint or "").split("|"):
            kind, _, arg = part.partition(":")
            line = self._assignment(arg) if kind == "assign" else self._find(kind, arg, calls)
            if line is not None:
                return line
        return scope.lineno if scope is not None else None

    def _find(self, kind: str, arg: str, calls: list[ast.Call]) -> int | None:
        if kind == "def":
            node = self._function(arg)
            return node.lineno if node else None
        if kind == "dense":
            dense = [c for c in calls if _callee(c) == "Dense"]
            index = int(arg) if arg.isdigit() else len(dense)
            return dense[index].lineno if index < len(dense) else None
        if kind == "call":
            return next((c.lineno for c in calls if _callee(c) == arg), None)
        if kind == "input":
            return next((c.lineno for c in calls if _callee(c) in INPUT_CALLEES
                         or any(k.arg in INPUT_KEYWORDS for k in c.keywords)), None)
        return None

    def _calls(self, scope: ast.FunctionDef) -> list[ast.Call]:
        """The calls in `scope` in source order, each call of a helper function followed by the helper's
        own calls (recursively; a function already being read is not read again inside itself)."""
        out: list[ast.Call] = []
        pending = [(iter(_ordered_calls(scope)), (scope,))]
        while pending and len(out) < MAX_CALLS:
            calls, stack = pending[-1]
            call = next(calls, None)
            if call is None:
                pending.pop()
                continue
            out.append(call)
            helper = self._functions.get(call.func.id) if isinstance(call.func, ast.Name) else None
            if helper is not None and helper not in stack:
                pending.append((iter(_ordered_calls(helper)), (*stack, helper)))
        return out

    def _assignment(self, name: str) -> int | None:
        """The line of the last module-level assignment of `name` (the value the module ends with)."""
        lines = [node.lineno for node in (self.tree.body if self.tree is not None else ())
                 if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign))
                 and any(isinstance(t, ast.Name) and t.id == name
                         for t in (node.targets if isinstance(node, ast.Assign) else [node.target]))]
        return lines[-1] if lines else None


def _ordered_calls(scope: ast.FunctionDef) -> list[ast.Call]:
    """The calls in a function's own body, in source order; a function defined inside it is left out
    (its calls are read where it is called)."""
    calls, stack = [], list(ast.iter_child_nodes(scope))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(node, ast.Call):
            calls.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return sorted(calls, key=lambda n: (n.lineno, n.col_offset))


def _callee(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""
