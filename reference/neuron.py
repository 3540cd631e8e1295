"""Exercise neuron: one neuron, the common activation functions and a dense layer, in numpy.

Fill in the functions below (numpy only: no Keras here), then check your work with:

    grader check exercises/neuron.py

A neuron multiplies its inputs by weights, adds them up with a bias and passes the sum
through an activation function f: output = f(w·x + b). A dense layer is many neurons
that all see the same inputs. The grader calls your functions on inputs it chooses,
small and extreme, of floats and of integers (np.array([1, 2, 3]) holds integers), and
compares the results with its own. Each call gets its own inputs: a function may change
its input arrays in place, but only the value it returns is graded, so always return it.
"""
import numpy as np


def sigmoid(z):
    """Return 1 / (1 + e^(-z)) for every element of the array z (same shape as z).

    Outputs lie between 0 and 1, so sigmoid suits probabilities. z may hold integers
    (np.array([1, 2, 3])): the result is still floats. z may be changed in place.
    """
    # BEGIN SOLUTION: squash every element into (0, 1)
    z = np.asarray(z, dtype=float)
    return np.exp(-np.logaddexp(0.0, -z))
    # END SOLUTION


def relu(z):
    """Return max(0, z) for every element of the array z: negatives become 0, positives stay.

    z may hold integers or floats, and may be changed in place.
    """
    # BEGIN SOLUTION: turn negatives into 0, keep positives
    return np.maximum(0.0, np.asarray(z, dtype=float))
    # END SOLUTION


def tanh(z):
    """Return the hyperbolic tangent of every element of z: like sigmoid, but between -1 and 1.

    z may hold integers (the result is still floats), and may be changed in place.
    """
    # BEGIN SOLUTION: map every element into (-1, 1)
    return np.tanh(np.asarray(z, dtype=float))
    # END SOLUTION


def softmax(z):
    """Turn scores into probabilities that sum to 1.

    z is a 1-D array of scores, or a 2-D batch with one row of scores per example; then
    every row must sum to 1 on its own. Very large scores (softmax([1000, 1001])) must not
    overflow: e^1000 is infinite in floating point. Subtracting the largest score first
    changes nothing mathematically and keeps every exponent at most 0; in a batch, subtract
    each row's own largest score, since one row's scores can be far larger than another's.
    z may hold integers, and may be changed in place.
    """
    # BEGIN SOLUTION: exponentiate and normalise each row, without overflow
    z = np.asarray(z, dtype=float)
    shifted = np.exp(z - z.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)
    # END SOLUTION


ACTIVATIONS = {"sigmoid": sigmoid, "relu": relu, "tanh": tanh, "softmax": softmax, "linear": lambda z: z}


def neuron(x, w, b, activation):
    """Return the output of one neuron: f(w·x + b), a single float.

    x and w are 1-D arrays of the same length, b is a number (integers or floats), activation
    is one of "sigmoid", "relu", "tanh", "linear" (f does nothing). x and w may be changed in place.
    """
    # BEGIN SOLUTION: the weighted sum plus the bias, through the activation
    return float(ACTIVATIONS[activation](np.dot(w, x) + b))
    # END SOLUTION


def dense_forward(X, W, b, activation):
    """Return a dense layer's outputs for a batch: activation(X @ W + b).

    X has one row per example (batch, n_inputs), W has one column per neuron
    (n_inputs, n_neurons), b one bias per neuron (n_neurons,). The result has shape
    (batch, n_neurons). activation is "sigmoid", "relu", "tanh", "linear" or "softmax"
    (softmax over each example's row). X, W and b may hold integers or floats, and may be
    changed in place.
    """
    # BEGIN SOLUTION: every neuron's weighted sum for every example, through the activation
    return ACTIVATIONS[activation](np.asarray(X, dtype=float) @ np.asarray(W, dtype=float) + np.asarray(b, dtype=float))
    # END SOLUTION
