"""Pairs of students whose code for one exercise is suspiciously alike: a hint for the instructor, never a penalty.

Every file is reduced to what its student wrote themselves, in a form that renaming and
reformatting cannot change, and only that is compared:

1. Normalise. Each top-level statement or function is a unit, parsed with `ast` and read out as
   tokens: its syntax tree in order, node types and values (so layout, comments, parentheses and
   quotes are gone; docstrings, imports and type hints are dropped). Names the file binds itself
   (arguments, locals, its own helpers and globals) become `_0, _1, ...` in order of first use
   within their unit, so a consistent renaming changes nothing; an imported name is spelled out
   as the library's full name (`np.where` and `from numpy import where` read alike); names the
   exercise defines (`build_model`, `EPOCHS`), attributes, keywords and constants such as 'relu'
   stay, since the same unusual library calls and settings are the signal.
2. Mask what is not the student's own. A token is masked when it lies inside a run of K tokens
   that also occurs in the stub or the reference (handed-out code, the lesson's own solution,
   or any piece of them), or that occurs in more than `_common_limit` students' files (a hint
   followed by many, an idiom from the documentation: MOSS ignores such passages the same way).
   What is left, per file, is the evidence.
3. Compare. Runs of K tokens outside the mask index the students, so only pairs that share
   enough of them (`_CANDIDATE_SLACK`) are compared with difflib; the similarity of a pair is the
   matching fraction of their evidence, 2 * matched / (len(a) + len(b)). A pair is reported
   when that reaches the threshold and the matched evidence is at least `MIN_TOKENS` tokens.
   difflib's work grows with the product of the lengths (worse on repeated tokens), so when a
   file's evidence is longer than `MAX_COMPARED` tokens, five times a whole file of one's own,
   the units the two files share whole count as matched and difflib compares at most
   `MAX_COMPARED` tokens of the rest of each.

A file that does not parse is cut before each top-level `def`/`class`; the pieces that parse
are compared as above and the broken ones are left out (a hint, so no guessing from raw text).

`compare` also says what it could not judge, so that "nothing similar" is never mistaken for
"nothing copied": a file whose evidence is shorter than MIN_TOKENS can never be flagged, and is
counted apart with its reason (LEFT_OUT: the lesson's own code or the stub, too little of its own,
common code, not Python, empty). How many tokens the reference has beyond the stub says whether
the exercise itself is long enough to tell submissions apart.
"""
from __future__ import annotations

import ast
import difflib
import re
import warnings
from collections import Counter
from collections.abc import Iterable
from itertools import combinations

K = 6
"""Tokens per run when masking and indexing, about one call: `keras.layers.Dense(` is `Call . . keras layers Dense`.
Long enough that independent code rarely repeats a run of the reference by accident; short
enough that a changed number in otherwise-lesson code leaves little more than that number."""

MIN_TOKENS = 70
"""Least matched evidence that can flag a pair: about half a dozen statements of the students' own code.
Independent students do write identical code when they take the obvious road away from the
lesson, and two such roads together must stay below this. Measured on iris_net, beyond the
lesson's code: an if/elif chain for output_activation 36 tokens, the Keras functional API with
the lesson's layers 32, the docstring's StandardScaler hint 25-28, a Sequential built with
.add() 7, another random_state 2; so two coinciding reach at most 68, while a hand-written
stratified split is 102 and a whole file of one's own is typically 100-200."""

_CANDIDATE_SLACK = 0.4
"""Two files are compared token by token only if the share of unmasked runs they have in common
is at least the threshold minus this. An edit breaks up to K runs, so the share falls faster than
the similarity: on copies of the test solutions with up to 60 random edits, pairs at similarity
0.9 shared at least 0.75 of their runs, at 0.7 at least 0.36. Most pairs share almost nothing."""

MAX_COMPARED = 1_000
"""Tokens of each file's evidence that difflib compares, beyond the units two long files share whole.
The longest reference solution is 251 tokens in all and a student's own code 100-200, so only a hostile or
generated file is cut; identical files, and copies with a few functions edited, still count in full. difflib
then costs at most about MAX_COMPARED squared steps a pair (a tenth of a second, on one token repeated); the
rest grows with one file's length at a time, which the report bounds (grader.grading.MAX_SOURCE_CHARS)."""

_UNPARSEABLE = (SyntaxError, ValueError, RecursionError, MemoryError)  # null bytes; too deep (`-` * 10**5 + `1`)
_TOP_LEVEL = re.compile(r"(?:async\s+def|def|class)\b|@")


def similar_pairs(sources: dict[str, str], *, stub: str = "", reference: str = "",
                  threshold: float = 0.9) -> list[dict]:
    """Pairs of students whose code for one exercise is suspiciously alike (compare's "similar")."""
    return compare(sources, stub=stub, reference=reference, threshold=threshold)["similar"]


