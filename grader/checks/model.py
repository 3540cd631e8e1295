"""Checks on the network's structure and compile settings, read from its config.

Iris is almost linearly separable, so these mistakes must be found here, from what
the network is, not from its accuracy.
"""
from __future__ import annotations

from dataclasses import dataclass

from grader.checks.catalog import Finding, mistake
from grader.model.facts import ModelFacts
from grader.model.task import Task

SATURATING = {"sigmoid", "tanh", "hard_sigmoid"}
DEEP_SATURATING_STACK = 4


@dataclass(frozen=True)
class Probe:
    """build_model called with other sizes, to catch hard-coded shapes."""

    n_features: int
    n_classes: int
    facts: ModelFacts | None
    error: str = ""
    call: str = ""  # how it was called, e.g. "build_model(7)"; default build_model(n_features, n_classes)


@dataclass(frozen=True)
class ModelSubject:
    facts: ModelFacts
    n_features: int
    n_classes: int
    task: str = "multiclass"
    probes: tuple[Probe, ...] = ()
    arguments: tuple[str, ...] = ("n_features", "n_classes")  # what build_model takes
    hidden_units: tuple[int, ...] = ()  # the reference network's hidden layers: sizes that pass the exercise

    @property
    def terms(self) -> Task:
        """The exercise's right network, in the words of a fix."""
        return Task(self.task, self.n_features, self.n_classes, self.arguments, self.hidden_units)


def _expected_output(subject: ModelSubject) -> str:
    if subject.task == "binary":
        return "1 unit with sigmoid (or 2 units with softmax, or a linear output and a loss with from_logits=True)"
    return f"{subject.n_classes} units with softmax (or a linear output and a loss with from_logits=True)"


@mistake(
    "no-hidden-layer", family="model", severity="error",
    title="No hidden layer",
    why="Without a hidden layer the network is a single layer of neurons: it can only draw straight "
        "decision boundaries, exactly like logistic regression. Hidden layers are where the network "
        "finds patterns too tangled for a single straight line.",
    fix="add at least one hidden Dense layer with a non-linear activation such as relu before the output layer",
)
def no_hidden_layer(s: ModelSubject):
    if len(s.facts.dense) == 1:
        yield Finding("no-hidden-layer", "the model has only its output Dense layer", "at least one hidden Dense layer before the output", f"dense:0/{len(s.facts.dense)}",
                      fix=f"add {s.terms.hidden_layers()}, before the output layer")


@mistake(
    "linear-hidden-activation", family="model", severity="error",
    title="Hidden layer without a non-linear activation",
    why="If we just use raw sums, neurons behave like linear regression: stacked linear layers collapse "
        "into one linear transformation, so the network can only learn straight lines however many "
        "layers it has. On data that is almost linearly separable it may still score well; on curved "
        "patterns it cannot.",
    fix="give each hidden Dense layer a non-linear activation, e.g. activation='relu' "
        "(or add keras.layers.Activation('relu') right after it)",
)
def linear_hidden_activation(s: ModelSubject):
    for layer in s.facts.hidden:
        if layer.is_linear:
            yield Finding("linear-hidden-activation", f"hidden layer {layer.name!r} ({layer.units} units) has a linear activation",
                          "a non-linear activation such as relu", f"dense:{layer.position}/{len(s.facts.dense)}")


@mistake(
    "softmax-hidden-activation", family="model", severity="error",
    title="Softmax in a hidden layer",
    why="Softmax turns a list of scores into a probability distribution that sums to 1; it belongs on "
        "the output of a multi-class network. In a hidden layer it forces the neurons to compete for "
        "one unit of total signal, which throws information away and slows learning.",
    fix="use relu in the hidden layers (softmax belongs only on the output layer of a network that picks one "
        "class out of several)",
)
def softmax_hidden_activation(s: ModelSubject):
    for layer in s.facts.hidden:
        if "softmax" in layer.activations:
            yield Finding("softmax-hidden-activation", f"hidden layer {layer.name!r} uses softmax",
                          "relu (or another element-wise activation) in hidden layers", f"dense:{layer.position}/{len(s.facts.dense)}")


