"""Equivalent correct solutions, and the reference itself, must trigger no mistake."""
import pytest

from tests.examples import assert_clean, graded
from tests.examples.correct_forms import FORMS
from tests.harness import REFERENCE


@pytest.mark.parametrize("source", [pytest.param(source, id=name) for name, source in FORMS.items()])
@pytest.mark.filterwarnings("ignore:Do not pass an `input_shape`:UserWarning")
def test_correct_form_has_no_mistakes(source):
    assert_clean(graded(source))


def test_reference_has_no_mistakes():
    assert_clean(graded((REFERENCE / "iris_net.py").read_text()))