def compare(sources: dict[str, str], *, stub: str = "", reference: str = "", threshold: float = 0.9) -> dict:
    """Compare one exercise's submissions, and say what could not be judged.
    sources: student id -> the Python source they submitted for this exercise (untrusted text; may not parse).
    stub: the exercise's stub as handed out; reference: the reference solution (instructor's; lesson code).
    Returns {"compared": submissions that could be judged, "pairs": pairs of them compared,
    "similar": [{"students": [a, b], "similarity": 0.97}, ...] sorted by similarity descending, a < b,
    "left_out": [{"reason", "students"}] for each of LEFT_OUT that applies (students sorted),
    "partly_parsed": the judged students whose file does not parse as a whole (only its parts that do were compared),
    "lesson_tokens": how many tokens the reference has beyond the stub, "min_tokens": MIN_TOKENS}."""
    lesson_trees = [_parse(stub), _parse(reference)]
    interface = frozenset().union(*(_module_names(tree) for tree in lesson_trees))
    stub_grams = {gram for unit in _units(lesson_trees[0], interface) for gram in _grams(unit)}
    baseline = stub_grams | {gram for unit in _units(lesson_trees[1], interface) for gram in _grams(unit)}
    parsed = {student: _parse_status(source) for student, source in sources.items()}
    units = {student: _units(_parse(source), interface) for student, source in sources.items()}
    grams = {student: {gram for unit in student_units for gram in _grams(unit)} - baseline
             for student, student_units in units.items()}
    frequency = Counter(gram for student_grams in grams.values() for gram in student_grams)
    common = {gram for gram, count in frequency.items() if count > _common_limit(len(sources))}
    masked = baseline | common
    own = {student: student_grams - common for student, student_grams in grams.items()}
    evidence = {student: _evidence(units[student], masked) for student in units}
    tokens = {student: _joined(student_evidence) for student, student_evidence in evidence.items()}
    left_out: dict[str, list[str]] = {reason: [] for reason in LEFT_OUT}
    for student in sorted(sources):
        if len(tokens[student]) < MIN_TOKENS:  # cannot match enough: no pair of it can ever be flagged
            beyond = len(_joined(_evidence(units[student], baseline)))
            reason = ("no-code" if parsed[student] == "empty" else
                      "unparsed" if parsed[student] == "partly" and not units[student] else
                      "lesson" if not beyond else "short" if beyond < MIN_TOKENS else "common")
            left_out[reason].append(student)
    cannot = {student for students in left_out.values() for student in students}
    judged = len(sources) - len(cannot)
    pairs = []
    for (a, b), shared in _shared_grams(own).items():
        if 2 * shared < (threshold - _CANDIDATE_SLACK) * (len(own[a]) + len(own[b])):
            continue
        # difflib's ratio can depend on the order of its arguments: a fixed order keeps a pair's score symmetric
        first, second = sorted((a, b), key=lambda student: (len(tokens[student]), tokens[student]))
        if len(tokens[first]) < MIN_TOKENS:  # cannot match enough
            continue
        matched = _matched(evidence[first], evidence[second])
        similarity = 2 * matched / (len(tokens[first]) + len(tokens[second]))
        if matched >= MIN_TOKENS and similarity >= threshold:
            pairs.append({"students": [a, b], "similarity": round(similarity, 3)})
    lesson = len(_joined(_evidence(_units(lesson_trees[1], interface), stub_grams)))
    return {"compared": judged, "pairs": judged * (judged - 1) // 2,
            "similar": sorted(pairs, key=lambda pair: (-pair["similarity"], pair["students"])),
            "left_out": [{"reason": reason, "students": students} for reason, students in left_out.items() if students],
            "partly_parsed": sorted(s for s, status in parsed.items() if status == "partly" and s not in cannot),
            "lesson_tokens": lesson, "min_tokens": MIN_TOKENS}


LEFT_OUT = ("lesson", "short", "common", "unparsed", "no-code")
"""Why a submission cannot be judged, each meaning it has fewer than MIN_TOKENS tokens of evidence:
lesson: nothing beyond the stub and the reference (an untouched stub, the lesson's solution, only imports);
short: under MIN_TOKENS tokens of its own beyond them; common: enough of its own, but most of it is also
in more than `_common_limit` other submissions; unparsed: no part of it parses as Python; no-code: empty."""


def _parse_status(source: str) -> str:
    """empty, whole (parses as one file) or partly (only its top-level pieces are tried)."""
    if not source.strip():
        return "empty"
    try:
        _parse_strict(source)
    except _UNPARSEABLE:
        return "partly"
    return "whole"


