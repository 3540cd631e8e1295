"""Find the student's line for a finding, from the submission's syntax tree (never by running it).

A finding carries a `locate` hint naming what to look for: the layer, call, argument or statement
that makes the mistake, or, for code that is missing, the line where it belongs (the call that
lacks an argument, the `return`). Hints are read in the graded function and in the helper functions
of the file it calls. When nothing matches for sure, the line is the function's own `def` line
(`Located.exact` is then False): a truthful place, never another line guessed.
"""
from __future__ import annotations

import ast
import functools
import json
from dataclasses import dataclass
from urllib.parse import quote, unquote

# What Python's parser raises for source it cannot read: bad syntax, null bytes, nesting beyond its stack.
UNPARSEABLE = (SyntaxError, ValueError, RecursionError, MemoryError)


@functools.lru_cache(maxsize=4)
def parse(source: str) -> ast.Module:
    """The syntax tree of a submission, parsed once for all who ask (the grading checks it, then
    locates each finding in it); raises one of UNPARSEABLE."""
    return ast.parse(source)


# Calls that declare a model's input shape: the Input layer, or a layer or build() given the shape.
INPUT_CALLEES = {"Input", "InputLayer", "build"}
INPUT_KEYWORDS = {"input_shape", "input_dim", "batch_input_shape", "batch_shape", "shape"}
MAX_CALLS = 10_000  # of a function and the helpers it calls, as locate reads them (a real one has dozens)
MAX_HELPER_DEPTH = 8  # helpers calling helpers, as the data-flow hints follow them

# Names the data hints recognise, as students call them (numpy, scikit-learn, Keras, the random modules).
STATISTICS = {"mean", "std", "var", "min", "max", "amin", "amax", "nanmean", "nanstd", "nanvar", "nanmin",
              "nanmax", "median", "nanmedian", "percentile", "quantile", "nanpercentile", "nanquantile", "ptp",
              "sum", "nansum", "average", "reduce_mean", "reduce_std", "reduce_min", "reduce_max", "moments"}
FITS = {"fit", "fit_transform", "partial_fit", "adapt", "scale", "minmax_scale", "robust_scale", "maxabs_scale",
        "zscore"}
NOT_STANDARD = {"MinMaxScaler", "RobustScaler", "MaxAbsScaler", "Normalizer", "QuantileTransformer",
                "PowerTransformer", "minmax_scale", "robust_scale", "maxabs_scale", "normalize", "quantile_transform",
                "power_transform", "norm", "log", "log1p"}
# (not var, sqrt or clip: np.sqrt(X.var(axis=0)) and np.clip(std, 1e-8, None) are parts of a standardization)
NOT_STANDARD_STATISTICS = {"min", "max", "amin", "amax", "nanmin", "nanmax", "ptp", "median", "nanmedian",
                           "percentile", "quantile"}
SPLITTERS = {"train_test_split", "ShuffleSplit", "StratifiedShuffleSplit", "GroupShuffleSplit", "KFold",
             "StratifiedKFold", "resample"}
UNSTRATIFIED_SPLITTERS = {"train_test_split", "ShuffleSplit", "GroupShuffleSplit", "KFold", "resample"}
GENERATORS = {"default_rng", "RandomState", "Generator", "Random", "PCG64", "MT19937", "SeedSequence"}
DRAWS = {"permutation", "permuted", "shuffle", "choice", "sample", "rand", "randn", "randint", "random",
         "random_sample", "uniform", "normal", "integers"}
CLOCKS = {"time", "time_ns", "perf_counter", "now"}
OVERALL_STATISTICS = {"mean", "std", "nanmean", "nanstd"}  # of every value at once when given no axis
SHOWN = {"print", "display", "log", "info", "debug"}  # a statistic only shown scales nothing
SUMS = {"sum", "nansum", "reduce_sum"}
EXPONENTIALS = {"exp", "expm1"}
MODULES = {"np", "numpy", "tf", "tensorflow", "keras", "math", "torch", "jnp", "scipy", "stats", "random",
           "statistics", "sklearn", "preprocessing", "pd", "pandas"}
