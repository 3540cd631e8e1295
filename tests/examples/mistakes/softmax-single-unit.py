"""The lesson's yes/no output, but with softmax on its one unit: softmax of one score is always 1."""
EXERCISE = "pass_fail"

BAD = """
def build_model(n_features):
    model = keras.Sequential([
        keras.Input(shape=(n_features,)),
        keras.layers.Dense(8, activation="relu"),
        keras.layers.Dense(1, activation="softmax"),  # <-
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model
"""

GOOD = """
def build_model(n_features):
    model = keras.Sequential([
        keras.Input(shape=(n_features,)),
        keras.layers.Dense(8, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model
"""

# Other ways students write the same mistake, each with its line marked.
FORMS = (
"""
def build_model(n_features):
    model = keras.Sequential()
    model.add(keras.Input(shape=(n_features,)))
    model.add(keras.layers.Dense(8, activation="relu"))
    model.add(keras.layers.Dense(1, activation="softmax"))  # <-
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model
""",
)
