"""fit_transform on each set: the test set is scaled with its own statistics."""

BAD = """
from sklearn.preprocessing import StandardScaler

def normalize(X_train, X_test):
    scaler = StandardScaler()
    return scaler.fit_transform(X_train), scaler.fit_transform(X_test)
"""

GOOD = """
from sklearn.preprocessing import StandardScaler

def normalize(X_train, X_test):
    scaler = StandardScaler()
    return scaler.fit_transform(X_train), scaler.transform(X_test)
"""
