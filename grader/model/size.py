"""The size of a model, read from its Keras config before Keras builds or allocates anything.

A config of a few hundred bytes can ask Keras for a billion weights (allocated when a layer is
deserialized with a build_config, or first called) or call one layer ten thousand times (every
call is traced). So the grader infers every tensor's shape over the allowlisted layers
(grader.model.safe_config.LAYERS) the way Keras builds them, counts the weights as Keras's
count_params() does, and refuses a model over SizeCaps before anything is built.

A config is read only in the form Keras's to_json() writes: anything else raises UnsafeModel
(the student's, as an invalid return). A well-formed config whose layers do not fit together
for the grader's input raises UnbuildableModel: Keras could not build it either, so it is never
given to Keras. Every function here is total over arbitrary JSON and iterative or bounded in
depth (models nest at most MAX_NESTING deep).
"""
from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from grader.model.safe_config import LAYERS, MODELS, UnsafeModel, shown

Shape = tuple  # (batch, *dims): batch is None or an int, every other dimension a positive int

MAX_NESTING = 8  # models inside models; real ones nest one or two deep
MAX_RANK = 8  # dimensions of a tensor, batch included; the exercises' data has 2
FLOAT_POLICIES = frozenset({"float16", "float32", "float64", "bfloat16", "mixed_float16", "mixed_bfloat16"})
# Every layer the grader sizes, by how: the weighted ones (their output has their input's shape, but
# for Dense's units), the merges, and the weightless ones that keep their input's shape. A layer in
# none of them is refused, so a layer added to the allowlist is never sized by mistake.
WEIGHTED = frozenset({"Dense", "PReLU", "BatchNormalization", "LayerNormalization"})
MERGES = frozenset({"Add", "Average", "Concatenate", "Maximum", "Minimum", "Multiply", "Subtract"})
SHAPE_KEEPING = frozenset({
    "Activation", "ReLU", "LeakyReLU", "ELU", "Softmax", "Dropout", "AlphaDropout", "GaussianDropout", "GaussianNoise",
    "SpatialDropout1D", "UnitNormalization", "Identity", "Rescaling", "ActivityRegularization",
})
SIZED = WEIGHTED | MERGES | SHAPE_KEEPING | {"InputLayer", "Flatten", "Reshape"}


class ModelTooLarge(UnsafeModel):
    """The model is over one of the caps; the message says which, in the student's terms."""


class UnbuildableModel(UnsafeModel):
    """The config is well-formed but its layers do not fit together for this input (Keras would fail too)."""


@dataclass(frozen=True)
class ModelSize:
    """What building and running a model costs, per example (one row of features)."""

    layers: int  # layer objects, nested models' included (InputLayers and the model containers are not)
    calls: int  # layer calls in one forward pass: a layer called again counts again
    parameters: int  # weights Keras allocates: count_params() of the built model
    widest: int  # the most values any one tensor of a forward pass holds per example (the input included)
    activations: int  # values per example of all the tensors one forward pass computes (the input included)


