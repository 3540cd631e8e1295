"""A linear output trained with from_logits=True: a correct network for iris, but its outputs are raw
scores, not the probabilities per fruit that the fruit exercise asks for.

Both train for the exercise's own budget: the light mode's 40 epochs leave the lesson's small network
under-trained on the one light seed, whose train - test gap then comes close to the overfitting warning."""
EXERCISE = "fruit"

BAD = """
EPOCHS = 200
BATCH_SIZE = 32


def build_model(n_features, n_classes):
    model = keras.Sequential([
        keras.Input(shape=(n_features,)),
        keras.layers.Dense(8, activation="relu"),
        keras.layers.Dense(6, activation="relu"),
        keras.layers.Dense(n_classes),  # <-
    ])
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    return model
"""

GOOD = """
EPOCHS = 200
BATCH_SIZE = 32


def build_model(n_features, n_classes):
    model = keras.Sequential([
        keras.Input(shape=(n_features,)),
        keras.layers.Dense(8, activation="relu"),
        keras.layers.Dense(6, activation="relu"),
        keras.layers.Dense(n_classes, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
"""

# Other ways students write the same mistake, each with its line marked.
FORMS = (
"""
EPOCHS = 200
BATCH_SIZE = 32


def build_model(n_features, n_classes):
    inputs = keras.Input(shape=(n_features,))
    hidden = keras.layers.Dense(8, activation="relu")(inputs)
    hidden = keras.layers.Dense(6, activation="relu")(hidden)
    scores = keras.layers.Dense(n_classes)(hidden)  # <-
    model = keras.Model(inputs, scores)
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    return model
""",
)
