"""digits: a multi-layer perceptron on 8x8 handwritten digits, measured against logistic regression."""
from grader.parts.model import ModelPart, model_rubric
from grader.spec import Exercise, RubricItem as Item

SPEC = Exercise(
    name="digits",
    title="Handwritten digits: a network against logistic regression",
    pass_mark=70,
    constants=("EPOCHS", "BATCH_SIZE"),
    parts=(
        ModelPart(
            dataset="digits", n_features=64, n_classes=10, reference="digits",
            class_names=tuple(str(d) for d in range(10)),
            # Calibrated with `grader calibrate digits --seeds 60` (reference: 256-128 relu, 20 epochs, batch 32):
            # test accuracy per seed min 0.954, median 0.978; median of 3 seeds at least 0.970, so 0.95 leaves
            # +0.02 while a 16-unit hidden layer (0.937) or no hidden layer (0.930) falls below.
            min_accuracy=0.95, underfit_below=0.8,
            # What "beats logistic regression" can honestly require here: on 8x8 digits (standardized) the
            # baseline is strong, per seed min 0.948, median 0.968, and the reference beats it by a point,
            # not the lesson's 15 on MNIST: it is at least as accurate on 58 of 60 seeds, and its median of
            # 3 minus the baseline's is +0.004 at worst, +0.013 typically, over 20 groups. One test digit is
            # 0.0019, so a strict win would fail correct smaller networks on a coin toss (64 relu units tie:
            # 0.967 against 0.967 on the graded seeds). The condition is therefore "no worse than logistic
            # regression by more than 0.01" (about 5 of the 540 test digits): the reference clears it by
            # +0.014; networks that learn no more than a linear model fall behind (no hidden layer -0.037,
            # 16 units -0.030, 8 units -0.084 on the graded seeds; 32 units is the edge, -0.010).
            baseline="logistic_regression", baseline_tolerance=0.01,
            # Measured train - test accuracy gaps on digits stay near 0.02 (the reference: median of 3 at most
            # 0.030); 100 epochs of a 512-256 network or 200 of the reference give 0.024 and 0.022: every MLP reaches
            # 100% on the training
            # images while its test accuracy holds. The warning (0.1, as on fruit) is a safety net here.
            overfit_gap=0.1,
            # Required: model-compiled and model-accuracy, as in every model exercise. model-beats-baseline is not:
            # the threshold already asks for a network that works, and a tie with logistic regression is decided
            # by a few test digits (32 relu units sit at the edge, -0.010), so requiring it would fail correct
            # smaller networks on a coin toss; it keeps its 25 points.
            rubric=model_rubric(compiled=5, hidden=15, output=10, loss=10, any_shape=5, accuracy=30, extra=(
                Item("model-beats-baseline", "At least as accurate as logistic regression on the same splits", 25,
                     ("training-diverged", "underfitting"), requires=("baseline",)),
            )),
        ),
    ),
)