@dataclass(frozen=True)
class SizeCaps:
    """The largest model the grader builds and trains: every field of ModelSize has a cap.

    Generous: the lessons' networks have 2 to 4 layers of 8 to 256 units (digits' reference,
    the largest: 3 layers, 50,826 parameters, 256 values at its widest), and any network a student
    would plausibly write fits: two hidden layers of 1,024 units have 1,126,410 parameters on digits.
    Time is not what the parameter cap bounds: grader.training.trainer.WorkCaps bounds the training,
    parameters x batches x epochs. The caps bound what building costs: tracing about a second per
    layer (three traces when the two-circles evidence is shown), memory about 150 bytes per
    parameter while a training is built (weights, optimizer state, each seed's starting values), and the values per example
    times the rows of a batch (digits: 1,257).
    """

    # The worst these caps and grader.training.trainer.WorkCaps still allow, measured on this 2-core
    # machine (shared, load average 3 to 5) by grading in-process with the most each cap admits:
    # 32 linear Dense(2) layers, EPOCHS=1000, BATCH_SIZE=1 on iris: 34-39 s (44 epochs, then the
    # two-circles evidence; most of it tracing); one Dense layer called 64 times: 15 s; 199,960
    # parameters on digits: 26 s (117 epochs), in batches of 1: 15 s (3 epochs); 32,768 values per
    # example in one batch of all 1,257 digits: 20 s and the highest peak, 946 MiB RSS for the whole
    # grader process (598 MiB before, TensorFlow's own). The parameter cap raised from 200,000 to
    # 1,500,000 (load average 6 to 7): two relu layers of 1,187 units on digits, EPOCHS=1000: 34 s
    # (15 epochs), 816 MiB; the same in batches of 2, the smallest one epoch allows: 21 s (1 epoch);
    # the same layers linear, so the two-circles evidence trains too: 64 s, 1,028 MiB.
    layers: int = 32
    calls: int = 64
    parameters: int = 1_500_000
    widest: int = 8_192
    activations: int = 32_768

    def check(self, size: ModelSize) -> None:
        """Raise ModelTooLarge for the first cap the model is over."""
        self.check_structure(size.layers, size.calls)
        for value, cap, what, fix in (
                (size.parameters, self.parameters, "parameters (weights and biases)", FEWER_UNITS),
                (size.widest, self.widest, "values per example in its widest layer output",
                 "use fewer units in its widest layer"),
                (size.activations, self.activations, "values per example computed by one pass through all its layers",
                 "use fewer or narrower layers")):
            if value > cap:
                raise _too_large(value, cap, what, fix)

    def check_structure(self, layers: int, calls: int) -> None:
        """The caps known before any shape is inferred: layers and layer calls."""
        if layers > self.layers:
            raise _too_large(layers, self.layers, "layers", "use fewer layers: one or two hidden layers are enough here")
        if calls > self.calls:
            raise _too_large(calls, self.calls, "layer calls in one pass (a layer used again counts again)",
                             "call each layer once, in a plain stack of layers")


FEWER_UNITS = ("use fewer units in the hidden layers: a Dense layer of n units after one of m has (m + 1) x n "
               "parameters, and hidden layers of 16 to 512 units are plenty for these data sets")


def _too_large(value: int, cap: int, what: str, fix: str) -> ModelTooLarge:
    return ModelTooLarge(f"the model has {_count(value)} {what}; this exercise allows at most {cap:,} "
                         f"(the grader builds and trains it itself). Fix: {fix}")


def _count(value: int) -> str:
    return f"{value:,}" if value < 10**15 else shown(value)


def model_size(config: Any, n_features: int, caps: SizeCaps | None = None) -> ModelSize:
    """The size of the model a config describes, as the grader would build it for n_features inputs.

    Raises UnsafeModel for a config not in Keras's own form, UnbuildableModel when its layers do not
    fit together, and ModelTooLarge when over caps (the layer counts are checked before any shape is
    inferred, so the work done here is bounded by the caps and the config's length).
    """
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str) or config["class_name"] not in MODELS:
        raise UnsafeModel("the config does not describe a Keras model")
    model = _parse_model(config, 1)
    layers = model.count_layers()
    if caps:
        caps.check_structure(layers, model.calls)
    sizer = _Sizer()
    shape = model.fixed_input or (None, n_features)
    sizer.widest = _width(shape)
    sizer.activations = _width(shape)
    sizer.call_model(model, shape)
    sizer.build_the_rest(model)
    size = ModelSize(layers, model.calls, sizer.parameters, sizer.widest, sizer.activations)
    if caps:
        caps.check(size)
    return size


# --- Reading the config: the structure, before any shape ---------------------------------------

@dataclass(eq=False)
class _Layer:
    kind: str
    name: str
    config: dict
    build_shape: Shape | None  # from its build_config: Keras builds the layer with it when deserializing
    model: _Model | None = None  # a nested model
    nodes: list[_Node] = field(default_factory=list)  # a functional model's layer: its calls, in order
    built_for: Shape | None = None  # the input its weights were built for (inference state)


@dataclass(eq=False)
class _Node:
    """One call of a layer in a functional model: the (layer, call) whose output each input is."""

    sources: list
    as_list: bool  # the inputs were passed as a list (as merge layers take them)


@dataclass(eq=False)
class _Model:
    kind: str
    name: str
    layers: list[_Layer]
    fixed_input: Shape | None  # the input shape the config itself sets, if any
    calls: int = 0  # layer calls in one pass, nested models expanded
    inputs: list = field(default_factory=list)  # functional: (layer, node) of each input
    outputs: list = field(default_factory=list)  # functional: (layer, node) of each output
    called_with: Shape | None = None  # inference state: a nested model is inferred once
    output: Shape | None = None
    activations: int = 0

    @property
    def functional(self) -> bool:
        return self.kind != "Sequential"

    def count_layers(self) -> int:
        return sum(layer.model.count_layers() if layer.model else layer.kind != "InputLayer" for layer in self.layers)


