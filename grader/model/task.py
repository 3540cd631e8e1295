"""What a right network is for one exercise, in the words a fix uses.

Every fix the grader writes about a network (its output layer, its loss, its compile call, its
hidden layers, build_model's arguments) is built here from the exercise's own spec: whether the
labels are yes/no or one class out of several, how many classes and features there are, which
arguments its build_model takes, and the hidden layers of its reference network (sizes known to
pass it). So a fix never names an argument the exercise does not have, a loss that does not fit
its labels or a size that fails it, and a new exercise needs no change here.

The labels the grader trains on are always integers (0/1, or class ids 0..n_classes-1).
"""
from __future__ import annotations

from dataclasses import dataclass

BINARY, MULTICLASS = "binary", "multiclass"


@dataclass(frozen=True)
class Task:
    kind: str = MULTICLASS  # BINARY: 0/1 labels; MULTICLASS: class ids 0..n_classes-1
    n_features: int = 0
    n_classes: int = 0
    arguments: tuple[str, ...] = ("n_features", "n_classes")  # what build_model takes, in order
    hidden_units: tuple[int, ...] = ()  # the reference network's hidden Dense layers: sizes that pass

    @property
    def binary(self) -> bool:
        return self.kind == BINARY

    def labels(self) -> str:
        """The labels, as a student reads them: "0 or 1", "the integers 0..2"."""
        return "0 or 1" if self.binary else f"the integers 0..{self.n_classes - 1}"

    def softmax_outputs(self, units: int | None) -> bool:
        """Whether a network with this many output units is one softmax unit per class (else one sigmoid unit)."""
        return not self.binary or units == 2

    def output_layer(self, units: int | None = None) -> str:
        """The right output layer, written as the student writes it (`units`: the network's own output units)."""
        if not self.softmax_outputs(units):
            return "keras.layers.Dense(1, activation='sigmoid')"
        count = "n_classes" if "n_classes" in self.arguments and not self.binary else str(self.n_classes)
        return f"keras.layers.Dense({count}, activation='softmax')"

    def output_words(self, units: int | None = None) -> str:
        """The right output layer in words: "one unit per class with softmax"."""
        if not self.softmax_outputs(units):
            return "one unit with activation='sigmoid'"
        return "two units with activation='softmax'" if self.binary else "one unit per class with activation='softmax'"

    def loss(self, units: int | None = None) -> str:
        """The loss for the integer labels and this many output units."""
        return "sparse_categorical_crossentropy" if self.softmax_outputs(units) else "binary_crossentropy"

    def logits_loss(self, units: int | None = None) -> str:
        """The loss object for a linear output (raw scores)."""
        name = "SparseCategoricalCrossentropy" if self.softmax_outputs(units) else "BinaryCrossentropy"
        return f"keras.losses.{name}(from_logits=True)"

    def compile_call(self, units: int | None = None) -> str:
        """The compile call that fits the labels and this many output units."""
        return f"model.compile(optimizer='adam', loss='{self.loss(units)}', metrics=['accuracy'])"

    def output_change(self, units: int | None) -> str:
        """What the output layer needs besides, for a yes/no network whose output fits no yes/no loss ("" if none)."""
        return f", and give it one sigmoid output unit: {self.output_layer()}" if self.binary and units not in (1, 2) \
            else ""

    def size_arguments(self) -> str:
        """Which of build_model's arguments give which size: "the n_features argument for the input shape"."""
        if "n_classes" in self.arguments:
            return "the n_features and n_classes arguments for the input shape and the output units"
        return (f"the n_features argument for the input shape (keras.Input(shape=(n_features,))), and "
                f"{self.output_layer()} for the output")

    def hidden_layers(self) -> str:
        """Hidden layers that pass the exercise, in words and as code: the reference network's sizes."""
        if not self.hidden_units:
            return (f"hidden layers of relu units, more units than the {self.n_classes} classes, e.g. "
                    f"keras.layers.Dense({max(16, 2 * self.n_classes)}, activation='relu')")
        layers = ", then ".join(f"keras.layers.Dense({units}, activation='relu')" for units in self.hidden_units)
        if len(self.hidden_units) == 1:
            return f"a hidden layer of {self.hidden_units[0]} relu units: {layers}"
        sizes = ", ".join(map(str, self.hidden_units[:-1])) + f" and {self.hidden_units[-1]}"
        count = {2: "two", 3: "three"}.get(len(self.hidden_units), str(len(self.hidden_units)))
        return f"{count} hidden layers of {sizes} relu units: {layers}"
