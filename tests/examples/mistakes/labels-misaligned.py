"""X and y shuffled separately, so each row gets another row's label."""

BAD = """
def split_data(X, y):
    rng = np.random.default_rng(42)
    X, y = rng.permutation(X), rng.permutation(y)  # <-
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=42)
"""

GOOD = """
def split_data(X, y):
    order = np.random.default_rng(42).permutation(len(X))
    X, y = X[order], y[order]
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=42)
"""

# Other ways students write the same mistake, each with its line marked.
FORMS = (
"""
def split_data(X, y):
    X = X.copy()
    np.random.default_rng(0).shuffle(X)  # <-
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=42)
""",
"""
def split_data(X, y):
    X_train, X_test = train_test_split(X, test_size=0.3, random_state=1)  # <-
    y_train, y_test = train_test_split(y, test_size=0.3, random_state=2)
    return X_train, X_test, y_train, y_test
""",
)
