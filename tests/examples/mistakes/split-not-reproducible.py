"""No random_state: every call splits differently."""

BAD = """
def split_data(X, y):
    return train_test_split(X, y, test_size=0.3, stratify=y)
"""

GOOD = """
def split_data(X, y):
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=42)
"""
