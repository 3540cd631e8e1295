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


# A dishonest worker can send the grader any JSON as its model's config: this sends the real one, edited.
SEND_EDITED = '''
import json
import sys


def send_edited(model, edit):
    config = json.loads(model.to_json())
    edit(config)
    child = sys.modules["child"]
    honest = child._model_value
    child._model_value = lambda value: {**honest(value), "config": config} if value is model else honest(value)
    return model
'''


def assert_refused_as_the_students(exercise: dict, *words: str) -> None:
    """build_model alone loses its points, as an invalid return in the student's terms, and nothing was trained."""
    failure = error(exercise, "build_model")
    assert failure["kind"] == "invalid-return" and all(word in failure["message"] for word in words), failure
    assert "grader_error" not in exercise and "build_model" not in exercise["details"]
    for check in exercise["checks"]:
        assert check["points"] == (0 if check["function"] == "build_model" else check["max_points"]), check


def test_one_layer_called_thousands_of_times_costs_only_build_models_points(sandbox, tmp_path):
    source = reference_with(build_model=SEND_EDITED + (
        "def build_model(n_features, n_classes):\n"
        "    inputs = keras.Input((n_features,))\n    again = keras.layers.Dense(4, name='again')\n"
        "    outputs = keras.layers.Dense(n_classes, activation='softmax', name='out')(again(again(inputs)))\n"
        "    model = keras.Model(inputs, outputs)\n" + COMPILE.replace("return m", "pass").replace("m.", "model.") +
        "    def again_and_again(config):  # the same Dense layer, called 3,000 times in a row\n"
        "        layers = {layer['name']: layer for layer in config['config']['layers']}\n"
        "        calls = layers['again']['inbound_nodes']\n"
        "        calls[1:] = [json.loads(json.dumps(calls[1])) for _ in range(2_999)]\n"
        "        for i, call in enumerate(calls[1:]):\n"
        "            call['args'][0]['config']['keras_history'] = ['again', i, 0]\n"
        "        layers['out']['inbound_nodes'][0]['args'][0]['config']['keras_history'] = ['again', 2_999, 0]\n"
        "    return send_edited(model, again_and_again)\n"))
    assert_refused_as_the_students(grade(sandbox, tmp_path, source), "the model has 3,001 layer calls in one pass")


def test_ten_thousand_tiny_layers_cost_only_build_models_points(sandbox, tmp_path):
    source = reference_with(build_model=SEND_EDITED + (
        "def build_model(n_features, n_classes):\n"
        "    model = keras.Sequential([keras.Input((n_features,)), keras.layers.Dense(n_classes, activation='softmax')])\n"
        + COMPILE.replace("return m", "pass").replace("m.", "model.") +
        "    def tiny_layers(config):\n"
        "        config['config']['layers'][1:1] = [{'module': 'keras.layers', 'class_name': 'Dense',\n"
        "            'config': {'name': f'tiny_{i}', 'units': 1}} for i in range(10_000)]\n"
        "    return send_edited(model, tiny_layers)\n"))
    assert_refused_as_the_students(grade(sandbox, tmp_path, source), "the model has 10,001 layers")


def test_a_dense_layer_of_a_billion_units_is_refused_before_the_grader_allocates_it(sandbox, tmp_path):
    source = reference_with(build_model=(  # unbuilt (no Input): the student's process allocates nothing either
        "def build_model(n_features, n_classes):\n"
        "    model = keras.Sequential([keras.layers.Dense(10**9), keras.layers.Dense(n_classes, activation='softmax')])\n"
        + COMPILE.replace("m.", "model.").replace("return m", "return model")))
    assert_refused_as_the_students(grade(sandbox, tmp_path, source), "the model has 8,000,000,003 parameters")


def test_a_small_network_with_a_huge_network_for_the_evidence_costs_only_build_models_points(sandbox, tmp_path):
    """The lesson's network with a linear hidden layer (so the grader would train the two-circles evidence from
    build_model(2, 2)), but a billion hidden units for exactly that call."""
    source = reference_with(build_model=(
        "def build_model(n_features, n_classes):\n"
        "    units = 10**9 if (n_features, n_classes) == (2, 2) else 16\n"
        "    model = keras.Sequential([keras.layers.Dense(units), keras.layers.Dense(n_classes, activation='softmax')])\n"
        + COMPILE.replace("m.", "model.").replace("return m", "return model")))
    assert_refused_as_the_students(grade(sandbox, tmp_path, source), "build_model(2, 2): the model has 5,000,000,002 parameters")
