"""Solution markers: reference -> stub (and -> plain solution), and the errors for broken markers."""
import ast
import textwrap

import pytest

from grader.authoring.markers import MarkerError, make_stub, strip_markers


def src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


REFERENCE = src('''
    """Module docstring for students."""
    import numpy as np
    # BEGIN SOLUTION
    from sklearn.model_selection import train_test_split
    # END SOLUTION

    EPOCHS = 10


    def split(X, y):
        """Split the rows."""
        # BEGIN SOLUTION: split X and y into "train" and test sets
        return train_test_split(X, y)
        # END SOLUTION


    def scale(X):
        """Scale."""
        if X is None:
            return None
        for _ in range(1):
            # BEGIN SOLUTION
            X = X / 2
            # END SOLUTION
        return X
''')


def test_function_blocks_become_raises_and_module_blocks_disappear():
    assert make_stub(REFERENCE, "reference/demo.py") == src('''
        """Module docstring for students."""
        import numpy as np

        EPOCHS = 10


        def split(X, y):
            """Split the rows."""
            raise NotImplementedError("split: split X and y into \\"train\\" and test sets")


        def scale(X):
            """Scale."""
            if X is None:
                return None
            for _ in range(1):
                raise NotImplementedError("scale: not implemented yet")
            return X
    ''')


def test_the_stub_raises_with_the_hint_as_message():
    namespace = {}
    exec(compile(make_stub(REFERENCE), "stub.py", "exec"), namespace)
    with pytest.raises(NotImplementedError, match='^split: split X and y into "train" and test sets$'):
        namespace["split"]([1], [2])
    with pytest.raises(NotImplementedError, match="^scale: not implemented yet$"):
        namespace["scale"](4)


def test_nested_functions_name_the_innermost_and_methods_work():
    stub = make_stub(src('''
        def outer():
            def inner():
                # BEGIN SOLUTION: do it
                return 1
                # END SOLUTION
            return inner


        class Model:
            def fit(self):
                # BEGIN SOLUTION
                pass
                # END SOLUTION
    '''))
    assert 'raise NotImplementedError("inner: do it")' in stub
    assert '        raise NotImplementedError("fit: not implemented yet")' in stub


def test_strip_markers_keeps_the_solution_code():
    solution = strip_markers(REFERENCE)
    assert "BEGIN SOLUTION" not in solution and "END SOLUTION" not in solution
    assert "from sklearn.model_selection import train_test_split" in solution
    assert "return train_test_split(X, y)" in solution
    assert ast.parse(solution)
    assert len(solution.splitlines()) == len(REFERENCE.splitlines()) - 6


def test_markers_in_strings_are_not_markers():
    stub = make_stub(src('''
        TEXT = """
        # BEGIN SOLUTION
        """


        def f():
            # BEGIN SOLUTION
            return 1
            # END SOLUTION
    '''))
    assert '# BEGIN SOLUTION\n"""' in stub and 'raise NotImplementedError("f: not implemented yet")' in stub


@pytest.mark.parametrize("source, line, problem", [
    ("def f():\n    # BEGIN SOLUTION\n    return 1\n", 2, "never closed"),
    ("def f():\n    return 1\n    # END SOLUTION\n", 3, "without a # BEGIN SOLUTION"),
    ("def f():\n    # BEGIN SOLUTION\n    x = 1\n    # BEGIN SOLUTION\n    return x\n    # END SOLUTION\n"
     "    # END SOLUTION\n", 4, "nested # BEGIN SOLUTION: the block opened at line 2"),
    ("def f():\n    # BEGIN SOLUTION\n    return 1\n# END SOLUTION\n", 4, "not indented like"),
    ("def f():\n    return 1  # BEGIN SOLUTION\n", 2, "on a line of its own"),
    ("def f():\n    # BEGIN SOLUTION hint without colon\n    return 1\n    # END SOLUTION\n", 2, "malformed"),
    ("def f():\n    # begin solution\n    return 1\n    # END SOLUTION\n", 2, "malformed"),
    ("def f():\n    return 1\n", 1, "no # BEGIN SOLUTION"),
    ("if True:\n    # BEGIN SOLUTION\n    x = 1\n    # END SOLUTION\n", 2, "inside a function"),
    ("def f(:\n    pass\n", 1, "not valid Python"),
    ("def f(x):\n    if x:\n        # BEGIN SOLUTION\n        y = 1\n    else:\n        y = 2\n        # END SOLUTION\n"
     "    return y\n", 5, "indented less than the # BEGIN SOLUTION at line 3"),
    ("def f():\n    # BEGIN SOLUTION\n    x = g(\n    # END SOLUTION\n    1)\n", 4, "cuts the statement of line 3"),
])
def test_broken_markers_are_errors_naming_file_and_line(source, line, problem):
    with pytest.raises(MarkerError) as caught:
        make_stub(source, "reference/broken.py")
    assert caught.value.line == line
    assert str(caught.value).startswith(f"reference/broken.py, line {line}: ")
    assert problem in str(caught.value)
    with pytest.raises(MarkerError):
        strip_markers(source, "reference/broken.py")


def test_a_stub_that_would_not_parse_is_an_error():
    # A block inside a call's brackets: the raise lands in the middle of an expression.
    source = "def f():\n    x = g(\n    # BEGIN SOLUTION\n    1,\n    # END SOLUTION\n    )\n    return x\n"
    with pytest.raises(MarkerError, match="line 3: the generated stub is not valid Python"):
        make_stub(source, "reference/odd.py")


def test_solution_strings_may_hold_less_indented_lines():
    source = 'def f():\n    # BEGIN SOLUTION\n    return """a\nb"""\n    # END SOLUTION\n'
    assert make_stub(source) == 'def f():\n    raise NotImplementedError("f: not implemented yet")\n'

