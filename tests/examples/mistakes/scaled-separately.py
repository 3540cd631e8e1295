"""fit_transform on each set: the test set is scaled with its own statistics."""

BAD = """
from sklearn.preprocessing import StandardScaler

def normalize(X_train, X_test):
    scaler = StandardScaler()
    return scaler.fit_transform(X_train), scaler.fit_transform(X_test)  # <-
"""

GOOD = """
from sklearn.preprocessing import StandardScaler

def normalize(X_train, X_test):
    scaler = StandardScaler()
    return scaler.fit_transform(X_train), scaler.transform(X_test)
"""

# Other ways students write the same mistake, each with its line marked.
FORMS = (
"""
def normalize(X_train, X_test):
    X_train = (X_train - X_train.mean(axis=0)) / X_train.std(axis=0)
    X_test = (X_test - np.mean(X_test, axis=0)) / np.std(X_test, axis=0)  # <-
    return X_train, X_test
""",
"""
def standardize(X):
    return (X - X.mean(axis=0)) / X.std(axis=0)


def normalize(X_train, X_test):
    X_train_scaled = standardize(X_train)
    X_test_scaled = standardize(X_test)  # <-
    return X_train_scaled, X_test_scaled
""",
"""
from sklearn.preprocessing import StandardScaler

def normalize(X_train, X_test):
    train_scaler = StandardScaler().fit(X_train)
    test_scaler = StandardScaler().fit(X_test)  # <-
    return train_scaler.transform(X_train), test_scaler.transform(X_test)
""",
)
