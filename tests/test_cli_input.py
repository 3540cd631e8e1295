"""What the command line says about input it cannot grade: a file that is not Python, a name it does not
know; and what it says about itself: --version, and every command's --help."""
from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import io
import subprocess
import sys

import pytest

import grader
from grader.cli import _parser, main
from tests.test_cli import grader as run_grader

ESSAY = "My network for the iris flowers\n\nI used two hidden layers, and it worked well.\n"


def one_line_error(out: subprocess.CompletedProcess) -> str:
    assert out.returncode == 2, out.stdout + out.stderr
    assert out.stdout == "" and len(out.stderr.splitlines()) == 1, out.stderr
    assert out.stderr.startswith("grader: error: ")
    return out.stderr.strip()


@pytest.mark.parametrize("content, reason", [
    (b"\x7fELF\x02\x01\x01\x00\x00\x00" + bytes(range(256)), "it holds binary data (NUL bytes)"),
    ("x = 'café'\n".encode("latin-1"), "it is not UTF-8 text (byte 0xe9 at offset 8)"),
])
def test_a_binary_file_is_one_line_usage_error(tmp_path, content, reason):
    (tmp_path / "iris_net.py").write_bytes(content)
    message = one_line_error(run_grader("check", "iris_net.py", cwd=tmp_path))
    assert message == (f"grader: error: iris_net.py is not a Python file: {reason}; expected the Python code of "
                       "iris_net. Fix: save your code as plain text (UTF-8) in iris_net.py, or hand in your notebook "
                       "iris_net.ipynb")
    assert not (tmp_path / "reports").exists()


@pytest.mark.parametrize("args, file, functions", [
    (["check", "iris_net.py"], "iris_net.py",
     "functions of iris_net (split_data, normalize, output_activation, build_model)"),
    (["check", "notes.txt", "--exercise", "neuron"], "notes.txt",
     "functions of neuron (sigmoid, relu, tanh, softmax, neuron, dense_forward)"),
    (["check", ".", "--expect", "concepts"], "exercises/concepts.py",
     "answers of concepts (Q1, Q2, Q3, Q4, Q5, Q6, Q7, Q8, EXPLAIN)"),
])
def test_text_that_is_not_python_is_one_line_usage_error(tmp_path, args, file, functions):
    (tmp_path / file).parent.mkdir(exist_ok=True)
    (tmp_path / file).write_text(ESSAY, encoding="utf-8")
    message = one_line_error(run_grader(*args, cwd=tmp_path))
    name = functions.split(" of ")[1].split(" ")[0]
    assert message == (f"grader: error: {file} is not Python: it does not parse (line 1: invalid syntax) and defines "
                       f"none of the {functions}; expected the Python code of {name}. Fix: start from the exercise's "
                       f"stub {name}.py and fill it in")