def _parse_model(obj: dict, level: int) -> _Model:
    if level > MAX_NESTING:
        raise UnsafeModel(f"the model has models nested more than {MAX_NESTING} deep")
    config = _dict(obj.get("config"), "a model's config")
    _check_dtype(config, "the model")
    name = _name(config.get("name"), "the model")
    entries = config.get("layers")
    if not isinstance(entries, list):
        raise UnsafeModel(f"the config of model {_q(name)} has no list of layers")
    layers = [_parse_layer(entry, level) for entry in entries]
    model = _Model(str(obj["class_name"]), name, layers, None)
    if model.functional:
        _parse_graph(model, config, entries)
    else:
        _parse_sequential(model, obj, config)
    return model


def _parse_layer(entry: Any, level: int) -> _Layer:
    if not isinstance(entry, dict) or not isinstance(entry.get("class_name"), str):
        raise UnsafeModel("a layer of the model's config is not a Keras layer config")
    kind = entry["class_name"]
    if kind not in LAYERS & SIZED and kind not in MODELS:
        raise UnsafeModel(f"the model contains {shown(kind)}, which is not a layer the grader can build")
    config = _dict(entry.get("config"), f"the config of a {kind} layer")
    name = _name(entry.get("name", config.get("name")), f"a {kind} layer")
    if kind in MODELS:
        return _Layer(kind, name, config, None, model=_parse_model(entry, level + 1))
    _check_dtype(config, f"layer {_q(name)}")
    build = entry.get("build_config")
    build_shape = None
    if kind in WEIGHTED and build:
        if not isinstance(build, dict) or set(build) != {"input_shape"}:
            raise UnsafeModel(f"layer {_q(name)} has a build_config Keras never writes")
        build_shape = _shape(build["input_shape"], f"the build_config of layer {_q(name)}")
    return _Layer(kind, name, config, build_shape)


def _parse_sequential(model: _Model, obj: dict, config: dict) -> None:
    """Where Keras takes a Sequential model's input shape from: every source the config gives must agree."""
    layers = model.layers
    if any(layer.kind == "InputLayer" for layer in layers[1:]):
        raise UnsafeModel(f"model {_q(model.name)} has an InputLayer after its first layer")
    sources = []
    if layers and layers[0].kind == "InputLayer":
        sources.append(_input_layer_shape(layers[0]))
    elif layers and layers[0].model is None and ("input_dim" in layers[0].config or "input_shape" in layers[0].config):
        first = layers[0].config
        dims = [first["input_dim"]] if first.get("input_dim") is not None else first.get("input_shape")
        sources.append(_shape([None, *_list(dims, f"the input_shape of layer {_q(layers[0].name)}")],
                              f"the input_shape of layer {_q(layers[0].name)}"))
    elif len(layers) > 1 and layers[0].model is not None and layers[0].model.fixed_input:
        sources.append(layers[0].model.fixed_input)  # Keras builds the Sequential on its first model's input
    if config.get("build_input_shape"):
        sources.append(_shape(config["build_input_shape"], f"the build_input_shape of model {_q(model.name)}"))
    build = obj.get("build_config")
    if isinstance(build, dict) and build.get("input_shape") is not None:
        sources.append(_shape(build["input_shape"], f"the build_config of model {_q(model.name)}"))
    if build and (not isinstance(build, dict) or set(build) - {"input_shape"}):
        raise UnsafeModel(f"model {_q(model.name)} has a build_config Keras never writes")
    for shape in sources[1:]:
        if not _same(shape, sources[0]):
            raise UnbuildableModel(f"model {_q(model.name)} is configured for inputs of shapes {_shown_shape(sources[0])} "
                                   f"and {_shown_shape(shape)} at once")
    model.fixed_input = sources[0] if sources else None
    model.calls = sum(layer.model.calls if layer.model else 1 for layer in layers if layer.kind != "InputLayer")


