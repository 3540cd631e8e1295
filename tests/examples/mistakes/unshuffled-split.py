"""shuffle=False on data sorted by species: the test set is the last species only."""

BAD = """
def split_data(X, y):
    return train_test_split(X, y, test_size=0.3, shuffle=False)  # <-
"""

GOOD = """
def split_data(X, y):
    return train_test_split(X, y, test_size=0.3, shuffle=True, stratify=y, random_state=42)
"""

# Other ways students write the same mistake, each with its line marked.
FORMS = (
"""
def split_data(X, y):
    n_test = int(len(X) * 0.3)
    return X[:-n_test], X[-n_test:], y[:-n_test], y[-n_test:]  # <-
""",
"""
def split_data(X, y):
    return train_test_split(
        X, y,
        test_size=0.3,
        shuffle=False,  # <-
    )
""",
)
