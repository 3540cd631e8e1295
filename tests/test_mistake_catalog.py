"""The mistake catalog, ruff-style: every id has a BAD example it catches and a GOOD one it passes."""
import pytest

from grader.checks import CATALOG
from tests.examples import MISTAKES, assert_clean, assert_marked_lines, graded, mistake_example
from tests.harness import mistake_ids

IDS = sorted(CATALOG)


def test_every_id_has_an_example_and_every_example_an_id():
    assert {path.stem for path in MISTAKES.glob("*.py")} == set(IDS)


@pytest.mark.parametrize("mistake_id", IDS)
def test_entry_is_documented(mistake_id):
    entry = CATALOG[mistake_id]
    assert entry.id == mistake_id
    assert entry.severity in ("error", "warning")
    assert entry.title.strip() and entry.why.strip() and entry.fix.strip()


@pytest.mark.parametrize("mistake_id", IDS)
def test_bad_example_is_caught(mistake_id):
    example = mistake_example(mistake_id)
    bad = example["BAD"]
    report = graded(bad, example["EXERCISE"])
    found = [m for m in report["mistakes"] if m["id"] == mistake_id]
    assert found, f"not caught; found {sorted(mistake_ids(report))}, errors {report['errors']}"
    for mistake in found:
        assert "Expected:" in mistake["message"] and mistake["severity"] == CATALOG[mistake_id].severity
    assert_marked_lines(bad, found)

@pytest.mark.parametrize("mistake_id", IDS)
def test_good_example_passes(mistake_id):
    example = mistake_example(mistake_id)
    assert_clean(graded(example["GOOD"], example["EXERCISE"]))