def test_a_binary_file_is_refused_before_tensorflow_or_any_grading_module_is_imported(tmp_path):
    (tmp_path / "iris_net.py").write_bytes(b"\x00" * 64)
    heavy = ("tensorflow", "keras", "grader.grading", "grader.parts", "grader.sandbox.server")
    script = ("import sys\nfrom grader.cli import main\ncode = main(['check', 'iris_net.py'])\n"
              f"print(code, [m for m in {heavy!r} if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert out.stdout.split("\n")[0] == "2 []", out.stdout + out.stderr


@pytest.mark.slow
def test_a_students_syntax_error_is_still_graded_with_its_line(tmp_path):
    source = ("def split_data(X, y):\n    return X, X, y, y\n\n\ndef normalize(X_train, X_test)\n"
              "    return X_train, X_test\n")
    (tmp_path / "iris_net.py").write_text(source, encoding="utf-8")
    out = run_grader("check", "iris_net.py", cwd=tmp_path)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "syntax-error" in out.stdout and "line 5" in out.stdout, out.stdout


@pytest.mark.parametrize("args, suggestion", [
    (["explain", "linear-hiden-activation"], "unknown mistake id 'linear-hiden-activation' (did you mean "
                                             "linear-hidden-activation?)"),
    (["check", "x.py", "--exercise", "iris_nt"], "unknown exercise 'iris_nt' (did you mean iris_net?)"),
    (["check", ".", "--expect", "iris_net,pasfail"], "unknown exercise 'pasfail' (did you mean pass_fail?)"),
    (["calibrate", "Digits"], "unknown exercise 'Digits' (did you mean digits?)"),
    (["gradescope-bundle", "fruits"], "unknown exercise 'fruits' (did you mean fruit?)"),
    (["check", "Iris-Net.py"], "cannot tell which exercise Iris-Net.py is: 'Iris-Net' is no exercise's name "
                               "(did you mean iris_net?); rename it iris_net.py or pass --exercise iris_net"),
])
def test_an_unknown_name_suggests_the_nearest_known_one(tmp_path, args, suggestion):
    for name in ("x.py", "Iris-Net.py"):
        (tmp_path / name).write_text("", encoding="utf-8")
    message = one_line_error(run_grader(*args, cwd=tmp_path))
    assert message.startswith(f"grader: error: {suggestion}"), message
    assert not (tmp_path / "reports").exists() and not list(tmp_path.glob("*.zip"))


def test_a_folder_whose_file_is_nearly_named_as_an_exercise_suggests_the_name(tmp_path):
    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / "Iris-net.ipynb").write_text("{}", encoding="utf-8")
    (tmp_path / "notes.md").write_text(ESSAY, encoding="utf-8")
    message = one_line_error(run_grader("check", ".", cwd=tmp_path))
    assert message.startswith("grader: error: . holds no exercise file (concepts.py or concepts.ipynb, ")
    assert message.endswith("; it holds exercises/Iris-net.ipynb (did you mean iris_net.ipynb?): rename it "
                            "iris_net.ipynb")


def test_a_name_close_to_nothing_suggests_nothing(tmp_path):
    message = one_line_error(run_grader("explain", "qqqqqqqq", cwd=tmp_path))
    assert "did you mean" not in message and "grader list --mistakes" in message


def test_version_is_the_installed_packages():
    out = run_grader("--version")
    assert out.returncode == 0
    assert out.stdout == f"grader {importlib.metadata.version('nn-grader')}\n" == f"grader {grader.__version__}\n"


def commands() -> dict[str, argparse.ArgumentParser]:
    [subparsers] = [action for action in _parser()._actions if isinstance(action, argparse._SubParsersAction)]
    return dict(subparsers.choices)


def help_text(*args: str) -> str:
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout), pytest.raises(SystemExit) as exit_:
        main([*args, "--help"])
    assert exit_.value.code == 0
    return stdout.getvalue()


def test_every_command_is_walked():
    assert set(commands()) == {"check", "list", "explain", "calibrate", "demo", "generate", "bulk",
                               "gradescope-bundle", "service"}


@pytest.mark.parametrize("command", sorted(commands()))
def test_every_commands_help_documents_each_argument_its_default_and_the_exit_codes(command):
    parser = commands()[command]
    text = help_text(command)
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        name = action.option_strings[-1] if action.option_strings else action.metavar or action.dest
        assert action.help and action.help is not argparse.SUPPRESS, f"{command} {name}: no help text"
        assert name in text
        has_default = action.default not in (None, False, [], argparse.SUPPRESS) or action.nargs == "*"
        assert not has_default or "default" in action.help, f"{command} {name}: its default is not documented"
    assert "exit status:" in text, f"{command}: the epilog does not name the exit codes (exit status:)"
    codes = text.split("exit status:")[1]
    assert "  0  " in codes, f"{command}: exit code 0 is not explained"
    assert command == "list" or "  2  " in codes or "  1  " in codes, f"{command}: no failure exit code explained"


def test_the_top_level_help_names_version_and_exit_codes():
    text = help_text()
    assert "--version" in text and "exit status:" in text and "  2  usage error" in text
