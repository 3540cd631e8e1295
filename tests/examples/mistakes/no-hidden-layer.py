"""The output layer straight on the inputs: logistic regression, not a network."""

BAD = """
def build_model(n_features, n_classes):
    model = keras.Sequential([
        keras.Input(shape=(n_features,)),
        keras.layers.Dense(n_classes, activation="softmax"),  # <-
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
    outputs = keras.layers.Dense(n_classes, activation="softmax")(inputs)  # <-
    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
""",
)