_LOOPS = (ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_BRANCHES = (ast.If, ast.IfExp, ast.Match, ast.BoolOp)  # (a try's body runs as written: not a branch)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def answer_hint(key: object, answer: object) -> str:
    """The hint for the constant a function returned for the input `key` (a string or None the student chose:
    quoted, so no character of it reads as a hint's separator)."""
    return "answer:" + quote(json.dumps([key, answer]), safe="")


@dataclass(frozen=True)
class Located:
    """A finding's line, and whether it is the line that does it (False: the function's `def` line,
    since no line of it was found for sure)."""

    line: int | None
    exact: bool


@dataclass(frozen=True)
class _Call:
    node: ast.Call
    flexible: bool  # in a loop, a branch or a comprehension: made any number of times, maybe none


class SourceIndex:
    """The lines of a submission's functions, to point each finding at the student's own line."""

    def __init__(self, source: str):
        try:
            self.tree: ast.Module | None = parse(source)
        except UNPARSEABLE:
            self.tree = None
        self._functions: dict[str, ast.FunctionDef] = {}
        self._expanded: dict[str, list[_Call]] = {}  # per function: its calls, helpers' included (see _calls)
        self._modules = set(MODULES)
        for node in ast.walk(self.tree) if self.tree is not None else ():
            if isinstance(node, ast.FunctionDef):
                self._functions.setdefault(node.name, node)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                self._modules.update((a.asname or a.name).split(".")[0] for a in node.names)

    def locate(self, function: str, hint: str | None) -> int | None:
        """The line for a finding in `function`: see `find`."""
        return self.find(function, hint).line

    def find(self, function: str, hint: str | None) -> Located:
        """The line a hint names in `function`; alternatives separated by '|' are tried in order, and
        without a match it is the line of `function` itself (not exact). The hints:

        - 'def:NAME': the line of function NAME;
        - 'dense:K' or 'dense:K/N': the K-th Dense layer (from 0) of a network of N; layers made in a loop
          or a branch are matched from both ends, so the output layer is the last Dense layer made;
        - 'output': the output layer, the last Dense layer made;
        - 'input': where the input shape is declared (its shape argument);
        - 'call:NAME': the first call of NAME; 'kw:NAME' or 'kw:NAME=VALUE': the first argument NAME (of value VALUE);
        - 'loss': compile's loss argument (loss= or the second positional argument);
        - 'returns': the function's return statement, when it has only one;
        - 'answer:...' (see answer_hint): the constant returned for an input;
        - 'fit:P': where statistics are computed from the P-th parameter's data (a fit, fit_transform or a
          numpy statistic of it, or of something made from it; a helper given it as is: the call of the helper);
        - 'scaling': a scaler or statistic other than standardization's mean and standard deviation;
        - 'unseeded': a split, random generator or draw without a fixed seed; 'unstratified': a split without
          stratify; 'draw': the first random draw; 'slice': the first slice of rows of the data;
        - 'passthrough': a parameter returned as it came (or named anew); else a second split;
        - 'apart': one of the arrays shuffled or split on its own, apart from the other;
        - 'exp': the exponential of scores not shifted down; 'sum-axis': a sum over no axis or the first axis;
        - 'assign:NAME': the last module-level assignment of NAME.

        The calls of `function` are read in order, with the calls of every helper function of the file
        it calls in their place, so a layer built in a helper points at the helper's line.
        """
        scope = self._functions.get(function)
        if scope is not None and function not in self._expanded:  # read once for all its findings
            self._expanded[function] = self._calls(scope)
        calls = self._expanded.get(function, [])
        for part in (hint or "").split("|"):
            kind, _, arg = part.partition(":")
            node = self._find(kind, arg, scope, calls)
            if node is not None:
                return Located(node.lineno, True)
        return Located(scope.lineno if scope is not None else None, False)

    def _find(self, kind: str, arg: str, scope: ast.FunctionDef | None, calls: list[_Call]) -> ast.AST | None:
        if kind == "def":
            return self._functions.get(arg)
        if kind == "assign":
            return self._assignment(arg)
        if scope is None:
            return None
        nodes = [c.node for c in calls]
        finder = {
            "dense": lambda: _dense(calls, arg),
            "output": lambda: _dense(calls, ""),
            "input": lambda: next((_input_argument(c) for c in nodes if _declares_input(c)), None),
            "call": lambda: next((c for c in nodes if _callee(c) == arg), None),
            "kw": lambda: _keyword(nodes, arg),
            "loss": lambda: next((_argument(c, "loss", 1) for c in nodes if _callee(c) == "compile"
                                  and _argument(c, "loss", 1) is not None), None),
            "returns": lambda: _only(_returns(scope)),
            "answer": lambda: self._answer(scope, arg),
            "fit": lambda: self._statistic(scope, arg),
            "scaling": lambda: self._scaling(scope, nodes),
            "unseeded": lambda: next((c for c in nodes if self._unseeded(c)), None),
            "unstratified": lambda: next((c for c in nodes if _callee(c) in UNSTRATIFIED_SPLITTERS
                                          and _missing(c, "stratify")), None),
            "draw": lambda: next((c for c in nodes if _callee(c) in DRAWS), None),
            "slice": lambda: _row_slice(scope),
            "passthrough": lambda: _passthrough(scope, nodes),
            "apart": lambda: self._apart(scope),
            "exp": lambda: _exponential(nodes, scope),
            "sum-axis": lambda: next((c for c in nodes if _callee(c) in SUMS and self._wrong_axis(c)), None),
        }.get(kind)
        return finder() if finder is not None else None

    # -- the calls a function makes, helpers included

    def _calls(self, scope: ast.FunctionDef) -> list[_Call]:
        """The calls in `scope` in source order, each call of a helper function followed by the helper's
        own calls (recursively; a function already being read is not read again inside itself). A call in
        a loop or a branch is flexible, and so is every call of a helper called there."""
        out: list[_Call] = []
        pending = [(iter(_ordered_calls(scope)), (scope,), False)]
        while pending and len(out) < MAX_CALLS:
            calls, stack, flexible = pending[-1]
            item = next(calls, None)
            if item is None:
                pending.pop()
                continue
            call, here = item
            out.append(_Call(call, flexible or here))
            helper = self._helper(call)
            if helper is not None and helper not in stack:
                pending.append((iter(_ordered_calls(helper)), (*stack, helper), flexible or here))
        return out

    def _helper(self, call: ast.Call) -> ast.FunctionDef | None:
        return self._functions.get(call.func.id) if isinstance(call.func, ast.Name) else None

    def _assignment(self, name: str) -> ast.AST | None:
        """The last module-level assignment of `name` (the value the module ends with)."""
        nodes = [node for node in (self.tree.body if self.tree is not None else ())
                 if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign))
                 and any(isinstance(t, ast.Name) and t.id == name
                         for t in (node.targets if isinstance(node, ast.Assign) else [node.target]))]
        return nodes[-1] if nodes else None

    def _is_module(self, node: ast.expr) -> bool:
        """Whether an expression names a module (np, np.random, keras.layers), not a value of the student's."""
        while isinstance(node, ast.Attribute):
            node = node.value
        return isinstance(node, ast.Name) and node.id in self._modules

    def _data(self, call: ast.Call) -> ast.expr | None:
        """What a statistic is computed from: the object of a method (X.mean()), else the first argument."""
        func = call.func
        if isinstance(func, ast.Attribute) and not self._is_module(func.value) and _callee(call) not in FITS:
            return func.value
        return call.args[0] if call.args else next((k.value for k in call.keywords if k.arg in ("X", "a", "x")), None)

    # -- the constant a function returned

    def _answer(self, scope: ast.FunctionDef, arg: str) -> ast.AST | None:
        """The constant `scope` returns for an input: the one tied to that input (a dict entry under it, a branch
        testing for it) or else the only one of that value not tied to another input; None if not sure."""
        try:
            key, answer = json.loads(unquote(arg))
        except (ValueError, TypeError):
            return None
        parents: dict[ast.AST, ast.AST] = {}
        roots = [scope, *self._referenced_tables(scope)]
        for root in roots:
            for node in ast.walk(root):
                for child in ast.iter_child_nodes(node):
                    parents[child] = node
        docstring = _docstring(scope)
        found = [node for root in roots for node in ast.walk(root) if node is not docstring
                 and (isinstance(node, ast.Constant) and type(node.value) is type(answer) and node.value == answer
                      or answer is None and isinstance(node, ast.Return) and node.value is None)]
        tied = [(node, _tie(node, parents, key)) for node in found]
        if any(tie == "unsure" for _, tie in tied):
            return None  # a branch the grader cannot read may return it for this input: no line is sure
        mine = [node for node, tie in tied if tie == "mine"]
        free = [node for node, tie in tied if tie == "free"]
        return _only(mine) if mine else _only(free)

    def _referenced_tables(self, scope: ast.FunctionDef) -> list[ast.AST]:
        """The values of module-level assignments the function reads (a lookup table defined outside it)."""
        names = {n.id for n in ast.walk(scope) if isinstance(n, ast.Name)}
        return [node.value for node in (self.tree.body if self.tree is not None else ())
                if isinstance(node, ast.Assign) and node.value is not None
                and any(isinstance(t, ast.Name) and t.id in names for t in node.targets)]

    # -- data flow: which values come from which parameters

    def _statistic(self, scope: ast.FunctionDef, arg: str) -> ast.AST | None:
        params = _parameters(scope)
        if not arg.isdigit() or int(arg) >= len(params):
            return None
        found = self._statistics(scope, frozenset({params[int(arg)]}), (scope,), {}, [MAX_CALLS])
        return found[0][0] if found else None

    def _statistics(self, scope: ast.FunctionDef, sources: frozenset[str], stack: tuple, seen: dict,
                    budget: list[int]) -> list[tuple[ast.AST, ast.expr]]:
        """(where, data) for each statistic computed from data derived from `sources`, in order; in a helper
        given such data, at the helper's line, or at the call of the helper when it uses what it was given as is.
        Each helper is read once per set of parameters given such data (`seen`), and MAX_CALLS calls in all."""
        if (scope, sources) in seen:
            return seen[scope, sources]
        derived = _derived(scope, set(sources))
        calls = _ordered_calls(scope)
        shown = {node for call, _ in calls if _callee(call) in SHOWN for node in ast.walk(call) if node is not call}
        found = []
        for call, _ in calls:
            budget[0] -= 1
            if budget[0] < 0:
                break
            data = self._data(call) if _callee(call) in STATISTICS | FITS and call not in shown else None
            if data is not None and _names(data) & derived:
                found.append((call, data))
            helper = self._helper(call)
            if helper is None or helper in stack or len(stack) > MAX_HELPER_DEPTH:
                continue
            given = {param: value for param, value in _bound(helper, call).items() if _names(value) & derived}
            if not given:
                continue
            for where, inner in self._statistics(helper, frozenset(given), (*stack, helper), seen, budget):
                as_given = isinstance(inner, ast.Name) and inner.id in given
                found.append((call, given[inner.id]) if as_given else (where, inner))
        seen[scope, sources] = found
        return found

    def _scaling(self, scope: ast.FunctionDef, nodes: list[ast.Call]) -> ast.AST | None:
        """A scaler other than StandardScaler (or one told not to center or scale), a statistic of the data
        other than a mean and a standard deviation (a minimum, maximum, median, percentile), or a mean or
        standard deviation of all the values at once (no axis) instead of one per feature."""
        derived = _derived(scope, set(_parameters(scope)))
        for call in nodes:
            name = _callee(call)
            if name in NOT_STANDARD or name == "StandardScaler" and any(
                    k.arg in ("with_mean", "with_std") and _constant(k.value) is False for k in call.keywords):
                return call
            data = self._data(call) if name in NOT_STANDARD_STATISTICS | OVERALL_STATISTICS else None
            if data is None or not _names(data) & derived:
                continue
            if name in OVERALL_STATISTICS:
                if self._axis(call) is None:
                    return call
            elif data is not _first(call) or len(call.args) < 2 or isinstance(_constant(call.args[1]), int):
                return call  # not max(std, 1e-8): a guard between two values, not a statistic of the data
        return None

    def _apart(self, scope: ast.FunctionDef) -> ast.AST | None:
        """A shuffle or split of one parameter's data alone (X shuffled, y not), the other left in its order."""
        params = _parameters(scope)
        derived = {p: _derived(scope, {p}) for p in params}

        def origins(node: ast.AST) -> set[str]:
            return {p for p in params if _names(node) & derived[p]}

        for node in sorted((n for n in _own_nodes(scope) if isinstance(n, (ast.Call, ast.Subscript))),
                           key=lambda n: (n.lineno, n.col_offset)):
            if isinstance(node, ast.Call) and _callee(node) in DRAWS | SPLITTERS:
                bare = [a for a in node.args if isinstance(a, (ast.Name, ast.Subscript, ast.Attribute))]
                if bare and len(set().union(*(origins(a) for a in node.args))) == 1:
                    return node
            elif isinstance(node, ast.Subscript) and len(origins(node.value)) == 1 \
                    and any(isinstance(n, ast.Call) and _callee(n) in DRAWS for n in ast.walk(node.slice)):
                return node
        return None

    def _unseeded(self, call: ast.Call) -> bool:
        """A split, generator or draw whose randomness is not fixed by a seed in the call."""
        name, func = _callee(call), call.func
        from_random = isinstance(func, ast.Attribute) and "random" in _dotted(func.value).split(".")
        if name in SPLITTERS or name == "shuffle" and not from_random and not isinstance(func, ast.Attribute):
            return _missing(call, "random_state")
        if name in GENERATORS:
            seed = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg in ("seed", "x")), None)
            return seed is None or _is_none(seed)
        return from_random and name in DRAWS or name in CLOCKS

    def _axis(self, call: ast.Call) -> ast.expr | None:
        """A reduction's axis: axis=, or the first argument of a method (e.sum(0)), the second of a function
        (np.sum(e, 0))."""
        method = isinstance(call.func, ast.Attribute) and not self._is_module(call.func.value)
        return _argument(call, "axis", 0 if method else 1)

    def _wrong_axis(self, call: ast.Call) -> bool:
        """A sum over every value, or over the first axis (columns of a batch), not over each row."""
        axis = self._axis(call)
        value = _constant(axis)
        return axis is None or _is_none(axis) or (type(value) is int and value == 0)


