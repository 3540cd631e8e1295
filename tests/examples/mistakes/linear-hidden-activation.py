"""A hidden Dense layer without an activation is linear: Keras's default is no activation."""

BAD = """
def build_model(n_features, n_classes):
    model = keras.Sequential([
        keras.Input(shape=(n_features,)),
        keras.layers.Dense(16),  # <-
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
    inputs = keras.Input(shape=(n_features,))
    hidden = keras.layers.Dense(16)(inputs)  # <-
    outputs = keras.layers.Dense(n_classes, activation="softmax")(hidden)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
""",
"""
def hidden_layer(units):
    return keras.layers.Dense(units, activation=None)  # <-


def build_model(n_features, n_classes):
    model = keras.Sequential([
        keras.Input(shape=(n_features,)),
        hidden_layer(16),
        keras.layers.Dense(n_classes, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
""",
"""
def build_model(n_features, n_classes):
    model = keras.Sequential()
    model.add(keras.Input(shape=(n_features,)))
    for units in (32, 16):
        model.add(keras.layers.Dense(units))  # <-
    model.add(keras.layers.Dense(n_classes, activation="softmax"))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
""",
)