def _parse_graph(model: _Model, config: dict, entries: list) -> None:
    """A functional model's layer calls, each with the (layer, call) whose outputs it takes."""
    by_name: dict[str, _Layer] = {}
    for layer, entry in zip(model.layers, entries):
        if layer.name in by_name:
            raise UnsafeModel(f"model {_q(model.name)} has two layers named {shown(layer.name)}")
        by_name[layer.name] = layer
        nodes = entry.get("inbound_nodes", [])
        if not isinstance(nodes, list) or (layer.kind == "InputLayer" and nodes):
            raise UnsafeModel(f"the calls of layer {_q(layer.name)} are not in the form Keras writes")
        layer.nodes = [_node_inputs(node, layer.name) for node in nodes]
    for layer in model.layers:
        for node in layer.nodes:
            node.sources = [_resolve(by_name, name, index, model.name) for name, index in node.sources]
    model.inputs = [_resolve(by_name, *ref, model.name, offset=True) for ref in _refs(config.get("input_layers"), model.name)]
    model.outputs = [_resolve(by_name, *ref, model.name, offset=True) for ref in _refs(config.get("output_layers"), model.name)]
    if not model.inputs or any(layer.kind != "InputLayer" for layer, _ in model.inputs):
        raise UnsafeModel(f"the inputs of model {_q(model.name)} are not InputLayers")
    model.fixed_input = _input_layer_shape(model.inputs[0][0]) if len(model.inputs) == 1 else None
    model.calls = sum((layer.model.calls if layer.model else 1) * len(layer.nodes) for layer in model.layers)


def _node_inputs(node: Any, layer: str) -> _Node:
    """One call of a layer: the (layer name, call index) of each tensor it takes."""
    if not isinstance(node, dict) or not isinstance(node.get("args"), list) or not node["args"]:
        raise UnsafeModel(f"a call of layer {_q(layer)} is not in the form Keras writes")
    first, *others = node["args"]
    tensors = first if isinstance(first, list) else [first]
    kwargs = node.get("kwargs", {})
    if not isinstance(kwargs, dict) or not tensors or any(_is_tensor(v) or isinstance(v, (list, dict))
                                                          for v in [*others, *kwargs.values()]):
        raise UnsafeModel(f"a call of layer {_q(layer)} passes values the grader does not read")
    refs = []
    for tensor in tensors:
        history = tensor.get("config", {}).get("keras_history") if _is_tensor(tensor) else None
        if not (isinstance(history, list) and len(history) == 3 and isinstance(history[0], str)
                and _is_int(history[1]) and history[2] == 0 and not isinstance(history[2], bool)):
            raise UnsafeModel(f"a call of layer {_q(layer)} takes an input that is not a layer's output")
        refs.append((history[0], history[1]))
    return _Node(refs, isinstance(first, list))


def _refs(value: Any, model: str) -> list:
    """A functional model's input_layers or output_layers: one [name, node, 0] or a list of them."""
    items = [value] if isinstance(value, list) and value and isinstance(value[0], str) else value
    if not isinstance(items, list) or not all(isinstance(v, list) and len(v) == 3 and isinstance(v[0], str)
                                              and _is_int(v[1]) and v[2] == 0 for v in items):
        raise UnsafeModel(f"the inputs or outputs of model {_q(model)} are not in the form Keras writes")
    return [(v[0], v[1]) for v in items]


def _resolve(by_name: dict, name: str, index: int, model: str, offset: bool = False) -> tuple[_Layer, int]:
    layer = by_name.get(name)
    if layer is None:
        raise UnsafeModel(f"model {_q(model)} refers to a layer {shown(name)} it does not have")
    if offset and layer.kind in ("Functional", "Model"):
        index -= 1  # Keras numbers a functional model's calls from 1 there (its own graph is call 0)
    calls = 1 if layer.kind == "InputLayer" else len(layer.nodes)
    if not 0 <= index < calls:
        raise UnsafeModel(f"model {_q(model)} refers to call {index} of layer {_q(layer.name)}, which it never makes")
    return layer, index


def _input_layer_shape(layer: _Layer) -> Shape:
    """The shape an InputLayer's config gives (Keras also reads the deprecated forms)."""
    config = layer.config
    if config.get("input_tensor") is not None or config.get("sparse") or config.get("ragged"):
        raise UnsafeModel(f"input {_q(layer.name)} is not a plain dense input")
    shape = config.get("input_shape", config.get("shape"))
    batch_shape = config.get("batch_input_shape", config.get("batch_shape"))
    if (shape is None) == (batch_shape is None):
        raise UnsafeModel(f"input {_q(layer.name)} does not say its shape in the form Keras writes")
    if shape is not None:
        batch = config.get("batch_size")
        if batch is not None and not _is_int(batch):
            raise UnsafeModel(f"input {_q(layer.name)} has a batch size that is not a whole number")
        batch_shape = [batch, *_list(shape, f"the shape of input {_q(layer.name)}")]
    return _shape(batch_shape, f"the shape of input {_q(layer.name)}")


