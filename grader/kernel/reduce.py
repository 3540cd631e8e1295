"""Reduce what a session ran to the latest version of each definition it holds now, read from the source alone.

A session (a Jupyter kernel's cells in the order they ran, or a Python prompt's lines) holds, of each name,
what the last statement that bound it made. Of the top-level statements of every executed input, this keeps
the imports, `def`s, classes and assignments (grader.submission.definitions' DEFINING and ASSIGNING rules),
each only in its last execution, and only when every name it binds is bound in the session's namespace now
(whether a name exists is looked up; its value is never used). An assignment that builds on the name's value
(`EPOCHS += 50`, `x = x + 1`, `config["units"] = 8`) is kept with the binding it builds on. Left out: try-out
statements (calls, fits, prints, loops), earlier versions of re-run cells, inputs that did not parse, every
`grader.check(...)` and the grader's own imports, the statements of a cell from the one that raised on (they
did not run, or not to the end), statements whose names are not bound (an import that failed), and a kept
statement that reads a name no statement kept before it binds (it would stop the import there, and every
definition below it with it). Given the names the exercise grades (its functions and constants), an
assignment is kept only when they need what it binds, directly or through what they use in turn (the
definitions' rule of grader.submission.definitions): `model = build_model(4, 3)` or `history = model.fit(...)`
in a try-out cell does not run again on every check.

Dropped lines are commented out, never deleted, so every kept line keeps its line number in its input.
"""
from __future__ import annotations

import ast
import builtins
from collections.abc import Collection
from dataclasses import dataclass, field

from grader.source_lines import UNPARSEABLE
from grader.submission.definitions import ASSIGNING, DEFINING, imports_only, module_scope, bound
from grader.submission.notebook import python_lines

DROPPED = "# (not checked) "
RAISED_SOMEWHERE = 0  # Input.stopped_at when the input raised at a line not known: none of it counts
GRADER_CALLS = {"check", "submit"}
STAR = "*"  # what `from M import *` binds, as the name "M.*"
ALWAYS_BOUND = frozenset(dir(builtins)) | {"__name__", "__doc__"}


@dataclass
class Input:
    """One executed input: its label ("In [12]"), its source, and where it stopped.

    stopped_at: the line (from 1, in this input) of the statement that raised, RAISED_SOMEWHERE when it raised
    at a line not known, None when it ran to its end. current: the input running now (the one calling
    grader.check): its statements from the first grader.check on have not run yet. units: the line ranges
    (first, last) parsed apart (a Python prompt's statements; one typo drops only its own), default the whole.
    """
    label: str
    source: str
    stopped_at: int | None = None
    current: bool = False
    units: list[tuple[int, int]] | None = None


@dataclass
class Reduced:
    """The kept inputs' text (dropped lines commented out) with their labels, and the names they bind."""
    cells: list[tuple[str, str]] = field(default_factory=list)
    names: set[str] = field(default_factory=set)


@dataclass
class _Statement:
    cell: int
    first: int  # lines in the input, from 1
    last: int
    binds: set[str]  # names it binds from scratch or builds on
    builds_on: set[str]  # the names among binds whose earlier value it uses
    reads: set[str]  # the names it reads at the top level, when it runs
    assigns: bool = False  # an assignment (kept only when needed, once the graded names are known)
    uses: set[str] = field(default_factory=set)  # every name it reads, in the bodies it defines too


def reduce_inputs(inputs: list[Input], namespace: Collection[str], needed: Collection[str] | None = None) -> Reduced:
    """Of inputs (in the order they ran), the statements that made what `namespace` (the session's names) holds;
    with `needed` (the names the exercise grades), only the assignments those names need."""
    lines = [python_lines(entry.source)[0] for entry in inputs]  # IPython-only lines already comments, same count
    parsed = []  # (input, its line before the unit's first, the unit's tree)
    outside = [set() for _ in inputs]  # per input, the lines of its parsed units outside every statement
    for index, entry in enumerate(inputs):
        for first, last in entry.units or [(1, len(lines[index]))]:
            try:
                tree = ast.parse("\n".join(lines[index][first - 1:last]))
            except UNPARSEABLE:
                continue
            parsed.append((index, first - 1, tree))
            outside[index] |= set(range(first, last + 1)) - {
                line for node in tree.body for line in range(_first_line(node) + first - 1, node.end_lineno + first)}
    aliases = _grader_aliases([tree for _, _, tree in parsed])
    statements = [_statement(index, node, offset) for index, offset, tree in parsed
                  for node in _ran(tree.body, inputs[index], aliases, offset)]
    kept = _kept(statements, namespace)
    if needed is not None:
        kept = _needed(kept, set(needed))
    result = Reduced()
    for index, entry in enumerate(inputs):
        mine = [s for s in kept if s.cell == index]
        if not mine:
            continue
        keep = outside[index] | {line for s in mine for line in range(s.first, s.last + 1)}
        text = [line if number in keep or not line.strip() else DROPPED + line
                for number, line in enumerate(lines[index], start=1)]
        result.cells.append((entry.label, "\n".join(text)))
        result.names |= {name for s in mine for name in s.binds}
    return result


