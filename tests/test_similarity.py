"""Similar-submission hints: real iris_net solutions, their disguised copies, and what must never be flagged."""
from __future__ import annotations

import ast
import difflib
import keyword
import random
import re
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from grader.authoring.markers import strip_markers
from grader.bulk.similarity import MAX_COMPARED, similar_pairs

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = (ROOT / "reference" / "iris_net.py").read_text()
STUB = (ROOT / "exercises" / "iris_net.py").read_text()
SOLUTION = strip_markers(REFERENCE)  # what a student who reproduces the lesson hands in


def student_file(bodies: dict[str, str], imports: str = "", epochs: int = 200) -> str:
    """The handed-out stub with the student's function bodies (and imports) filled in, as a student edits it."""
    source = STUB.replace("import numpy as np\n", "import numpy as np\n" + textwrap.dedent(imports), 1)
    source = source.replace("EPOCHS = 200", f"EPOCHS = {epochs}", 1)
    for function, body in bodies.items():
        source, count = re.subn(rf'    raise NotImplementedError\("{function}: .*"\)\n',
                                lambda _: textwrap.indent(textwrap.dedent(body).strip("\n") + "\n", "    "), source)
        assert count == 1, function
    return source


# Ana: sklearn for the data, a deeper tanh network built layer by layer.
ANA = student_file(imports="""\
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler
    """, bodies={
    "split_data": """
        # 30% test, stratified so every species is in both sets
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, stratify=y, random_state=7)
        return X_tr, X_te, y_tr, y_te
    """,
    "normalize": """
        scaler = StandardScaler()
        scaler.fit(X_train)
        return scaler.transform(X_train), scaler.transform(X_test)
    """,
    "output_activation": """
        if task == "multiclass":
            return "softmax"
        if task == "regression":
            return None
        return "sigmoid"
    """,
    "build_model": """
        model = keras.Sequential()
        model.add(keras.layers.Input(shape=(n_features,)))
        model.add(keras.layers.Dense(32, activation="tanh"))
        model.add(keras.layers.Dense(16, activation="tanh"))
        model.add(keras.layers.Dense(n_classes, activation="softmax"))
        opt = keras.optimizers.Adam(learning_rate=0.01)
        model.compile(optimizer=opt, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        return model
    """,
})

# Ana's file as a classmate hands it in: every local renamed, other import aliases, reformatted,
# comments and docstrings rewritten, functions in another order.
ANA_COPY = '''"""My iris network."""
import keras
import numpy as np
from sklearn.model_selection import train_test_split as tts
from sklearn import preprocessing

EPOCHS = 200
BATCH_SIZE = 32


def normalize(X_train, X_test):
    """scale"""
    s = preprocessing.StandardScaler()
    s.fit( X_train )
    return (s.transform(X_train),
            s.transform(X_test))


def split_data(X, y):
    """Split."""
    a, b, c, d = tts(X, y,
                     test_size = 0.3,
                     stratify = y,
                     random_state = 7)  # same seed every time
    return a, b, c, d


def build_model(n_features, n_classes):
    # layers one at a time
    net = keras.Sequential()
    net.add(keras.layers.Input(shape=(n_features, )))
    net.add(keras.layers.Dense(32, activation='tanh'))
    net.add(keras.layers.Dense(16, activation='tanh'))
    net.add(keras.layers.Dense(n_classes, activation='softmax'))
    optimiser = keras.optimizers.Adam(learning_rate=0.01)
    net.compile(optimizer=optimiser, loss='sparse_categorical_crossentropy', metrics=['accuracy'])
    return net


def output_activation(task):
    if task == 'multiclass':
        return 'softmax'
    if task == 'regression':
        return None
    return 'sigmoid'
'''