def _ordered_calls(scope: ast.FunctionDef) -> list[tuple[ast.Call, bool]]:
    """The calls in a function's own body in source order, each with whether it is in a loop or a branch
    (made any number of times); a function defined inside it is left out (its calls are read where it is called)."""
    calls, stack = [], [(child, False) for child in ast.iter_child_nodes(scope)]
    while stack:
        node, flexible = stack.pop()
        if isinstance(node, _SCOPES):
            continue
        if isinstance(node, ast.Call):
            calls.append((node, flexible))
        inner = flexible or isinstance(node, _LOOPS + _BRANCHES)
        stack.extend((child, inner) for child in ast.iter_child_nodes(node))
    return sorted(calls, key=lambda item: (item[0].lineno, item[0].col_offset))


def _own_nodes(scope: ast.FunctionDef) -> list[ast.AST]:
    """Every node of a function's own body (not of functions or classes defined inside it)."""
    out, stack = [], list(ast.iter_child_nodes(scope))
    while stack:
        node = stack.pop()
        if isinstance(node, _SCOPES):
            continue
        out.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return out


def _dense(calls: list[_Call], arg: str) -> ast.AST | None:
    """The K-th of N Dense layers ('K/N'; '' for the output, the last made). Layers are matched to the Dense
    calls in order; calls in a loop or a branch, which make any number of layers, only from both ends inward."""
    dense = [c for c in calls if _callee(c.node) == "Dense"]
    if not dense:
        return None
    if not arg:  # the last call, or the one loop that makes the last layers (not one of two branches)
        fixed = max((i for i, c in enumerate(dense) if not c.flexible), default=-1)
        trailing = {id(c.node) for c in dense[fixed + 1:]}
        return dense[-1].node if len(trailing) <= 1 else None
    position, _, total = arg.partition("/")
    if not position.isdigit():
        return None
    k = int(position)
    if not total.isdigit():
        return dense[k].node if k < len(dense) else None
    n = int(total)
    if k >= n:
        return None
    if len(dense) == n and not any(c.flexible for c in dense):
        return dense[k].node
    flexible = [i for i, c in enumerate(dense) if c.flexible]
    if not flexible:
        return None  # more or fewer Dense calls than layers, none in a loop or branch: which is which is unknown
    first, last = flexible[0], flexible[-1]
    after = len(dense) - 1 - last
    if k < first:
        return dense[k].node
    if k >= n - after:
        return dense[k - n + len(dense)].node
    middle = {id(c.node) for c in dense[first:last + 1]}
    return dense[first].node if len(middle) == 1 else None


