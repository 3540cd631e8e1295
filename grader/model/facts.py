"""Model facts: what a network is, read from its Keras config as plain data.

Equivalent forms reduce to the same facts: an Activation/ReLU/Softmax layer after a
Dense layer becomes that Dense layer's activation, Dropout and normalization layers
pass through, nested models are flattened, and the functional API reads like a
Sequential stack. Total over any JSON: a value of the wrong type reads as missing.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from grader.model.safe_config import shown

NAME_CHARS = 100  # of a layer, loss or optimizer name as the facts keep it
MAX_RANK = 8  # dimensions of a declared input, batch included (grader.model.size refuses more)

ACTIVATION_LAYERS = {"ReLU": "relu", "LeakyReLU": "leaky_relu", "PReLU": "prelu", "ELU": "elu", "Softmax": "softmax"}
LOSS_NAMES = {
    "sparsecategoricalcrossentropy": "sparse_categorical_crossentropy",
    "categoricalcrossentropy": "categorical_crossentropy",
    "binarycrossentropy": "binary_crossentropy",
    "binaryfocalcrossentropy": "binary_crossentropy",
    "categoricalfocalcrossentropy": "categorical_crossentropy",
    "meansquarederror": "mean_squared_error",
    "mse": "mean_squared_error",
    "meanabsoluteerror": "mean_absolute_error",
    "mae": "mean_absolute_error",
    "huber": "huber",
    "hinge": "hinge",
    "categoricalhinge": "categorical_hinge",
    "kldivergence": "kl_divergence",
    "kld": "kl_divergence",
    "poisson": "poisson",
}


@dataclass(frozen=True)
class DenseFact:
    """A Dense layer with the activations applied to its output, in order (linear ones dropped)."""

    position: int  # among the model's Dense layers, from 0
    name: str
    units: int
    activations: tuple[str, ...]

    @property
    def activation(self) -> str:
        return self.activations[-1] if self.activations else "linear"

    @property
    def is_linear(self) -> bool:
        return not self.activations


@dataclass(frozen=True)
class ModelFacts:
    kind: str
    input_dim: int | None  # the last dimension of the declared input: the values the first layer reads per position
    dense: tuple[DenseFact, ...]
    compiled: bool
    loss: str | None
    from_logits: bool
    optimizer: str | None
    input_shape: tuple[int | None, ...] | None = None  # the declared shape of one row (no batch dimension)
    learning_rate: float | None = None  # the optimizer's, when it is a plain number (not a schedule)

    @property
    def hidden(self) -> tuple[DenseFact, ...]:
        return self.dense[:-1]

    @property
    def output(self) -> DenseFact | None:
        return self.dense[-1] if self.dense else None


def model_facts(config: Any, compiled: bool = True) -> ModelFacts:
    """Read the facts from a model's full Keras config (as model.to_json() gives it)."""
    config = _dict(config)
    layers = _flatten_layers(config)
    compile_config = _dict(config.get("compile_config")) if compiled else {}
    loss, from_logits = _loss_facts(compile_config.get("loss"))
    optimizer = compile_config.get("optimizer")
    learning_rate = None
    if isinstance(optimizer, dict):
        rate = _dict(optimizer.get("config")).get("learning_rate")
        if isinstance(rate, (int, float)) and not isinstance(rate, bool) and math.isfinite(rate):
            learning_rate = float(rate)
        optimizer = optimizer.get("class_name")
    shape = _input_shape(config, layers)
    return ModelFacts(
        kind=_text(config.get("class_name")),
        input_dim=shape[-1] if shape and isinstance(shape[-1], int) else None,
        dense=_dense_facts(layers),
        compiled=bool(compile_config),
        loss=loss,
        from_logits=from_logits,
        optimizer=_text(optimizer).lower() if optimizer else None,
        input_shape=shape,
        learning_rate=learning_rate,
    )


def _flatten_layers(config: dict) -> list[dict]:
    """The layers in order, nested models' layers in their place (iterative: a config can nest deeply)."""
    layers, stack = [], [iter(_list(_dict(config.get("config")).get("layers")))]
    while stack:
        layer = next(stack[-1], None)
        if layer is None:
            stack.pop()
        elif isinstance(layer, dict) and layer.get("class_name") in ("Sequential", "Functional", "Model"):
            stack.append(iter(_list(_dict(layer.get("config")).get("layers"))))
        elif isinstance(layer, dict):
            layers.append(layer)
    return layers


def _dense_facts(layers: list[dict]) -> tuple[DenseFact, ...]:
    facts: list[dict[str, Any]] = []
    for layer in layers:
        name, config = layer.get("class_name"), _dict(layer.get("config"))
        if name == "Dense":
            first = activation_name(config.get("activation"))
            units = config.get("units")
            facts.append({"name": _text(config.get("name", "")),
                          "units": units if isinstance(units, int) and not isinstance(units, bool) else 0,
                          "activations": [first] if first != "linear" else []})
        elif facts and name in ("Activation", *ACTIVATION_LAYERS):
            act = activation_name(config.get("activation")) if name == "Activation" else ACTIVATION_LAYERS[name]
            if act != "linear":
                facts[-1]["activations"].append(act)
    return tuple(
        DenseFact(position=i, name=f["name"], units=f["units"], activations=tuple(f["activations"]))
        for i, f in enumerate(facts)
    )


def activation_name(activation: Any) -> str:
    """Canonical name of an activation as Keras serializes it ('relu', None, {'config': 'relu'})."""
    if isinstance(activation, dict):
        activation = activation.get("config")
        if isinstance(activation, dict):
            activation = activation.get("name")
    if activation in (None, "", "linear", "identity"):
        return "linear"
    return _text(activation).lower()


def _input_shape(config: dict, layers: list[dict]) -> tuple[int | None, ...] | None:
    """The shape of one row the model declares it takes (its first declared input shape, batch dropped)."""
    shapes = [_dict(config.get("config")).get("build_input_shape"), _dict(config.get("build_config")).get("input_shape")]
    for layer in layers:
        layer_config = _dict(layer.get("config"))
        shapes += [layer_config.get("batch_shape"), layer_config.get("batch_input_shape"),
                   _dict(layer.get("build_config")).get("input_shape")]
        if layer.get("class_name") != "InputLayer":
            break
    for shape in shapes:
        if isinstance(shape, list) and 2 <= len(shape) <= MAX_RANK and all(
                dim is None or isinstance(dim, int) and not isinstance(dim, bool) for dim in shape[1:]):
            return tuple(shape[1:])
    return None


def _loss_facts(loss: Any) -> tuple[str | None, bool]:
    if loss is None:
        return None, False
    from_logits = False
    if isinstance(loss, dict):
        from_logits = bool(_dict(loss.get("config")).get("from_logits", False))
        name = loss.get("class_name")
        if name == "function":
            name = loss.get("config")
        loss = name
    text = _text(loss).lower()
    return LOSS_NAMES.get(text.replace("_", ""), text), from_logits


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    """A name from the config as text, at most NAME_CHARS long: the config is the student's."""
    return value[:NAME_CHARS] if isinstance(value, str) else shown(value, NAME_CHARS)
