"""Real sessions for grader.check(): notebooks run by a real Jupyter kernel (nbclient), and the CLI's own verdict.

Every kernel and process here inherits the test's environment: GRADER_DAEMON=off (tests/conftest.py) unless
a test turns the service on.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from grader.cli import main as grader_main
from tests.harness import ROOT

CHECK_CELL = 'grader.check("iris_net")'
REPORT_CELL = ("import json, pathlib\n"
               "pathlib.Path('report.json').write_text(json.dumps({'report': result.report, 'passed': result.passed, "
               "'score': result.score, 'cells': result.cells, 'message': result.message}))")


def solution_notebook(folder: Path) -> nbformat.NotebookNode:
    """The iris_net solution notebook `grader generate --notebooks --solutions` writes (with its check cells)."""
    assert grader_main(["generate", "iris_net", "--notebooks", "--solutions", "--out", str(folder)]) == 0
    return nbformat.read(folder / "iris_net.ipynb", as_version=4)


def without_checks(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook without its `grader.check(...)` cells (each one would grade the notebook again)."""
    copy = nbformat.from_dict(json.loads(json.dumps(notebook)))
    copy.cells = [cell for cell in copy.cells if "grader.check(" not in cell.source]
    return copy


def ending_with_check(notebook: nbformat.NotebookNode, call: str = CHECK_CELL) -> nbformat.NotebookNode:
    """The notebook without its check cells, then a last cell that checks it and shows the result, and a cell
    that saves the result's report as report.json beside the notebook."""
    copy = without_checks(notebook)
    copy.cells += [nbformat.v4.new_code_cell(f"import grader\nresult = {call}\nresult"),
                   nbformat.v4.new_code_cell(REPORT_CELL)]
    return copy


def run(notebook: nbformat.NotebookNode, folder: Path) -> nbformat.NotebookNode:
    """Execute the notebook in a real ipykernel, in folder, going on after a cell that raises (as a student does)."""
    client = NotebookClient(notebook, timeout=900, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(folder)}})
    return client.execute()


def shown(notebook: nbformat.NotebookNode, index: int = -2) -> dict[str, str]:
    """The rich output (by MIME type) of the cell at index: by default the check cell of ending_with_check."""
    outputs = [o for o in notebook.cells[index].outputs if o.output_type in ("execute_result", "display_data")]
    assert len(outputs) == 1, notebook.cells[index].outputs
    return dict(outputs[0].data)


def saved(folder: Path) -> dict:
    """What REPORT_CELL saved: the report, passed, score, cells and message of the check's result."""
    return json.loads((folder / "report.json").read_text())


def cli_report(path: Path, *options: str) -> dict:
    """The JSON report of `grader check --no-daemon --json - PATH`, from a process of its own."""
    done = subprocess.run([sys.executable, "-m", "grader", "check", "--no-daemon", "--json", "-",
                           "--html", str(path.parent / "cli-html"), *options, str(path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)


def verdict(report: dict) -> dict:
    """What the student is told, place aside: score, pass, each check's pass or fail, the mistakes' ids."""
    exercise = report["exercises"][0]
    return {"score": exercise["score"], "passed": exercise["passed"],
            "checks": [(c["id"], c["passed"]) for c in exercise["checks"]],
            "mistakes": sorted(m["id"] for m in exercise["mistakes"]),
            "errors": sorted((e["function"], e["kind"]) for e in exercise["errors"])}
