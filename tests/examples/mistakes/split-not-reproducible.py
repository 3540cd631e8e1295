"""No random_state: every call splits differently."""

BAD = """
def split_data(X, y):
    return train_test_split(X, y, test_size=0.3, stratify=y)  # <-
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
        X, y, test_size=0.3, stratify=y, random_state=None
    )
    return X_train, X_test, y_train, y_test
""",
"""
def split_data(X, y):
    seed = np.random.randint(1000)  # <-
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed)
""",
)
