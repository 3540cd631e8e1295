"""grader.check() in a real Jupyter kernel through the user's grading service (GRADER_DAEMON=on): the first check
starts it, the re-check after a change is answered by the same service, and both verdicts are the CLI's."""
from __future__ import annotations

import nbformat
import pytest

from grader.service import client, place

from tests.kernel.sessions import cli_report, run, saved, solution_notebook, verdict, without_checks

pytestmark = pytest.mark.slow

SAVE = ("import json, pathlib\nfrom grader.service import client\n"
        "pathlib.Path('report.json').write_text(json.dumps({'first': first.report, 'second': second.report, "
        "'status': client.status()}))")


def test_a_re_check_in_the_kernel_is_answered_by_the_same_service(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_DAEMON", "on")
    monkeypatch.setenv("GRADER_DAEMON_IDLE", "120")
    notebook = without_checks(solution_notebook(tmp_path))
    notebook.cells += [nbformat.v4.new_code_cell(source) for source in (
        'import grader\nfirst = grader.check("iris_net")\nfirst',
        "def output_activation(task):\n    return 'softmax'",  # changed: wrong for every task but multiclass
        'second = grader.check("iris_net")\nsecond',
        SAVE)]
    try:
        run(notebook, tmp_path)
    finally:  # a service left for its quiet period could end in the middle of a later test
        client.stop_all(place.folder())
    result = saved(tmp_path)
    assert verdict(result["first"]) == verdict(cli_report(tmp_path / "iris_net.py"))
    changed = tmp_path / "changed" / "iris_net.py"
    changed.parent.mkdir()
    changed.write_text((tmp_path / "iris_net.py").read_text() + "\n\ndef output_activation(task):\n"
                       "    return 'softmax'\n")
    assert verdict(result["second"]) == verdict(cli_report(changed))
    assert "wrong-output-activation" in verdict(result["second"])["mistakes"]
    assert result["status"] is not None and result["status"]["jobs_served"] >= 2  # one service answered both