# Ben: a manual stratified permutation, numpy scaling, a lookup table, the functional API.
BEN_BODIES = {
    "split_data": """
        rng = np.random.default_rng(0)
        train_rows, test_rows = [], []
        for label in np.unique(y):
            rows = rng.permutation(np.flatnonzero(y == label))
            n_test = int(round(0.3 * len(rows)))
            test_rows.extend(rows[:n_test])
            train_rows.extend(rows[n_test:])
        train_rows = rng.permutation(train_rows)
        test_rows = rng.permutation(test_rows)
        return X[train_rows], X[test_rows], y[train_rows], y[test_rows]
    """,
    "normalize": """
        mu = np.mean(X_train, axis=0)
        sigma = np.std(X_train, axis=0) + 1e-8
        return (X_train - mu) / sigma, (X_test - mu) / sigma
    """,
    "output_activation": """
        table = dict(binary="sigmoid", multiclass="softmax", multilabel="sigmoid", regression=None)
        return table[task]
    """,
    "build_model": """
        inputs = keras.Input(shape=(n_features,))
        hidden = keras.layers.Dense(24, activation="relu")(inputs)
        hidden = keras.layers.Dropout(0.1)(hidden)
        outputs = keras.layers.Dense(n_classes, activation="softmax")(hidden)
        model = keras.Model(inputs=inputs, outputs=outputs)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        return model
    """,
}
BEN = student_file(BEN_BODIES)

BEN_COPY_BODIES = {
    "split_data": '''
        """Stratified split by hand."""
        generator = np.random.default_rng(0)
        tr, te = [], []
        for cls in np.unique(y):
            idx = generator.permutation(np.flatnonzero(y == cls))
            k = int(round(0.3 * len(idx)))  # test share
            te.extend(idx[:k])
            tr.extend(idx[k:])
        tr = generator.permutation(tr)
        te = generator.permutation(te)
        return (X[tr], X[te], y[tr], y[te])
    ''',
    "normalize": """
        m = np.mean(X_train, axis=0)
        s = np.std(X_train, axis=0) + 1e-8
        return ((X_train - m) / s, (X_test - m) / s)
    """,
    "output_activation": """
        lookup = dict(binary='sigmoid', multiclass='softmax', multilabel='sigmoid', regression=None)
        return lookup[task]
    """,
    "build_model": """
        x_in = keras.Input(shape=(n_features,))
        h = keras.layers.Dense(24, activation='relu')(x_in)
        h = keras.layers.Dropout(0.1)(h)
        x_out = keras.layers.Dense(n_classes, activation='softmax')(h)
        m = keras.Model(inputs=x_in, outputs=x_out)
        m.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
        return m
    """,
}
BEN_COPY = student_file(BEN_COPY_BODIES)

# Cleo: the lesson's split, min-max scaling, if/elif, a wider two-layer Sequential list.
CLEO = student_file(imports="from sklearn.model_selection import train_test_split\n", epochs=120, bodies={
    "split_data": """
        return train_test_split(X, y, test_size=0.3, shuffle=True, stratify=y, random_state=42)
    """,
    "normalize": """
        low = X_train.min(axis=0)
        span = X_train.max(axis=0) - low
        span[span == 0] = 1
        scaled_train = (X_train - low) / span
        scaled_test = (X_test - low) / span
        return scaled_train, scaled_test
    """,
    "output_activation": """
        if task in ("binary", "multilabel"):
            return "sigmoid"
        elif task == "multiclass":
            return "softmax"
        else:
            return "linear"
    """,
    "build_model": """
        model = keras.Sequential([
            keras.Input(shape=(n_features,)),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(32, activation="relu"),
            keras.layers.Dense(n_classes, activation="softmax"),
        ])
        model.compile(optimizer=keras.optimizers.RMSprop(), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        return model
    """,
})

# The lesson's solution retyped: other names and comments, the same code.
SOLUTION_BODIES = {
    "split_data": "return train_test_split(X, y, test_size=0.3, shuffle=True, stratify=y, random_state=42)",
    "normalize": """
        m = X_train.mean(axis=0)  # per feature
        s = X_train.std(axis=0)
        s = np.where(s == 0, 1.0, s)
        return (X_train - m) / s, (X_test - m) / s
    """,
    "output_activation": """
        return {'binary': 'sigmoid', 'multiclass': 'softmax', 'multilabel': 'sigmoid', 'regression': 'linear'}[task]
    """,
    "build_model": """
        net = keras.Sequential([keras.Input(shape=(n_features,)), keras.layers.Dense(16, activation='relu'),
                                keras.layers.Dense(n_classes, activation='softmax')])
        net.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
        return net
    """,
}
SOLUTION_RETYPED = student_file(SOLUTION_BODIES, imports="from sklearn.model_selection import train_test_split\n")


