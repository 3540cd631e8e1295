"""The SQLite gradebook: one row per grading, written whole or not at all."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from grader.bulk.gradebook import Gradebook, GradebookError, Key
from grader.report import submission_report
from tests.harness import grade_source


@pytest.fixture(scope="module")
def report() -> dict:
    return submission_report("ana/iris_net.py", [grade_source("")], {"level": "bubblewrap", "protections": []})


def test_a_grading_is_stored_with_its_checks_and_mistakes(tmp_path, report):
    key = Key("ana", "iris_net", "abc", "0.1.0")
    with Gradebook(tmp_path / "gradebook.sqlite") as book:
        assert book.latest(key) is None
        grading = book.record(key, "ana/iris_net.py", report["graded_at"], report=report)
        row = book.latest(key)
    assert row["id"] == grading and row["status"] == "graded" and row["report"] == report
    assert row["score"] == report["exercises"][0]["score"]
    with sqlite3.connect(tmp_path / "gradebook.sqlite") as db:
        checks = db.execute("SELECT check_id, points FROM check_results WHERE grading_id = ?", (grading,)).fetchall()
    assert dict(checks) == {c["id"]: c["points"] for c in report["exercises"][0]["checks"]}


def test_errors_and_grader_faults_are_rows_without_a_score(tmp_path, report):
    faulty = {**report, "exercises": [{**report["exercises"][0], "grader_error": {"message": "KeyError: 'x'"}}]}
    with Gradebook(tmp_path / "g.sqlite") as book:
        book.record(Key("bo", None, "h1", "v"), "bo.zip", "t", error=("malformed", "bo.zip is not a zip"))
        book.record(Key("cy", "iris_net", "h2", "v"), "cy/iris_net.py", "t", report=faulty)
        broken, fault = book.latest(Key("bo", None, "h1", "v")), book.latest(Key("cy", "iris_net", "h2", "v"))
    assert (broken["status"], broken["error_kind"], broken["score"]) == ("error", "malformed", None)
    assert (fault["status"], fault["error_kind"], fault["error_message"]) == ("error", "grader-error", "KeyError: 'x'")


def test_another_version_or_content_is_another_key(tmp_path, report):
    with Gradebook(tmp_path / "g.sqlite") as book:
        book.record(Key("ana", "iris_net", "h", "0.1.0"), "s", "t", report=report)
        assert book.latest(Key("ana", "iris_net", "h", "0.2.0")) is None
        assert book.latest(Key("ana", "iris_net", "other", "0.1.0")) is None


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path):
    (tmp_path / "g.sqlite").write_text("hello, I am a CSV file\n" * 100)
    with pytest.raises(GradebookError, match="not a usable gradebook"):
        Gradebook(tmp_path / "g.sqlite")


WRITER = """
import json, sys
from grader.bulk.gradebook import Gradebook, Key
report = json.loads(sys.stdin.read())
with Gradebook(__import__("pathlib").Path(sys.argv[1])) as book:
    for i in range(100000):
        book.record(Key(f"s{i}", "iris_net", "h", "v"), "s", "t", report=report)
        print(i, flush=True)
"""


def test_killing_the_writer_leaves_only_whole_gradings(tmp_path, report):
    import json

    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path / "g.sqlite")], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    writer.stdin.write(json.dumps(report))
    writer.stdin.close()
    for _ in range(30):
        writer.stdout.readline()
    time.sleep(0.05)
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    checks = len(report["exercises"][0]["checks"])
    with sqlite3.connect(tmp_path / "g.sqlite") as db:
        rows = db.execute("SELECT count(*) FROM gradings").fetchone()[0]
        per_grading = db.execute("SELECT count(*) FROM check_results GROUP BY grading_id").fetchall()
    assert rows >= 30
    assert len(per_grading) == rows and {n for (n,) in per_grading} == {checks}
