"""One generated class, bulk-graded once by a real `grader bulk` process, shared by the bulk tests."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.bulk.classroom import build_class

GRADER = [sys.executable, "-m", "grader"]
TIMEOUT = "10"  # seconds per call of student code: the looping submission costs this, not a minute


@dataclass
class Graded:
    root: Path  # the class folder
    out: Path
    tmp: Path  # the grader's TMPDIR during the run
    expected: dict[str, dict]
    run: subprocess.CompletedProcess

    def rows(self, out: Path | None = None) -> list[dict]:
        return gradebook_rows(out or self.out)


def bulk(root: Path, out: Path, *extra: str, env: dict[str, str] = {}) -> subprocess.CompletedProcess:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **env}
    return subprocess.run([*GRADER, "bulk", str(root), "--out", str(out), "--timeout", TIMEOUT, *extra],
                          capture_output=True, text=True, timeout=900, env=env)


def gradebook_rows(out: Path) -> list[dict]:
    with sqlite3.connect(f"file:{out / 'gradebook.sqlite'}?mode=ro", uri=True) as db:
        db.row_factory = sqlite3.Row
        rows = [dict(row) for row in db.execute("SELECT * FROM gradings ORDER BY id")]
        for row in rows:
            row["report"] = json.loads(row["report"]) if row["report"] else None
            row["checks"] = [dict(c) for c in db.execute("SELECT * FROM check_results WHERE grading_id = ?", (row["id"],))]
            row["mistake_ids"] = {m[0] for m in db.execute("SELECT mistake_id FROM mistakes WHERE grading_id = ?",
                                                           (row["id"],))}
    return rows


@pytest.fixture(scope="session")
def graded(tmp_path_factory) -> Graded:
    base = tmp_path_factory.mktemp("bulk")
    expected = build_class(base / "class", base / "out")
    (base / "tmp").mkdir()
    run = bulk(base / "class", base / "out", "-j", "2", env={"TMPDIR": str(base / "tmp")})
    assert run.returncode == 0, run.stderr[-3000:]
    return Graded(base / "class", base / "out", base / "tmp", expected, run)
