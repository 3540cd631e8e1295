"""Min-max scaling to [0, 1] where the exercise asks for standardization."""

BAD = """
def normalize(X_train, X_test):
    low, high = X_train.min(axis=0), X_train.max(axis=0)
    return (X_train - low) / (high - low), (X_test - low) / (high - low)
"""

GOOD = """
def normalize(X_train, X_test):
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    return (X_train - mean) / std, (X_test - mean) / std
"""