# --- Inferring shapes: weights, widths -----------------------------------------------------------

class _Sizer:
    def __init__(self) -> None:
        self.parameters = 0
        self.widest = 0
        self.activations = 0

    def call_model(self, model: _Model, shape: Shape) -> Shape:
        """Call a model on one input; a model called again must take the same shape (its output is then known)."""
        if model.fixed_input and not _same(model.fixed_input, shape):
            raise UnbuildableModel(f"model {_q(model.name)} takes inputs of shape {_shown_shape(model.fixed_input)} "
                                   f"but is given {_shown_shape(shape)}")
        if model.called_with is not None:
            if not _same(model.called_with, shape):
                raise UnbuildableModel(f"model {_q(model.name)} is called on inputs of different shapes")
            self.activations += model.activations
            return model.output
        model.called_with = shape
        before = self.activations
        model.output = self._graph(model) if model.functional else self._stack(model, shape)
        model.activations = self.activations - before
        return model.output

    def _stack(self, model: _Model, shape: Shape) -> Shape:
        for layer in model.layers:
            if layer.kind != "InputLayer":
                shape = self._call(layer, [shape], single=True)
        return shape

    def _graph(self, model: _Model) -> Shape:
        """Every call of a functional model's layers, in an order where each call's inputs are known."""
        outputs: dict[tuple[int, int], Shape] = {}
        waiting: dict[tuple[int, int], int] = {}
        takers: dict[tuple[int, int], list] = {}
        ready = deque()
        for layer in model.layers:
            if layer.kind == "InputLayer":
                outputs[id(layer), 0] = _input_layer_shape(layer)
        for layer in model.layers:
            for index, node in enumerate(layer.nodes):
                # A layer's calls happen in their order: call i also waits for call i - 1.
                needs = {(id(source), call) for source, call in node.sources} | ({(id(layer), index - 1)} if index else set())
                missing = {need for need in needs if need not in outputs}
                waiting[id(layer), index] = len(missing)
                for need in missing:
                    takers.setdefault(need, []).append((layer, index))
                if not missing:
                    ready.append((layer, index))
        done = 0
        while ready:
            layer, index = ready.popleft()
            node = layer.nodes[index]
            outputs[id(layer), index] = self._call(layer, [outputs[id(s), i] for s, i in node.sources], not node.as_list)
            done += 1
            for taker in takers.pop((id(layer), index), []):
                key = (id(taker[0]), taker[1])
                waiting[key] -= 1
                if not waiting[key]:
                    ready.append(taker)
        if done < len(waiting):
            raise UnsafeModel(f"the layers of model {_q(model.name)} are connected in a loop")
        shapes = [outputs[id(layer), index] for layer, index in model.outputs]
        if len(shapes) != 1:
            raise UnbuildableModel(f"model {_q(model.name)} has {len(shapes)} outputs; the exercise needs one")
        return shapes[0]

    def _call(self, layer: _Layer, shapes: list[Shape], single: bool) -> Shape:
        merge = layer.kind in MERGES
        if single == merge or (len(shapes) != 1 and not merge):
            raise UnbuildableModel(f"layer {_q(layer.name)} is called on {len(shapes)} inputs")
        if layer.model is not None:
            if layer.model.functional and len(layer.model.inputs) != 1:
                raise UnbuildableModel(f"model {_q(layer.name)} inside the model takes {len(layer.model.inputs)} inputs")
            out = self.call_model(layer.model, shapes[0])
        else:
            out = _output_shape(layer, shapes)
            if layer.kind in WEIGHTED:
                self._build(layer, shapes[0])
            self.activations += _width(out)
        self.widest = max(self.widest, _width(out))
        return out

    def _build(self, layer: _Layer, shape: Shape) -> None:
        """A weighted layer's weights, made once for the input it is first built for."""
        built = layer.built_for or layer.build_shape
        if built is not None and not _same(built, shape):
            raise UnbuildableModel(f"layer {_q(layer.name)} is built for inputs of shape {_shown_shape(built)} "
                                   f"but is given {_shown_shape(shape)}")
        if layer.built_for is None:
            layer.built_for = shape
            self.parameters += _weights(layer, shape)

    def build_the_rest(self, model: _Model) -> None:
        """What Keras builds while deserializing even if it is never called: weighted layers with a
        build_config, and nested models with an input shape of their own."""
        stack = [model]
        while stack:
            current = stack.pop()
            for layer in current.layers:
                if layer.model is not None:
                    if layer.model.called_with is None and layer.model.fixed_input:
                        self.call_model(layer.model, layer.model.fixed_input)
                    stack.append(layer.model)
                elif layer.built_for is None and layer.build_shape is not None:
                    self._build(layer, layer.build_shape)