def pairs(sources: dict[str, str], **options) -> list[dict]:
    return similar_pairs(sources, **{"stub": STUB, "reference": REFERENCE, **options})


def flagged(sources: dict[str, str], **options) -> set[tuple[str, ...]]:
    return {tuple(pair["students"]) for pair in pairs(sources, **options)}


def test_a_disguised_copy_is_flagged_and_nothing_else_in_the_class():
    class_ = {"ana": ANA, "zed": ANA_COPY, "ben": BEN, "bob": BEN_COPY, "cleo": CLEO,
              "sol1": SOLUTION, "sol2": SOLUTION_RETYPED, "stub1": STUB, "stub2": STUB}
    result = pairs(class_)
    assert {tuple(pair["students"]) for pair in result} == {("ana", "zed"), ("ben", "bob")}
    assert all(pair["similarity"] == 1.0 for pair in result)  # renaming, layout and comments hide nothing


def test_a_copy_with_a_few_real_edits_is_still_flagged_below_one():
    edited = BEN_COPY.replace("Dropout(0.1)", "Dropout(0.2)").replace("+ 1e-8", "+ 1e-6")
    [pair] = pairs({"ben": BEN, "bob": edited})
    assert pair["students"] == ["ben", "bob"] and 0.9 <= pair["similarity"] < 1.0


def test_reproducing_the_lesson_is_not_evidence():
    assert flagged({"sol1": SOLUTION, "sol2": SOLUTION, "sol3": SOLUTION_RETYPED, "ref": REFERENCE}) == set()


def test_the_reference_argument_is_what_keeps_lesson_code_out():
    assert flagged({"sol1": SOLUTION, "sol2": SOLUTION_RETYPED}, reference="") == {("sol1", "sol2")}


def test_untouched_stubs_are_not_flagged_and_the_stub_argument_is_why():
    assert flagged({"a": STUB, "b": STUB}) == set()
    # A stub that hands out most of the code: without it, everything handed out would count as the students' own.
    handed_out = ("split_data", "output_activation", "build_model")
    generous = student_file({name: SOLUTION_BODIES[name] for name in handed_out},
                            imports="from sklearn.model_selection import train_test_split\n")
    assert similar_pairs({"a": generous, "b": generous}, stub=generous) == []
    assert similar_pairs({"a": generous, "b": generous}) == [{"students": ["a", "b"], "similarity": 1.0}]


def test_independent_solutions_are_not_flagged_at_any_usual_threshold():
    assert flagged({"ana": ANA, "ben": BEN, "cleo": CLEO}, threshold=0.5) == set()


def test_one_substantial_copied_function_is_enough_and_a_short_one_is_not():
    # Both hand in the lesson's code except one function, which one copied from the other.
    def lesson_but(function: str, bodies: dict[str, str]) -> str:
        return student_file({**SOLUTION_BODIES, function: bodies[function]},
                            imports="from sklearn.model_selection import train_test_split\n")

    assert flagged({"p": lesson_but("split_data", BEN_BODIES), "q": lesson_but("split_data", BEN_COPY_BODIES)}) \
        == {("p", "q")}  # a hand-written stratified split: clearly their own work
    assert flagged({"p": lesson_but("build_model", BEN_BODIES), "q": lesson_but("build_model", BEN_COPY_BODIES)}) \
        == set()  # a functional model with one more layer than the lesson: within reach of independent students


def test_a_small_shared_tweak_of_the_lesson_is_too_little_evidence():
    tweaked = SOLUTION.replace("Dense(16", "Dense(32").replace("'adam'", "'sgd'").replace('"adam"', '"sgd"')
    assert flagged({"p": tweaked, "q": tweaked}) == set()


