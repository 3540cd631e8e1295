"""X and y shuffled separately, so each row gets another row's label."""

BAD = """
def split_data(X, y):
    rng = np.random.default_rng(42)
    X, y = rng.permutation(X), rng.permutation(y)
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=42)
"""

GOOD = """
def split_data(X, y):
    order = np.random.default_rng(42).permutation(len(X))
    X, y = X[order], y[order]
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=42)
"""
