"""Exercise pass_fail: will a student pass? A yes/no network from the lesson's example.

Each student is described by [hours studied, attendance in %], and the label is 0 (fail)
or 1 (pass). Fill in the two functions below, then check your work with:

    grader check exercises/pass_fail.py

The grader trains your network itself on a few hundred students like the lesson's: many
hours pass, and so do moderate hours with high attendance. No single straight line
separates that, so the hidden layer matters; the two features are on very different
scales (0-20 hours, 30-100 %), so normalizing matters too.
"""
import keras
import numpy as np

# The training budget the grader uses for your network (see iris_net for what they mean).
EPOCHS = 150
BATCH_SIZE = 32


def normalize(X_train, X_test):
    """Standardize every feature with the training set's mean and standard deviation.

    Return (X_train_scaled, X_test_scaled); X_test is scaled with X_train's statistics.
    """
    # BEGIN SOLUTION: scale X_train and X_test with X_train's statistics
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    std = np.where(std == 0, 1.0, std)
    return (X_train - mean) / std, (X_test - mean) / std
    # END SOLUTION


def build_model(n_features):
    """Return a compiled Keras model that predicts pass (1) or fail (0) from n_features inputs.

    One output unit with a sigmoid gives the probability of passing; binary cross-entropy
    is the loss for 0/1 labels. Put at least one hidden layer with a non-linear activation
    (relu) before it.

    Size: the grader builds and trains the network itself, so it refuses one with more
    than 1,500,000 parameters (weights and biases) or 32 layers, and trains a very large one
    for fewer epochs than EPOCHS (a note then says so). Two hidden layers of 512 units are fine.
    """
    # BEGIN SOLUTION: build and compile a yes/no network
    model = keras.Sequential([
        keras.Input(shape=(n_features,)),
        keras.layers.Dense(8, activation="relu"),
        keras.layers.Dense(4, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model
    # END SOLUTION
