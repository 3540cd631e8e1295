"""X_train is standardized, but X_test is returned as it came."""

BAD = """
def normalize(X_train, X_test):
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    X_train = (X_train - mean) / std
    return X_train, X_test  # <-
"""

GOOD = """
def normalize(X_train, X_test):
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    X_train, X_test = (X_train - mean) / std, (X_test - mean) / std
    return X_train, X_test
"""

# Other ways students write the same mistake, each with its line marked.
FORMS = (
"""
def normalize(X_train, X_test):
    # the features are already in centimetres
    return X_train, X_test  # <-
""",
"""
from sklearn.preprocessing import StandardScaler

def normalize(X_train, X_test):
    scaler = StandardScaler().fit(X_train)
    X_train = scaler.transform(X_train)
    return X_train, X_test  # <-
""",
)