def _matched(first: list[list[str]], second: list[list[str]]) -> int:
    """How many tokens of the first file's evidence (unit by unit) difflib matches in the second's.
    When either is longer than MAX_COMPARED tokens, the units both hold whole count as matched (so identical
    files, and long copies with a few functions edited, are found at no cost) and difflib compares at most
    MAX_COMPARED tokens of the rest of each; what it does not compare counts as not matched."""
    matched = 0
    a, b = _joined(first), _joined(second)
    if max(len(a), len(b)) > MAX_COMPARED:
        both = Counter(map(tuple, first)) & Counter(map(tuple, second))
        matched = sum(len(unit) * count for unit, count in both.items())
        rest = (_joined(_without(units, both))[:MAX_COMPARED] for units in (first, second))
        a, b = sorted(rest, key=lambda tokens: (len(tokens), tokens))  # symmetric, as above
    blocks = difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()
    return matched + sum(block.size for block in blocks)


def _without(units: list[list[str]], removed: Counter[tuple[str, ...]]) -> list[list[str]]:
    """units less as many copies of each unit as removed counts."""
    left = Counter(removed)
    rest = []
    for unit in units:
        if left[tuple(unit)] > 0:
            left[tuple(unit)] -= 1
        else:
            rest.append(unit)
    return rest


def _joined(units: list[list[str]]) -> list[str]:
    return [token for unit in units for token in unit]


def _common_limit(students: int) -> int:
    """Students a passage may appear in before it counts as common knowledge rather than evidence:
    5% of the class, but never fewer than five, so a ring of five copies is still found in a small class."""
    return max(5, students // 20)


def _shared_grams(own: dict[str, set[tuple[str, ...]]]) -> Counter[tuple[str, str]]:
    """For every pair of students with a run in common (each id pair ordered a < b), how many runs they share.
    No run here is in more than `_common_limit` files, which bounds the pairs each run adds."""
    holders: dict[tuple[str, ...], list[str]] = {}
    for student in sorted(own):
        for gram in own[student]:
            holders.setdefault(gram, []).append(student)
    shared: Counter[tuple[str, str]] = Counter()
    for students in holders.values():
        shared.update(combinations(students, 2))
    return shared


def _evidence(units: list[list[str]], masked: set[tuple[str, ...]]) -> list[list[str]]:
    """Each unit's tokens outside every masked run; units in a fixed order, so reordering functions hides nothing."""
    evidence = []
    for unit in sorted(units):
        covered = [False] * len(unit)
        for start, gram in enumerate(_grams(unit)):
            if gram in masked:
                covered[start:start + len(gram)] = [True] * len(gram)
        evidence.append([token for token, hidden in zip(unit, covered) if not hidden])
    return evidence


def _grams(unit: list[str]) -> list[tuple[str, ...]]:
    """The unit's runs of K tokens; a unit shorter than K is one run."""
    if len(unit) <= K:
        return [tuple(unit)] if unit else []
    return [tuple(unit[start:start + K]) for start in range(len(unit) - K + 1)]


def _parse(source: str) -> ast.Module:
    """The file's syntax tree; if it does not parse, the top-level pieces that do."""
    try:
        return _parse_strict(source)
    except _UNPARSEABLE:
        pass
    body: list[ast.stmt] = []
    for piece in _pieces(source):
        try:
            body.extend(_parse_strict(piece).body)
        except _UNPARSEABLE:
            continue
    return ast.Module(body=body, type_ignores=[])


def _parse_strict(source: str) -> ast.Module:
    with warnings.catch_warnings():  # a student's invalid escape sequence is not the instructor's concern
        warnings.simplefilter("ignore")
        return ast.parse(source)


def _pieces(source: str) -> list[str]:
    """The source cut before every top-level def or class (with its decorators)."""
    pieces: list[list[str]] = [[]]
    for line in source.splitlines(keepends=True):
        decorated = bool(pieces[-1]) and pieces[-1][-1].startswith("@")
        if _TOP_LEVEL.match(line) and not decorated:
            pieces.append([])
        pieces[-1].append(line)
    return ["".join(piece) for piece in pieces]


_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _module_names(tree: ast.Module) -> set[str]:
    """Names a file binds at module level, imports aside (those are resolved to the library's names)."""
    names = set()
    for statement in tree.body:
        if isinstance(statement, _DEFINITIONS):
            names.add(statement.name)
        elif not isinstance(statement, (ast.Import, ast.ImportFrom)):
            names.update(node.id for node in ast.walk(statement) if isinstance(node, ast.Name)
                         and isinstance(node.ctx, ast.Store))
    return names


def _imported(nodes: Iterable[ast.AST]) -> dict[str, str]:
    """Each name the import statements among `nodes` bind, mapped to the full name it stands for."""
    aliases = {}
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.partition(".")[0]  # `import a.b` binds `a`
                aliases[alias.asname or top] = alias.name if alias.asname else top
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")  # relative imports keep their dots
            for alias in node.names:
                if alias.name != "*":  # a star import's names stay as written
                    full = f"{module}.{alias.name}" if node.module else module + alias.name
                    aliases[alias.asname or alias.name] = full
    return aliases


def _units(tree: ast.Module, interface: frozenset[str]) -> list[list[str]]:
    """The normalised tokens of each top-level statement or function of a file, imports and docstrings left out."""
    module_aliases = _imported(node for statement in tree.body if not isinstance(statement, _DEFINITIONS)
                               for node in ast.walk(statement))  # also `try: import ...` at module level
    student_globals = _module_names(tree) - interface
    units = []
    for statement in tree.body:
        local, local_aliases = _scope(statement)
        tokens = _Tokens(module_aliases | local_aliases, interface, student_globals, local)
        try:
            tokens.emit(statement)
        except (RecursionError, MemoryError):  # absurdly deep code is no evidence of anything
            continue
        if tokens.out:  # imports and docstrings leave nothing
            units.append(tokens.out)
    return units


def _scope(statement: ast.stmt) -> tuple[set[str], dict[str, str]]:
    """The names a top-level function or class binds inside itself, and the imports it makes. Its own name and
    its methods' names are not local: they belong to the exercise or to the library (like Keras's `call`)."""
    if not isinstance(statement, _DEFINITIONS):
        return set(), {}
    nodes = list(ast.walk(statement))
    methods = {child for node in nodes if isinstance(node, ast.ClassDef) for child in node.body}
    names, declared_global = set(), set()
    for node in nodes:
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, _DEFINITIONS):
            if node is not statement and node not in methods:
                names.add(node.name)
        elif isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            names.add(node.rest)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            declared_global.update(node.names)
    return names - declared_global, _imported(nodes)


