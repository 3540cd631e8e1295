"""Where bubblewrap cannot run (GRADER_SANDBOX=process stands for Colab or macOS), grader.check() says what the
fallback protects once per kernel session, in the CLI's words, and not again at the next check."""
from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest

from tests.harness import ROOT
from tests.kernel.sessions import run, solution_notebook, without_checks

pytestmark = pytest.mark.slow


def _stderr(cell: nbformat.NotebookNode) -> str:
    return "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stderr")


def test_the_isolation_notice_is_said_once_per_kernel_session(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_SANDBOX", "process")
    notebook = without_checks(solution_notebook(tmp_path))
    notebook.cells += [nbformat.v4.new_code_cell('import grader\ngrader.check("iris_net")'),
                       nbformat.v4.new_code_cell('grader.check("iris_net")')]
    executed = run(notebook, tmp_path)
    cli = subprocess.run([sys.executable, "-m", "grader", "check", "--no-daemon", "--json", "-", "--html",
                          str(tmp_path / "html"), str(tmp_path / "iris_net.py")], cwd=ROOT, capture_output=True,
                         text=True, timeout=900)
    notice = [line for line in cli.stderr.splitlines() if line.startswith("sandbox: ")]
    assert len(notice) == 1 and "Install bubblewrap" in notice[0]
    first, second = executed.cells[-2:]
    assert _stderr(first).strip() == notice[0]
    assert "sandbox: " not in _stderr(second)
    assert [o.output_type for o in second.outputs] == ["execute_result"]  # and the verdict, as the first
