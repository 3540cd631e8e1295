"""Real graded submissions whose charts and captions must tell the truth: correct work, each kind of wrong
normalize, networks of other depths than the reference, a network that never learns. Graded once per
process (light training), as the render tests' own reports are."""
from __future__ import annotations

import functools

from grader.report import submission_report
from tests.harness import grade_source
from tests.render.conftest import ISOLATION

REFIT_ON_TEST = ("def normalize(X_train, X_test):\n    from sklearn.preprocessing import StandardScaler\n"
                 "    return StandardScaler().fit_transform(X_train), StandardScaler().fit_transform(X_test)\n")
FIT_ON_BOTH = ("def normalize(X_train, X_test):\n    from sklearn.preprocessing import StandardScaler\n"
               "    scaler = StandardScaler().fit(np.vstack([X_train, X_test]))\n"
               "    return scaler.transform(X_train), scaler.transform(X_test)\n")
BY_HAND_DDOF1 = ("def normalize(X_train, X_test):\n    mean, std = X_train.mean(axis=0), X_train.std(axis=0, ddof=1)\n"
                 "    return (X_train - mean) / std, (X_test - mean) / std\n")
# pass_fail networks: deeper and shallower than the reference's 8-4-1, both correct; a one-unit softmax.
PASS_FAIL_NETWORK = '''
import keras

def build_model(n_features):
    model = keras.Sequential([keras.Input(shape=(n_features,)), {layers}])
    model.compile(optimizer="adam", loss="{loss}", metrics=["accuracy"])
    return model
'''
DEEPER = PASS_FAIL_NETWORK.format(layers='keras.layers.Dense(16, activation="relu"), '
                                         'keras.layers.Dense(16, activation="tanh"), '
                                         'keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1, activation="sigmoid")',
                                  loss="binary_crossentropy")
SHALLOWER_TWO_UNITS = PASS_FAIL_NETWORK.format(
    layers='keras.layers.Dense(12, activation="relu"), keras.layers.Dense(2, activation="softmax")',
    loss="sparse_categorical_crossentropy")
SOFTMAX_ONE_UNIT = PASS_FAIL_NETWORK.format(
    layers='keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1, activation="softmax")',
    loss="binary_crossentropy")
RAISING_BUILD = "def build_model(n_features, n_classes):\n    raise RuntimeError('no network yet')\n"

CASES = {
    "iris_reference": ("", "iris_net"),
    "iris_refit_on_test": (REFIT_ON_TEST, "iris_net"),
    "iris_fit_on_both": (FIT_ON_BOTH, "iris_net"),
    "iris_ddof1": (BY_HAND_DDOF1, "iris_net"),
    "iris_raising_build": (RAISING_BUILD, "iris_net"),
    "pass_fail_reference": ("", "pass_fail"),
    "pass_fail_deeper": (DEEPER, "pass_fail"),
    "pass_fail_two_units": (SHALLOWER_TWO_UNITS, "pass_fail"),
    "pass_fail_softmax_one_unit": (SOFTMAX_ONE_UNIT, "pass_fail"),
}


@functools.cache
def case(name: str) -> dict:
    """The report of one case, as `grader check` writes it."""
    source, exercise = CASES[name]
    return submission_report(f"students/{name}/{exercise}.py", [grade_source(source, exercise)], ISOLATION)


@functools.cache
def exercise_kind(exercise: str) -> dict:
    """The report of an exercise's reference solution: one real report per exercise kind."""
    return submission_report(f"students/reference/{exercise}.py", [grade_source("", exercise)], ISOLATION)
