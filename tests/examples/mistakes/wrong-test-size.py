"""The usual 80/20 split where the exercise asks for 70/30."""

BAD = """
def split_data(X, y):
    return train_test_split(X, y, test_size=0.2, stratify=y, random_state=42)  # <-
"""

GOOD = """
def split_data(X, y):
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=42)
"""

# Other ways students write the same mistake, each with its line marked.
FORMS = (
"""
def split_data(X, y):
    return train_test_split(
        X, y,
        test_size=30,  # <-
        stratify=y,
        random_state=42,
    )
""",
"""
def split_data(X, y):
    return train_test_split(X, y,
                            train_size=0.8,  # <-
                            stratify=y, random_state=42)
""",
)
