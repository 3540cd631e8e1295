"""Softmax for a yes/no task: with one output unit softmax always gives 1.0."""

BAD = """
def output_activation(task):
    return {"binary": "softmax", "multiclass": "softmax", "multilabel": "sigmoid", "regression": "linear"}[task]  # <-
"""

GOOD = """
def output_activation(task):
    return {"binary": "sigmoid", "multiclass": "softmax", "multilabel": "sigmoid", "regression": "linear"}[task]
"""

# Other ways students write the same mistake, each with its line marked.
FORMS = (
"""
def output_activation(task):
    if task == "binary":
        return "softmax"  # <-
    elif task == "multiclass":
        return "softmax"
    elif task == "multilabel":
        return "sigmoid"
    return "linear"
""",
"""
def output_activation(task):
    match task:
        case "binary" | "multilabel":
            return "sigmoid"
        case "multiclass":
            return "sigmoid"  # <-
        case _:
            return None
""",
"""
ACTIVATIONS = {
    "binary": "sigmoid",
    "multiclass": "sigmoid",  # <-
    "multilabel": "sigmoid",
    "regression": "linear",
}


def output_activation(task):
    return ACTIVATIONS[task]
""",
"""
def build_model(n_features, n_classes):
    model = keras.Sequential([
        keras.Input(shape=(n_features,)),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(n_classes, activation="sigmoid"),  # <-
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
""",
"""
def output_activation(task):
    choices = dict(binary="sigmoid", multiclass="sigmoid", multilabel="sigmoid", regression="linear")  # <-
    return choices[task]
""",
)
