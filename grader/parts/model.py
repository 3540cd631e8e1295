"""Judges build_model: reads the network from its config, then trains it in the grader."""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.checks import CATALOG, run_family
from grader.checks.model import ModelSubject, Probe
from grader.checks.training import TrainingSetup, TrainingSubject
from grader.model.facts import ModelFacts, model_facts
from grader.model.safe_config import UnsafeModel, shown, strip_compile, validate
from grader.model.size import ModelSize, SizeCaps, UnbuildableModel, model_size
from grader.model.task import Task
from grader.sandbox.calls import INVALID_RETURN, Call, Outcome
from grader.spec import FunctionError, PartResult, RubricItem, failure
from grader.training.trainer import WorkCaps

EVIDENCE_FOR = {"linear-hidden-activation"}  # mistakes that iris accuracy cannot show
# Mistakes that keep Keras from training a network on the data at all, the likeliest first: when
# training fails, the accuracy item names the one found instead of Keras's words about the grader's data.
TRAINING_BLOCKERS = ("input-shape-mismatch", "wrong-output-units", "loss-label-mismatch")


@dataclass(frozen=True)
class TrainingBudget:
    """Where the student's EPOCHS / BATCH_SIZE constants are read from, their defaults and caps."""

    epochs: int = 200
    batch_size: int = 32
    max_epochs: int = 1000
    max_steps: int = 60_000  # epochs x batches per epoch, per seed
    model: SizeCaps = SizeCaps()  # the largest network the grader builds: a larger one is refused
    work: WorkCaps = WorkCaps()  # the most training per seed: more lowers the epochs
    # The two-circles evidence trains two networks the student's size: each gets a quarter of the work,
    # so that a large network's evidence costs at most half its own training (a small one's is unchanged).
    evidence: WorkCaps = WorkCaps(row_work=7_500_000_000, update_work=250_000_000, call_work=37_500)


@dataclass(frozen=True)
class Network:
    """What one build_model call returned, read and sized from its config before anything is built."""

    config: dict
    facts: ModelFacts
    size: ModelSize | None  # None when its layers do not fit together for the grader's input
    unbuildable: str = ""  # then, why


