"""`grader bulk` on a generated class of correct, buggy, broken and hostile submissions."""
from __future__ import annotations

import ast
import csv
import hashlib
import subprocess
import zipfile
from pathlib import PurePosixPath

import pytest
from bs4 import BeautifulSoup

from tests.bulk.conftest import bulk
from tests.harness import ROOT

pytestmark = pytest.mark.slow


def current(graded) -> dict[tuple[str, str | None], dict]:
    return {(row["student"], row["exercise"]): row for row in graded.rows()}


def test_every_submission_has_exactly_one_grading(graded):
    rows = graded.rows()
    keys = [(row["student"], row["exercise"]) for row in rows]
    assert len(keys) == len(set(keys)), "a submission was graded twice"
    wanted = {(student, exercise) for student, verdicts in graded.expected.items() for exercise in verdicts}
    assert set(keys) == wanted
    assert len(graded.expected) >= 20


def test_gradebook_rows_hold_hash_version_and_check_results(graded):
    from grader import __version__

    for row in graded.rows():
        assert row["grader_version"] == __version__
        assert row["graded_at"]
        if row["status"] != "graded":
            assert row["error_kind"] and row["error_message"] and row["score"] is None
            continue
        exercise = row["report"]["exercises"][0]
        archive, _, inside = row["submission"].partition(".zip/")
        if inside:
            with zipfile.ZipFile(graded.root / f"{archive}.zip") as zipped:
                content = zipped.read(inside)
        else:
            content = (graded.root / row["submission"]).read_bytes()
        suffix = PurePosixPath(row["submission"]).suffix
        assert row["content_hash"] == hashlib.sha256(f"{row['exercise']}\0{suffix}\0".encode() + content).hexdigest()
        assert row["score"] == exercise["score"]
        assert {c["check_id"]: c["points"] for c in row["checks"]} == {c["id"]: c["points"] for c in exercise["checks"]}
        assert row["mistake_ids"] == {m["id"] for m in exercise["mistakes"]}


def test_each_student_gets_the_verdict_a_correct_grader_reaches(graded):
    from grader.bulk.classdata import outcome

    rows = current(graded)
    for student, verdicts in graded.expected.items():
        for exercise, verdict in verdicts.items():
            row = rows[student, exercise]
            report = row["report"]["exercises"][0] if row["report"] else None
            where = f"{student}/{exercise}: {verdict}"
            if verdict == "malformed":
                assert row["status"] == "error" and row["error_kind"] == "malformed", where
            elif verdict == "errored":
                assert outcome(row) == "errored", where
            elif verdict == "full":
                assert report["score"] == report["max_score"], (where, report["checks"], report["errors"])
            elif verdict == "zero":
                assert report["score"] == 0 and outcome(row) == "failed", where
            else:
                assert verdict in row["mistake_ids"], (where, row["mistake_ids"])


def test_grades_csv_has_a_row_per_student_and_a_column_per_exercise(graded):
    with (graded.out / "grades.csv").open(newline="") as stream:
        table = list(csv.DictReader(stream))
    assert list(table[0]) == ["student", "iris_net", "pass_fail", "total"]
    assert [row["student"] for row in table] == sorted(graded.expected)
    rows = current(graded)
    for line in table:
        for exercise in ("iris_net", "pass_fail"):
            row = rows.get((line["student"], exercise))
            graded_score = row["score"] if row and row["status"] == "graded" else None
            assert line[exercise] == ("" if graded_score is None else f"{graded_score:g}")
        assert float(line["total"]) == sum(float(line[e] or 0) for e in ("iris_net", "pass_fail"))
    assert {row["student"]: row["total"] for row in table}["carol"] == "200"


def test_summary_page_shows_mistakes_errors_and_similar_pairs(graded):
    page = BeautifulSoup((graded.out / "summary.html").read_text(), "html.parser")
    text = " ".join(page.get_text(" ").split())
    for mistake, student in [("linear-hidden-activation", "frank"), ("test-statistics-leak", "grace"),
                             ("wrong-output-units", "judy")]:
        row = next(tr for tr in page.find(id="mistakes").find_all("tr") if mistake in tr.get_text())
        assert student in row.get_text(), mistake
    errored = page.find(id="problems")
    for student in ("leo", "mallory", "peggy", "trent", "ken", "nia", "oscar", "loops", "hog", "killer", "exits"):
        assert student in errored.get_text(), student
    similar = page.find(id="similar")
    pairs = [tr.get_text(" ") for tr in similar.find_all("tr")]
    assert any("bob" in pair and "erin" in pair for pair in pairs), pairs
    # The students who handed in the lesson's own solution are not accused of copying each other.
    assert not any("alice" in pair and "carol" in pair for pair in pairs), pairs
    assert page.find(id="students") is not None and f"Students {len(graded.expected)}" in text


def test_every_graded_submission_has_its_html_report(graded):
    for row in graded.rows():
        if row["report"]:
            page = graded.out / "reports" / row["student"] / f"{row['exercise']}.html"
            assert page.is_file() and row["student"] in page.read_text()


def test_hostile_submissions_are_contained(graded):
    rows = current(graded)
    output = rows["sybil", "iris_net"]["report"]["exercises"][0]["output"]
    assert "no network" in output and "NETWORK OPEN" not in output
    assert not (graded.out / "reports" / "pwned.txt").exists()
    # The project's own files are invisible: at most the folder a virtual environment inside it is bound at.
    project = next(line for line in output.splitlines() if line.split()[1:2] == [str(ROOT)])
    seen = set() if project.startswith("denied") else set(ast.literal_eval(project.split(" ", 2)[2]))
    assert not {"reference", "grader", "README.md"} & seen, project
    # The killer killed its sandbox's zygote: only that call was lost, the next students were graded.
    assert rows["killer", "iris_net"]["status"] == "graded"
    leftover = subprocess.run(["pgrep", "-f", "grader.bulk.worker"], capture_output=True, text=True).stdout.split()
    assert leftover == [], "grading workers outlived the run"


def test_the_run_leaves_nothing_in_the_temporary_folder(graded):
    # Workers are killed when the batch ends, so nothing they made may rely on their own clean-ups.
    assert sorted(p.name for p in graded.tmp.iterdir()) == []


def test_progress_is_reported_line_by_line_when_not_on_a_terminal(graded):
    lines = [line for line in graded.run.stderr.splitlines() if line.startswith("[")]
    gradings = sum(len(verdicts) for verdicts in graded.expected.values())  # a submission that cannot be opened too
    assert len(lines) == gradings and lines[-1].startswith(f"[{gradings}/{gradings}]")
    assert "passed" in lines[-1] and "could not be graded" in lines[-1] and "done in" in lines[-1]
    assert sum("(the whole submission): malformed submission  (" in line for line in lines) == 4


def test_a_second_run_grades_nothing_again(graded):
    before = graded.rows()
    again = bulk(graded.root, graded.out)
    assert again.returncode == 0, again.stderr
    assert f"(0 graded by this run, {len(before)} kept from earlier runs)" in again.stdout
    assert [row["id"] for row in graded.rows()] == [row["id"] for row in before]
