"""The size the grader reads from a model config is what Keras builds, and the caps refuse a model before it is built."""
from __future__ import annotations

import copy
import json

import keras
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from keras import layers as L

from grader.exercises import load, names
from grader.model.safe_config import LAYERS, UnsafeModel, rebuild, strip_compile
from grader.model.size import SIZED, ModelTooLarge, SizeCaps, UnbuildableModel, model_size
from grader.parts.model import ModelPart
from tests.examples import MISTAKES, mistake_example
from tests.examples.correct_forms import FORMS
from tests.harness import example_module

pytestmark = pytest.mark.filterwarnings("ignore:Do not pass an `input_shape`:UserWarning")


def config_of(model) -> dict:
    return json.loads(model.to_json())


def keras_parameters(config: dict, n_features: int) -> int:
    """What the grader's trainer builds from this config: Keras's own count."""
    return rebuild(strip_compile(config)[0], n_features).count_params()


def assert_same_size(model, n_features: int = 4) -> None:
    config = config_of(model)
    size = model_size(config, n_features, SizeCaps())
    assert size.parameters == keras_parameters(config, n_features)
    if model.built:
        assert size.parameters == model.count_params()


def forms() -> dict[str, object]:
    """Models of every form the allowlist admits, built with Keras."""
    F = {}
    F["sequential with Input"] = lambda: keras.Sequential([keras.Input((4,)), L.Dense(16, activation="relu"), L.Dense(3)])
    F["sequential without Input"] = lambda: keras.Sequential([L.Dense(16, activation="relu"), L.Dense(3)])
    F["input_shape on the first layer"] = lambda: keras.Sequential([L.Dense(16, input_shape=(4,)), L.Dense(3)])
    F["input_dim on the first layer"] = lambda: keras.Sequential([L.Dense(16, input_dim=4), L.Dense(3)])
    F["built sequential"] = lambda: built(keras.Sequential([L.Dense(16), L.Dense(3)]), 4)
    F["sequential.add"] = lambda: added([keras.Input((4,)), L.Dense(8), L.Dense(3)])
    F["Dense without bias"] = lambda: keras.Sequential([keras.Input((4,)), L.Dense(16, use_bias=False), L.Dense(3)])
    F["BatchNormalization"] = lambda: keras.Sequential([keras.Input((4,)), L.Dense(16), L.BatchNormalization(),
                                                        L.Activation("relu"), L.Dropout(0.2), L.Dense(3)])
    F["BatchNormalization without center, scale"] = lambda: keras.Sequential(
        [keras.Input((4,)), L.Dense(16), L.BatchNormalization(center=False, scale=False), L.Dense(3)])
    F["BatchNormalization renorm"] = lambda: keras.Sequential([keras.Input((4,)), L.Dense(8), L.BatchNormalization(renorm=True),
                                                               L.Dense(3)])
    F["LayerNormalization"] = lambda: keras.Sequential([keras.Input((4,)), L.Dense(16), L.LayerNormalization(), L.Dense(3)])
    F["LayerNormalization without center"] = lambda: keras.Sequential(
        [keras.Input((4,)), L.Dense(16), L.LayerNormalization(center=False), L.Dense(3)])
    F["PReLU"] = lambda: keras.Sequential([keras.Input((4,)), L.Dense(16), L.PReLU(), L.Dense(3)])
    F["activation layers"] = lambda: keras.Sequential([keras.Input((4,)), L.Dense(16), L.ReLU(), L.LeakyReLU(), L.ELU(),
                                                       L.Dense(3), L.Softmax()])
    F["weightless layers"] = lambda: keras.Sequential([
        keras.Input((4,)), L.Rescaling(0.5, 0.1), L.GaussianNoise(0.1), L.GaussianDropout(0.1), L.AlphaDropout(0.1),
        L.Dense(8), L.UnitNormalization(), L.Identity(), L.ActivityRegularization(0.01), L.Flatten(), L.Dense(3)])
    F["functional"] = lambda: functional(lambda x: L.Dense(3)(L.Dense(16, activation="relu")(x)))
    F["merges"] = lambda: functional(lambda x: merges(L.Dense(8)(x), L.Dense(8)(x)))
    F["one layer called five times"] = lambda: functional(lambda x: L.Dense(3)(repeat(L.Dense(4, activation="relu"), x, 5)))
    F["shared A(B(A(x)))"] = lambda: functional(shared_aba)
    F["nested sequential called twice"] = lambda: functional(nested_twice)
    F["functional inside sequential"] = lambda: keras.Sequential([functional(lambda x: L.Dense(6)(x)), L.Dense(3)])
    F["functional inside functional"] = lambda: functional(inner_functional)
    F["unbuilt sequential inside sequential"] = lambda: keras.Sequential([L.Dense(8), keras.Sequential([L.Dense(5), L.Dense(3)])])
    F["built sequential inside sequential"] = lambda: built(keras.Sequential([L.Dense(8), keras.Sequential([L.Dense(5)]), L.Dense(3)]), 4)
    F["a wide layer concatenated with itself"] = lambda: functional(lambda x: L.Dense(3)(L.Concatenate()([L.Dense(64)(x)] * 3)))
    F["call keyword arguments"] = lambda: functional(lambda x: L.Dense(3)(L.Dropout(0.3)(L.Dense(8)(x), training=True)))
    F["broadcasting merge"] = lambda: functional(lambda x: L.Add()([L.Dense(1)(x), L.Dense(6)(x)]))
    F["3-d inputs"] = lambda: functional(three_dimensional, (2, 4))
    F["reshape"] = lambda: keras.Sequential([keras.Input((4,)), L.Reshape((4, 1)), L.Dense(3), L.Flatten(), L.Dense(3)])
    F["reshape with -1"] = lambda: keras.Sequential([keras.Input((4,)), L.Dense(6), L.Reshape((-1, 2)), L.Flatten(), L.Dense(3)])
    F["3-d batch normalization"] = lambda: functional(lambda x: L.Dense(2)(L.Flatten()(L.BatchNormalization(axis=1)(
        L.SpatialDropout1D(0.1)(x)))), (3, 4))
    return F


