"""Exercise iris_net: a first Keras network that tells the three iris species apart.

Fill in the four functions below, then check your work with:

    grader check exercises/iris_net.py

The grader calls each function on inputs it chooses, rebuilds your model from its
configuration, trains it itself on the iris data (several seeds, the budget below) and
tells you what it observed, what it expected and how to fix it.
"""
import keras
import numpy as np
# BEGIN SOLUTION
from sklearn.model_selection import train_test_split
# END SOLUTION

# The training budget the grader uses for your network: EPOCHS full passes over the
# training rows, BATCH_SIZE rows per weight update. The defaults are enough for the
# lesson's network; change them if your network needs more or less training.
EPOCHS = 200
BATCH_SIZE = 32


def split_data(X, y):
    """Split the rows into a training set and a test set.

    Return (X_train, X_test, y_train, y_test) with 30% of the rows in the test set.
    The split must be shuffled (the rows may arrive sorted by class), stratified (each
    class keeps its share in both sets), and the same on every call (fix the random
    seed). Keep each row's label with its row.

    Hint: sklearn.model_selection.train_test_split does all of this with
    test_size=0.3, stratify=y and random_state=<any fixed number>.
    """
    # BEGIN SOLUTION: split X and y into train and test sets
    return train_test_split(X, y, test_size=0.3, shuffle=True, stratify=y, random_state=42)
    # END SOLUTION


def normalize(X_train, X_test):
    """Standardize every feature: subtract its mean, divide by its standard deviation.

    Return (X_train_scaled, X_test_scaled). Take the mean and standard deviation from
    X_train only and apply those same numbers to X_test: the test set stands for data
    the model has never seen, so nothing may be learned from it, not even its mean.

    Hint: sklearn.preprocessing.StandardScaler().fit(X_train), then transform both.
    """
    # BEGIN SOLUTION: scale X_train and X_test with X_train's statistics
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    std = np.where(std == 0, 1.0, std)
    return (X_train - mean) / std, (X_test - mean) / std
    # END SOLUTION


def output_activation(task):
    """Return the Keras activation name for the output layer of a task.

    task is one of 'binary' (yes/no), 'multiclass' (exactly one of several classes),
    'multilabel' (any number of several labels) or 'regression' (a number).
    Remember the lesson: sigmoid squashes one value into a probability in [0, 1];
    softmax turns a list of scores into probabilities that sum to 1; a regression
    output should not be squashed at all.
    """
    # BEGIN SOLUTION: return an activation name for the task
    return {"binary": "sigmoid", "multiclass": "softmax", "multilabel": "sigmoid", "regression": "linear"}[task]
    # END SOLUTION


def build_model(n_features, n_classes):
    """Build and compile a Keras network for integer class labels 0..n_classes-1.

    - Input: n_features numbers per row, an input of shape (n_features,) (use the
      argument, not the number 4).
    - At least one hidden Dense layer with a non-linear activation such as 'relu'.
    - An output layer with one unit per class and the activation that turns scores
      into class probabilities.
    - Compile it with an optimizer (e.g. 'adam') and the loss that matches integer
      labels (sparse_categorical_crossentropy).

    Return the compiled model; do not train it, the grader does.

    Size: the grader builds and trains the network itself, so it refuses one with more
    than 1,500,000 parameters (weights and biases) or 32 layers, and trains a very large one
    for fewer epochs than EPOCHS (a note then says so). Two hidden layers of 512 units are fine.
    """
    # BEGIN SOLUTION: build and compile a Keras model
    model = keras.Sequential([
        keras.Input(shape=(n_features,)),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(n_classes, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
    # END SOLUTION