def _output_shape(layer: _Layer, shapes: list[Shape]) -> Shape:
    config, kind, shape = layer.config, layer.kind, shapes[0]
    if kind == "Dense":
        return (*shape[:-1], _positive(config.get("units"), f"the units of layer {_q(layer.name)}"))
    if kind == "Flatten":
        return (shape[0], math.prod(shape[1:]))
    if kind == "Reshape":
        return (shape[0], *_reshaped(layer, shape))
    if kind in MERGES:
        return _merged(layer, shapes)
    if kind == "SpatialDropout1D" and len(shape) != 3:
        raise UnbuildableModel(f"layer {_q(layer.name)} needs 3-dimensional inputs")
    if kind == "Rescaling" and not all(_is_number(config.get(key, 0.0)) for key in ("scale", "offset")):
        raise UnsafeModel(f"layer {_q(layer.name)} rescales by something other than a number")
    return shape  # SHAPE_KEEPING and the weighted layers but Dense


def _reshaped(layer: _Layer, shape: Shape) -> tuple[int, ...]:
    """A Reshape layer's target for one row of `shape` (one -1 stands for what is left, as in Keras)."""
    target, name = layer.config.get("target_shape"), layer.name
    if (not isinstance(target, (list, tuple)) or not 1 <= len(target) <= 8 or list(target).count(-1) > 1
            or not all(_is_int(d) and (d >= 1 or d == -1) for d in target)):
        raise UnsafeModel(f"layer {_q(name)} reshapes to {shown(target)}, not a shape of positive whole numbers")
    values, known = math.prod(shape[1:]), math.prod(d for d in target if d != -1)
    if -1 in target and values % known == 0:
        return tuple(values // known if d == -1 else d for d in target)
    if known != values or -1 in target:
        raise UnbuildableModel(f"layer {_q(name)} reshapes rows of {values:,} values into {shown(tuple(target))}")
    return tuple(target)


def _weights(layer: _Layer, shape: Shape) -> int:
    """The number of weights Keras's build() makes for this input shape (what count_params() counts)."""
    config, name = layer.config, layer.name
    if layer.kind == "Dense":
        if config.get("lora_rank") or config.get("quantization_config") is not None:
            raise UnsafeModel(f"layer {_q(name)} is a LoRA or quantized Dense layer, which this exercise does not train")
        units = _positive(config.get("units"), f"the units of layer {_q(name)}")
        return shape[-1] * units + units * _flag(config, "use_bias", True, name)
    if layer.kind == "PReLU":
        dims = list(shape[1:])
        axes = config.get("shared_axes")
        for axis in [] if axes is None else axes if isinstance(axes, list) else [axes]:
            if not _is_int(axis) or not -len(dims) <= axis - 1 < len(dims):
                raise UnbuildableModel(f"layer {_q(name)} shares an axis its input does not have")
            dims[axis - 1] = 1
        return math.prod(dims)
    if layer.kind == "BatchNormalization":
        dim = _axis_size(config.get("axis", -1), shape, name)
        kept = 2 + 3 * _flag(config, "renorm", False, name)  # moving mean and variance (and renorm's three)
        return dim * (kept + _flag(config, "center", True, name) + _flag(config, "scale", True, name))
    axes = config.get("axis", -1)  # LayerNormalization
    size = math.prod(_axis_size(axis, shape, name) for axis in (axes if isinstance(axes, list) else [axes]))
    rms = _flag(config, "rms_scaling", False, name)
    return size * ((_flag(config, "scale", True, name) or rms) + (_flag(config, "center", True, name) and not rms))


def _merged(layer: _Layer, shapes: list[Shape]) -> Shape:
    if layer.kind == "Subtract" and len(shapes) != 2:
        raise UnbuildableModel(f"layer {_q(layer.name)} subtracts exactly two inputs, not {len(shapes)}")
    if len({len(shape) for shape in shapes}) != 1:
        raise UnbuildableModel(f"layer {_q(layer.name)} merges inputs with different numbers of dimensions")
    rank = len(shapes[0])
    if layer.kind == "Concatenate":
        axis = layer.config.get("axis", -1)
        if not _is_int(axis) or not -rank < axis < rank or axis == 0:
            raise UnbuildableModel(f"layer {_q(layer.name)} concatenates along an axis its inputs do not have")
        axis %= rank
        if any(shape[1:axis] + shape[axis + 1:] != shapes[0][1:axis] + shapes[0][axis + 1:] for shape in shapes):
            raise UnbuildableModel(f"layer {_q(layer.name)} concatenates inputs of shapes that do not fit together")
        return (*shapes[0][:axis], sum(shape[axis] for shape in shapes), *shapes[0][axis + 1:])
    dims = [shapes[0][0]]
    for column in list(zip(*shapes))[1:]:
        sizes = set(column) - {1}
        if len(sizes) > 1:
            raise UnbuildableModel(f"layer {_q(layer.name)} merges inputs of shapes that do not fit together")
        dims.append(sizes.pop() if sizes else 1)
    return tuple(dims)


# --- Small readers, each refusing what Keras would not write ---------------------------------------

def _dict(value: Any, what: str) -> dict:
    if not isinstance(value, dict):
        raise UnsafeModel(f"{what} is not in the form Keras writes")
    return value


def _list(value: Any, what: str) -> list:
    if not isinstance(value, (list, tuple)):
        raise UnsafeModel(f"{what} is not a list of sizes")
    return list(value)


def _name(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise UnsafeModel(f"{what} has no name in its config")
    return value


def _q(name: str) -> str:
    """A layer or model name as a message shows it (names are the student's: any length)."""
    return shown(name, 40)


def _shape(value: Any, what: str) -> Shape:
    """A full shape as Keras writes it: [batch, *dims], batch None or a whole number, dims positive whole numbers."""
    dims = _list(value, what)
    if not 2 <= len(dims) <= MAX_RANK:
        raise UnbuildableModel(f"{what} has {len(dims)} dimensions; the grader's inputs are rows of features")
    if not (dims[0] is None or _is_int(dims[0])) or not all(_is_int(d) for d in dims[1:]):
        raise UnsafeModel(f"{what} holds sizes that are not whole numbers")
    if any(d < 1 for d in dims[1:]):
        raise UnbuildableModel(f"{what} has a dimension of size {min(dims[1:])}")
    return tuple(dims)


def _positive(value: Any, what: str) -> int:
    if not _is_int(value) or value < 1:
        raise UnsafeModel(f"{what} is {shown(value)}, not a positive whole number")
    return value


def _flag(config: dict, key: str, default: bool, layer: str) -> bool:
    value = config.get(key, default)
    if not isinstance(value, bool):
        raise UnsafeModel(f"the {key} setting of layer {_q(layer)} is {shown(value)}, not True or False")
    return value


def _axis_size(axis: Any, shape: Shape, layer: str) -> int:
    if not _is_int(axis) or not -len(shape) <= axis < len(shape) or axis % len(shape) == 0:
        raise UnbuildableModel(f"layer {_q(layer)} normalizes along axis {shown(axis)}, which its input does not have")
    return shape[axis]


def _check_dtype(config: dict, what: str) -> None:
    """Only float dtype policies: a quantized one (int8, float8...) makes other weights than a float one."""
    dtype = config.get("dtype")
    if isinstance(dtype, dict) and isinstance(dtype.get("config"), dict):
        dtype = dtype["config"].get("name")
    if dtype is not None and not (isinstance(dtype, str) and dtype in FLOAT_POLICIES):
        raise UnsafeModel(f"{what} uses the dtype {shown(dtype)}; the grader trains float32 networks")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_tensor(value: Any) -> bool:
    return isinstance(value, dict) and value.get("class_name") == "__keras_tensor__" and isinstance(value.get("config"), dict)


def _same(a: Shape, b: Shape) -> bool:
    """The same shape for a layer: the batch dimension aside, which the data sets."""
    return a[1:] == b[1:]


def _width(shape: Shape) -> int:
    return math.prod(shape[1:])


def _shown_shape(shape: Shape) -> str:
    return "(" + ", ".join("None" if d is None else _count(d) for d in shape) + ")"
