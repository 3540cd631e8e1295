"""Inputs the grader chooses for the student's functions, and its own training data."""
from __future__ import annotations

import functools

import numpy as np

from grader.training.trainer import Dataset


def traceable_classification(class_sizes: tuple[int, ...], n_features: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows sorted by class (as iris is), whose first column is the row's id, so a split can be traced."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(len(class_sizes)), class_sizes)
    n = len(y)
    X = np.column_stack([np.arange(n, dtype=float), rng.normal(y[:, None] * 2.0, 1.0, size=(n, n_features - 1))])
    return X, y


def scaling_pair(n_train: int, n_test: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Train and test features on very different scales, with the test set clearly shifted,
    so train, test and combined statistics are all distinguishable."""
    rng = np.random.default_rng(seed)
    means = np.array([5.0, 150.0, 0.02, 3000.0])
    stds = np.array([1.0, 30.0, 0.005, 800.0])
    X_train = rng.normal(means, stds, size=(n_train, 4))
    X_test = rng.normal(means + 1.5 * stds, 2.0 * stds, size=(n_test, 4))
    return X_train, X_test


def standardize(X_train: np.ndarray, X_test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    std = np.where(std == 0, 1.0, std)
    return (X_train - mean) / std, (X_test - mean) / std


def iris() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_iris

    return load_iris(return_X_y=True)


def pass_fail(n: int = 400, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """The lesson's students: [hours studied, attendance %], unscaled, 0 = fail, 1 = pass.

    As in its field story, many hours pass, and so do moderate hours with high attendance:
    two regions no single straight line separates well; a few labels are flipped (noise).
    """
    rng = np.random.default_rng(seed)
    hours = rng.uniform(0, 20, n)
    attendance = rng.uniform(30, 100, n)
    passed = (hours >= 12) | ((hours >= 4) & (attendance >= 80))
    flip = rng.random(n) < 0.04
    return np.column_stack([hours, attendance]), (passed ^ flip).astype(int)


def fruit(n_per_class: int = 120, seed: int = 11) -> tuple[np.ndarray, np.ndarray]:
    """The lesson's fruits: [weight in grams, sweetness score], unscaled, 0 = apple, 1 = mango, 2 = orange.

    Around the lesson's examples (apples about 140 g and sweetness 6-7, mangoes heavier and
    sweeter, oranges lighter and less sweet), with spreads that make the classes overlap a
    little: about one fruit in eight looks more like another kind (logistic regression and
    the reference network both score about 0.86 on held-out fruits), so a network that
    memorizes its training fruits shows a clear gap between training and test accuracy.
    Rows sorted by class.
    """
    rng = np.random.default_rng(seed)
    # (weight mean, weight sd, sweetness mean, sweetness sd) per class
    shapes = ((140.0, 29.0, 6.5, 1.4), (210.0, 45.0, 9.0, 1.3), (100.0, 23.0, 4.0, 1.3))
    X = np.vstack([np.column_stack([rng.normal(wm, ws, n_per_class), rng.normal(sm, ss, n_per_class)])
                   for wm, ws, sm, ss in shapes])
    return X, np.repeat(np.arange(len(shapes)), n_per_class)


def digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8x8 handwritten digits (1797 images, 64 pixel intensities 0-16); no download."""
    from sklearn.datasets import load_digits

    return load_digits(return_X_y=True)


DATASETS = {"iris": iris, "pass_fail": pass_fail, "fruit": fruit, "digits": digits}
# What each column means, in the student's terms (for charts); a data set not named here gets "feature N".
FEATURE_NAMES = {"iris": ("sepal length", "sepal width", "petal length", "petal width"),
                 "pass_fail": ("hours studied", "attendance %"), "fruit": ("weight (g)", "sweetness")}


@functools.cache
def training_splits(name: str, seeds: tuple[int, ...], test_size: float) -> tuple[Dataset, ...]:
    """The grader's own data for training a student's model: one stratified, standardized split per seed.

    The same for every submission, so built once per process (no dataset I/O per grading).
    """
    from sklearn.model_selection import train_test_split

    X, y = DATASETS[name]()
    datasets = []
    for seed in seeds:
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=test_size, stratify=y, random_state=seed)
        arrays = (*standardize(X_train, X_test), y_train, y_test)
        for array in arrays:
            array.setflags(write=False)  # shared by every grading in the process
        X_train, X_test, y_train, y_test = arrays
        datasets.append(Dataset(X_train, y_train, X_test, y_test))
    return tuple(datasets)
