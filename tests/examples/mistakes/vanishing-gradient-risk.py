"""A deep stack of tanh layers, as in the lesson before the switch to relu."""

BAD = """
def build_model(n_features, n_classes):
    model = keras.Sequential([keras.Input(shape=(n_features,))])
    for _ in range(5):
        model.add(keras.layers.Dense(16, activation="tanh"))  # <-
    model.add(keras.layers.Dense(n_classes, activation="softmax"))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
"""

GOOD = """
def build_model(n_features, n_classes):
    model = keras.Sequential([keras.Input(shape=(n_features,))])
    for _ in range(5):
        model.add(keras.layers.Dense(16, activation="relu"))
    model.add(keras.layers.Dense(n_classes, activation="softmax"))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
"""

# Other ways students write the same mistake, each with its line marked.
FORMS = (
"""
def build_model(n_features, n_classes):
    model = keras.Sequential([
        keras.Input(shape=(n_features,)),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(16, activation="tanh"),  # <-
        keras.layers.Dense(16, activation="tanh"),
        keras.layers.Dense(16, activation="sigmoid"),
        keras.layers.Dense(16, activation="tanh"),
        keras.layers.Dense(n_classes, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
""",
)
