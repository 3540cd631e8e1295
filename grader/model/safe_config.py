"""Rebuild a student's model from its Keras config without running any of their code.

The config arrives as plain JSON from the sandbox. Before Keras sees it, every object
in it is checked against an allowlist of built-in Keras classes: Lambda layers,
custom layers and anything from outside Keras are refused with a clear message, so
deserialization can never import or execute student code in the grading process.
"""
from __future__ import annotations

import copy
from typing import Any

LAYERS = frozenset({
    "InputLayer", "Dense", "Activation", "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax",
    "Dropout", "AlphaDropout", "GaussianDropout", "GaussianNoise", "SpatialDropout1D",
    "BatchNormalization", "LayerNormalization", "UnitNormalization", "Flatten", "Identity",
    "Rescaling", "ActivityRegularization", "Add", "Average", "Concatenate", "Maximum",
    "Minimum", "Multiply", "Subtract",
})
MODELS = frozenset({"Sequential", "Functional", "Model"})
# Keras namespaces whose objects are plain settings (numbers, names), never code.
SETTING_NAMESPACES = frozenset({
    "initializers", "regularizers", "constraints", "optimizers", "losses", "metrics",
    "dtype_policies", "activations",
})
CODE_CARRIERS = frozenset({"Lambda", "TFOpLambda", "__lambda__", "SlicingOpLambda"})


class UnsafeModel(ValueError):
    """The config holds something the grader will not rebuild; the message says what."""


def validate(config: Any) -> None:
    """Raise UnsafeModel unless every object in the config is a built-in Keras object."""
    if isinstance(config, dict):
        if "class_name" in config:
            _validate_object(config)
        for value in config.values():
            validate(value)
    elif isinstance(config, list):
        for value in config:
            validate(value)


def _validate_object(obj: dict) -> None:
    name = obj.get("class_name")
    module = obj.get("module") or ""
    if name in CODE_CARRIERS:
        raise UnsafeModel(
            f"the model contains a {name} layer, which carries arbitrary Python code; the grader "
            "never runs it. Use built-in layers such as Dense and Activation instead"
        )
    registered = obj.get("registered_name")
    if name in LAYERS or name in MODELS:
        if registered not in (None, name) or not (module == "keras" or module.startswith("keras.")):
            raise UnsafeModel(f"the model contains a custom {name} class from {module or 'your code'}")
        return
    if name == "function" and module in ("builtins", "keras.activations", "keras.losses", "keras.metrics"):
        return
    if name == "DTypePolicy" and module == "keras":
        return
    if name == "__keras_tensor__" and not module:  # a functional model's reference to a layer output
        return
    parts = module.split(".")
    if parts[0] == "keras" and len(parts) > 1 and parts[1] in SETTING_NAMESPACES and registered in (None, name):
        return
    where = f" from {module}" if module else ""
    raise UnsafeModel(
        f"the model contains {name}{where}, which is not a built-in Keras layer the grader can rebuild; "
        "custom layers and objects are not supported in this exercise"
    )


def strip_compile(config: dict) -> tuple[dict, dict | None]:
    """Split a model config into its architecture and its compile config."""
    architecture = copy.deepcopy(config)
    compile_config = architecture.pop("compile_config", None)
    return architecture, compile_config


def rebuild(architecture: dict, n_features: int):
    """Deserialize a validated architecture into a fresh, built Keras model."""
    import keras

    validate(architecture)
    try:
        model = keras.saving.deserialize_keras_object(copy.deepcopy(architecture), safe_mode=True)
    except Exception as exc:
        raise UnsafeModel(f"Keras could not rebuild the model from its config: {exc}") from None
    if not isinstance(model, keras.Model):
        raise UnsafeModel("the config does not describe a Keras model")
    if not model.built:
        model.build((None, n_features))
    return model


def rebuild_optimizer(compile_config: dict):
    import keras

    optimizer = compile_config.get("optimizer") or "rmsprop"
    validate(optimizer)
    return keras.optimizers.get(copy.deepcopy(optimizer))


def rebuild_loss(compile_config: dict):
    import keras

    loss = compile_config.get("loss")
    if loss is None:
        raise UnsafeModel("the model was compiled without a loss")
    if isinstance(loss, list) or (isinstance(loss, dict) and "class_name" not in loss):
        raise UnsafeModel("the model was compiled with several losses; this exercise needs one")
    validate(loss)
    return keras.losses.get(copy.deepcopy(loss))
