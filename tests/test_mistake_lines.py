"""Every mistake points at the line that does it: in other forms students write, in notebooks, and
never at another line guessed (the function's `def` line, marked not exact, when no line is sure)."""
import textwrap

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grader.checks import CATALOG
from grader.source_lines import SourceIndex, answer_hint, parse
from grader.submission.notebook import annotate, convert
from tests.examples import MARK, assert_marked_lines, graded, mistake_example
from tests.harness import grade_source, mistake_ids

FORMS = [(mistake_id, number) for mistake_id in sorted(CATALOG)
         for number in range(len(mistake_example(mistake_id)["FORMS"]))]


@pytest.mark.parametrize(("mistake_id", "number"), FORMS)
def test_each_form_points_at_its_line(mistake_id, number):
    example = mistake_example(mistake_id)
    form = example["FORMS"][number]
    report = graded(form, example["EXERCISE"])
    found = [m for m in report["mistakes"] if m["id"] == mistake_id]
    assert found, f"not caught; found {sorted(mistake_ids(report))}, errors {report['errors']}"
    assert_marked_lines(form, found)


def _notebook(source: str) -> nbformat.NotebookNode:
    """The example as a student's notebook: a Markdown cell first, each top-level statement in a code cell of
    its own, a Markdown cell between them."""
    source = textwrap.dedent(source)
    lines = source.splitlines()
    cells = [new_markdown_cell("# My iris network\nThe exercise, one function per cell.")]
    body = parse(source).body
    for node, after in zip(body, [*body[1:], None]):
        end = after.lineno - 1 if after is not None else len(lines)
        cells.append(new_code_cell("\n".join(lines[node.lineno - 1:end]).strip("\n")))
        cells.append(new_markdown_cell("Next:"))
    return new_notebook(cells=cells)


@pytest.mark.parametrize("mistake_id", ["scaled-separately", "test-statistics-leak", "wrong-output-activation",
                                        "split-not-reproducible", "hardcoded-shapes", "not-compiled"])
def test_in_a_notebook_each_finding_names_its_cell_and_line(mistake_id):
    example = mistake_example(mistake_id)
    notebook = _notebook(example["BAD"])
    marked = {(number, line_number) for number, cell in enumerate(notebook.cells, start=1) if cell.cell_type == "code"
              for line_number, line in enumerate(cell.source.splitlines(), start=1) if line.rstrip().endswith(MARK)}
    converted = convert(notebook, "iris_net.ipynb")
    report = grade_source(converted.source, example["EXERCISE"])
    annotate(report, converted, "iris_net.ipynb", "iris_net.py")
    found = [m for m in report["mistakes"] if m["id"] == mistake_id]
    assert found and marked
    assert {(m["cell"], m["cell_line"]) for m in found} == marked


def _index(source: str) -> SourceIndex:
    return SourceIndex(textwrap.dedent(source))


def _text(source: str, line: int | None) -> str:
    return textwrap.dedent(source).splitlines()[line - 1].strip() if line else ""


TASKS = '''
def output_activation(task):
    """Return the activation.

    softmax or sigmoid.
    """
    if task.startswith("b"):
        return "softmax"
    return "softmax"
'''


def test_no_sure_line_is_the_def_line_and_says_so():
    """Two returns of 'softmax', one behind a test the grader cannot read: neither is sure for 'binary'."""
    located = _index(TASKS).find("output_activation", answer_hint("binary", "softmax"))
    assert (located.line, located.exact) == (2, False)
    assert _index(TASKS).find("output_activation", answer_hint("multiclass", "sigmoid")).exact is False


def test_a_returned_constant_is_found_whatever_it_holds():
    """The student's answer is quoted in the hint: '|' or ':' in it are no hint separators."""
    source = '''
    def output_activation(task):
        if task == "regression":
            return None
        if task in ("binary", "multilabel"):
            return "sig|moid:x"
        return "softmax"
    '''
    index = _index(source)
    binary = index.locate("output_activation", answer_hint("binary", "sig|moid:x"))
    assert _text(source, binary) == 'return "sig|moid:x"'
    assert _text(source, index.locate("output_activation", answer_hint("regression", None))) == "return None"
    assert _text(source, index.locate("output_activation", answer_hint("multiclass", "softmax"))) == 'return "softmax"'


def test_an_else_branch_is_the_line_for_the_inputs_its_tests_let_through():
    source = '''
    def output_activation(task):
        if task == "multiclass":
            return "softmax"
        elif task == "regression":
            return "linear"
        else:
            return "softmax"
    '''
    located = _index(source).find("output_activation", answer_hint("binary", "softmax"))
    assert located.exact and located.line == 8


LAYERS = '''
def build_model(n_features, n_classes):
    model = keras.Sequential([keras.Input(shape=(n_features,))])
    model.add(keras.layers.Dense(32, activation="relu"))
    for _ in range(3):
        model.add(keras.layers.Dense(16, activation="tanh"))
    model.add(keras.layers.Dense(8, activation="relu"))
    model.add(keras.layers.Dense(n_classes, activation="softmax"))
    return model
'''


