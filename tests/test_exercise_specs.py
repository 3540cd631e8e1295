"""Every exercise spec is checked when it loads (scikit-learn's parametrize_with_checks, for specs):
the real specs all pass, and each kind of wrong spec is refused by grader.exercises.load with a
message naming the exercise and the offending item."""
import sys

import pytest

import grader.exercises
from grader.checks import CATALOG
from grader.exercises import load, names
from grader.parts.model import ModelPart
from grader.spec import Exercise, SpecError

MODEL_EXERCISES = ("iris_net", "pass_fail", "fruit", "digits")


@pytest.mark.parametrize("name", names())
def test_every_spec_loads_valid(name):
    spec = load(name)
    assert isinstance(spec, Exercise) and spec.name == name
    ids = [call.id for part in spec.parts for call in part.calls()]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    items = [item for part in spec.parts for item in part.rubric]
    assert len({item.id for item in items}) == len(items)
    assert all(m in CATALOG for item in items for m in item.mistakes)
    for part in spec.parts:
        assert {c for item in part.rubric for c in item.requires} <= set(part.conditions())
    assert 0 <= spec.pass_mark <= spec.max_score


def test_every_model_exercise_requires_a_trained_network_that_works():
    assert {n for n in names() if any(isinstance(p, ModelPart) for p in load(n).parts)} == set(MODEL_EXERCISES)
    for name in MODEL_EXERCISES:
        required = {item.id for part in load(name).parts for item in part.rubric if item.required}
        assert required == {"model-compiled", "model-accuracy"}, name


def test_pass_fail_probes_build_model_at_other_sizes_than_the_graded_call():
    part = next(p for p in load("pass_fail").parts if isinstance(p, ModelPart))
    args = [call.args for call in part.calls()]
    assert len(args) == len(set(args)) == 3  # build_model(2), then two other feature counts


@pytest.fixture
def exercise_module(tmp_path, monkeypatch):
    """Write an exercise module into a folder added to grader.exercises' path, for load to find as any other."""
    monkeypatch.setattr(grader.exercises, "__path__", [*grader.exercises.__path__, str(tmp_path)])
    written = []

    def write(name: str, source: str) -> None:
        (tmp_path / f"{name}.py").write_text(source)
        written.append(f"grader.exercises.{name}")

    yield write
    for module in written:
        sys.modules.pop(module, None)


HEADER = """
from grader.parts.model import ModelPart, model_rubric
from grader.parts.normalize import NormalizePart, normalize_rubric
from grader.spec import Exercise, ManualItem, RubricItem as Item
"""
NORMALIZE = 'NormalizePart(dataset="iris", rubric=normalize_rubric(12, 18))'


def model_part(**fields: str) -> str:
    """pass_fail's model part, with fields replaced (as source)."""
    fields = {"rubric": "model_rubric(5, 15, 15, 10, 5, 20, task='binary')", "probes": "((7, 2), (3, 2))", **fields}
    given = ", ".join(f"{key}={value}" for key, value in fields.items())
    return (f"ModelPart(dataset='pass_fail', n_features=2, n_classes=2, task='binary', arguments=('n_features',), "
            f"min_accuracy=0.82, underfit_below=0.75, {given})")


def spec(name: str, parts: str, **fields: str) -> str:
    extra = "".join(f", {key}={value}" for key, value in fields.items())
    return HEADER + f"SPEC = Exercise(name={name!r}, title='An exercise', pass_mark=70, parts=({parts},){extra})\n"


WRONG_SPECS = {  # what is wrong: (module name, its source, what the message must name)
    # pass_fail as it was: build_model takes only n_features, so its (2, 2) probe was the graded call again
    "duplicate-call-id": ("calls", spec("calls", model_part(probes="((7, 2), (2, 2))")),
                          ["'build_model#2x2'", "twice by build_model"]),
    "unknown-mistake-id": ("mistake", spec("mistake", model_part(
        rubric="(Item('model-out', 'Output', 100, ('wrong-output-unit',)),)")), ["'model-out'", "'wrong-output-unit'"]),
    "unknown-condition": ("condition", spec("condition", model_part(
        rubric="(Item('model-accuracy', 'Accuracy', 100, requires=('acuracy',)),)")),
        ["'model-accuracy'", "'acuracy'", "it sets: 'accuracy'"]),
    "duplicate-item-id": ("items", spec("items", f"{NORMALIZE}, NormalizePart(dataset='iris', rubric=normalize_rubric(12, 18), "
                                                 "function='scale')"), ["'normalize-standardized'", "twice"]),
    "pass-mark-above-the-points": ("mark", spec("mark", NORMALIZE), ["pass mark 70", "0 to 30"]),
    "negative-points": ("points", spec("points", f"{NORMALIZE}, {model_part(rubric='model_rubric(5, 15, 15, 10, -5, 20)')}"),
                        ["rubric item 'model-any-shape' of build_model", "-5 points"]),
    "no-parts": ("parts", spec("parts", "").replace("parts=(,)", "parts=()"), ["no parts"]),
    "manual-answer-never-read": ("manual", spec("manual", model_part(),
                                                manual="(ManualItem('EXPLAIN', 'In your own words', 20),)"),
                                 ["manual item 'EXPLAIN'", "constants"]),
    "named-after-another-module": ("renamed", "from grader.exercises.pass_fail import SPEC\n", ["'pass_fail'"]),
    "no-spec": ("empty", "TITLE = 'forgot the spec'\n", ["SPEC = Exercise"]),
}


@pytest.mark.parametrize("name, source, expected", [pytest.param(*case, id=wrong) for wrong, case in WRONG_SPECS.items()])
def test_a_wrong_spec_is_refused_when_it_loads_naming_the_exercise_and_item(exercise_module, name, source, expected):
    exercise_module(name, source)
    with pytest.raises(SpecError) as raised:
        load(name)
    message = str(raised.value)
    assert message.startswith(f"exercise {name!r}: ")
    for words in expected:
        assert words in message, message


def test_the_same_spec_written_right_loads(exercise_module):
    exercise_module("right", spec("right", f"{NORMALIZE}, {model_part()}"))
    assert load("right").max_score == 100