def _declares_input(call: ast.Call) -> bool:
    return _callee(call) in INPUT_CALLEES or any(k.arg in INPUT_KEYWORDS - {"shape"} for k in call.keywords)


def _input_argument(call: ast.Call) -> ast.AST:
    """The shape argument of a call declaring the input (its line, in a call written over several lines)."""
    return next((k.value for k in call.keywords if k.arg in INPUT_KEYWORDS), call.args[0] if call.args else call)


def _keyword(nodes: list[ast.Call], arg: str) -> ast.AST | None:
    name, equals, text = arg.partition("=")
    try:
        wanted = ast.literal_eval(text) if equals else None
    except (ValueError, SyntaxError):
        return None
    for call in nodes:
        for keyword in call.keywords:
            if keyword.arg == name and (not equals or _constant(keyword.value) == wanted
                                        and type(_constant(keyword.value)) is type(wanted)):
                return keyword.value
    return None


def _argument(call: ast.Call, keyword: str, position: int) -> ast.expr | None:
    """A call's argument given by keyword or at a position."""
    given = next((k.value for k in call.keywords if k.arg == keyword), None)
    if given is None and len(call.args) > position and not any(isinstance(a, ast.Starred) for a in call.args):
        given = call.args[position]
    return given


def _missing(call: ast.Call, keyword: str) -> bool:
    """Whether a call leaves out a keyword argument (or passes None for it)."""
    value = next((k.value for k in call.keywords if k.arg == keyword), None)
    spread = any(k.arg is None for k in call.keywords)  # **options: what it holds is unknown
    return not spread and (value is None or _is_none(value))


