"""The class gradebook: a SQLite file with one row per (student, exercise, grading).

Each grading is written in one transaction (its row, its check results and its mistakes),
so a run killed at any moment leaves whole gradings only; a rerun skips those already
recorded for the same content and grader version and grades the rest.

Table `current` names the grading each (student, exercise) shows in the class outputs: a run
replaces the entries it was asked about (all of them, or those of `--student`/`--exercise`) once
it has graded them, and the outputs are rendered from it, so a regrade of one student leaves
every other student's entries exactly as they were.
"""
from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.report import dumps

SCHEMA = """
CREATE TABLE IF NOT EXISTS gradings (
    id             INTEGER PRIMARY KEY,
    student        TEXT NOT NULL,
    exercise       TEXT,             -- NULL: the submission could not be opened at all
    submission     TEXT NOT NULL,    -- <student>/<path in the submission>, or the archive's name
    content_hash   TEXT NOT NULL,    -- sha256 of what was graded
    grader_version TEXT NOT NULL,
    graded_at      TEXT NOT NULL,
    status         TEXT NOT NULL,    -- 'graded' or 'error' (nothing could be graded)
    score          REAL,
    max_score      REAL,
    passed         INTEGER,
    error_kind     TEXT,
    error_message  TEXT,
    report         TEXT              -- the full JSON report ('graded' only)
);
CREATE INDEX IF NOT EXISTS gradings_key ON gradings (student, exercise, content_hash, grader_version);
CREATE TABLE IF NOT EXISTS check_results (
    grading_id INTEGER NOT NULL REFERENCES gradings (id),
    check_id   TEXT NOT NULL,
    passed     INTEGER NOT NULL,
    points     REAL NOT NULL,
    max_points REAL NOT NULL,
    message    TEXT NOT NULL,
    PRIMARY KEY (grading_id, check_id)
);
CREATE TABLE IF NOT EXISTS mistakes (
    grading_id INTEGER NOT NULL REFERENCES gradings (id),
    mistake_id TEXT NOT NULL,
    severity   TEXT NOT NULL,
    function   TEXT,
    line       INTEGER
);
CREATE TABLE IF NOT EXISTS current (
    student    TEXT NOT NULL,
    exercise   TEXT NOT NULL,         -- '' for a submission that could not be opened
    grading_id INTEGER NOT NULL REFERENCES gradings (id),
    PRIMARY KEY (student, exercise)
);
"""


@dataclass(frozen=True)
class Key:
    """What makes two gradings interchangeable: same student, exercise, content and grader version."""

    student: str
    exercise: str | None
    content_hash: str
    grader_version: str


class Gradebook:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(path, isolation_level=None)  # transactions are explicit
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode = WAL")  # readers (reports) never block the writer
            self._db.execute("PRAGMA synchronous = FULL")  # a committed grading survives a crash
            self._db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise GradebookError(f"{path} is not a usable gradebook ({exc})") from None
        self.path = path

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def latest(self, key: Key) -> dict[str, Any] | None:
        """The most recent grading with this key, or None."""
        row = self._db.execute(
            "SELECT * FROM gradings WHERE student = ? AND exercise IS ? AND content_hash = ? AND grader_version = ?"
            " ORDER BY id DESC LIMIT 1", (key.student, key.exercise, key.content_hash, key.grader_version),
        ).fetchone()
        return None if row is None else _parsed(row)

    def record(self, key: Key, submission: str, graded_at: str, report: dict[str, Any] | None = None,
               error: tuple[str, str] | None = None) -> int:
        """Store one grading: a report of one exercise, or an error (kind, message) instead."""
        exercise = report["exercises"][0] if report else None
        graded = exercise is not None and "grader_error" not in exercise
        if exercise is not None and not graded:
            error = ("grader-error", exercise["grader_error"]["message"])
        with self._transaction():
            cursor = self._db.execute(
                "INSERT INTO gradings (student, exercise, submission, content_hash, grader_version, graded_at, status,"
                " score, max_score, passed, error_kind, error_message, report) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (key.student, key.exercise, submission, key.content_hash, key.grader_version, graded_at,
                 "graded" if graded else "error",
                 exercise["score"] if graded else None, exercise["max_score"] if exercise else None,
                 int(exercise["passed"]) if graded else None,
                 error[0] if error else None, error[1] if error else None,
                 dumps(report) if report else None),
            )
            grading = cursor.lastrowid
            if graded:
                self._db.executemany(
                    "INSERT INTO check_results VALUES (?,?,?,?,?,?)",
                    [(grading, c["id"], int(c["passed"]), c["points"], c["max_points"], c["message"])
                     for c in exercise["checks"]])
                self._db.executemany(
                    "INSERT INTO mistakes VALUES (?,?,?,?,?)",
                    [(grading, m["id"], m["severity"], m.get("function"), m.get("line")) for m in exercise["mistakes"]])
        return grading

    def current(self) -> list[dict[str, Any]]:
        """The gradings the class outputs show, one per (student, exercise), reports parsed."""
        rows = self._db.execute("SELECT gradings.* FROM current JOIN gradings ON gradings.id = current.grading_id"
                                " ORDER BY current.student, current.exercise").fetchall()
        return [_parsed(row) for row in rows]

    def replace_current(self, gradings: list[int], replaced: Callable[[str, str | None], bool]) -> None:
        """Make these gradings current, in place of every current entry for which replaced(student, exercise)."""
        with self._transaction():
            for student, exercise in self._db.execute("SELECT student, exercise FROM current").fetchall():
                if replaced(student, exercise or None):
                    self._db.execute("DELETE FROM current WHERE student = ? AND exercise = ?", (student, exercise))
            self._db.executemany(
                "INSERT OR REPLACE INTO current SELECT student, coalesce(exercise, ''), id FROM gradings WHERE id = ?",
                [(grading,) for grading in gradings])

    def count(self) -> int:
        return self._db.execute("SELECT count(*) FROM gradings").fetchone()[0]

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")


class GradebookError(RuntimeError):
    pass


def _parsed(row: sqlite3.Row) -> dict[str, Any]:
    result = dict(row)
    result["report"] = json.loads(result["report"]) if result["report"] else None
    return result
