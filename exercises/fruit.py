# Generated from reference/fruit.py by `grader generate`: maintainers, edit the reference and
# regenerate instead of editing this file by hand. Students: this file is yours to fill in.
"""Exercise fruit: apple, mango or orange? A multi-class network from the lesson's example.

Each fruit is described by [weight in grams, sweetness score], and the label is its class
id: 0 (apple), 1 (mango) or 2 (orange). Fill in the two functions below, then check your
work with:

    grader check exercises/fruit.py

The grader trains your network itself on a few hundred fruits like the lesson's: mangoes
are heavy and sweet, oranges light and less sweet, apples in between, and about one fruit
in eight looks more like another kind, so no network gets them all right. Weight (about
40-370 g) and sweetness (about 1-12) are on very different scales, so normalizing matters.
The grader also reads your trained network's outputs for every test fruit: they must be
probabilities that sum to 1, one per class. And it compares training and test accuracy:
a network far bigger than the data needs, trained too long, learns the training fruits
by heart and does worse on new ones.
"""
import keras
import numpy as np

# The training budget the grader uses for your network (see iris_net for what they mean).
# The lesson trains its fruit network for 200 epochs: three classes need more training
# than a yes/no task, because the network learns several decision boundaries.
EPOCHS = 200
BATCH_SIZE = 32


def normalize(X_train, X_test):
    """Standardize every feature with the training set's mean and standard deviation.

    Return (X_train_scaled, X_test_scaled); X_test is scaled with X_train's statistics.
    """
    raise NotImplementedError("normalize: scale X_train and X_test with X_train's statistics")


def build_model(n_features, n_classes):
    """Return a compiled Keras model that tells n_classes kinds of fruit apart from n_features inputs.

    The labels are class ids 0..n_classes-1 (integers, not one-hot vectors), so the loss is
    sparse_categorical_crossentropy. Put hidden layers with a non-linear activation (relu)
    first; the output layer has one unit per class, and its activation must turn the scores
    into probabilities that sum to 1 (e.g. 80% mango, 15% apple, 5% orange): the grader
    checks the outputs of your trained network, not only its accuracy.

    Size: the grader builds and trains the network itself, so it refuses one with more
    than 1,500,000 parameters (weights and biases) or 32 layers, and trains a very large one
    for fewer epochs than EPOCHS (a note then says so). Two hidden layers of 512 units are fine.
    """
    raise NotImplementedError("build_model: build and compile a network whose outputs are class probabilities")