def _returns(scope: ast.FunctionDef) -> list[ast.Return]:
    return sorted((n for n in _own_nodes(scope) if isinstance(n, ast.Return)), key=lambda n: n.lineno)


def _first(call: ast.Call) -> ast.expr | None:
    return call.args[0] if call.args else None


def _only(nodes: list) -> ast.AST | None:
    return nodes[0] if len(nodes) == 1 else None


def _row_slice(scope: ast.FunctionDef) -> ast.AST | None:
    """The first slice of rows (X[:105], idx[n:]) of data derived from the function's parameters."""
    derived = _derived(scope, set(_parameters(scope)))
    subscripts = sorted((n for n in _own_nodes(scope) if isinstance(n, ast.Subscript)), key=lambda n: (n.lineno, n.col_offset))
    for node in subscripts:
        rows = node.slice.elts[0] if isinstance(node.slice, ast.Tuple) and node.slice.elts else node.slice
        if isinstance(rows, ast.Slice) and (rows.lower or rows.upper) and _names(node.value) & derived:
            return node
    return None


def _passthrough(scope: ast.FunctionDef, nodes: list[ast.Call]) -> ast.AST | None:
    """A parameter returned as it came (return X, X_test, ...) or named anew (X_train = X); else a second split."""
    params = set(_parameters(scope))
    for node in _returns(scope):
        values = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
        if any(isinstance(v, ast.Name) and v.id in params for v in values):
            return node
    for node in sorted((n for n in _own_nodes(scope) if isinstance(n, ast.Assign)), key=lambda n: n.lineno):
        values = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
        targets = {n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        if any(isinstance(v, ast.Name) and v.id in params - targets for v in values):
            return node
    splits = [c for c in nodes if _callee(c) in SPLITTERS]
    return splits[1] if len(splits) > 1 else None


def _exponential(nodes: list[ast.Call], scope: ast.FunctionDef) -> ast.AST | None:
    """The exponential of scores not shifted down (np.exp(z)), else the only exponential there is."""
    found: list[ast.AST] = [c for c in nodes if _callee(c) in EXPONENTIALS]
    found += [n for n in _own_nodes(scope) if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Pow)
              and _dotted(n.left).split(".")[-1] == "e"]
    found.sort(key=lambda n: (n.lineno, n.col_offset))
    exponent = (lambda n: n.args[0] if isinstance(n, ast.Call) and n.args else getattr(n, "right", None))
    unshifted = [n for n in found if not (isinstance(exponent(n), ast.BinOp) and isinstance(exponent(n).op, ast.Sub))]
    return unshifted[0] if unshifted else _only(found)


