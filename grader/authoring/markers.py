"""Solution markers: turn a reference file into the student's stub, or into the plain solution.

A solution block is the lines between a `# BEGIN SOLUTION` (or `# BEGIN SOLUTION: <hint>`)
comment line and the next `# END SOLUTION` comment line at the same indentation. In the
stub, a block inside a function becomes `raise NotImplementedError("<function>: <hint>")`
at the block's indentation; a block at module level (column 0) disappears entirely.
Markers are found with the tokenizer, so text in strings and docstrings is never a marker.
"""
from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass

BEGIN = re.compile(r"#\s*BEGIN SOLUTION(?:\s*:\s*(?P<hint>.*?))?\s*$")
END = re.compile(r"#\s*END SOLUTION\s*$")
MENTION = re.compile(r"(BEGIN|END)\s*SOLUTION", re.IGNORECASE)
GENERIC_HINT = "not implemented yet"
_LAYOUT = {tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.COMMENT, tokenize.ENDMARKER}


class MarkerError(ValueError):
    """A reference file whose solution markers cannot be turned into a stub; says file and line."""

    def __init__(self, filename: str, line: int, problem: str):
        super().__init__(f"{filename}, line {line}: {problem}")
        self.filename, self.line, self.problem = filename, line, problem


@dataclass(frozen=True)
class Block:
    begin: int  # line of `# BEGIN SOLUTION`, 1-based
    end: int  # line of `# END SOLUTION`
    indent: str
    hint: str | None
    function: str | None  # the innermost enclosing function; None at module level


def solution_blocks(source: str, filename: str = "<reference>") -> list[Block]:
    """Every solution block of a reference file, checked: balanced, not nested, and at least one."""
    try:
        tree = ast.parse(source, filename=filename)
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except SyntaxError as exc:
        raise MarkerError(filename, exc.lineno or 1, f"the reference is not valid Python: {exc.msg}") from None
    except tokenize.TokenError as exc:
        raise MarkerError(filename, exc.args[1][0] if len(exc.args) > 1 else 1, f"cannot read the reference: {exc.args[0]}") from None
    comments = [(tok.start, tok.string) for tok in tokens if tok.type == tokenize.COMMENT]
    lines = source.splitlines()
    blocks: list[Block] = []
    opened: tuple[int, str, str | None] | None = None  # (line, indent, hint)
    for (line, column), text in comments:
        if not MENTION.search(text):
            continue
        begin, end = BEGIN.match(text), END.match(text)
        if not (begin or end):
            raise MarkerError(filename, line, f"malformed solution marker {text!r}; write `# BEGIN SOLUTION`, "
                                              "`# BEGIN SOLUTION: <hint>` or `# END SOLUTION`")
        indent = lines[line - 1][:column]
        if indent.strip():
            raise MarkerError(filename, line, "a solution marker must be on a line of its own")
        if begin:
            if opened is not None:
                raise MarkerError(filename, line, f"nested # BEGIN SOLUTION: the block opened at line {opened[0]} "
                                                  "is not closed yet")
            opened = (line, indent, begin.group("hint") or None)
            continue
        if opened is None:
            raise MarkerError(filename, line, "# END SOLUTION without a # BEGIN SOLUTION before it")
        if indent != opened[1]:
            raise MarkerError(filename, line, f"# END SOLUTION is not indented like the # BEGIN SOLUTION at "
                                              f"line {opened[0]}")
        blocks.append(Block(opened[0], line, opened[1], opened[2], _enclosing_function(tree, opened[0])))
        opened = None
    if opened is not None:
        raise MarkerError(filename, opened[0], "# BEGIN SOLUTION is never closed by an # END SOLUTION")
    if not blocks:
        raise MarkerError(filename, 1, "no # BEGIN SOLUTION ... # END SOLUTION block: the stub would give the "
                                       "whole solution away")
    code_lines = {tok.start[0] for tok in tokens if tok.type not in _LAYOUT}  # not inside a multi-line string
    statements = [node for node in ast.walk(tree) if isinstance(node, ast.stmt)]
    for block in blocks:
        if block.indent and block.function is None:
            raise MarkerError(filename, block.begin, "a solution block must be inside a function, or at module "
                                                     "level (column 0)")
        for number in range(block.begin + 1, block.end):
            line = lines[number - 1]
            if number in code_lines and len(line) - len(line.lstrip()) < len(block.indent):
                raise MarkerError(filename, number, f"this line is indented less than the # BEGIN SOLUTION at "
                                                    f"line {block.begin}: a block holds whole statements")
        for node in statements:
            if block.begin < node.lineno < block.end < node.end_lineno:
                raise MarkerError(filename, block.end, f"# END SOLUTION cuts the statement of line {node.lineno} "
                                                       "in two: a block holds whole statements")
    return blocks


def _enclosing_function(tree: ast.Module, line: int) -> str | None:
    """The innermost function whose body spans `line`."""
    best: ast.AST | None = None
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            if node.lineno < line <= node.end_lineno and (best is None or node.lineno > best.lineno):
                best = node
    return best.name if best is not None else None


def make_stub(source: str, filename: str = "<reference>") -> str:
    """The student's stub: every solution block replaced by a NotImplementedError, or removed at module level."""
    blocks = {block.begin: block for block in solution_blocks(source, filename)}
    out, origin, skip_until = [], [], 0  # origin: the reference line of each stub line
    for number, line in enumerate(source.splitlines(keepends=True), start=1):
        if number <= skip_until:
            continue
        block = blocks.get(number)
        if block is None:
            out.append(line)
            origin.append(number)
            continue
        skip_until = block.end
        if block.function is not None:
            message = f"{block.function}: {block.hint or GENERIC_HINT}"
            out.append(f"{block.indent}raise NotImplementedError({_string_literal(message)})\n")
            origin.append(number)
    stub = "".join(out)
    try:
        ast.parse(stub, filename=filename)
    except SyntaxError as exc:
        line = origin[min(max(exc.lineno or 1, 1), len(origin)) - 1] if origin else 1
        raise MarkerError(filename, line, f"the generated stub is not valid Python ({exc.msg}); "
                                          "check where the solution blocks start and end") from None
    return stub


def strip_markers(source: str, filename: str = "<reference>") -> str:
    """The plain solution: the reference without its marker lines (the markers are checked as for the stub)."""
    markers = {line for block in solution_blocks(source, filename) for line in (block.begin, block.end)}
    return "".join(line for number, line in enumerate(source.splitlines(keepends=True), start=1)
                   if number not in markers)


def _string_literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
