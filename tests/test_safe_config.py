import json

import keras
import pytest

from grader.model.facts import model_facts
from grader.model.safe_config import UnsafeModel, rebuild, rebuild_optimizer, strip_compile, validate
from tests.harness import grade_source


def config_of(model) -> dict:
    return json.loads(model.to_json())


def lesson_model(n_features=4, n_classes=3):
    model = keras.Sequential([keras.Input((n_features,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(n_classes, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def test_a_builtin_model_rebuilds_with_the_same_structure():
    config = config_of(lesson_model())
    architecture, compile_config = strip_compile(config)
    rebuilt = rebuild(architecture, 4)
    assert [type(layer).__name__ for layer in rebuilt.layers] == ["Dense", "Dense"]
    assert rebuilt.count_params() == lesson_model().count_params()
    assert compile_config["loss"] == "sparse_categorical_crossentropy"


def test_lambda_layers_are_refused_with_a_clear_message():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Lambda(lambda x: x * 2), keras.layers.Dense(3)])
    with pytest.raises(UnsafeModel, match="Lambda"):
        validate(config_of(model))


@pytest.mark.parametrize("tamper", [
    lambda c: c["config"]["layers"][1].update(module="os", class_name="system"),
    lambda c: c["config"]["layers"][1].update(registered_name="student>Dense"),
    lambda c: c["config"]["layers"][1]["config"].update(kernel_initializer={"module": "builtins", "class_name": "eval", "config": {}}),
])
def test_objects_from_outside_keras_are_refused(tamper):
    config = config_of(lesson_model())
    tamper(config)
    with pytest.raises(UnsafeModel):
        validate(config)


def test_functional_and_sequential_forms_give_the_same_facts():
    inputs = keras.Input((4,))
    hidden = keras.layers.Activation("relu")(keras.layers.Dense(16)(inputs))
    functional = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(hidden))
    functional.compile(optimizer=keras.optimizers.Adam(), loss=keras.losses.SparseCategoricalCrossentropy())
    a, b = model_facts(config_of(functional)), model_facts(config_of(lesson_model()))
    assert [(d.units, d.activation) for d in a.dense] == [(d.units, d.activation) for d in b.dense] == [(16, "relu"), (3, "softmax")]
    assert (a.loss, a.from_logits, a.input_dim) == (b.loss, b.from_logits, b.input_dim) == ("sparse_categorical_crossentropy", False, 4)


def test_keras_failing_on_a_config_is_an_unsafe_model_with_a_short_message():
    """Keras quotes the whole config in some errors: the student's config must not flood every check."""
    config = config_of(lesson_model())
    config["config"]["layers"][1]["config"]["kernel_initializer"] = {
        "module": "keras.initializers", "class_name": "NoSuchInitializer", "config": {"padding": "x" * 50_000}}
    with pytest.raises(UnsafeModel) as refused:
        rebuild(strip_compile(config)[0], 4)
    assert str(refused.value).startswith("Keras could not rebuild the model") and len(str(refused.value)) < 400


@pytest.mark.parametrize("setting", [{"learning_rate": "fast"}, {"clipnorm": 1.0, "clipvalue": 1.0}])
def test_an_optimizer_keras_cannot_make_is_an_unsafe_model(setting):
    architecture, compile_config = strip_compile(config_of(lesson_model()))
    compile_config["optimizer"]["config"].update(setting)
    with pytest.raises(UnsafeModel, match="optimizer"):
        rebuild_optimizer(compile_config, rebuild(architecture, 4))


@pytest.mark.parametrize("obj", [{"class_name": ["Dense"]}, {"class_name": "Dense", "module": 7},
                                 {"class_name": "Dense", "module": "keras.layers", "registered_name": {}}])
def test_objects_named_in_a_form_keras_never_writes_are_refused(obj):
    with pytest.raises(UnsafeModel, match="form Keras never writes"):
        validate({"config": {"layers": [obj]}})


@pytest.mark.parametrize("build", [
    'keras.Sequential([keras.Input(shape=(n_features,)), keras.layers.Dense(16, activation="relu", '
    'name="<b>hidden"), keras.layers.Dense(n_classes, activation="softmax", name="out put")], name="my model!")',
    "_functional(n_features, n_classes)",
])
def test_a_network_is_trained_whatever_its_layers_are_named(build):
    # Keras takes any name without a slash; TensorFlow refuses most of them as the name scope training puts each layer in.
    source = f'''
def _functional(n_features, n_classes):
    inputs = keras.Input(shape=(n_features,), name="features (4)")
    hidden = keras.layers.Dense(16, activation="relu", name="<img src=x onerror=alert(1)>")(inputs)
    return keras.Model(inputs, keras.layers.Dense(n_classes, activation="softmax", name="é")(hidden), name="m:1")

def build_model(n_features, n_classes):
    model = {build}
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
'''
    report = grade_source(source, light=False)
    failed = {c["id"]: c["message"] for c in report["checks"] if not c["passed"]}
    assert failed == {}, failed