def built(model, n_features):
    model.build((None, n_features))
    return model


def added(layers):
    model = keras.Sequential()
    for layer in layers:
        model.add(layer)
    return model


def functional(body, shape=(4,)):
    inputs = keras.Input(shape)
    return keras.Model(inputs, body(inputs))


def repeat(layer, x, times):
    for _ in range(times):
        x = layer(x)
    return x


def merges(a, b):
    merged = [L.Add()([a, b]), L.Subtract()([a, b]), L.Multiply()([a, b]), L.Average()([a, b]),
              L.Maximum()([a, b]), L.Minimum()([a, b])]
    return L.Dense(3)(L.Concatenate()(merged))


def shared_aba(x):
    a, b = L.Dense(5), L.Dense(4)
    return a(b(a(L.Dense(4)(x))))


def nested_twice(x):
    inner = keras.Sequential([keras.Input((16,)), L.Dense(8, activation="relu")])
    h = L.Dense(16)(x)
    return L.Dense(3)(L.Add()([inner(h), inner(h)]))


def inner_functional(x):
    inner = functional(lambda y: L.Dense(6)(y))
    return L.Dense(3)(L.Concatenate()([inner(x), inner(x)]))


def three_dimensional(x):
    x = L.PReLU(shared_axes=[1])(L.LayerNormalization(axis=[1, 2])(L.Dense(5)(x)))
    return L.Dense(3)(L.Flatten()(x))


def test_every_allowlisted_layer_is_one_the_grader_knows_how_to_size():
    assert SIZED == LAYERS


@pytest.mark.parametrize("form", list(forms()))
def test_parameters_are_what_keras_builds(form):
    assert_same_size(forms()[form]())


def build_model_sources() -> list[tuple[str, str, str]]:
    """Every build_model the test suite grades: the correct forms, both sides of each mistake example, the references."""
    sources = [(f"form {name}", source, "iris_net") for name, source in FORMS.items() if "def build_model" in source]
    for path in sorted(MISTAKES.glob("*.py")):
        example = mistake_example(path.stem)
        sources += [(f"{path.stem} {side}", example[side], example["EXERCISE"]) for side in ("BAD", "GOOD")
                    if "def build_model" in example[side]]
    return sources + [(f"reference {name}", "", name) for name in model_exercises()]


def model_exercises() -> list[str]:
    return [name for name in names() if any(isinstance(part, ModelPart) for part in load(name).parts)]


@pytest.mark.parametrize(("source", "exercise"), [pytest.param(s, e, id=i) for i, s, e in build_model_sources()])
def test_no_network_the_suite_grades_is_refused_and_every_size_is_keras_count(source, exercise):
    part = next(p for p in load(exercise).parts if isinstance(p, ModelPart))
    module = example_module(source, exercise)
    for n_features, n_classes in [(part.n_features, part.n_classes), *part.probes]:
        model = module.build_model(*part.args(n_features, n_classes))
        config = config_of(model)
        try:
            size = model_size(config, n_features, part.budget.model)
        except UnbuildableModel:  # e.g. input-shape-mismatch: Keras cannot build it for these sizes either
            with pytest.raises(UnsafeModel):
                keras_parameters(config, n_features)
            continue
        assert size.parameters == keras_parameters(config, n_features)


