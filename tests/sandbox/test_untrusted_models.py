"""Models the grader must not rebuild: code in them never runs in the grading process."""
import os

from tests.harness import reference_with
from tests.sandbox.conftest import error, grade

COMPILE = "    m.compile(optimizer='adam', loss='sparse_categorical_crossentropy')\n    return m\n"


def test_subclassed_model_is_refused(sandbox, tmp_path):
    source = reference_with(build_model=(
        "class Net(keras.Model):\n    def __init__(self, n):\n        super().__init__()\n"
        "        self.d = keras.layers.Dense(n, activation='softmax')\n    def call(self, x):\n        return self.d(x)\n\n"
        "def build_model(n_features, n_classes):\n    m = Net(n_classes)\n" + COMPILE))
    failure = error(grade(sandbox, tmp_path, source), "build_model")
    assert failure["kind"] == "invalid-return" and "subclassed" in failure["message"]


def test_lambda_layer_code_never_runs_in_the_grader(sandbox, tmp_path):
    marker = tmp_path / "lambda-ran-in-the-grader"
    source = reference_with(build_model=(
        f"def sneaky(x):\n    import os\n    os.environ['GRADER_PWNED'] = '1'\n"
        f"    if os.getpid() == {os.getpid()}:  # the grading process (this test's)\n"
        f"        open({str(marker)!r}, 'w').write('ran')\n    return x\n\n"
        "def build_model(n_features, n_classes):\n    m = keras.Sequential([keras.Input((n_features,)), keras.layers.Lambda(sneaky),\n"
        "        keras.layers.Dense(16, activation='relu'), keras.layers.Dense(n_classes, activation='softmax')])\n" + COMPILE))
    failure = error(grade(sandbox, tmp_path, source), "build_model")
    assert failure["kind"] == "invalid-return" and "Lambda" in failure["message"]
    assert not marker.exists() and "GRADER_PWNED" not in os.environ


def test_forged_model_config_is_refused(sandbox, tmp_path):
    """A worker that lies about its model (a config naming arbitrary code) gets no further than validation."""
    forger = ("import sys\n\ndef build_model(n_features, n_classes):\n"
              "    sys.modules['child']._model_value = lambda value: {'t': 'keras-model', 'compiled': True, 'config': {\n"
              "        'module': 'builtins', 'class_name': 'eval', 'config': {'source': 'open(\"/etc/passwd\")'}}}\n"
              "    return object()\n")
    failure = error(grade(sandbox, tmp_path, forger), "build_model")
    assert failure["kind"] == "invalid-return"
