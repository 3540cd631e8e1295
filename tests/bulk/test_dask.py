"""The Dask executor grades exactly as the local pool does (a LocalCluster stands in for a real cluster)."""
from __future__ import annotations

import shutil

import pytest

from tests.bulk.conftest import bulk, gradebook_rows

pytestmark = pytest.mark.slow

distributed = pytest.importorskip("distributed")

STUDENTS = ["alice", "dave", "frank", "ken", "killer", "carol.zip", "leo.zip"]


def test_dask_executor_gives_the_same_grades_as_the_local_pool(graded, tmp_path):
    root, out = tmp_path / "class", tmp_path / "out"
    root.mkdir()
    for name in STUDENTS:
        (shutil.copytree if (graded.root / name).is_dir() else shutil.copy)(graded.root / name, root / name)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        run = bulk(root, out, "--executor", "dask", "--scheduler", cluster.scheduler_address)
    assert run.returncode == 0, run.stderr[-3000:]

    local = {(row["student"], row["exercise"]): row for row in graded.rows()}
    rows = gradebook_rows(out)
    assert len(rows) == 8
    for row in rows:
        expected = local[row["student"], row["exercise"]]
        assert (row["status"], row["error_kind"], row["content_hash"], row["score"], row["mistake_ids"]) == (
            expected["status"], expected["error_kind"], expected["content_hash"], expected["score"],
            expected["mistake_ids"]), row["student"]
        assert {c["check_id"]: c["points"] for c in row["checks"]} == {c["check_id"]: c["points"] for c in expected["checks"]}
        if row["report"]:  # the Dask workers sandbox the student code exactly as the local workers do
            assert row["report"]["isolation"] == expected["report"]["isolation"]
    assert sum(row["report"]["isolation"]["level"] == "bubblewrap" for row in rows if row["report"]) >= 5


def test_unreachable_scheduler_is_a_one_line_error(tmp_path):
    (tmp_path / "class" / "alice").mkdir(parents=True)
    (tmp_path / "class" / "alice" / "iris_net.py").write_text("")
    run = bulk(tmp_path / "class", tmp_path / "out", "--executor", "dask", "--scheduler", "tcp://127.0.0.1:9",
               env={"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "3s"})
    assert run.returncode == 2
    assert run.stderr.strip().startswith("grader: error:") and "Traceback" not in run.stderr