def test_the_largest_reference_is_far_below_every_cap():
    module = example_module("", "digits")
    size = model_size(config_of(module.build_model(64, 10)), 64, SizeCaps())
    caps = SizeCaps()
    assert (size.layers, size.calls, size.parameters, size.widest) == (3, 3, 50_826, 256)
    assert size.parameters * 3 < caps.parameters and size.widest * 8 < caps.widest and size.layers * 8 < caps.layers


# --- Random networks of allowlisted layers: the count always matches Keras --------------------------

SHAPE_KEEPING = [lambda: L.ReLU(), lambda: L.Activation("tanh"), lambda: L.Dropout(0.1, seed=1), lambda: L.BatchNormalization(),
                 lambda: L.LayerNormalization(), lambda: L.PReLU(), lambda: L.Softmax(), lambda: L.GaussianNoise(0.1, seed=1)]


# One step of a random functional network: (kind, which earlier tensor, a width or a layer choice, another tensor).
steps = st.tuples(st.sampled_from(["dense", "keep", "merge", "shared", "bias-free"]), st.integers(0, 99),
                  st.integers(1, 9), st.integers(0, 99))


def network(n_features: int, plan: list[tuple[str, int, int, int]]):
    """Random Dense widths, shape-keeping layers, merges of earlier tensors and shared layers, as the plan says."""
    inputs = keras.Input((n_features,))
    tensors, shared = [inputs], []
    for kind, pick, number, other in plan:
        x = tensors[pick % len(tensors)]
        if kind == "dense" or (kind == "shared" and not shared):
            layer = L.Dense(number)
            shared.append((layer, x.shape[-1]))
            x = layer(x)
        elif kind == "bias-free":
            x = L.Dense(number, use_bias=False)(x)
        elif kind == "keep":
            x = SHAPE_KEEPING[number % len(SHAPE_KEEPING)]()(x)
        elif kind == "shared":
            layer, width = shared[number % len(shared)]
            fitting = [t for t in tensors if t.shape[-1] == width]
            x = layer(fitting[other % len(fitting)]) if fitting else x
        else:
            y = tensors[other % len(tensors)]
            x = L.Concatenate()([x, y]) if x.shape[-1] != y.shape[-1] else L.Add()([x, y])
        tensors.append(x)
    return keras.Model(inputs, L.Dense(3)(tensors[-1]))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 6), st.lists(steps, min_size=1, max_size=6))
def test_random_networks_have_the_size_keras_builds(n_features, plan):
    model = network(n_features, plan)
    config = config_of(model)
    size = model_size(config, n_features)
    assert size.parameters == model.count_params() == keras_parameters(config, n_features)


# --- The caps, before anything is built -----------------------------------------------------------

def lesson_config(**dense) -> dict:
    return config_of(keras.Sequential([keras.Input((4,)), L.Dense(16, activation="relu", **dense), L.Dense(3)]))


def many_layers(count: int) -> dict:
    """A Sequential config of `count` tiny Dense layers, written as JSON (Keras would take minutes to build it)."""
    config = config_of(keras.Sequential([keras.Input((4,)), L.Dense(2)]))
    dense = config["config"]["layers"][1]
    config["config"]["layers"][1:] = [{**dense, "config": {**dense["config"], "name": f"tiny_{i}"}} for i in range(count)]
    return config


def reused(calls: int) -> dict:
    """A functional config calling one Dense layer `calls` times in a row (Keras itself recurses too deep to build it)."""
    config = config_of(functional(lambda x: repeat(L.Dense(4, name="again"), x, 2)))
    layer = next(entry for entry in config["config"]["layers"] if entry["name"] == "again")
    node = layer["inbound_nodes"][1]
    layer["inbound_nodes"][1:] = [copy.deepcopy(node) for _ in range(calls - 1)]
    for i, later in enumerate(layer["inbound_nodes"][1:]):
        later["args"][0]["config"]["keras_history"] = ["again", i, 0]
    config["config"]["output_layers"] = [["again", calls - 1, 0]]
    return config


@pytest.mark.parametrize(("config", "message"), [
    (lambda: many_layers(10_000), f"the model has 10,000 layers; this exercise allows at most {SizeCaps().layers}"),
    (lambda: reused(5_000), "the model has 5,000 layer calls in one pass"),
    (lambda: config_of(keras.Sequential([L.Dense(10**9), L.Dense(3)])), "the model has 8,000,000,003 parameters"),
    (lambda: config_of(keras.Sequential([L.Dense(16, input_shape=(10**6,)), L.Dense(3)])),
     "the model has 16,000,067 parameters"),
    (lambda: config_of(functional(lambda x: L.Dense(3)(L.Concatenate()([L.Dense(2048)(x)] * 8)))),
     "the model has 16,384 values per example in its widest layer output"),
    (lambda: config_of(functional(lambda x: L.Dense(3)(repeat(L.ReLU(), L.Dense(4096)(x), 8)))),
     "the model has 36,871 values per example computed by one pass"),
], ids=["layers", "calls", "Dense(10**9)", "input_shape", "widest", "activations"])
def test_a_model_over_a_cap_is_refused_in_the_students_terms(config, message):
    with pytest.raises(ModelTooLarge) as refused:
        model_size(config(), 4, SizeCaps())
    assert str(refused.value).startswith(message)
    assert "Fix:" in str(refused.value)


