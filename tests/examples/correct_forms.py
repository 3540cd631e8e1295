"""Correct solutions written in other, equivalent ways: none of them may trigger a mistake."""

_COMPILE = 'model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])'


def _sequential(*layers: str, compile: str = _COMPILE, header: str = "") -> str:
    """build_model returning a compiled keras.Sequential of the given layer expressions."""
    body = "".join(f"        {layer},\n" for layer in layers)
    return f"{header}\ndef build_model(n_features, n_classes):\n    model = keras.Sequential([\n{body}    ])\n" \
           f"    {compile}\n    return model\n"


INPUT = "keras.Input(shape=(n_features,))"
HIDDEN = 'keras.layers.Dense(16, activation="relu")'
OUTPUT = 'keras.layers.Dense(n_classes, activation="softmax")'

FORMS: dict[str, str] = {
    "activation-layer-after-dense": _sequential(INPUT, "keras.layers.Dense(16)", 'keras.layers.Activation("relu")', OUTPUT),
    "relu-layer": _sequential(INPUT, "keras.layers.Dense(16)", "keras.layers.ReLU()", OUTPUT),
    "softmax-layer-output": _sequential(INPUT, HIDDEN, "keras.layers.Dense(n_classes)", "keras.layers.Softmax()"),
    "activation-functions": _sequential(INPUT, "keras.layers.Dense(16, activation=keras.activations.relu)",
                                        "keras.layers.Dense(n_classes, activation=keras.activations.softmax)"),
    "linear-output-from-logits": _sequential(
        INPUT, HIDDEN, "keras.layers.Dense(n_classes)",
        compile='model.compile(optimizer="adam", metrics=["accuracy"], '
                'loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))'),
    "loss-and-optimizer-objects": _sequential(
        INPUT, HIDDEN, OUTPUT,
        compile="model.compile(optimizer=keras.optimizers.Adam(), loss=keras.losses.SparseCategoricalCrossentropy(), "
                'metrics=["accuracy"])'),
    "loss-function-object": _sequential(
        INPUT, HIDDEN, OUTPUT, compile="model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), "
                                       "loss=keras.losses.sparse_categorical_crossentropy)"),
    "no-input-layer": _sequential(HIDDEN, OUTPUT),
    "input-shape-on-first-dense": _sequential('keras.layers.Dense(16, activation="relu", input_shape=(n_features,))', OUTPUT),
    "input-dim-on-first-dense": _sequential('keras.layers.Dense(16, activation="relu", input_dim=n_features)', OUTPUT),
    "input-shape-as-a-list": _sequential("keras.Input(shape=[n_features])", HIDDEN, OUTPUT),
    "input-batch-shape": _sequential("keras.Input(batch_shape=(None, n_features))", HIDDEN, OUTPUT),
    "reshape-then-flatten": _sequential(INPUT, "keras.layers.Reshape((n_features, 1))", "keras.layers.Flatten()",
                                        HIDDEN, OUTPUT),
    "layers-from-a-helper": _sequential(INPUT, "*make_layers(n_classes)", header=f"""
def make_layers(n_classes):
    return [{HIDDEN}, {OUTPUT}]
"""),
    "learning-rate-ten-times-the-default": _sequential(
        INPUT, HIDDEN, OUTPUT, compile="model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), "
                                       "loss='sparse_categorical_crossentropy')"),
    "dropout-and-batch-normalization": _sequential(
        INPUT, "keras.layers.Dense(16)", "keras.layers.BatchNormalization()", 'keras.layers.Activation("relu")',
        "keras.layers.Dropout(0.2)", OUTPUT),
    "tf-keras": """
import tensorflow as tf

def build_model(n_features, n_classes):
    model = tf.keras.Sequential([
        tf.keras.Input(shape=(n_features,)),
        tf.keras.layers.Dense(16, activation="relu"),
        tf.keras.layers.Dense(n_classes, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
""",
    "functional-api": """
def build_model(n_features, n_classes):
    inputs = keras.Input(shape=(n_features,))
    hidden = keras.layers.Dense(16, activation="relu")(inputs)
    outputs = keras.layers.Dense(n_classes, activation="softmax")(hidden)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
""",
    "sequential-add": """
from keras.layers import Dense

def build_model(n_features, n_classes):
    model = keras.Sequential()
    model.add(keras.Input(shape=(n_features,)))
    model.add(Dense(16, activation="relu"))
    model.add(Dense(n_classes, activation="softmax"))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
""",
    "standard-scaler": """
from sklearn.preprocessing import StandardScaler

def normalize(X_train, X_test):
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test)
""",
    "sample-standard-deviation": """
def normalize(X_train, X_test):
    mean, std = np.mean(X_train, axis=0), np.std(X_train, axis=0, ddof=1)
    return (X_train - mean) / std, (X_test - mean) / std
""",
    "keras-normalization-layer": """
def normalize(X_train, X_test):
    layer = keras.layers.Normalization()
    layer.adapt(X_train)
    return np.asarray(layer(X_train)), np.asarray(layer(X_test))
""",
    "standard-deviation-plus-epsilon": """
def normalize(X_train, X_test):
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    return (X_train - mean) / (std + 1e-8), (X_test - mean) / (std + 1e-8)
""",
    "sklearn-split-with-stratify": """
from sklearn.model_selection import train_test_split

def split_data(X, y):
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
    return X_train, X_test, y_train, y_test
""",
    "numpy-stratified-permutation-split": """
def split_data(X, y, test_size=0.3):
    rng = np.random.default_rng(42)
    test = []
    for label in np.unique(y):
        rows = rng.permutation(np.flatnonzero(y == label))
        test.extend(rows[:round(test_size * len(rows))])
    is_test = np.isin(np.arange(len(y)), test)
    return X[~is_test], X[is_test], y[~is_test], y[is_test]
""",
    "output-activation-branches": """
def output_activation(task):
    if task == "multiclass":
        return "Softmax"
    if task == "regression":
        return None
    return "sigmoid"
""",
}