class _Tokens:
    """One unit as tokens: the syntax tree in order, node types and values, without docstrings, imports or hints.
    The file's own names are numbered; an imported name is spelled out as the attribute chain it stands for."""

    def __init__(self, aliases: dict[str, str], interface: frozenset[str], student_globals: set[str], local: set[str]):
        self.aliases, self.interface, self.student_globals, self.local = aliases, interface, student_globals, local
        self.numbers: dict[str, str] = {}
        self.out: list[str] = []

    def name(self, name: str) -> None:
        """Locals shadow the rest; the exercise's names stay; imports read in full; the file's globals are numbered."""
        if name in self.local or (name in self.student_globals and name not in self.aliases):
            self.out.append(self.numbers.setdefault(name, f"_{len(self.numbers)}"))
        elif name in self.interface or name not in self.aliases:
            self.out.append(name)
        else:  # `np.where` reads `. numpy where`, so `from numpy import where` must read the same
            parts = self.aliases[name].split(".")
            self.out += ["."] * (len(parts) - 1) + parts

    def emit(self, node: ast.AST) -> None:
        if isinstance(node, (ast.Import, ast.ImportFrom)) or _is_string(node):
            return  # imports live on in the names they resolve; docstrings and strings used as comments say nothing
        if isinstance(node, ast.AnnAssign):  # `x: int = 1` reads as `x = 1`; a bare annotation is nothing
            if node.value is not None:
                self.emit(ast.Assign(targets=[node.target], value=node.value))
        elif isinstance(node, ast.Name):
            self.name(node.id)
        elif isinstance(node, ast.Constant):
            self.out.append(repr(node.value))  # one spelling per value: 0.30 and 3e-1, "relu" and 'relu'
        else:
            self.out.append("." if isinstance(node, ast.Attribute) else type(node).__name__)
            for field, value in ast.iter_fields(node):
                if value is not None and field not in _IGNORED_FIELDS:
                    self.field(node, field, value)

    def field(self, node: ast.AST, field: str, value: object) -> None:
        if isinstance(value, ast.AST):
            self.emit(value)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, ast.AST):
                    self.emit(item)
                elif field == "names":  # of global and nonlocal
                    self.name(item)
                else:  # a class pattern's attribute names; None for `**d` in a dict
                    self.out.append(str(item))
            if value:  # an end marker, so that `if a: b` then `c` differs from `if a: b; c`
                self.out.append("/")
        elif field in ("name", "rest") or (field == "arg" and isinstance(node, ast.arg)):  # bound by the code
            self.name(value)
        else:  # attribute and keyword-argument names, and the like: the library's own
            self.out.append(str(value))


_IGNORED_FIELDS = {"ctx", "annotation", "returns", "type_comment", "kind"}


def _is_string(node: ast.AST) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
