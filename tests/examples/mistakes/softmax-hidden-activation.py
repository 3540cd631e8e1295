"""Softmax copied onto every layer, hidden ones included."""

BAD = """
def build_model(n_features, n_classes):
    model = keras.Sequential([
        keras.Input(shape=(n_features,)),
        keras.layers.Dense(16, activation="softmax"),  # <-
        keras.layers.Dense(n_classes, activation="softmax"),
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
    model = keras.Sequential()
    model.add(keras.Input(shape=(n_features,)))
    model.add(keras.layers.Dense(16, activation="relu"))
    model.add(keras.layers.Dense(8, activation="softmax"))  # <-
    model.add(keras.layers.Dense(n_classes, activation="softmax"))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
""",
)