def _tie(node: ast.AST, parents: dict[ast.AST, ast.AST], key: object) -> str:
    """How a constant is tied to the input `key`: "mine" (a dict entry under it, a branch taken for it, an else
    branch its tests let it reach), "other" (another input's), "unsure" (in a branch whose test the grader
    cannot read, e.g. task.startswith("b")) or "free" (in no branch nor dict)."""
    child, parent, reached_else = node, parents.get(node), False
    while parent is not None and not isinstance(parent, _SCOPES):
        if isinstance(parent, ast.keyword):  # dict(binary="sigmoid", ...)
            return "mine" if parent.arg == key else "other"
        if isinstance(parent, ast.Dict):
            if child not in parent.values:
                return "other"  # a key, not a value
            entry = parent.keys[parent.values.index(child)]
            return "mine" if isinstance(entry, ast.Constant) and entry.value == key else "other"
        if isinstance(parent, (ast.If, ast.IfExp)) and child is not parent.test:
            tested = _tested(parent.test)
            in_body = child in parent.body if isinstance(parent.body, list) else child is parent.body
            if tested is None:
                return "unsure"
            if key in tested and not in_body or key not in tested and in_body:
                return "other"
            if in_body:
                return "mine"
            reached_else = True  # an else branch whose test does not catch the key: taken for it, so far
        if isinstance(parent, ast.match_case):
            values = _case_values(parent)
            if key in values:
                return "mine"
            match = parents.get(parent)
            if values or any(key in _case_values(case) for case in getattr(match, "cases", ())):
                return "other"
            reached_else = True  # case _: with no case for the key before it
        child, parent = parent, parents.get(parent)
    return "mine" if reached_else else "free"