@pytest.mark.parametrize(("position", "text"), [
    (0, 'model.add(keras.layers.Dense(32, activation="relu"))'),
    (2, 'model.add(keras.layers.Dense(16, activation="tanh"))'),  # the loop makes layers 1 to 3
    (4, 'model.add(keras.layers.Dense(8, activation="relu"))'),
    (5, 'model.add(keras.layers.Dense(n_classes, activation="softmax"))'),
])
def test_layers_made_in_a_loop_are_counted_from_both_ends(position, text):
    assert _text(LAYERS, _index(LAYERS).locate("build_model", f"dense:{position}/6")) == text


def test_two_loops_leave_the_layers_between_them_unknown():
    source = LAYERS.replace('model.add(keras.layers.Dense(8, activation="relu"))',
                            'for _ in range(2):\n        model.add(keras.layers.Dense(8, activation="relu"))')
    index = _index(source)
    assert not index.find("build_model", "dense:3/7").exact  # the first loop's or the second's: not sure
    assert _text(source, index.locate("build_model", "dense:6/7")).startswith("model.add(keras.layers.Dense(n_classes")


def test_statistics_of_the_test_set_in_a_helper():
    """A helper that mixes the sets itself is the line; a helper that scales whatever it is given is pointed at
    where it is given the test set."""
    source = '''
    def pooled_mean(a, b):
        return np.vstack([a, b]).mean(axis=0)


    def standardize(X, mean):
        return (X - mean) / X.std(axis=0)


    def normalize(X_train, X_test):
        mean = pooled_mean(X_train, X_test)
        return standardize(X_train, mean), standardize(X_test, mean)
    '''
    index = _index(source)
    assert _text(source, index.locate("normalize", "fit:1")) == "return np.vstack([a, b]).mean(axis=0)"
    assert _text(source, index.locate("normalize", "fit:0")) == "return np.vstack([a, b]).mean(axis=0)"
    one_pass = source.replace("mean = pooled_mean(X_train, X_test)", "mean = X_train.mean(axis=0)")
    assert _text(one_pass, _index(one_pass).locate("normalize", "fit:1")) == (
        "return standardize(X_train, mean), standardize(X_test, mean)")


def test_a_seeded_generator_is_not_taken_for_an_unseeded_draw():
    source = '''
    def split_data(X, y):
        random_state = np.random.RandomState(42)
        order = random_state.permutation(len(X))
        X, y = X[order], y[order]
        return train_test_split(X, y, test_size=0.3, shuffle=False)
    '''
    assert _text(source, _index(source).locate("split_data", "unseeded")) == (
        "return train_test_split(X, y, test_size=0.3, shuffle=False)")


def test_a_statistic_only_printed_is_not_the_line():
    source = '''
    def normalize(X_train, X_test):
        print("test means", X_test.mean(axis=0))
        scaler = StandardScaler()
        return scaler.fit_transform(X_train), scaler.fit_transform(X_test)
    '''
    assert _text(source, _index(source).locate("normalize", "fit:1")) == (
        "return scaler.fit_transform(X_train), scaler.fit_transform(X_test)")


HINTS = ["def:build_model", "dense:0", "dense:1/2", "dense:3/2", "dense:x/y", "output", "input", "call:compile",
         "kw:learning_rate", "kw:shuffle=False", "kw:bad=(", "loss", "returns", answer_hint("binary", "softmax"),
         answer_hint("regression", None), "answer:%5B1%5D", "answer:not-json", "fit:0", "fit:1", "fit:9", "fit:x",
         "scaling", "unseeded", "unstratified|draw", "slice", "passthrough", "apart", "exp", "sum-axis",
         "assign:EPOCHS", "unknown:kind", "", None]


def _sources():
    from tests.examples import MISTAKES
    from tests.examples.correct_forms import FORMS as CORRECT
    from tests.harness import REFERENCE

    for path in sorted(MISTAKES.glob("*.py")):
        example = mistake_example(path.stem)
        yield from (example["BAD"], example["GOOD"], *example["FORMS"])
    yield from CORRECT.values()
    yield from (path.read_text() for path in sorted(REFERENCE.glob("*.py")))


def test_every_hint_on_every_example_is_a_line_of_the_function_or_its_file():
    """No hint, however it is written, makes locate fail: it names a line of the file (or None without the function)."""
    for source in _sources():
        source = textwrap.dedent(source)
        index, n_lines = SourceIndex(source), len(source.splitlines())
        functions = {node.name for node in parse(source).body if hasattr(node, "name")}
        for function in (*functions, "no_such_function"):
            for hint in HINTS:
                line = index.locate(function, hint)
                assert (line is None and function not in functions) or (line is not None and 1 <= line <= n_lines), \
                    (function, hint)


def test_an_output_chosen_in_a_branch_is_not_guessed():
    source = '''
    def build_model(n_features, n_classes):
        model = keras.Sequential([keras.Input(shape=(n_features,)), keras.layers.Dense(8, activation="relu")])
        if n_classes == 2:
            model.add(keras.layers.Dense(1, activation="sigmoid"))
        else:
            model.add(keras.layers.Dense(n_classes, activation="softmax"))
        return model
    '''
    index = _index(source)
    assert not index.find("build_model", "output").exact and not index.find("build_model", "dense:1/2").exact
    assert _text(source, index.locate("build_model", "dense:0/2")).startswith("model = keras.Sequential(")
