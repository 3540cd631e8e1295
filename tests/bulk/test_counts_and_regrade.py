"""A real small class through `grader bulk`: the progress, the final terminal line and the summary page give
the same counts of every outcome; `--student` regrades one student and leaves everyone else's entries as they were."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from subprocess import CompletedProcess

import pytest
from bs4 import BeautifulSoup

from tests.bulk.classroom import OWN, SOLUTION, STUB
from tests.bulk.conftest import bulk, gradebook_rows

pytestmark = pytest.mark.slow

CLASS = {  # student -> iris_net.py, and the outcome a correct grader gives it
    "alice": (SOLUTION, "passed"),
    "bob": (OWN, "passed"),
    "carol": (STUB + "\n# started, not finished\n", "failed"),
    "ivan": (STUB, "failed"),
    "ken": (SOLUTION.replace("def normalize(X_train, X_test):", "def normalize(X_train, X_test)"), "errored"),
    "zed": (SOLUTION + "\n# zed\n", "grader-error"),  # graded before, when the grader failed on it: kept
}
WORDS = {"passed": "passed", "failed": "failed", "could not be graded": "errored", "grader error": "grader-error",
         "grader errors": "grader-error", "malformed submission": "malformed", "malformed submissions": "malformed",
         "kept from earlier runs": "kept"}
NUMBER = re.compile(rf"(\d+) ({'|'.join(sorted(WORDS, key=len, reverse=True))})\b")


@dataclass
class Run:
    root: Path
    out: Path
    first: CompletedProcess
    before: dict[str, bytes | str | int]  # what the first run wrote, before the regrade
    regrade: CompletedProcess


def counts(text: str) -> dict[str, int]:
    found = {WORDS[word]: int(n) for n, word in NUMBER.findall(text)}
    assert len(found) == len(NUMBER.findall(text)), text  # no outcome named twice
    return found


def progress_counts(run: CompletedProcess) -> dict[str, int]:
    last = [line for line in run.stderr.splitlines() if line.startswith("[")][-1]
    return counts(last.rsplit("  (", 1)[1])


def terminal_counts(run: CompletedProcess) -> dict[str, int]:
    line = run.stdout.splitlines()[0]
    return {**counts(line.split("gradings: ", 1)[1]), "gradings": int(re.search(r"(\d+) gradings:", line)[1])}


def summary_counts(out: Path) -> dict[str, int]:
    page = BeautifulSoup((out / "summary.html").read_text(encoding="utf-8"), "html.parser")
    keys = ("passed", "failed", "errored", "grader-error", "malformed", "kept", "gradings")
    return {key: int(page.select_one(f"#overview [data-testid={key}]").get_text()) for key in keys}


def student_rows(out: Path) -> dict[str, str]:
    """Each student's row of the summary's table of students, as markup."""
    page = BeautifulSoup((out / "summary.html").read_text(encoding="utf-8"), "html.parser")
    return {row.th.get_text(): str(row) for row in page.select("table[data-testid=students] tbody tr")}


def csv_lines(out: Path) -> dict[str, bytes]:
    return {line.split(b",", 1)[0].decode(): line for line in (out / "grades.csv").read_bytes().split(b"\r\n") if line}


def seed_grader_error(root: Path, out: Path) -> None:
    """zed's exact submission recorded as a grading the grader failed on, as a worker that died leaves it."""
    from grader import __version__
    from grader.bulk.discover import find_submissions
    from grader.bulk.gradebook import Gradebook, Key
    from grader.exercises import names

    [zed] = find_submissions(root, out / ".work", names(), only=frozenset({"zed"}))
    [file] = zed.files
    with Gradebook(out / "gradebook.sqlite") as book:
        book.record(Key("zed", "iris_net", file.content_hash, __version__), file.shown, "2026-11-30T10:00:00+00:00",
                    error=("grader-error", "the grading worker stopped (exit status -9) on this submission"))


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Run:
    base = tmp_path_factory.mktemp("counts")
    root, out = base / "class", base / "out"
    for student, (source, _) in CLASS.items():
        (root / student).mkdir(parents=True)
        (root / student / "iris_net.py").write_text(source)
    (root / "mallory" / "notes").mkdir(parents=True)
    (root / "mallory" / "notes" / "todo.txt").write_text("I will do it tomorrow")
    seed_grader_error(root, out)
    first = bulk(root, out, "-j", "2")
    assert first.returncode == 0, first.stderr[-3000:]
    before = {"csv": csv_lines(out), "rows": student_rows(out), "gradings": len(gradebook_rows(out))}
    for student in ("alice", "carol", "ivan", "ken"):
        page = out / "reports" / student / "iris_net.html"
        before[student] = (page.read_bytes(), page.stat().st_mtime_ns)
    # Both change their work; only bob is regraded: carol's entries must stay those of her first grading.
    (root / "bob" / "iris_net.py").write_text(STUB)
    (root / "carol" / "iris_net.py").write_text(SOLUTION)
    regrade = bulk(root, out, "--student", "bob", "-j", "1")
    assert regrade.returncode == 0, regrade.stderr[-3000:]
    return Run(root, out, first, before, regrade)


