"""A sample student submission with typical mistakes (bundled for `grader demo`)."""
import keras
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

EPOCHS = 200
BATCH_SIZE = 32


def split_data(X, y):
    # No random_state: a different split on every run.
    return train_test_split(X, y, test_size=0.3, stratify=y)


def normalize(X_train, X_test):
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test)


def output_activation(task):
    return {"binary": "sigmoid", "multiclass": "softmax", "multilabel": "sigmoid", "regression": None}[task]


def build_model(n_features, n_classes):
    model = keras.Sequential([
        keras.layers.Dense(16, input_shape=(n_features,)),  # no activation: linear
        keras.layers.Dense(3, activation="softmax"),  # 3 species, hard-coded
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