def _ran(body: list[ast.stmt], entry: Input, aliases: set[str], offset: int) -> list[ast.stmt]:
    """The statements of one parsed unit that ran to their end, without the grader's own calls."""
    ran = []
    for node in body:
        if entry.stopped_at is not None and (entry.stopped_at == RAISED_SOMEWHERE
                                             or node.end_lineno + offset >= entry.stopped_at):
            break
        if _calls_grader(node, aliases):
            if entry.current:
                break  # what follows the check in the running input has not run yet
            continue
        if not _imports_grader(node):  # the grader is not the student's work (and inside the sandbox, a stub)
            ran.append(node)
    return ran


def _first_line(node: ast.stmt) -> int:
    """A statement's first line: its first decorator's, for a decorated def or class."""
    return min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])


def _statement(cell: int, node: ast.stmt, offset: int) -> _Statement:
    first = _first_line(node)
    scope = list(module_scope(node))
    in_comprehensions = {name.id for c in ast.walk(node) if isinstance(c, ast.comprehension)
                         for name in ast.walk(c.target) if isinstance(name, ast.Name)}
    reads = {n.id for n in scope if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} - in_comprehensions
    binds, builds_on = set(), set()
    if isinstance(node, DEFINING) or isinstance(node, ASSIGNING) or imports_only(node):
        binds = bound(node) - in_comprehensions  # a comprehension's variable is its own, not the module's
        if isinstance(node, ast.ImportFrom) and "*" in binds:  # `from numpy import *`: this module's names
            binds = binds - {"*"} | {f"{node.module}.{STAR}"}
        if isinstance(node, ASSIGNING):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            roots = {_root(target) for target in targets if isinstance(target, (ast.Subscript, ast.Attribute))}
            binds |= roots - {None}
            builds_on = binds & (reads | (binds if isinstance(node, ast.AugAssign) else set()))
            reads |= builds_on
    uses = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return _Statement(cell, first + offset, node.end_lineno + offset, binds, builds_on, reads,
                      isinstance(node, ASSIGNING), uses | reads)


def _kept(statements: list[_Statement], namespace: Collection[str]) -> list[_Statement]:
    """The statements to keep, in the order they ran (see the module docstring)."""
    candidates = [s for s in statements if s.binds and all(name in namespace or name.endswith(STAR)
                                                           for name in s.binds)]
    base: dict[str, int] = {}  # per name, the last candidate that binds it from scratch
    for index, s in enumerate(candidates):
        for name in s.binds - s.builds_on:
            base[name] = index
    wanted = [s for index, s in enumerate(candidates)  # a star import is kept wherever it ran: it has no versions
              if any(name.endswith(STAR) or index >= base.get(name, len(candidates)) for name in s.binds)]
    kept, available, any_name = [], set(ALWAYS_BOUND), False
    for s in wanted:
        if any_name or s.reads <= available:
            kept.append(s)
            available |= s.binds
            any_name = any_name or any(name.endswith(STAR) for name in s.binds)  # which names it bound is unknown
    return kept


def _needed(kept: list[_Statement], names: set[str]) -> list[_Statement]:
    """kept without the assignments that neither the graded names nor what they use (in turn) need; a
    function's own variables count as used, which can only keep more."""
    wanted = names.union(*(s.uses for s in kept if not s.assigns))
    chosen = {index for index, s in enumerate(kept) if not s.assigns}
    changed = True
    while changed:
        changed = False
        for index, s in enumerate(kept):
            if index not in chosen and s.binds & wanted:
                chosen.add(index)
                wanted |= s.uses
                changed = True
    return [s for index, s in enumerate(kept) if index in chosen]


def _root(target: ast.expr) -> str | None:
    """`config` of `config["units"]` or `model.name`: the name whose value an assignment into it changes."""
    while isinstance(target, (ast.Subscript, ast.Attribute)):
        target = target.value
    return target.id if isinstance(target, ast.Name) else None


def _grader_aliases(trees: list[ast.Module]) -> set[str]:
    """The names under which the session's inputs imported the grader or its check (`import grader as g`)."""
    aliases = {"grader"}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                aliases |= {alias.asname for alias in node.names if alias.name == "grader" and alias.asname}
            elif isinstance(node, ast.ImportFrom) and node.module == "grader":
                aliases |= {alias.asname or alias.name for alias in node.names if alias.name in GRADER_CALLS}
    return aliases


def _imports_grader(node: ast.stmt) -> bool:
    if isinstance(node, ast.Import):
        return all(alias.name.split(".")[0] == "grader" for alias in node.names)
    return isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "grader" and not node.level


def _calls_grader(node: ast.stmt, aliases: set[str]) -> bool:
    """Whether the statement calls grader.check or grader.submit (under any name it was imported as) when it runs
    (a function that would call it when called is a definition like any other)."""
    for call in module_scope(node):
        if not isinstance(call, ast.Call):
            continue
        function = call.func
        if isinstance(function, ast.Attribute) and function.attr in GRADER_CALLS \
                and isinstance(function.value, ast.Name) and function.value.id in aliases:
            return True
        if isinstance(function, ast.Name) and function.id in aliases - {"grader"}:
            return True
    return False
