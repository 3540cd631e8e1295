"""pass_fail: the lesson's yes/no network, predicting from hours studied and attendance."""
from grader.parts.model import ModelPart
from grader.parts.normalize import NormalizePart
from grader.spec import Exercise, RubricItem as Item

SPEC = Exercise(
    name="pass_fail",
    title="Will a student pass? A yes/no network",
    pass_mark=70,
    constants=("EPOCHS", "BATCH_SIZE"),
    parts=(
        NormalizePart(rubric=(
            Item("normalize-standardized", "Features are standardized", 12, ("no-normalization", "not-standardized")),
            Item("normalize-train-statistics", "Only training statistics are used, for both sets", 18,
                 ("test-statistics-leak", "scaled-separately", "no-normalization", "not-standardized")),
        )),
        ModelPart(
            dataset="pass_fail", n_features=2, n_classes=2, task="binary", arguments=("n_features",),
            probes=((7, 2), (2, 2)), reference="pass_fail", class_names=("fail", "pass"),
            # Calibrated with `grader calibrate pass_fail`: over 12 seeds the reference never scored below
            # 0.85 on one seed, nor 0.89 as a median of 3; a one-unit softmax scores the pass rate (~0.5).
            min_accuracy=0.82, underfit_below=0.75,
            rubric=(
                Item("model-compiled", "The model is compiled", 5, ("not-compiled",)),
                Item("model-hidden-layers", "Hidden layers with a non-linear activation", 15,
                     ("no-hidden-layer", "linear-hidden-activation", "softmax-hidden-activation")),
                Item("model-output", "Output layer fits a yes/no task", 15,
                     ("softmax-single-unit", "wrong-output-activation", "wrong-output-units", "input-shape-mismatch")),
                Item("model-loss", "Loss matches 0/1 labels and the output", 10, ("loss-label-mismatch", "logits-mismatch")),
                Item("model-any-shape", "Works for any number of features", 5, ("hardcoded-shapes",)),
                Item("model-accuracy", "Trained network reaches the accuracy threshold", 20,
                     ("training-diverged", "underfitting"), requires=("accuracy",)),
            ),
        ),
    ),
)