def test_code_many_students_wrote_is_not_evidence():
    # The docstring's StandardScaler hint and the Keras guide's functional model, each student with their
    # own layer width and seed: in a class of 40, twenty such files are a common recipe, not a ring.
    def recipe(width: int) -> str:
        return student_file(imports="from sklearn.preprocessing import StandardScaler\n", bodies={
            "normalize": """
                scaler = StandardScaler().fit(X_train)
                return scaler.transform(X_train), scaler.transform(X_test)
            """,
            "build_model": BEN_BODIES["build_model"].replace("24", str(width)),
        })

    class_ = {f"s{i:02}": recipe(20 + i) for i in range(20)} | {f"t{i:02}": SOLUTION for i in range(20)}
    assert flagged(class_) == set()
    assert flagged({name: class_[name] for name in ("s00", "s01", "s02")}) == {("s00", "s01"), ("s00", "s02"),
                                                                               ("s01", "s02")}


def test_syntax_errors_do_not_crash_and_the_parts_that_parse_still_count():
    broken_copy = ANA_COPY + "\n\ndef helper(:\n    return\n"
    garbage = {"nul": "def f(x):\n    return x\x00\n", "parens": "x = " + "(" * 500 + ")" * 500,
               "deep": "x = " + "-" * 100_000 + "1", "long": "x = " + " + ".join(["1"] * 5000),
               "text": "this is not python at all", "empty": "",
               "tabs": "def f():\n\tif x:\n        return 1\n\treturn 2\n"}
    result = flagged({"ana": ANA, "zed": broken_copy, **garbage})
    assert result == {("ana", "zed")}


def test_pairs_are_ordered_sorted_and_each_listed_once():
    class_ = {"zed": ANA_COPY, "ana": ANA, "bob": BEN_COPY, "ben": BEN,
              "bea": BEN_COPY.replace("Dropout(0.1)", "Dropout(0.3)").replace("Dense(24", "Dense(20")}
    result = pairs(class_, threshold=0.5)
    keys = [tuple(pair["students"]) for pair in result]
    assert all(a < b for a, b in keys) and len(set(keys)) == len(keys)
    assert [pair["similarity"] for pair in result] == sorted((pair["similarity"] for pair in result), reverse=True)
    assert {("ben", "bob"), ("bea", "ben"), ("bea", "bob"), ("ana", "zed")} <= set(keys)
    assert result[-1]["similarity"] < 1.0
    # Whose file is whose does not matter: ana and zed swap files (so do ben and bob), and every pair keeps its score.
    swap = {"ana": "zed", "zed": "ana", "ben": "bob", "bob": "ben"}
    swapped = pairs({swap.get(name, name): source for name, source in class_.items()}, threshold=0.5)
    assert {frozenset(pair["students"]): pair["similarity"] for pair in swapped} == \
        {frozenset(swap.get(name, name) for name in pair["students"]): pair["similarity"] for pair in result}


# Properties: consistent renaming never changes a similarity, and similarities are fractions.

def local_names(source: str) -> list[str]:
    """Names bound inside the file's functions: what a copier renames."""
    names = set()
    for function in ast.parse(source).body:
        if isinstance(function, ast.FunctionDef):
            for node in ast.walk(function):
                if isinstance(node, ast.arg):
                    names.add(node.arg)
                elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    names.add(node.id)
    return sorted(names)


def renamed(source: str, mapping: dict[str, str]) -> str:
    class Rename(ast.NodeTransformer):
        def visit_Name(self, node):
            node.id = mapping.get(node.id, node.id)
            return node

        def visit_arg(self, node):
            node.arg = mapping.get(node.arg, node.arg)
            return node

    return ast.unparse(Rename().visit(ast.parse(source)))


IDENTIFIERS = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True).filter(
    lambda name: not keyword.iskeyword(name) and not keyword.issoftkeyword(name))


