"""The naive way to grade one iris submission, as peers do: a fresh Python that imports
TensorFlow, imports the student's file and runs the student's own `fit` (one seed).

    python benchmarks/naive_grade.py SUBMISSION.py

Prints one JSON line: the test accuracy, or the error.
"""
import importlib.util
import json
import sys

import numpy as np
from sklearn.datasets import load_iris

import keras

X, y = load_iris(return_X_y=True)
try:
    spec = importlib.util.spec_from_file_location("submission", sys.argv[1])
    student = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(student)
    X_train, X_test, y_train, y_test = student.split_data(X, y)
    X_train, X_test = student.normalize(X_train, X_test)
    keras.utils.set_random_seed(0)
    model = student.build_model(X.shape[1], 3)
    model.fit(X_train, y_train, epochs=student.EPOCHS, batch_size=student.BATCH_SIZE, verbose=0)
    accuracy = float(np.mean(np.argmax(model.predict(X_test, verbose=0), axis=1) == y_test))
    print(json.dumps({"accuracy": accuracy}))
except Exception as exc:  # a student's error is a result here, not a crash of the benchmark
    print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