def _case_values(case: ast.match_case) -> set:
    return {_constant(n.value) for n in ast.walk(case.pattern) if isinstance(n, ast.MatchValue)}


def _tested(test: ast.expr) -> set | None:
    """The constants a branch's test compares with == or in (None: not such a test, e.g. one with !=, not or and)."""
    compares = [n for n in ast.walk(test) if isinstance(n, ast.Compare)]
    if not compares or any(isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.Not)
                           or isinstance(n, ast.BoolOp) and isinstance(n.op, ast.And) for n in ast.walk(test)) \
            or any(not isinstance(op, (ast.Eq, ast.In, ast.Is)) for c in compares for op in c.ops):
        return None
    return {n.value for c in compares for n in ast.walk(c) if isinstance(n, ast.Constant)}


def _parameters(scope: ast.FunctionDef) -> list[str]:
    args = scope.args
    return [a.arg for a in (*args.posonlyargs, *args.args)]


def _bound(helper: ast.FunctionDef, call: ast.Call) -> dict[str, ast.expr]:
    """The helper's parameters with the arguments a call gives them (positional and keyword)."""
    params = _parameters(helper) + [a.arg for a in helper.args.kwonlyargs]
    bound = {p: a for p, a in zip(params, call.args) if not isinstance(a, ast.Starred)}
    bound.update({k.arg: k.value for k in call.keywords if k.arg in params})
    return bound


def _derived(scope: ast.FunctionDef, sources: set[str]) -> set[str]:
    """The names in a function that hold data made from `sources` (assigned from an expression reading them,
    in any order), followed from name to name once each: linear in the function's size."""
    bindings = []
    for node in _own_nodes(scope):
        if isinstance(node, ast.Assign):
            bindings += _pairs(node.targets, node.value)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and node.value is not None:
            bindings.append(([node.target], node.value))
        elif isinstance(node, (ast.For, ast.comprehension)):
            bindings.append(([node.target], node.iter))
        elif isinstance(node, ast.NamedExpr):
            bindings.append(([node.target], node.value))
    readers: dict[str, list[set[str]]] = {}  # per name, the targets of each binding that reads it
    for targets, value in bindings:
        assigned = {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        for name in _names(value):
            readers.setdefault(name, []).append(assigned)
    derived, pending = set(sources), list(sources)
    while pending:
        for assigned in readers.pop(pending.pop(), ()):
            pending += assigned - derived
            derived |= assigned
    return derived


def _pairs(targets: list[ast.expr], value: ast.expr) -> list[tuple[list[ast.expr], ast.expr]]:
    """An assignment's (targets, value) bindings, element by element where both sides are tuples of one length
    (X, y = shuffle(X), y binds y to y alone)."""
    sequences = (ast.Tuple, ast.List)
    if len(targets) == 1 and isinstance(targets[0], sequences) and isinstance(value, sequences) \
            and len(targets[0].elts) == len(value.elts) and not any(isinstance(e, ast.Starred) for e in value.elts):
        return [([target], element) for target, element in zip(targets[0].elts, value.elts)]
    return [(targets, value)]


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _docstring(scope: ast.FunctionDef) -> ast.Constant | None:
    first = scope.body[0] if scope.body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        return first.value
    return None


def _constant(node: ast.AST | None) -> object:
    return node.value if isinstance(node, ast.Constant) else None


def _is_none(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _dotted(node: ast.AST) -> str:
    """np.random for np.random, '' for anything but names and attributes."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def _callee(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""
