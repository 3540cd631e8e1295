"""The scaler fitted on train and test stacked together."""

BAD = """
from sklearn.preprocessing import StandardScaler

def normalize(X_train, X_test):
    scaler = StandardScaler().fit(np.vstack([X_train, X_test]))
    return scaler.transform(X_train), scaler.transform(X_test)
"""

GOOD = """
from sklearn.preprocessing import StandardScaler

def normalize(X_train, X_test):
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test)
"""
