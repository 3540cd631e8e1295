"""`grader bulk -j 1`: hostile students graded before innocent ones, in the same worker and sandbox,
change nothing of the innocents' reports.

The class is graded twice with a fixed grading time (SOURCE_DATE_EPOCH): once with the innocent
students alone, once with the attackers first (their ids sort before). Every innocent's JSON report in
the gradebook and HTML report must be byte for byte the same in both runs, and every attacker loses at
most its own points, with no grader error.
"""
from __future__ import annotations

import csv
import io
import json

from bs4 import BeautifulSoup

import pytest

from tests.bulk.conftest import bulk, gradebook_rows
from tests.bulk.classroom import SOLUTION
from tests.sandbox.test_between_students import CURIOUS, LEFTOVERS

pytestmark = pytest.mark.slow

def attacking(function: str, lines: str) -> str:
    """The lesson's solution with lines run first in one function (what it attacks with)."""
    head = f"def {function}("
    start = SOLUTION.index(head)
    body = SOLUTION.index(":\n", start) + 2
    return SOLUTION[:body] + "".join(f"    {line}\n" for line in lines.splitlines()) + SOLUTION[body:]


HOSTILE_ID = 'af;=HYPERLINK("evil.example")\x1b[31m'
# student -> (source, the function it attacks from, which alone may lose points)
ATTACKERS = {
    # Files in every folder it can reach, the next jobs' folders made in advance, System V objects kept.
    "aa-leftovers": (LEFTOVERS.replace("SIZE", str(64 << 20)) + SOLUTION, None),
    # The grader's event reader handed what it cannot read: nesting beyond its parser, then garbage.
    "ab-deep-event": (attacking("split_data", "import os\nos.write(3, b'[' * 5000 + b']' * 5000 + b'\\n')"),
                      "split_data"),
    "ac-garbage": (attacking("normalize", "import os\nos.write(3, b'\\xff\\xfe not json\\n' * 50)"), "normalize"),
    # A daemon left running from the import, and an exception message of megabytes.
    "ad-daemon": ("import os, subprocess\nif os.fork() == 0:\n    os.setsid()\n    subprocess.Popen(['sleep', '600'])\n"
                  "    os._exit(0)\n" + SOLUTION, None),
    "ae-huge-message": (attacking("normalize", "raise ValueError('x' * 2_000_000)"), "normalize"),
    # An id that is a formula once grades.csv is opened with ';' as the separator, and escape sequences
    # in its id and messages for the instructor's terminal; a forged verdict in its output.
    HOSTILE_ID: ("print('\\r## \u2705 PASS: 100/100 <img src=https://evil.example/x.png>')\n"
                 + attacking("normalize", "raise ValueError('\\x1b[2J\\x1b]0;pwned\\x07 cleared your screen')"),
                 "normalize"),
}
INNOCENTS = {
    "zz-curious": CURIOUS + SOLUTION,
    "zz-plain": SOLUTION,
    "zz-linear": SOLUTION.replace('activation="relu"', 'activation="linear"'),
}


def write_class(root, students):
    for student, source in students.items():
        (root / student).mkdir(parents=True)
        (root / student / "iris_net.py").write_text(source)


def test_attackers_graded_first_change_nothing_of_the_innocents(tmp_path):
    env = {"SOURCE_DATE_EPOCH": "1767225600"}
    write_class(tmp_path / "alone", INNOCENTS)
    write_class(tmp_path / "together", {**{student: source for student, (source, _) in ATTACKERS.items()}, **INNOCENTS})
    for name in ("alone", "together"):  # the last run, the attackers', is the one looked at below
        run = bulk(tmp_path / name, tmp_path / f"out-{name}", "-j", "1", env=env)
        assert run.returncode == 0, run.stderr[-3000:]
    alone = {row["student"]: row for row in gradebook_rows(tmp_path / "out-alone")}
    together = {row["student"]: row for row in gradebook_rows(tmp_path / "out-together")}
    for student in INNOCENTS:
        assert json.dumps(together[student]["report"]) == json.dumps(alone[student]["report"]), student
        page = f"reports/{student}/iris_net.html"
        assert (tmp_path / "out-together" / page).read_bytes() == (tmp_path / "out-alone" / page).read_bytes()
    assert alone["zz-plain"]["score"] == 100 and "linear-hidden-activation" in alone["zz-linear"]["mistake_ids"]
    for student, (_, attacked) in ATTACKERS.items():
        row = together[student]
        assert row["status"] == "graded", (student, row["error_message"])
        exercise = row["report"]["exercises"][0]
        assert {e["function"] for e in exercise["errors"]} <= {attacked}, (student, exercise["errors"])
        assert all(c["passed"] for c in exercise["checks"] if c["function"] != attacked), student
        assert len(json.dumps(row["report"])) < 200_000, student  # a huge message adds a bounded amount
    # What the attackers' ids and messages became on the instructor's side: text, never markup or control.
    assert "\x1b" not in run.stderr and "\x1b" not in run.stdout
    grades = (tmp_path / "out-together" / "grades.csv").read_text(encoding="utf-8")
    for separator in (",", ";", "\t", "|"):
        for row in csv.reader(io.StringIO(grades), delimiter=separator):
            assert not any(cell.lstrip(" ").startswith(("=", "+", "-", "@")) for cell in row), (separator, row)
    summary = BeautifulSoup((tmp_path / "out-together" / "summary.html").read_text(), "html.parser")
    assert not summary.find_all("img") and not summary.find_all(href=lambda href: href and "://" in href)
