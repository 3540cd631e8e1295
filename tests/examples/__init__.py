"""Example code for the mistake catalog, and one cached way to grade it.

mistakes/<id>.py holds BAD (code that makes that mistake) and GOOD (its closest correct
counterpart) for every catalog id; correct_forms.py holds equivalent ways of writing a
correct solution. Each example defines only the functions it is about: the rest come
from the reference solution (see tests.harness.grade_source).
"""
from __future__ import annotations

import runpy
from functools import lru_cache
from pathlib import Path

from tests.harness import grade_source

MISTAKES = Path(__file__).parent / "mistakes"


def mistake_example(mistake_id: str) -> dict[str, str]:
    """The BAD and GOOD sources for one catalog id, and its EXERCISE (default iris_net)."""
    example = runpy.run_path(str(MISTAKES / f"{mistake_id}.py"))
    example.setdefault("EXERCISE", "iris_net")
    return example


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
