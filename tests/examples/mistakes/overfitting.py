"""Two layers of 128 units trained for 600 epochs in batches of 8 on 252 fruits: the network learns the
training fruits by heart, the few that look like another kind included, and scores far lower on new ones."""
EXERCISE = "fruit"

BAD = """
EPOCHS = 600  # <-
BATCH_SIZE = 8


def build_model(n_features, n_classes):
    model = keras.Sequential([
        keras.Input(shape=(n_features,)),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(n_classes, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
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