@dataclass(frozen=True)
class ModelPart:
    rubric: tuple[RubricItem, ...]
    dataset: str
    n_features: int
    n_classes: int
    min_accuracy: float  # median test accuracy over the seeds, calibrated with `grader calibrate`
    underfit_below: float
    function: str = "build_model"
    task: str = "multiclass"
    # Other sizes than the graded call's, each its own call; a (2, 2) network, probe or graded call, also
    # serves the two-circles evidence.
    probes: tuple[tuple[int, int], ...] = ((7, 5), (2, 2))
    reference: str | None = None  # the exercise whose reference network is shown beside the student's
    arguments: tuple[str, ...] = ("n_features", "n_classes")  # what build_model takes
    class_names: tuple[str, ...] = ()
    seeds: tuple[int, ...] = (0, 1, 2)
    test_size: float = 0.3
    budget: TrainingBudget = TrainingBudget()
    # Opt-in checks of the trained network, each a condition a rubric item can require:
    probabilities: bool = False  # "probabilities": its outputs on the test rows are probabilities (rows sum to 1)
    baseline: str | None = None  # "baseline": median test accuracy at least a baseline's (grader.training.baseline)
    baseline_tolerance: float = 0.0  # ... minus this much, calibrated: `grader calibrate` shows the margin
    overfit_gap: float | None = None  # the overfitting warning when the median train/test accuracy gap exceeds it

    def calls(self) -> list[Call]:
        return [self._build(f, c) for f, c in [(self.n_features, self.n_classes), *self.probes]]

    def _build(self, n_features: int, n_classes: int) -> Call:
        """The call of build_model for these sizes (the child sends back the model's config)."""
        return Call.of(self.function, f"{n_features}x{n_classes}", self.args(n_features, n_classes), returns="model")

    def args(self, n_features: int, n_classes: int) -> tuple[int, ...]:
        """build_model's arguments for these sizes, in the order the exercise declares."""
        return tuple({"n_features": n_features, "n_classes": n_classes}[name] for name in self.arguments)

    def _call(self, n_features: int, n_classes: int) -> str:
        return f"{self.function}({', '.join(map(str, self.args(n_features, n_classes)))})"

    def evaluate(self, outcomes: dict[str, Outcome], constants: dict[str, Any]) -> PartResult:
        outcome = self._build(self.n_features, self.n_classes).outcome(outcomes)
        if not outcome.ok:
            return PartResult(self.function, ran=False, errors=[failure(self.function, outcome)])
        built = {(f, c): self._build(f, c).outcome(outcomes) for f, c in self.probes}
        try:  # every network build_model returned is checked before any is built: one over the caps costs them all
            network = self.network(outcome, self.n_features)
            probes = {(f, c): self.network(probe, f, self._call(f, c)) for (f, c), probe in built.items() if probe.ok}
        except UnsafeModel as exc:
            return PartResult(self.function, ran=False, errors=[FunctionError(self.function, INVALID_RETURN, str(exc))])
        facts = network.facts
        subject = self.model_subject(facts, tuple(self._probes(built, probes)))
        result = PartResult(self.function, ran=True, findings=run_family("model", subject))
        if self.reference:
            reference = reference_layers(self.reference, self.function, self.args(self.n_features, self.n_classes))
            result.details["reference_layers"] = [dict(row) for row in reference]
        result.details["loss"] = facts.loss
        self._train(network, constants, result)
        result.details["layers"] = layer_table(facts, [f.id for f in result.findings])  # with the training's findings
        circles = probes.get((2, 2)) or (network if (self.n_features, self.n_classes) == (2, 2) else None)
        if any(f.id in EVIDENCE_FOR for f in result.findings) and circles is not None:
            evidence = self._evidence(circles)
            if evidence:
                result.details["evidence"] = evidence
        return result

    def model_subject(self, facts: ModelFacts, probes: tuple[Probe, ...] = ()) -> ModelSubject:
        """What the model checks read: the network's facts, the probes, and this exercise's sizes and terms."""
        return ModelSubject(facts, self.n_features, self.n_classes, self.task, probes, self.arguments,
                            self.terms().hidden_units)

    def terms(self) -> Task:
        """The exercise's right network, for the fixes: its labels, build_model's arguments and the hidden
        layers of its reference network (sizes known to pass it; none without a reference)."""
        hidden = () if not self.reference else tuple(
            row["units"] for row in reference_layers(self.reference, self.function,
                                                     self.args(self.n_features, self.n_classes))[:-1])
        return Task(self.task, self.n_features, self.n_classes, self.arguments, hidden)

    def network(self, outcome: Outcome, n_features: int, call: str = "") -> Network:
        """The network a successful build_model call returned, as the grader would build it for n_features inputs.

        Raises UnsafeModel (an invalid return: the message names the call when `call` is given)
        for a config that is not a built-in Keras model's or a model over the budget's caps.
        """
        value = outcome.value
        config = value.get("config") if isinstance(value, dict) else None
        try:
            if not isinstance(config, dict):
                raise UnsafeModel("the returned value is not a Keras model")
            validate(config)
            try:
                size, unbuildable = model_size(config, n_features, self.budget.model), ""
            except UnbuildableModel as exc:
                size, unbuildable = None, str(exc)
            facts = model_facts(config, value.get("compiled") is True)
        except UnsafeModel as exc:
            raise UnsafeModel(f"{call}: {exc}" if call else str(exc)) from None
        return Network(config, facts, size, unbuildable)

    def _evidence(self, probe: Network) -> dict | None:
        """The student's network against the fixed one on two circles, from its build_model(2, 2)."""
        from grader.training.evidence import nonlinear_evidence

        linear = {d.name for d in probe.facts.hidden if d.is_linear}
        architecture, compile_config = strip_compile(probe.config)
        if not linear or not isinstance(compile_config, dict) or not compile_config or probe.size is None:
            return None
        return nonlinear_evidence(architecture, compile_config, linear, self.budget.model, self.budget.evidence)

    def _probes(self, built: dict[tuple[int, int], Outcome], networks: dict[tuple[int, int], Network]):
        for (f, c), probe in built.items():
            if not probe.ok:
                yield Probe(f, c, None, f"{probe.kind}: {probe.message}", self._call(f, c))
            else:
                yield Probe(f, c, networks[f, c].facts, call=self._call(f, c))

    def budget_from(self, constants: dict[str, Any], n_train: int,
                    size: ModelSize | None = None) -> tuple[int, int, list[str]]:
        """The student's EPOCHS and BATCH_SIZE, capped, with a note for every change made.

        With the network's size, the epochs are also lowered to the budget's training work.
        """
        notes = []
        epochs = _positive_int(constants.get("EPOCHS"), self.budget.epochs, "EPOCHS", notes)
        batch = _positive_int(constants.get("BATCH_SIZE"), self.budget.batch_size, "BATCH_SIZE", notes)
        if batch > n_train:
            notes.append(f"BATCH_SIZE = {shown(batch)} is more than the {n_train} training rows; used {n_train}")
            batch = n_train
        if epochs > self.budget.max_epochs:
            notes.append(f"EPOCHS = {shown(epochs)} is more than the grader allows; "
                         f"trained for {self.budget.max_epochs} epochs")
            epochs = self.budget.max_epochs
        steps = -(-n_train // batch)
        if epochs * steps > self.budget.max_steps:
            capped = max(1, self.budget.max_steps // steps)
            notes.append(f"{epochs} epochs of {steps} batches is more than the grader allows; trained for {capped} epochs")
            epochs = capped
        affordable = self.budget.work.epochs(size, epochs, n_train, batch) if size else epochs
        if affordable < epochs:
            notes.append(f"{epochs} epochs of {steps} batches of {n_train} rows is more training than the grader does "
                         f"for a network this size ({size.parameters:,} parameters, {size.calls:,} layer calls); "
                         f"trained for {affordable} epochs")
            epochs = affordable
        return epochs, batch, notes

    def conditions(self) -> tuple[str, ...]:
        """The conditions the trained network must meet (for a rubric item's `requires`)."""
        return ("accuracy",) + (("probabilities",) if self.probabilities else ()) + (("baseline",) if self.baseline else ())

    def _untrained(self, result: PartResult, message: str) -> None:
        for condition in self.conditions():
            result.conditions[condition] = False
            result.messages[condition] = message

    def _cannot_train(self, result: PartResult, reason: str, rows: int | None = None) -> None:
        """The network could not be trained: because of the mistake found in it that explains why, when
        there is one (Keras's own words are about the grader's data, not the student's code)."""
        cause = next((f for blocker in TRAINING_BLOCKERS for f in result.findings if f.id == blocker), None)
        if cause is not None:
            message = (f"not trained: the network cannot be trained because of {cause.id}: {cause.observed}. "
                       f"Fix: {CATALOG[cause.id].fix_for(cause)}; then the grader can train it")
        else:
            terms = self.terms()
            data = f" (its {rows} training rows of {self.n_features} features, labels {terms.labels()})" if rows else ""
            message = (f"the grader could not train the network on its data{data}: {reason}. Fix: make the network "
                       f"take rows of {self.n_features} numbers and end with {terms.output_layer()}, with no layer "
                       f"after it that changes the shape of its output, and compile it with loss='{terms.loss()}'")
        self._untrained(result, message)

    def _setup(self, network: Network, epochs: int, batch: int, asked_epochs: int, rows: int,
               result: PartResult) -> TrainingSetup:
        """How the network was trained and what it is, for naming why it does not learn."""
        stub_epochs, stub_batch = stub_budget(self.reference) if self.reference else (self.budget.epochs,
                                                                                     self.budget.batch_size)
        facts = network.facts
        return TrainingSetup(
            epochs=epochs, batches=-(-rows // batch), asked_epochs=asked_epochs, stub_epochs=stub_epochs,
            stub_batch_size=stub_batch, stub_batches=-(-rows // min(stub_batch, rows)), optimizer=facts.optimizer,
            learning_rate=facts.learning_rate, model_findings=tuple(result.findings), n_classes=self.n_classes,
            task=self.terms(),
            hidden_units=tuple((layer.name, layer.units, layer.position) for layer in facts.hidden))

    def _train(self, network: Network, constants: dict[str, Any], result: PartResult) -> None:
        from grader import datasets
        from grader.training.trainer import TooMuchTraining, TrainingError, train

        accuracy = "accuracy"
        baseline = self._baseline(result)
        architecture, compile_config = strip_compile(network.config)
        if not compile_config or not isinstance(compile_config, dict):
            self._untrained(result, "not trained: the model is not compiled")
            return
        if network.size is None:
            self._cannot_train(result, network.unbuildable)
            return
        data = datasets.training_splits(self.dataset, self.seeds, self.test_size)
        rows = len(data[0].X_train)
        asked_epochs, _, capped = self.budget_from(constants, rows)  # before the network's size counts
        try:
            epochs, batch, notes = self.budget_from(constants, rows, network.size)
        except TooMuchTraining as exc:
            result.notes += capped
            self._untrained(result, f"not trained: {exc}")
            return
        result.notes += notes
        try:
            run = train(architecture, compile_config, data, self.seeds, epochs, batch, caps=self.budget.model)
        except (TrainingError, UnsafeModel) as exc:
            self._cannot_train(result, str(exc), rows)
            return
        median = float(np.median(run.final_test_accuracy))
        result.conditions[accuracy] = median >= self.min_accuracy
        result.messages[accuracy] = (
            f"median test accuracy {median:.3f} over {len(self.seeds)} seeds "
            f"(needs {self.min_accuracy:.2f}; {epochs} epochs, batch size {batch})"
        )
        output = network.facts.output
        found = run_family("training", TrainingSubject(
            run.initial_loss, run.loss, run.train_accuracy, self.underfit_below,
            test_accuracy=run.test_accuracy, overfit_gap=self.overfit_gap, test_outputs=run.test_outputs,
            probabilities=self.probabilities, output_position=output.position if output else None,
            setup=self._setup(network, epochs, batch, asked_epochs, rows, result)))
        result.findings += found
        if self.probabilities:
            wrong = [f for f in found if f.id == "outputs-not-probabilities"]
            result.conditions["probabilities"] = not wrong
            result.messages["probabilities"] = (
                f"{wrong[0].observed}" if wrong else
                f"every row of outputs on the {run.test_outputs.shape[1]} test rows of each seed is a probability "
                f"distribution (values in [0, 1], summing to 1)")
        if baseline is not None:
            needed = baseline["median_test_accuracy"] - self.baseline_tolerance
            # float32 accuracies against scikit-learn's float64: a tie (the same count of test rows) counts as a tie
            result.conditions["baseline"] = median >= needed - 1e-6
            result.messages["baseline"] = (
                f"median test accuracy {median:.3f} against {baseline['model']}'s {baseline['median_test_accuracy']:.3f} "
                f"on the same splits (needs at least {needed:.3f}"
                + (f", {self.baseline_tolerance:.2f} below the baseline" if self.baseline_tolerance else "") + ")")
        confusion = np.zeros((self.n_classes, self.n_classes), dtype=int)
        for split, predicted in zip(data, run.test_predictions):
            inside = (predicted >= 0) & (predicted < self.n_classes)
            np.add.at(confusion, (split.y_test[inside], predicted[inside]), 1)
        result.details["training"] = {
            "seeds": list(run.seeds), "epochs": epochs, "batch_size": batch,
            "median_test_accuracy": median, "threshold": self.min_accuracy,
            "test_accuracy": run.final_test_accuracy.tolist(),
            "confusion": {"classes": list(self.class_names) or [str(c) for c in range(self.n_classes)],
                          "counts": confusion.tolist(), "seeds": len(run.seeds)},
            # NaN and infinities stay what they are (the report writes them by its rule); rounded in
            # float64, since rounding a float32 near its maximum overflows to infinity.
            "curves": {name: np.asarray(getattr(run, name), dtype=np.float64).round(4).tolist()
                       for name in ("loss", "train_accuracy", "test_loss", "test_accuracy")},
            "reading": curve_reading(run.initial_loss, run.loss, run.train_accuracy, median, self.min_accuracy,
                                     [split.y_test for split in data], self.n_classes,
                                     [f.id for f in found if f.id in CATALOG and CATALOG[f.id].family == "training"]),
        }

    def _baseline(self, result: PartResult) -> dict[str, Any] | None:
        """The baseline model's accuracy on the grader's splits, into the report's details (whatever the student did)."""
        if not self.baseline:
            return None
        from grader.training.baseline import BASELINES, baseline_accuracy

        accuracies = baseline_accuracy(self.baseline, self.dataset, self.seeds, self.test_size)
        details = {"model": BASELINES[self.baseline], "median_test_accuracy": float(np.median(accuracies)),
                   "test_accuracy": list(accuracies), "tolerance": self.baseline_tolerance}
        result.details["baseline"] = details
        return details


FLAT_ACCURACY = 0.02  # an accuracy that moves less than this over all epochs, ...
NEAR_CHANCE = 0.05  # ... and stays within this of the largest class's share, is one answer for every row
FALLING_LOSS = 0.95  # a final loss above this share of the untrained network's has hardly fallen


def curve_reading(initial_loss: np.ndarray, loss: np.ndarray, train_accuracy: np.ndarray, median: float,
                  threshold: float, y_tests: list[np.ndarray], n_classes: int, findings: list[str]) -> dict[str, Any]:
    """What the grader's training curves show, for the charts' captions: `kind` is "diverged" (a loss that
    became NaN or infinite, or training-diverged found), "healthy" (the threshold reached, no underfitting),
    or, for a network that falls short: "flat" (the training accuracy did not move from what one answer for
    every row scores), "not-falling" (the loss hardly fell) or "learning-too-little"; with the numbers, each class's
    share of the test rows (what answering one class for every row scores) and the training mistakes found."""
    loss, accuracy = np.asarray(loss, dtype=np.float64), np.asarray(train_accuracy, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        finite = bool(np.isfinite(loss).all())
        start = float(np.median(np.asarray(initial_loss, dtype=np.float64)))
        end = float(np.median(loss[:, -1])) if loss.size else start
        spread = float(np.max(np.nanmax(accuracy, axis=1) - np.nanmin(accuracy, axis=1))) if accuracy.size else 0.0
    shares = [round(float(np.mean(np.concatenate(y_tests) == c)), 4) for c in range(n_classes)]
    final = float(np.median(accuracy[:, -1])) if accuracy.size else 0.0
    if not finite or "training-diverged" in findings:
        kind = "diverged"
    elif median >= threshold and "underfitting" not in findings:
        kind = "healthy"  # a warning (overfitting) is still said beside it
    elif spread < FLAT_ACCURACY and final <= max(shares, default=1.0) + NEAR_CHANCE:
        kind = "flat"
    elif not end < FALLING_LOSS * start:
        kind = "not-falling"
    else:
        kind = "learning-too-little"
    return {"kind": kind, "initial_loss": round(start, 4), "final_loss": round(end, 4),
            "final_train_accuracy": round(final, 4) if accuracy.size else None,
            "class_shares": shares, "findings": findings}


def model_rubric(compiled: float, hidden: float, output: float, loss: float, any_shape: float, accuracy: float,
                 task: str = "multiclass", extra: tuple[RubricItem, ...] = ()) -> tuple[RubricItem, ...]:
    """The standard rubric of a build_model function, with its points (the same ids in every exercise).

    `extra` adds exercise-specific items (e.g. probabilities, a baseline) before the accuracy item.
    The goal of a model exercise is a network that works, so two items are required (the exercise
    fails without them, whatever its score): reaching the accuracy threshold, and being compiled,
    without which the grader cannot train the network at all.
    """
    binary = task == "binary"
    return (
        RubricItem("model-compiled", "The model is compiled", compiled, ("not-compiled",), required=True),
        RubricItem("model-hidden-layers", "Hidden layers with a non-linear activation", hidden,
                   ("no-hidden-layer", "linear-hidden-activation", "softmax-hidden-activation")),
        RubricItem("model-output", f"Output layer fits a {'yes/no' if binary else 'multi-class'} task", output,
                   (("softmax-single-unit",) if binary else ()) + ("wrong-output-activation", "wrong-output-units",
                                                                   "input-shape-mismatch")),
        RubricItem("model-loss", f"Loss matches {'0/1' if binary else 'integer'} labels and the output", loss,
                   ("loss-label-mismatch", "logits-mismatch")),
        RubricItem("model-any-shape", f"Works for any number of features{'' if binary else ' and classes'}", any_shape,
                   ("hardcoded-shapes",)),
        *extra,
        RubricItem("model-accuracy", "Trained network reaches the accuracy threshold", accuracy,
                   ("training-diverged", "underfitting"), requires=("accuracy",), required=True),
    )


# The mistakes that judge a layer's units or activation: the network table marks a layer where one was
# found, never where it merely differs from the reference (16 relu units where the reference has 8 is fine).
OUTPUT_JUDGED = {"units": ("wrong-output-units",),
                 "activation": ("wrong-output-activation", "softmax-single-unit", "logits-mismatch",
                                "outputs-not-probabilities")}


def layer_table(facts: ModelFacts, findings: list[str] = ()) -> list[dict[str, Any]]:
    """The Dense layers as rows: name, role (hidden or output), units, effective activation, weights and
    biases, and per property the ids of the mistakes found in it (`flagged`)."""
    from grader.checks.model import SATURATING

    rows, inputs = [], facts.input_dim
    for dense in facts.dense:
        parameters = (inputs + 1) * dense.units if inputs else None
        if dense is facts.output:
            role, flagged = "output", {key: [i for i in ids if i in findings] for key, ids in OUTPUT_JUDGED.items()}
        else:
            role = "hidden"
            judged = (("linear-hidden-activation", dense.is_linear),
                      ("softmax-hidden-activation", "softmax" in dense.activations),
                      ("vanishing-gradient-risk", dense.activation in SATURATING))
            flagged = {"units": [], "activation": [i for i, applies in judged if applies and i in findings]}
        rows.append({"name": dense.name, "role": role, "units": dense.units, "activation": dense.activation,
                     "parameters": parameters, "flagged": flagged})
        inputs = dense.units
    return rows


@functools.cache
def reference_layers(exercise: str, function: str, args: tuple[int, ...]) -> tuple[dict[str, Any], ...]:
    """The reference solution's network, built in the grader (trusted code) and read the same way."""
    import json

    from grader.paths import load_reference

    model = getattr(load_reference(exercise), function)(*args)
    # Without the layers' names: Keras numbers them per process (dense_6 once a warm-up has built six layers),
    # so they would tell how many networks this grader built before, nothing of the reference.
    return tuple({key: value for key, value in row.items() if key != "name"}
                 for row in layer_table(model_facts(json.loads(model.to_json()), True)))


@functools.cache
def stub_budget(exercise: str) -> tuple[int, int]:
    """The EPOCHS and BATCH_SIZE the exercise's stub sets (its reference's, the grader's trusted code)."""
    from grader.paths import load_reference

    module = load_reference(exercise)
    return (int(getattr(module, "EPOCHS", TrainingBudget.epochs)),
            int(getattr(module, "BATCH_SIZE", TrainingBudget.batch_size)))


def _positive_int(value: Any, default: int, name: str, notes: list[str]) -> int | float:
    if value is None:
        return default
    if value == math.inf:  # a whole number beyond float range crosses the sandbox as inf: more than any cap
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        notes.append(f"{name} = {shown(value)} is not a positive whole number; used {default}")
        return default
    return value
