"""Example code for the mistake catalog, and one cached way to grade it.

mistakes/<id>.py holds BAD (code that makes that mistake) and GOOD (its closest correct
counterpart) for every catalog id, and may hold FORMS: other ways students write the same
mistake. In BAD and in each form, the line every finding of that id must point at ends with
the marker comment `# <-` (several lines when the id is reported more than once, e.g. an
input and an output hard-coded): the line that does it, or for missing code the line where it
belongs (README, "Where a mistake is"). correct_forms.py holds equivalent ways of writing a
correct solution. Each example defines only the functions it is about: the rest come
from the reference solution (see tests.harness.grade_source).
"""
from __future__ import annotations

import runpy
import textwrap
from functools import lru_cache
from pathlib import Path

from tests.harness import grade_source

MISTAKES = Path(__file__).parent / "mistakes"
MARK = "# <-"  # ends the line of example code a finding must point at


def mistake_example(mistake_id: str) -> dict[str, str]:
    """The BAD and GOOD sources for one catalog id, its FORMS (default none) and EXERCISE (default iris_net)."""
    example = runpy.run_path(str(MISTAKES / f"{mistake_id}.py"))
    example.setdefault("EXERCISE", "iris_net")
    example.setdefault("FORMS", ())
    return example


def marked_lines(source: str) -> list[int]:
    """The lines of example code, numbered as graded (dedented), that end with MARK."""
    return [number for number, line in enumerate(textwrap.dedent(source).splitlines(), start=1)
            if line.rstrip().endswith(MARK)]


@lru_cache(maxsize=None)
def graded(source: str, exercise: str = "iris_net") -> dict:
    """The grader's report for example code, graded once per test session."""
    return grade_source(source, exercise)


def assert_clean(report: dict) -> None:
    """No mistake, no error, and the grader could train the network (else its accuracy points are lost)."""
    assert report["mistakes"] == [], [m["message"] for m in report["mistakes"]]
    assert report["errors"] == [], report["errors"]
    accuracy = next((c for c in report["checks"] if c["id"].endswith("-accuracy")), None)
    if accuracy is not None:
        assert "training" in report["details"].get(accuracy["function"], {}), accuracy["message"]


def assert_marked_lines(source: str, found: list[dict]) -> None:
    """Every finding points at a line of `source` marked with MARK, and every marked line has a finding."""
    lines = textwrap.dedent(source).splitlines()
    marked = marked_lines(source)
    assert marked, "the example marks no line"
    reported = sorted({mistake["line"] for mistake in found})
    assert reported == marked, (f"reported {[lines[n - 1].strip() for n in reported if 0 < n <= len(lines)]}, "
                                f"expected {[lines[n - 1].strip() for n in marked]}")
