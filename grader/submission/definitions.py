"""What a submission's top-level statements define, read from its syntax tree (never by running it).

When importing a submission stops in its code outside the functions and takes its process along (an
endless try-out, `os._exit`, a crash, all the memory), the grader imports it again running only the
definitions made before that statement: imports, function and class definitions, and the assignments
of the names the grader reads (the exercise's functions and constants) or that those definitions use
(`HIDDEN = 16` read by build_model), each with what it uses in turn. The worker runs these statements
of the very same file, so tracebacks and findings point at the student's own lines.
"""
from __future__ import annotations

import ast
import symtable

from grader.source_lines import UNPARSEABLE

DEFINING = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
ASSIGNING = (ast.Assign, ast.AnnAssign, ast.AugAssign)
IMPORTING = (ast.Import, ast.ImportFrom, ast.Pass)


def definitions_before(source: str, tree: ast.Module, stop: int, names: set[str]) -> list[int]:
    """The indexes in tree.body of the statements before `stop` that define things, or [] when none of
    them binds one of `names` (then importing them again would give the grader nothing to read)."""
    body = tree.body[:stop]
    uses = _uses(source, body)
    kept = {i for i, statement in enumerate(body) if isinstance(statement, DEFINING) or imports_only(statement)}
    wanted = set(names).union(*(uses[i] for i in kept))
    changed = True
    while changed:  # an assignment kept may use names that earlier assignments bind
        changed = False
        for i, statement in enumerate(body):
            if i not in kept and isinstance(statement, ASSIGNING) and bound(statement) & wanted:
                kept.add(i)
                wanted |= uses[i]
                changed = True
    if not any(bound(body[i]) & names for i in kept):
        return []
    return sorted(kept)


def first_binding(tree: ast.Module, name: str) -> int | None:
    """The index of the first top-level statement that binds `name` (def, class, assignment, import), if any."""
    return next((i for i, statement in enumerate(tree.body) if name in bound(statement)), None)


def bound(statement: ast.stmt) -> set[str]:
    """The module-level names a top-level statement binds."""
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {statement.name}
    names = set()
    for node in module_scope(statement):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.alias):
            names.add(node.asname or node.name.split(".")[0])
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
    return names


def _uses(source: str, body: list[ast.stmt]) -> list[set[str]]:
    """Per statement, the global names it reads: at module level, and inside the functions and classes
    it defines (as Python's symbol table resolves them, so a function's own variables are not counted)."""
    uses = [{node.id for node in module_scope(statement) if isinstance(node, ast.Name)
             and isinstance(node.ctx, ast.Load)} for statement in body]
    try:
        tables = symtable.symtable(source, "submission", "exec").get_children()
    except UNPARSEABLE:
        tables = []
    spans = [(min([s.lineno, *(d.lineno for d in getattr(s, "decorator_list", []))]), s.end_lineno or s.lineno)
             for s in body]
    for table in tables:
        line = table.get_lineno()
        for i, (first, last) in enumerate(spans):
            if first <= line <= last:
                uses[i] |= _globals(table)
    return uses


def _globals(table: symtable.SymbolTable) -> set[str]:
    names = {symbol.get_name() for symbol in table.get_symbols() if symbol.is_global() and symbol.is_referenced()}
    for child in table.get_children():
        names |= _globals(child)
    return names


def module_scope(statement: ast.stmt):
    """The nodes of a statement evaluated at module level: not the bodies of the functions, lambdas and
    classes it defines (their decorators, defaults and bases are)."""
    stack = [statement]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            stack += [*node.decorator_list, *node.args.defaults, *filter(None, node.args.kw_defaults)]
        elif isinstance(node, ast.ClassDef):
            stack += [*node.decorator_list, *node.bases, *node.keywords]
        elif isinstance(node, ast.Lambda):
            stack += [*node.args.defaults, *filter(None, node.args.kw_defaults)]
        else:
            stack += ast.iter_child_nodes(node)


def imports_only(statement: ast.stmt) -> bool:
    """A try block of imports (`try: import tensorflow ... except ImportError: ...`)."""
    if not isinstance(statement, ast.Try):
        return False
    inner = [*statement.body, *statement.orelse, *statement.finalbody,
             *(s for handler in statement.handlers for s in handler.body)]
    return all(isinstance(s, IMPORTING) or imports_only(s) for s in inner)