@mistake(
    "wrong-output-activation", family="model", severity="error",
    title="Output activation does not fit the task",
    why="The output activation decides what the outputs mean. For one class out of several, softmax "
        "gives a probability per class that sums to 1; sigmoid is for yes/no or independent labels; "
        "relu or tanh outputs are not probabilities at all.",
    fix="match the output to the task: softmax for one class out of several (or a linear output with "
        "from_logits=True in the loss), sigmoid for yes/no or independent labels, linear for a number",
)
def wrong_output_activation(s: ModelSubject):
    out = s.facts.output
    if out is None or s.task not in ("multiclass", "binary"):
        return
    if s.task == "binary" and out.units == 1:
        right = ("sigmoid", "linear", "softmax")  # a one-unit softmax is softmax-single-unit
    else:
        right = ("softmax", "linear")
    if out.activation not in right:
        yield Finding("wrong-output-activation", f"the output layer uses {out.activation}",
                      _expected_output(s), f"dense:{out.position}/{len(s.facts.dense)}",
                      fix=f"give the output layer {s.terms.output_words(out.units)} (or leave it linear and compile "
                          f"with loss={s.terms.logits_loss(out.units)})")


@mistake(
    "wrong-output-units", family="model", severity="error",
    title="Output layer has the wrong number of units",
    why="The output layer needs one neuron per class, so each class gets its own probability; a yes/no task "
        "needs just one, a sigmoid unit giving the probability of yes.",
    fix="give the output layer one unit per class with softmax (for a yes/no task, one unit with sigmoid)",
)
def wrong_output_units(s: ModelSubject):
    out = s.facts.output
    if out is not None and s.task == "binary" and out.units not in (1, 2):
        yield Finding("wrong-output-units", f"the output layer has {out.units} units for a yes/no task",
                      "1 unit with sigmoid (or 2 units with softmax)", f"dense:{out.position}/{len(s.facts.dense)}",
                      fix=f"give the output layer one unit: {s.terms.output_layer()}")
    if out is not None and s.task == "multiclass" and out.units != s.n_classes:
        yield Finding("wrong-output-units", f"the output layer has {out.units} unit(s) for {s.n_classes} classes",
                      f"{s.n_classes} units, one per class", f"dense:{out.position}/{len(s.facts.dense)}",
                      fix=f"give the output layer one unit per class: {s.terms.output_layer()}")


@mistake(
    "loss-label-mismatch", family="model", severity="error",
    title="Loss does not match the labels",
    why="The labels here are integers: class ids 0, 1, 2, ... or 0/1 for a yes/no task. Sparse categorical "
        "cross-entropy reads class ids as they are, binary cross-entropy reads 0/1 with one sigmoid unit; "
        "categorical cross-entropy expects one-hot vectors, and mean squared error treats the ids as "
        "numbers on a scale, which they are not.",
    fix="compile with loss='sparse_categorical_crossentropy' for integer class labels (for a yes/no task "
        "with one sigmoid output unit: loss='binary_crossentropy')",
)
def loss_label_mismatch(s: ModelSubject):
    loss, out = s.facts.loss, s.facts.output
    if not s.facts.compiled or loss is None or s.task not in ("multiclass", "binary"):
        return
    reads = LOSS_READS.get(loss, f"the loss {loss} is not a loss for class labels")
    labels = "0 or 1" if s.n_classes == 2 else f"integers 0..{s.n_classes - 1}"
    if s.task == "binary" and out is not None and out.units == 1:
        if loss != "binary_crossentropy":
            yield Finding("loss-label-mismatch", f"{reads}, but the labels are {labels} with one output unit",
                          "binary_crossentropy, the loss for one sigmoid output unit and 0/1 labels", "loss|call:compile",
                          fix="compile with loss='binary_crossentropy' (keep the one sigmoid output unit)")
        return
    if loss != "sparse_categorical_crossentropy":
        units = out.units if out is not None else None
        expected = ("binary_crossentropy with one sigmoid output unit, or sparse_categorical_crossentropy with two "
                    "softmax units" if not s.terms.softmax_outputs(units) else
                    "sparse_categorical_crossentropy, the loss for integer class labels")
        yield Finding("loss-label-mismatch", f"{reads}, but the labels are {labels}, one class id per row",
                      expected, "loss|call:compile", fix=_class_ids_fix(s.terms, units))


