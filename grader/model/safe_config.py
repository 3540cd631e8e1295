"""Rebuild a student's model from its Keras config without running any of their code.

The config arrives as plain JSON from the sandbox. Before Keras sees it, every object
in it is checked against an allowlist of built-in Keras classes: Lambda layers,
custom layers and anything from outside Keras are refused with a clear message, so
deserialization can never import or execute student code in the grading process.
"""
from __future__ import annotations

import copy
import re
from typing import Any

from grader.sandbox import calls

LAYERS = frozenset({
    "InputLayer", "Dense", "Activation", "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax",
    "Dropout", "AlphaDropout", "GaussianDropout", "GaussianNoise", "SpatialDropout1D",
    "BatchNormalization", "LayerNormalization", "UnitNormalization", "Flatten", "Reshape", "Identity",
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
SCOPE_NAME = re.compile(r"[A-Za-z0-9_.\-]+")  # what TensorFlow takes as a name scope, where training puts each layer
MAX_DEPTH = 64  # levels of nesting in a config: a real model's is 7 to 12, and 3 more per model inside it


class UnsafeModel(ValueError):
    """The config holds something the grader will not rebuild; the message says what."""


def validate(config: Any) -> None:
    """Raise UnsafeModel unless every object in the config is a built-in Keras object.

    Total over any JSON: iterative, and a config nested deeper than MAX_DEPTH is refused
    (Keras and the grader walk configs recursively).
    """
    stack = [(config, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise UnsafeModel(f"the model's config is nested more than {MAX_DEPTH} levels deep; "
                              "a model built with Keras layers never is")
        if isinstance(value, dict):
            if "class_name" in value:
                _validate_object(value)
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)


def _validate_object(obj: dict) -> None:
    name, module, registered = obj.get("class_name"), obj.get("module") or "", obj.get("registered_name")
    if not isinstance(name, str) or not isinstance(module, str) or not isinstance(registered, (str, type(None))):
        raise UnsafeModel("the model's config names an object in a form Keras never writes")
    if name in CODE_CARRIERS:
        raise UnsafeModel(
            f"the model contains a {name} layer, which carries arbitrary Python code; the grader "
            "never runs it. Use built-in layers such as Dense and Activation instead"
        )
    if name in LAYERS or name in MODELS:
        if registered not in (None, name) or not (module == "keras" or module.startswith("keras.")):
            raise UnsafeModel(f"the model contains a custom {name} class from {shown(module) if module else 'your code'}")
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
    where = f" from {shown(module)}" if module else ""
    raise UnsafeModel(
        f"the model contains {shown(name)}{where}, which the grader does not rebuild in this exercise: it trains "
        "networks of built-in Dense, Activation, Dropout, normalization, Flatten, Reshape and merge layers; "
        "custom layers and objects are not supported"
    )


def shown(value: Any, limit: int = 60) -> str:
    """A value from a submission as a short repr for a message (grader.sandbox.calls.shown)."""
    return calls.shown(value, limit)


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
        model = keras.saving.deserialize_keras_object(_trainable_names(architecture), safe_mode=True)
        if isinstance(model, keras.Model) and not model.built:
            model.build((None, n_features))
    except Exception as exc:  # Keras code on the student's config: any failure is the config's
        raise UnsafeModel(f"Keras could not rebuild the model from its config: {_reason(exc)}") from None
    if not isinstance(model, keras.Model):
        raise UnsafeModel("the config does not describe a Keras model")
    return model


def _trainable_names(architecture: dict) -> dict:
    """A copy of the architecture in which every layer or model name TensorFlow would refuse as a name scope
    (Keras accepts `Dense(16, name="<b>h</b>")`, but training it fails) is replaced by one it takes, wherever
    the config names it. Names do nothing to what a network computes; the report keeps the student's own."""
    names: set[str] = set()

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("config"), dict) and isinstance(node["config"].get("name"), str):
                names.add(node["config"]["name"])
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(architecture)
    renamed = {name: f"{re.sub(r'[^A-Za-z0-9_.-]', '_', name)}_{number}"
               for number, name in enumerate(sorted(n for n in names if not SCOPE_NAME.fullmatch(n)))}
    if not renamed:
        return copy.deepcopy(architecture)

    def rename(node: Any) -> Any:
        if isinstance(node, dict):
            return {key: renamed.get(value, value) if key == "name" and isinstance(value, str) else rename(value)
                    for key, value in node.items()}
        if isinstance(node, list):  # [name, node, tensor] in keras_history, input_layers, output_layers
            head = [renamed.get(node[0], node[0])] if node and isinstance(node[0], str) else [rename(node[0])] if node else []
            return head + [rename(value) for value in node[1:]]
        return node

    return rename(architecture)


def rebuild_optimizer(compile_config: dict, model):
    """The compile config's optimizer, built for the model's trainable weights."""
    import keras

    optimizer = compile_config.get("optimizer") or "rmsprop"
    validate(optimizer)
    try:
        built = keras.optimizers.get(copy.deepcopy(optimizer))
        built.build(model.trainable_variables)
        return built
    except Exception as exc:
        raise UnsafeModel(f"Keras could not rebuild the model's optimizer: {_reason(exc)}") from None


def rebuild_loss(compile_config: dict):
    import keras

    loss = compile_config.get("loss")
    if loss is None:
        raise UnsafeModel("the model was compiled without a loss")
    if isinstance(loss, list) or (isinstance(loss, dict) and "class_name" not in loss):
        raise UnsafeModel("the model was compiled with several losses; this exercise needs one")
    validate(loss)
    try:
        return keras.losses.get(copy.deepcopy(loss))
    except Exception as exc:
        raise UnsafeModel(f"Keras could not rebuild the model's loss: {_reason(exc)}") from None


def _reason(exc: Exception) -> str:
    """The first line of a Keras error, bounded: Keras quotes the whole config in some of them."""
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."