@settings(max_examples=40, deadline=None)
@given(data=st.data(), source=st.sampled_from([ANA, BEN, ANA_COPY, BEN_COPY]))
def test_renaming_locals_never_changes_a_similarity(data, source):
    names = local_names(source)
    taken = set(re.findall(r"\w+", STUB + REFERENCE + source))
    fresh = data.draw(st.lists(IDENTIFIERS.filter(lambda name: name not in taken),
                               min_size=len(names), max_size=len(names), unique=True))
    class_ = {"ana": ANA, "ben": BEN, "cleo": CLEO, "zed": ANA_COPY, "bob": BEN_COPY}
    before = pairs(class_ | {"new": source}, threshold=0.0)
    after = pairs(class_ | {"new": renamed(source, dict(zip(names, fresh)))}, threshold=0.0)
    assert after == before
    assert any("new" in pair["students"] and pair["similarity"] == 1.0 for pair in after)


REAL_FILES = st.sampled_from([ANA, BEN, STUB, SOLUTION, ANA_COPY, BEN_COPY])
DAMAGED_FILES = st.builds(lambda source, at, text: source[:at] + text + source[at:], REAL_FILES,
                          st.integers(0, 4000), st.sampled_from(["(", ":", "\x00", "'''", "\t", "def ", "\n  x"]))
TRUNCATED_FILES = st.builds(lambda source, at: source[:at], REAL_FILES, st.integers(0, 4000))


@settings(max_examples=80, deadline=None)
@given(st.dictionaries(st.sampled_from(["a", "b", "c", "d"]),
                       st.one_of(st.text(max_size=200), REAL_FILES, DAMAGED_FILES, TRUNCATED_FILES), max_size=4),
       st.floats(0.0, 1.0))
def test_any_text_gives_well_formed_pairs(sources, threshold):
    result = pairs(sources, threshold=threshold)
    for pair in result:
        a, b = pair["students"]
        assert a < b and a in sources and b in sources
        assert threshold - 0.0005 <= pair["similarity"] <= 1.0  # reported to three decimals
    assert [pair["similarity"] for pair in result] == sorted((pair["similarity"] for pair in result), reverse=True)


# Hostile sizes: difflib's work grows with the product of the lengths, and worse on repeated tokens, so no
# comparison may hand it more than MAX_COMPARED tokens of a file, whatever the files.

@pytest.fixture
def compared(monkeypatch) -> list[tuple[int, int]]:
    """The lengths of the two token sequences of every comparison, as the real SequenceMatcher is given them."""
    sizes = []

    class Counting(difflib.SequenceMatcher):
        def __init__(self, isjunk=None, a="", b="", autojunk=True):
            sizes.append((len(a), len(b)))
            super().__init__(isjunk, a, b, autojunk)

    monkeypatch.setattr(difflib, "SequenceMatcher", Counting)
    return sizes


def long_file(functions: int, edit: int | None = None) -> str:
    """The stub and a long file of the student's own helpers (about 40 tokens each); `edit` changes one of them."""
    helpers = "".join(f"\n\ndef helper_{i}(values, scale):\n    total = np.sum(values[{i}:] * scale) + {i}\n"
                      f"    return total / (len(values) + {i + 1 if i != edit else -1})\n" for i in range(functions))
    return STUB + helpers


def test_identical_long_files_are_flagged_comparing_a_bounded_number_of_tokens(compared):
    result = pairs({f"s{i}": long_file(120) for i in range(5)})
    assert len(result) == 10 and all(pair["similarity"] == 1.0 for pair in result)
    assert compared and all(a <= MAX_COMPARED and b <= MAX_COMPARED for a, b in compared)


def test_a_long_copy_with_edits_is_flagged_below_one_comparing_a_bounded_number_of_tokens(compared):
    [pair] = pairs({"p": long_file(120), "q": long_file(120, edit=60) + "\n\nEXTRA = [1, 2, 3]\n"})
    assert pair["students"] == ["p", "q"] and 0.99 <= pair["similarity"] < 1.0
    assert compared and all(a <= MAX_COMPARED and b <= MAX_COMPARED for a, b in compared)


