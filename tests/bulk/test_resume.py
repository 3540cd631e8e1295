"""A bulk run killed with SIGKILL in the middle resumes where it stopped: nothing lost, nothing twice."""
from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import time

import pytest

from tests.bulk.conftest import GRADER, TIMEOUT, bulk, gradebook_rows

pytestmark = pytest.mark.slow

STUDENTS = ["alice", "bob", "carol.zip", "erin", "frank", "grace", "heidi", "judy.zip", "ken", "killer", "leo.zip"]


def graded_rows(out) -> int:
    try:
        with sqlite3.connect(f"file:{out / 'gradebook.sqlite'}?mode=ro", uri=True) as db:
            return db.execute("SELECT count(*) FROM gradings WHERE status = 'graded'").fetchone()[0]
    except sqlite3.Error:
        return 0  # not created yet


def workers_alive() -> list[str]:
    return subprocess.run(["pgrep", "-f", "grader.bulk.worker"], capture_output=True, text=True).stdout.split()


def test_a_killed_run_resumes_without_loss_or_duplicates(graded, tmp_path):
    root, out = tmp_path / "class", tmp_path / "out"
    root.mkdir()
    for name in STUDENTS:
        (shutil.copytree if (graded.root / name).is_dir() else shutil.copy)(graded.root / name, root / name)
    process = subprocess.Popen([*GRADER, "bulk", str(root), "--out", str(out), "-j", "2", "--timeout", TIMEOUT],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 600
    while graded_rows(out) < 3 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.poll() is None, "the run finished before it could be interrupted"
    os.kill(process.pid, signal.SIGKILL)  # the grader only: its workers must notice on their own
    process.wait()
    interrupted = gradebook_rows(out)
    assert 3 <= sum(row["status"] == "graded" for row in interrupted) < 12
    time.sleep(1)
    assert workers_alive() == [], "workers outlived the killed grader"

    resumed = bulk(root, out, "-j", "2")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    rows = gradebook_rows(out)
    keys = [(row["student"], row["exercise"]) for row in rows]
    assert len(keys) == len(set(keys)), "a submission was recorded twice"
    assert [row["id"] for row in rows[: len(interrupted)]] == [row["id"] for row in interrupted], "finished work was lost"
    # Resumed or not, every grade is the one an uninterrupted run gives.
    full = {(row["student"], row["exercise"]): row for row in graded.rows()}
    for row in rows:
        reference = full[row["student"], row["exercise"]]
        assert (row["status"], row["score"], row["mistake_ids"]) == (
            reference["status"], reference["score"], reference["mistake_ids"]), row["student"]
    assert len(rows) == 12  # 10 students' files (carol has two) + leo's broken archive
    assert "grades.csv" in os.listdir(out) and "summary.html" in os.listdir(out)


def test_regrade_grades_everything_again(graded, tmp_path):
    root, out = tmp_path / "class", tmp_path / "out"
    root.mkdir()
    shutil.copytree(graded.root / "alice", root / "alice")
    shutil.copy(graded.root / "leo.zip", root / "leo.zip")
    assert bulk(root, out, "-j", "1").returncode == 0
    first = gradebook_rows(out)
    again = bulk(root, out, "-j", "1", "--regrade")
    assert again.returncode == 0, again.stderr[-2000:]
    rows = gradebook_rows(out)
    assert len(rows) == 2 * len(first)  # a new row per grading; the history stays
    assert [(r["student"], r["score"]) for r in rows[len(first):]] == [(r["student"], r["score"]) for r in first]


def test_ctrl_c_stops_cleanly_and_says_how_to_resume(graded, tmp_path):
    root, out = tmp_path / "class", tmp_path / "out"
    root.mkdir()
    for name in ["alice", "frank", "grace", "heidi", "judy.zip"]:
        (shutil.copytree if (graded.root / name).is_dir() else shutil.copy)(graded.root / name, root / name)
    process = subprocess.Popen([*GRADER, "bulk", str(root), "--out", str(out), "-j", "2", "--timeout", TIMEOUT],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 600
    while graded_rows(out) < 1 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)  # what a terminal sends the whole foreground group
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr[-2000:]
    assert "run the same command again to resume" in stderr and "Traceback" not in stderr
    time.sleep(1)
    assert workers_alive() == []
    stopped = gradebook_rows(out)
    resumed = bulk(root, out, "-j", "2")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    rows = gradebook_rows(out)
    assert len(rows) == 5 and [r["id"] for r in rows[: len(stopped)]] == [r["id"] for r in stopped]
    assert all(r["status"] == "graded" for r in rows), "Ctrl-C was recorded against a student"
