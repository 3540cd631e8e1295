"""A learning rate of 1e-6: the weights barely move in the whole training budget."""

BAD = """
def build_model(n_features, n_classes):
    model = keras.Sequential([
        keras.Input(shape=(n_features,)),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(n_classes, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-6),  # <-
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
"""

GOOD = """
def build_model(n_features, n_classes):
    model = keras.Sequential([
        keras.Input(shape=(n_features,)),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(n_classes, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
"""

# Other ways students write the same mistake, each with its line marked.
FORMS = (
"""
def build_model(n_features, n_classes):
    model = keras.Sequential([
        keras.Input(shape=(n_features,)),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(n_classes, activation="softmax"),
    ])
    slow = keras.optimizers.SGD(learning_rate=1e-5)  # <-
    model.compile(optimizer=slow, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
""",
"""
EPOCHS = 1  # <-


def build_model(n_features, n_classes):
    model = keras.Sequential([
        keras.Input(shape=(n_features,)),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(n_classes, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
""",
)