def test_the_progress_the_terminal_and_the_summary_give_the_same_counts(run):
    expected = {"passed": 2, "failed": 2, "errored": 1, "grader-error": 1, "malformed": 1, "kept": 1}
    assert progress_counts(run.first) == expected
    assert terminal_counts(run.first) == {**expected, "gradings": 7}
    assert run.first.stdout.splitlines()[0] == (
        "7 students, 7 gradings: 2 passed, 2 failed, 1 could not be graded, 1 grader error, 1 malformed submission "
        "(6 graded by this run, 1 kept from earlier runs)")
    assert run.before["gradings"] == 7  # the seeded grading was kept, not made again
    # After the regrade: bob failed now, and everything else was kept.
    again = {"passed": 1, "failed": 3, "errored": 1, "grader-error": 1, "malformed": 1, "kept": 6}
    assert progress_counts(run.regrade) == again
    assert terminal_counts(run.regrade) == summary_counts(run.out) == {**again, "gradings": 7}
    assert "(1 graded by this run, 6 kept from earlier runs)" in run.regrade.stdout


def test_each_student_has_the_outcome_a_correct_grader_gives(run):
    from grader.bulk.counts import outcome

    rows = {row["student"]: row for row in gradebook_rows(run.out) if row["student"] != "bob"}
    assert {student: outcome(row) for student, row in rows.items()} == {
        **{student: verdict for student, (_, verdict) in CLASS.items() if student != "bob"}, "mallory": "malformed"}
    assert "it holds 1 file: notes/todo.txt" in rows["mallory"]["error_message"]


def test_a_regrade_of_one_student_leaves_every_other_entry_byte_for_byte(run):
    rows = gradebook_rows(run.out)
    bob = [row for row in rows if row["student"] == "bob"]
    assert len(rows) == run.before["gradings"] + 1 and [row["score"] for row in bob] == [100, 0]  # history stays
    now_csv, now_rows = csv_lines(run.out), student_rows(run.out)
    assert set(now_csv) == set(run.before["csv"]) and set(now_rows) == set(run.before["rows"])
    for student in now_rows:
        if student != "bob":
            assert now_rows[student] == run.before["rows"][student], student
    for student in now_csv:
        if student != "bob":
            assert now_csv[student] == run.before["csv"][student], student
    assert now_csv["bob"] != run.before["csv"]["bob"] and now_rows["bob"] != run.before["rows"]["bob"]
    for student in ("alice", "carol", "ivan", "ken"):  # not even rewritten
        page = run.out / "reports" / student / "iris_net.html"
        assert (page.read_bytes(), page.stat().st_mtime_ns) == run.before[student], student
    assert "100" not in now_csv["carol"].decode()  # her new, correct file was not graded


def test_the_summary_says_what_similarity_compared(run):
    page = BeautifulSoup((run.out / "summary.html").read_text(encoding="utf-8"), "html.parser")
    [said] = page.select("#similar [data-testid=similarity]")
    # The lesson's solution, the stub, and the lesson's solution with a syntax error: nothing of their own.
    assert said.get_text().startswith("Compared no pairs for iris_net: no submission has enough code of its own")
    assert ("5 are the stub or the lesson's solution, with nothing of their own (alice, bob, carol, ivan, ken)"
            in said.get_text())
    assert "1 could not be graded, so there was no code to compare (zed)" in said.get_text()