def test_every_call_of_a_nested_model_counts_and_is_counted_not_walked():
    """Models nested 8 deep, each called twice by the next: 2**7 calls of the innermost layer."""
    model = keras.Sequential([keras.Input((4,)), L.Dense(4)])
    for _ in range(7):
        model = functional(lambda x, inner=model: L.Add()([inner(x), inner(x)]))
    size = model_size(config_of(model), 4)
    assert size.calls == 2**7 + (2**7 - 1) and size.layers == 1 + 7
    assert size.parameters == model.count_params() == 20


def test_weights_keras_would_allocate_for_a_layer_no_call_reaches_are_counted():
    """A dangling Dense with a build_config: Keras builds it while deserializing, though the model never calls it."""
    config = config_of(functional(lambda x: L.Dense(3)(x)))
    dangling = copy.deepcopy(config["config"]["layers"][1])
    dangling.update(name="dangling", inbound_nodes=[], build_config={"input_shape": [None, 10**6]})
    dangling["config"].update(name="dangling", units=100)
    config["config"]["layers"].append(dangling)
    assert model_size(config, 4).parameters == 15 + 10**8 + 100
    with pytest.raises(ModelTooLarge, match="parameters"):
        model_size(config, 4, SizeCaps())


def test_a_build_config_that_disagrees_with_the_graph_is_never_given_to_keras():
    config = lesson_config()
    config["config"]["layers"][1]["build_config"] = {"input_shape": [None, 10**9]}
    with pytest.raises(UnbuildableModel, match="built for inputs of shape"):
        model_size(config, 4, SizeCaps())


@pytest.mark.parametrize(("edit", "error"), [
    (lambda c: c["config"]["layers"][1]["config"].update(units="16"), "not a positive whole number"),
    (lambda c: c["config"]["layers"][1]["config"].update(use_bias="yes"), "not True or False"),
    (lambda c: c["config"]["layers"][1]["config"].update(lora_rank=4), "LoRA"),
    (lambda c: c["config"]["layers"][1]["config"].update(dtype="int8_from_float32"), "dtype"),
    (lambda c: c["config"]["layers"][0]["config"].update(batch_shape=[None, "4"]), "not whole numbers"),
    (lambda c: c["config"]["layers"].insert(2, c["config"]["layers"][0]), "InputLayer after its first layer"),
    (lambda c: c["config"].update(layers={"0": 1}), "no list of layers"),
    (lambda c: c.update(config=[]), "not in the form Keras writes"),
])
def test_a_config_not_in_keras_form_is_refused(edit, error):
    config = lesson_config()
    edit(config)
    with pytest.raises(UnsafeModel, match=error):
        model_size(config, 4, SizeCaps())


def graph_config() -> dict:
    return config_of(functional(lambda x: L.Dense(3, name="out")(L.Dense(8, name="hidden")(x))))


def layer_named(config: dict, name: str) -> dict:
    return next(entry for entry in config["config"]["layers"] if entry["name"] == name)


def test_a_cycle_in_a_functional_graph_is_refused():
    config = graph_config()
    layer_named(config, "hidden")["inbound_nodes"][0]["args"][0]["config"]["keras_history"] = ["out", 0, 0]
    with pytest.raises(UnsafeModel, match="loop"):
        model_size(config, 4)


@pytest.mark.parametrize("history", [["nowhere", 0, 0], ["hidden", 3, 0], ["hidden", -1, 0], ["hidden", 0, 1], "hidden"])
def test_a_call_of_a_layer_or_a_call_that_does_not_exist_is_refused(history):
    config = graph_config()
    layer_named(config, "out")["inbound_nodes"][0]["args"][0]["config"]["keras_history"] = history
    with pytest.raises(UnsafeModel):
        model_size(config, 4)


def test_layers_that_do_not_fit_together_for_the_graders_input_are_unbuildable():
    nested = keras.Sequential([L.Dense(8), functional(lambda x: L.Dense(3)(x))])  # the inner model takes 4 inputs
    with pytest.raises(UnbuildableModel, match="takes inputs of shape"):
        model_size(config_of(nested), 4)
    for target in ((3,), (-1, 3)):  # 4 values per row fit neither
        reshaped = keras.Sequential([L.Reshape(target), L.Dense(3)])  # unbuilt: the grader gives it 4 features
        with pytest.raises(UnbuildableModel, match="reshapes rows of 4 values into"):
            model_size(config_of(reshaped), 4)