def _class_ids_fix(terms: Task, units: int | None) -> str:
    """The loss fix for a network that is not one sigmoid unit: sparse categorical cross-entropy for one softmax
    unit per class, or for a yes/no network whose output fits neither loss, one sigmoid unit and binary cross-entropy."""
    if not terms.softmax_outputs(units):
        return f"compile with loss='binary_crossentropy'{terms.output_change(units)}"
    return ("compile with loss='sparse_categorical_crossentropy', which takes the class ids as they are"
            + (" (or use one sigmoid output unit with loss='binary_crossentropy')" if terms.binary else ""))


# What each loss takes, for the loss-label-mismatch message.
LOSS_READS = {
    "categorical_crossentropy": "categorical cross-entropy expects one-hot labels",
    "sparse_categorical_crossentropy": "sparse categorical cross-entropy expects one output unit per class",
    "binary_crossentropy": "binary cross-entropy expects one 0/1 label per output unit",
    "mean_squared_error": "mean squared error is a regression loss: it treats the labels as numbers on a scale",
    "mean_absolute_error": "mean absolute error is a regression loss: it treats the labels as numbers on a scale",
    "huber": "the Huber loss is a regression loss: it treats the labels as numbers on a scale",
    "hinge": "the hinge loss expects labels of -1 and 1",
    "categorical_hinge": "the categorical hinge loss expects one-hot labels",
}


@mistake(
    "softmax-single-unit", family="model", severity="error",
    title="Softmax on a single output unit",
    why="Softmax turns a list of scores into probabilities that sum to 1. With one unit the list has "
        "one score, so its probability is always exactly 1: the network answers 'pass' for everyone "
        "and cannot learn anything.",
    fix="for a yes/no output use one unit with activation='sigmoid' and loss='binary_crossentropy' "
        "(or two units with softmax and sparse_categorical_crossentropy)",
)
def softmax_single_unit(s: ModelSubject):
    out = s.facts.output
    if out is not None and out.units == 1 and out.activation == "softmax":
        yield Finding("softmax-single-unit", "the output layer has 1 unit with softmax, which always outputs 1.0",
                      _expected_output(s), f"dense:{out.position}/{len(s.facts.dense)}",
                      fix=f"give the output layer {s.terms.output_words()}: {s.terms.output_layer()}, and compile with "
                          f"loss='{s.terms.loss()}'")


@mistake(
    "logits-mismatch", family="model", severity="error",
    title="from_logits does not match the output activation",
    why="from_logits=True tells the loss that the outputs are raw scores and applies softmax itself; "
        "with a softmax output that softmax is applied twice. A linear output without from_logits=True "
        "is treated as probabilities, which raw scores are not.",
    fix="either keep activation='softmax' and the loss's default from_logits=False, or use a linear "
        "output with keras.losses.SparseCategoricalCrossentropy(from_logits=True)",
)
def logits_mismatch(s: ModelSubject):
    out, facts = s.facts.output, s.facts
    if out is None or not facts.compiled or facts.loss is None or "crossentropy" not in facts.loss:
        return
    terms, activation = s.terms, "softmax" if s.terms.softmax_outputs(out.units) else "sigmoid"
    fix = (f"either keep activation='{activation}' and the loss's default from_logits=False, or use a linear "
           f"output with {terms.logits_loss(out.units)}")
    if facts.from_logits and out.activation in ("softmax", "sigmoid"):
        yield Finding("logits-mismatch", f"the output applies {out.activation} and the loss has from_logits=True",
                      "from_logits=True only with a linear output", "kw:from_logits=True|loss|call:compile", fix=fix)
    elif not facts.from_logits and out.activation == "linear":
        yield Finding("logits-mismatch", "the output layer is linear (raw scores) but the loss expects probabilities",
                      f"a {activation} output, or from_logits=True in the loss", f"dense:{out.position}/{len(s.facts.dense)}",
                      fix=fix)


@mistake(
    "input-shape-mismatch", family="model", severity="error",
    title="Input shape does not match the features",
    why="The input layer needs one slot per feature: each row of the data is a flat list of n_features "
        "numbers, so the input shape is (n_features,). A model declared for another number of features, "
        "or for rows with an extra dimension such as (1, n_features) or (n_features, 1), does not take "
        "those rows as they are.",
    fix="declare the input from the argument, one number per feature: keras.Input(shape=(n_features,)) "
        "(or input_shape=(n_features,) on the first Dense layer)",
)
def input_shape_mismatch(s: ModelSubject):
    declared = s.facts.input_shape
    if declared is not None and not fits_rows(declared, s.n_features):
        yield Finding("input-shape-mismatch",
                      f"the model's input is declared with shape {shape_text(declared)}, but each row the grader "
                      f"feeds it has shape ({s.n_features},): {s.n_features} features",
                      f"an input of shape ({s.n_features},)", INPUT_LINE)


