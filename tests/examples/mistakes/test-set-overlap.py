"""'More data is better': training on every row, the test rows included."""

BAD = """
def split_data(X, y):
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y, random_state=42)
    return X, X_test, y, y_test  # <-
"""

GOOD = """
def split_data(X, y):
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y, random_state=42)
    return X_train, X_test, y_train, y_test
"""

# Other ways students write the same mistake, each with its line marked.
FORMS = (
"""
def split_data(X, y):
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y, random_state=42)
    X_train, y_train = X, y  # <-
    return X_train, X_test, y_train, y_test
""",
"""
def split_data(X, y):
    X_train, _, y_train, _ = train_test_split(X, y, test_size=0.3, stratify=y, random_state=1)
    _, X_test, _, y_test = train_test_split(X, y, test_size=0.3, stratify=y, random_state=2)  # <-
    return X_train, X_test, y_train, y_test
""",
)
