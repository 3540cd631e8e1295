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


def test_the_current_gradings_are_replaced_only_where_a_run_was_asked_to(tmp_path):
    """A regrade of one student or exercise changes their entries in `current` and no other (history stays)."""
    from grader.bulk.run import Selection

    def record(book, student, exercise, content):
        return book.record(Key(student, exercise, content, "v"), f"{student}/x", "t",
                           error=("malformed", "m") if exercise is None else ("timeout", content))

    with Gradebook(tmp_path / "g.sqlite") as book:
        first = [record(book, "ana", "iris_net", "a1"), record(book, "ana", "pass_fail", "a2"),
                 record(book, "bo", "iris_net", "b1"), record(book, "cy", None, "c1")]
        book.replace_current(first, Selection())

        def current():
            return {(row["student"], row["exercise"]): row["error_message"] for row in book.current()}

        assert current() == {("ana", "iris_net"): "a1", ("ana", "pass_fail"): "a2", ("bo", "iris_net"): "b1",
                             ("cy", None): "m"}
        # --student ana --exercise iris_net: ana's pass_fail and everyone else's entries stay.
        book.replace_current([record(book, "ana", "iris_net", "a3")],
                             Selection(frozenset({"ana"}), frozenset({"iris_net"})))
        assert current() == {("ana", "iris_net"): "a3", ("ana", "pass_fail"): "a2", ("bo", "iris_net"): "b1",
                             ("cy", None): "m"}
        # --exercise iris_net: every student's iris_net; a submission that could not be opened has no exercise.
        book.replace_current([record(book, "bo", "iris_net", "b2")], Selection(exercises=frozenset({"iris_net"})))
        assert current() == {("ana", "pass_fail"): "a2", ("bo", "iris_net"): "b2", ("cy", None): "m"}
        # --student cy: the whole submission, whatever it became (now it has a file).
        book.replace_current([record(book, "cy", "iris_net", "c2")], Selection(frozenset({"cy"})))
        assert current() == {("ana", "pass_fail"): "a2", ("bo", "iris_net"): "b2", ("cy", "iris_net"): "c2"}
        # A whole run replaces everything: a student gone from the class folder leaves the outputs.
        book.replace_current([record(book, "bo", "iris_net", "b3")], Selection())
        assert current() == {("bo", "iris_net"): "b3"}
        assert book.count() == 8  # every grading is kept as history
