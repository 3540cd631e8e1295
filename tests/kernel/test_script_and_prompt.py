"""grader.check() outside a notebook: in a script (the script's file, as `grader check FILE` grades it) and at the
plain Python prompt (the lines typed this session, through readline), each in a real Python process."""
from __future__ import annotations

import ast
import json
import os
import subprocess
import sys

import pexpect
import pytest

from tests.harness import REFERENCE
from tests.kernel.sessions import cli_report, verdict

pytestmark = pytest.mark.slow

SAVE = "import json, pathlib\npathlib.Path('report.json').write_text(json.dumps(result.report if result else None))\n"


def _typed_solution() -> str:
    """The reference solution as typed at a prompt: without its docstrings (no blank line inside a block, where
    the prompt would end it), and with the regression output squashed by softmax (mistake wrong-output-activation),
    so the check has something to find."""
    tree = ast.parse(REFERENCE.joinpath("iris_net.py").read_text())
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            node.body = body[1:] or [ast.Pass()]
    typed = ast.unparse(tree).replace("'regression': 'linear'", "'regression': 'softmax'")
    assert "'regression': 'softmax'" in typed
    return typed + "\n"


TYPED = _typed_solution()
OLD_SESSION = "def build_model(n_features, n_classes): return 'from an earlier session'\n"


def test_a_script_checks_its_own_file_as_grader_check_does(tmp_path):
    script = tmp_path / "iris_net.py"
    script.write_text(REFERENCE.joinpath("iris_net.py").read_text().replace('"linear"}[task]', '"softmax"}[task]')
                      + "\n\nimport grader\nresult = grader.check()\n" + SAVE)
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    expected = cli_report(script)
    assert verdict(report) == verdict(expected)
    assert "wrong-output-activation" in verdict(expected)["mistakes"]
    # The script's user sees the verdict: check() printed it, placed by the script's own lines.
    mistake = next(m for m in expected["exercises"][0]["mistakes"] if m["id"] == "wrong-output-activation")
    assert "wrong-output-activation" in done.stdout and f"line {mistake['line']}" in done.stdout
    assert "FAIL" in done.stdout or "PASS" in done.stdout


def test_the_python_prompt_checks_the_lines_typed_this_session(tmp_path):
    (tmp_path / ".python_history").write_text(OLD_SESSION)  # what readline loads at start: not this session's
    environment = {**os.environ, "HOME": str(tmp_path), "TERM": "dumb", "PYTHONSTARTUP": ""}
    prompt = pexpect.spawn(sys.executable, ["-q"], cwd=str(tmp_path), env=environment, encoding="utf-8",
                           timeout=900, dimensions=(50, 500))
    lines = [*_as_typed(TYPED), "", "y = undefined_name", "def typo(:", "import grader",
             'result = grader.check("iris_net")', *SAVE.splitlines(), "exit()"]
    prompt.expect(">>> ")
    for line in lines:
        prompt.sendline(line)
        if line != "exit()":
            prompt.expect([">>> ", r"\.\.\. "])
    prompt.expect(pexpect.EOF)
    report = json.loads((tmp_path / "report.json").read_text())
    assert report is not None
    source = report["exercises"][0]["source"]
    assert "earlier session" not in source and "def typo(:" in source  # commented out, as not run
    typed = tmp_path / "typed" / "iris_net.py"
    typed.parent.mkdir()
    typed.write_text(TYPED)
    assert verdict(report) == verdict(cli_report(typed))
    assert "wrong-output-activation" in verdict(report)["mistakes"]


def _as_typed(source: str) -> list[str]:
    """The lines of source as typed at the prompt: an empty line ends each block before the next statement."""
    lines = []
    for line in source.splitlines():
        if lines and lines[-1][:1] == " " and line[:1] not in (" ", ")", "]"):
            lines.append("")
        lines.append(line)
    return lines
