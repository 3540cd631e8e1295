"""Whether an exercise file is still the stub `grader generate` wrote: nothing of it to grade yet.

Decided from the syntax tree, against the stub generated from the exercise's reference file
(grader.authoring.markers.make_stub): every graded function still only raises
NotImplementedError (whatever its message or docstring) or is the stub's function as it was,
and every constant the grader reads still holds the stub's value (EPOCHS at its default is no
work; an answer set in concepts is). Anything else, a file that does not parse included, is
work, and is graded: skipping a real attempt would be worse than grading a stub.
"""
from __future__ import annotations

import ast
import functools
from typing import TYPE_CHECKING

from grader.authoring.markers import MarkerError, make_stub
from grader.paths import reference_file
from grader.source_lines import UNPARSEABLE, parse

if TYPE_CHECKING:
    from grader.spec import Exercise


def is_untouched(source: str, exercise: Exercise) -> bool:
    """True when source (a .py file's text, or a notebook's code as grader.submission.notebook converts it)
    changes none of what the exercise grades from the stub."""
    stub = stub_tree(exercise.name)
    if stub is None:
        return False  # no reference to tell the stub by: grade it
    try:
        tree = parse(source)  # grading the same source then reads this tree again
    except UNPARSEABLE:
        return False
    functions = [part.function for part in exercise.parts if _bindings(stub, part.function, functions=True)]
    if not functions and not exercise.constants:
        return False
    return (all(_still_stub(_bindings(tree, name, functions=True), _bindings(stub, name, functions=True))
                for name in functions)
            and all(_bindings(tree, name) == _bindings(stub, name) for name in exercise.constants))


@functools.cache
def stub_tree(name: str) -> ast.Module | None:
    """The syntax tree of the stub generated from reference/<name>.py (None without a usable reference)."""
    try:
        return ast.parse(make_stub(reference_file(name).read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, MarkerError, SyntaxError):
        return None


def _bindings(tree: ast.Module, name: str, functions: bool = False) -> list[str]:
    """Every statement that binds name anywhere in tree, dumped without positions or comments (so layout
    does not count); with functions=True, each `def name` as its body without the docstring."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.stmt):
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name and functions:
            found.append(_body(node))
        elif _binds(node, name):
            found.append(ast.dump(node))
    return found


def _binds(node: ast.stmt, name: str) -> bool:
    """Whether the statement itself (not a function nested in it) gives name a value."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return node.name == name
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return any((alias.asname or alias.name.split(".")[0]) == name for alias in node.names)
    if isinstance(node, (ast.Global, ast.Nonlocal)):
        return name in node.names
    targets = {ast.Assign: lambda n: n.targets, ast.AnnAssign: lambda n: [n.target],
               ast.AugAssign: lambda n: [n.target], ast.For: lambda n: [n.target], ast.AsyncFor: lambda n: [n.target],
               ast.With: lambda n: [i.optional_vars for i in n.items if i.optional_vars],
               ast.AsyncWith: lambda n: [i.optional_vars for i in n.items if i.optional_vars]}
    direct = targets.get(type(node), lambda n: [])(node)
    stored = any(isinstance(sub, ast.Name) and sub.id == name for target in direct for sub in ast.walk(target))
    walrus = any(isinstance(sub, ast.NamedExpr) and sub.target.id == name for sub in ast.walk(node))
    return stored or walrus


def _body(function: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    """The function's body without its docstring, dumped; "stub" when all it does is raise NotImplementedError."""
    body = function.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    if len(body) == 1 and isinstance(body[0], ast.Raise) and _is_not_implemented(body[0].exc):
        return "stub"
    return ast.dump(ast.Module(body=body, type_ignores=[]))


def _is_not_implemented(exc: ast.expr | None) -> bool:
    if isinstance(exc, ast.Call):
        exc = exc.func
    return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"


def _still_stub(submitted: list[str], stub: list[str]) -> bool:
    """One definition, still the stub's (any NotImplementedError-only body counts, an older stub's too)."""
    return len(submitted) == 1 and (submitted == stub or submitted == ["stub"])