def test_long_runs_of_one_token_cost_a_bounded_comparison(compared):
    rng = random.Random(0)
    zeros = "x = [" + "0, " * 3000 + "]\n"
    binary = "x = [" + ", ".join(rng.choice("01") for _ in range(3000)) + "]\n"
    result = pairs({"z1": zeros, "z2": zeros, "z3": zeros.replace("0, 0, ", "0, 1, ", 1), "b1": binary,
                    "b2": binary.replace("1", "0", 1)})
    assert ["z1", "z2"] in [pair["students"] for pair in result if pair["similarity"] == 1.0]
    assert compared and all(a <= MAX_COMPARED and b <= MAX_COMPARED for a, b in compared)


def test_a_long_shared_start_cannot_make_the_rest_look_alike():
    # Both files hold the same 60 helpers, then 150 functions of their own, of other shapes: difflib on the
    # whole files says 0.445. What is cut counts as not matched, so a cut cannot make them look alike.
    shared = long_file(60)
    p = shared + "".join(f"\n\ndef own_{i}(a):\n    return [a ** {i}, {i % 7} - a]\n" for i in range(150))
    q = shared + "".join(f"\n\nclass Own{i}:\n    size = {i}\n\n    def grow(self, b):\n        while b < self.size:\n"
                         f"            b = b * 2 + {i}\n        return b\n" for i in range(150))
    [pair] = pairs({"p": p, "q": q}, threshold=0.0)
    assert pair["similarity"] < 0.5


# What the check says it did: how many submissions and pairs it compared, and what it could not judge.

def test_compare_counts_what_it_judged_and_says_why_it_left_the_rest_out():
    from grader.bulk.similarity import compare

    tweak = SOLUTION.replace("Dense(16", "Dense(32")  # a few tokens of their own: too little to tell apart
    class_ = {"ana": ANA, "zed": ANA_COPY, "ben": BEN, "cleo": CLEO, "sol": SOLUTION, "stub": STUB, "tweak": tweak,
              "text": "this is not python at all", "empty": "  \n", "half": BEN + "\n\ndef helper(:\n    return\n"}
    result = compare(class_, stub=STUB, reference=REFERENCE)
    assert result["left_out"] == [{"reason": "lesson", "students": ["sol", "stub"]},
                                  {"reason": "short", "students": ["cleo", "tweak"]},  # cleo: close to the lesson
                                  {"reason": "unparsed", "students": ["text"]},
                                  {"reason": "no-code", "students": ["empty"]}]
    assert result["compared"] == 4 and result["pairs"] == 6  # ana, zed, ben, half
    assert result["partly_parsed"] == ["half"]
    assert [pair["students"] for pair in result["similar"]] == [["ana", "zed"], ["ben", "half"]]
    assert result["similar"] == pairs(class_)  # similar_pairs is compare's pairs
    assert result["min_tokens"] == 70 and result["lesson_tokens"] > 70  # iris_net is long enough to judge


def test_code_many_students_share_is_said_to_be_common_not_compared():
    from grader.bulk.similarity import compare

    recipe = student_file(imports="from sklearn.preprocessing import StandardScaler\n", bodies={
        "split_data": BEN_BODIES["split_data"], "build_model": BEN_BODIES["build_model"]})
    result = compare({f"s{i}": recipe for i in range(8)}, stub=STUB, reference=REFERENCE)
    assert result["left_out"] == [{"reason": "common", "students": [f"s{i}" for i in range(8)]}]
    assert (result["compared"], result["pairs"], result["similar"]) == (0, 0, [])


def test_an_exercise_whose_whole_solution_is_short_is_known_to_be_too_short_to_judge():
    from grader.authoring.markers import make_stub
    from grader.bulk.similarity import compare

    reference = (ROOT / "reference" / "concepts.py").read_text()
    result = compare({"a": strip_markers(reference)}, stub=make_stub(reference), reference=strip_markers(reference))
    assert result["lesson_tokens"] < result["min_tokens"]
    assert result["left_out"] == [{"reason": "lesson", "students": ["a"]}] and result["compared"] == 0