INPUT_LINE = "input"  # where the input shape is declared (grader.source_lines)


def fits_rows(declared: tuple[int | None, ...], n_features: int) -> bool:
    """Whether a declared input shape takes rows of n_features numbers (a None dimension takes any size)."""
    return len(declared) == 1 and declared[0] in (None, n_features)


def shape_text(shape: tuple[int | None, ...]) -> str:
    """A shape as Python writes a tuple: (4,), (1, 4), (None, 4)."""
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


@mistake(
    "hardcoded-shapes", family="model", severity="error",
    title="Sizes are hard-coded instead of taken from the arguments",
    why="build_model must work for any data set it is given; a network whose numbers of inputs and "
        "outputs are written in as numbers breaks on the next data set, which has other sizes.",
    fix="use build_model's arguments (n_features, and n_classes where it takes one) for the input shape and the "
        "output units",
)
def hardcoded_shapes(s: ModelSubject):
    """Reported for the first probe that shows it (several probes would only repeat it)."""
    facts, fix = s.facts, f"use {s.terms.size_arguments()}"
    for probe in s.probes:
        call = probe.call or f"build_model({probe.n_features}, {probe.n_classes})"
        if probe.facts is None:
            yield Finding("hardcoded-shapes", f"{call} failed: {probe.error}", f"{call} builds a model for those sizes", "def:build_model", fix=fix)
            return
        found = []
        declared, probed = facts.input_shape, probe.facts.input_shape
        if declared is not None and fits_rows(declared, s.n_features) and probed is not None \
                and not fits_rows(probed, probe.n_features):
            found.append(Finding("hardcoded-shapes", f"{call} declares an input of shape {shape_text(probed)}",
                                 f"an input of shape ({probe.n_features},), one number per feature", INPUT_LINE, fix=fix))
        out = probe.facts.output
        if facts.output and facts.output.units == s.n_classes and out and out.units != probe.n_classes:
            found.append(Finding("hardcoded-shapes", f"{call} has {out.units} output units",
                                 f"{probe.n_classes} output units", f"dense:{out.position}/{len(probe.facts.dense)}", fix=fix))
        if found:
            yield from found
            return


@mistake(
    "not-compiled", family="model", severity="error",
    title="Model is not compiled",
    why="compile() sets the optimizer that updates the weights and the loss the network tries to "
        "shrink; without it the grader cannot know how you meant the network to learn.",
    fix="call model.compile(optimizer='adam', loss=..., metrics=['accuracy']) before returning the model, with the "
        "loss for the labels: 'sparse_categorical_crossentropy' for class ids, 'binary_crossentropy' for 0/1 labels "
        "and one sigmoid output unit",
)
def not_compiled(s: ModelSubject):
    if not s.facts.compiled:
        units = s.facts.output.units if s.facts.output is not None else None
        yield Finding("not-compiled", "build_model returned a model that was never compiled", "a compiled model", "call:compile|returns",
                      fix=f"call {s.terms.compile_call(units)} before returning the model{s.terms.output_change(units)}")


@mistake(
    "vanishing-gradient-risk", family="model", severity="warning",
    title="Deep stack of sigmoid/tanh layers",
    why="Sigmoid and tanh flatten out for large inputs, so the error signal shrinks at every layer "
        "it passes back through (vanishing gradients) and training slows or stalls. The lesson's "
        "author saw exactly this, and switching to relu fixed it.",
    fix="use relu (or another non-saturating activation) in the hidden layers",
)
def vanishing_gradient_risk(s: ModelSubject):
    saturating = [layer for layer in s.facts.hidden if layer.activation in SATURATING]
    if len(saturating) >= DEEP_SATURATING_STACK:
        yield Finding("vanishing-gradient-risk", f"{len(saturating)} hidden layers use sigmoid or tanh",
                      f"fewer than {DEEP_SATURATING_STACK} saturating hidden layers, or relu", f"dense:{saturating[0].position}/{len(s.facts.dense)}")
