"""A sample student submission with typical mistakes (bundled for `grader demo`)."""
import numpy as np
import tensorflow as tf
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

EPOCHS = 100


def split_data(X, y):
    return train_test_split(X, y, test_size=0.3, shuffle=False)


def normalize(X_train, X_test):
    scaler = StandardScaler().fit(np.vstack([X_train, X_test]))  # sees the test rows
    return scaler.transform(X_train), scaler.transform(X_test)


def output_activation(task):
    if task == "regression":
        return "linear"
    return "softmax"


def build_model(n_features, n_classes):
    model = tf.keras.Sequential([
        tf.keras.Input(shape=(n_features,)),
        tf.keras.layers.Dense(16, activation="relu"),
        tf.keras.layers.Dense(n_classes, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model
