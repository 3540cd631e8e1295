"""Equivalent correct solutions, and the reference itself, must trigger no mistake."""
import pytest

from tests.examples import graded
from tests.examples.correct_forms import FORMS
from tests.harness import REFERENCE


@pytest.mark.parametrize("source", FORMS.values(), ids=FORMS.keys())
def test_correct_form_has_no_mistakes(source):
    report = graded(source)
    assert report["mistakes"] == [] and report["errors"] == []


def test_reference_has_no_mistakes():
    report = graded((REFERENCE / "iris_net.py").read_text())
    assert report["mistakes"] == [] and report["errors"] == []
