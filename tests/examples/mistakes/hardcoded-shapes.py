"""Iris's 4 features and 3 classes written in as numbers: right for iris, wrong for any other data."""

BAD = """
def build_model(n_features, n_classes):
    model = keras.Sequential([
        keras.Input(shape=(4,)),  # <-
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(3, activation="softmax"),  # <-
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
"""

GOOD = """
def build_model(n_features, n_classes):
    model = keras.Sequential([
        keras.Input(shape=(n_features,)),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(n_classes, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
"""

# Other ways students write the same mistake, each with its line marked.
FORMS = (
"""
def build_model(n_features, n_classes):
    model = keras.Sequential([
        keras.layers.Dense(16, activation="relu", input_shape=(4,)),  # <-
        keras.layers.Dense(n_classes, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
""",
"""
def build_model(n_features, n_classes):
    inputs = keras.Input(shape=(n_features,))
    hidden = keras.layers.Dense(16, activation="relu")(inputs)
    outputs = keras.layers.Dense(3, activation="softmax")(hidden)  # <-
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
""",
"""
def build_model(n_features, n_classes):
    model = keras.Sequential()
    model.add(keras.layers.Dense(16, activation="relu", input_dim=4))  # <-
    model.add(keras.layers.Dense(n_classes, activation="softmax"))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
""",
)
