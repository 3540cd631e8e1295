"""Exercise digits: handwritten digits, a network against logistic regression.

The lesson's first network read handwritten digits (0-9): logistic regression, which can
only draw straight boundaries between the classes, fell behind, while the network's hidden
layers learned curved strokes, slanted writing and pixel variations. Here the digits are
scikit-learn's 1797 small 8x8 images: each row holds the darkness (0-16) of the 64
pixels, read row by row, and the label is the digit. Fill in build_model below, then check
your work with:

    grader check exercises/digits.py

The grader trains your network itself on its own split of the digits (standardized with
the training rows' statistics, 30% held out for testing) and fits a logistic regression on
exactly the same split. On these small, clean images logistic regression is already
strong (it gets about 97% of the test digits right), so the margin is small: your network
must reach the accuracy threshold and be at least as accurate as logistic regression,
give or take 0.01 (about 5 of the 540 test images). A well-built network wins by about a
point; one too small, or trained too briefly, falls behind.
"""
import keras

# The training budget the grader uses for your network (see iris_net for what they mean).
# With 1257 training images one epoch is 40 batches, so a few dozen epochs are plenty:
# a network of a few hundred units gets every training image right within 20.
EPOCHS = 20
BATCH_SIZE = 32


def build_model(n_features, n_classes):
    """Return a compiled Keras model that recognises n_classes digits from n_features pixels.

    A multi-layer perceptron: hidden Dense layers with relu (a few dozen to a few hundred
    units; images need more than the 8 units of the fruit network), then one output unit
    per class with softmax. The labels are the digits themselves, integers 0..9, so the
    loss is sparse_categorical_crossentropy. Use the arguments for the sizes (64 pixels and
    10 classes here).

    Size: the grader builds and trains the network itself, so it refuses one with more
    than 1,500,000 parameters (weights and biases) or 32 layers, and trains a very large one
    for fewer epochs than EPOCHS (a note then says so). Two hidden layers of 512 units are fine.
    """
    # BEGIN SOLUTION: build and compile a multi-layer perceptron for the digit images
    model = keras.Sequential([
        keras.Input(shape=(n_features,)),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(n_classes, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
    # END SOLUTION
