"""A shuffled split without stratify=y: the classes' shares drift between the sets."""

BAD = """
def split_data(X, y):
    return train_test_split(X, y, test_size=0.3, random_state=42)  # <-
"""

GOOD = """
def split_data(X, y):
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=42)
"""

# Other ways students write the same mistake, each with its line marked.
FORMS = (
"""
def split_data(X, y):
    X_train, X_test, y_train, y_test = train_test_split(  # <-
        X, y,
        test_size=0.3,
        random_state=42,
    )
    return X_train, X_test, y_train, y_test
""",
"""
def split_data(X, y):
    return train_test_split(X, y, test_size=0.3, stratify=None, random_state=42)  # <-
""",
)
