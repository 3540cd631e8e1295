"""Reading a model config is total: whatever JSON a submission sends, the grader raises nothing but UnsafeModel.

The config crosses the sandbox as JSON the student controls. validate, model_facts and
model_size must each return or refuse it (UnsafeModel, an invalid return of build_model);
any other exception would make the whole exercise a grader_error.
"""
from __future__ import annotations

import copy
import json
import warnings

import keras
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from keras import layers as L

from grader.exercises import load
from grader.grading import grade_outcomes
from grader.model.facts import model_facts
from grader.model.safe_config import UnsafeModel, rebuild, strip_compile, validate
from grader.model.size import SizeCaps, model_size
from grader.parts.model import ModelPart
from grader.sandbox.calls import Outcome

KEYS = ["class_name", "config", "module", "registered_name", "layers", "name", "inbound_nodes", "args", "kwargs",
        "keras_history", "batch_shape", "shape", "units", "use_bias", "build_config", "input_shape", "input_dim",
        "input_layers", "output_layers", "activation", "compile_config", "loss", "optimizer", "from_logits", "axis",
        "shared_axes", "center", "scale", "dtype", "build_input_shape", "scale", "offset"]
WORDS = ["Dense", "Sequential", "Functional", "Model", "InputLayer", "Concatenate", "Add", "PReLU", "BatchNormalization",
         "LayerNormalization", "Flatten", "keras", "keras.layers", "keras.src.models.functional", "__keras_tensor__",
         "function", "relu", "float32", "DTypePolicy", "input_layer", "dense", "adam", "mse"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 10), st.integers(), st.floats(allow_nan=False),
                    st.sampled_from(WORDS), st.text(max_size=8))
garbage = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=4)), inner, max_size=5)), max_leaves=40)
CAPS = SizeCaps()


def read(config) -> None:
    """Every reader of a config on this config: each returns, or refuses it with UnsafeModel."""
    for reader in (validate, model_facts, lambda c: model_size(c, 4, CAPS),
                   lambda c: PART.network(Outcome(True, {"config": c, "compiled": True}), 4)):
        try:
            reader(config)
        except UnsafeModel:
            pass


SPEC = load("iris_net")
PART = next(p for p in SPEC.parts if isinstance(p, ModelPart))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(garbage)
def test_any_json_is_read_or_refused(config):
    read(config)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(KEYS), garbage, max_size=6),
       st.sampled_from(["Sequential", "Functional", "Model"]))
def test_any_json_that_names_a_model_is_read_or_refused(config, kind):
    read({"module": "keras", "class_name": kind, **config})


def real_configs() -> list[dict]:
    inputs = keras.Input((4,))
    shared = L.Dense(4, activation="relu")
    inner = keras.Sequential([keras.Input((4,)), L.Dense(4), L.BatchNormalization()])
    x = L.Concatenate()([shared(shared(inputs)), inner(inputs)])
    functional = keras.Model(inputs, L.Dense(3, activation="softmax")(L.Dropout(0.2)(x)))
    with warnings.catch_warnings():  # Keras discourages input_shape, but students use it
        warnings.simplefilter("ignore")
        sequential = keras.Sequential([L.Dense(8, input_shape=(4,)), L.PReLU(), L.LayerNormalization(), L.Dense(3)])
    configs = []
    for model in (functional, sequential):
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        configs.append(json.loads(model.to_json()))
    return configs


REAL = real_configs()


def paths(value, prefix=()) -> list[tuple]:
    """Every place in a JSON value, as the keys and indices leading to it."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(range(len(REAL))), st.data())
def test_a_real_config_with_anything_anywhere_is_read_or_refused_and_never_undercounted(which, data):
    """And when the size is accepted, Keras never builds more weights than it says (or cannot build it at all)."""
    config = copy.deepcopy(REAL[which])
    place = data.draw(st.sampled_from(paths(config)[1:]))
    parent = config
    for key in place[:-1]:
        parent = parent[key]
    parent[place[-1]] = data.draw(garbage)
    read(config)
    try:
        validate(config)
        size = model_size(config, 4, CAPS)
    except UnsafeModel:
        return
    try:
        built = rebuild(strip_compile(config)[0], 4)
    except UnsafeModel:
        return
    assert built.count_params() <= size.parameters


def nested(depth: int, leaf) -> object:
    for _ in range(depth):
        leaf = {"config": [leaf]}
    return leaf


@pytest.mark.parametrize("where", ["top", "layer", "initializer"])
def test_a_config_nested_a_hundred_thousand_deep_is_refused_without_recursing(where):
    config = copy.deepcopy(REAL[1])
    deep = nested(100_000, {"class_name": "Lambda"})
    if where == "top":
        config = deep
    elif where == "layer":
        config["config"]["layers"][1] = deep
    else:
        config["config"]["layers"][1]["config"]["kernel_initializer"] = deep
    with pytest.raises(UnsafeModel, match="nested more than"):
        validate(config)
    read(config)


@pytest.mark.parametrize("config", [nested(5_000, {"layers": "x"}), {"class_name": "Sequential", "module": "keras",
                                                                     "config": {"name": "m", "layers": [{"class_name": 7}]}}])
def test_garbage_from_build_model_costs_only_its_points_in_the_report(config):
    outcomes = {call.id: Outcome(False, kind="not-implemented", message="left out") for p in SPEC.parts for call in p.calls()}
    outcomes.update({call.id: Outcome(True, {"config": config, "compiled": True}) for call in PART.calls()})
    report = grade_outcomes(SPEC, outcomes, {}, "")
    assert "grader_error" not in report
    assert [e["kind"] for e in report["errors"] if e["function"] == "build_model"] == ["invalid-return"]
