"""The scaler fitted on train and test stacked together."""

BAD = """
from sklearn.preprocessing import StandardScaler

def normalize(X_train, X_test):
    scaler = StandardScaler().fit(np.vstack([X_train, X_test]))  # <-
    return scaler.transform(X_train), scaler.transform(X_test)
"""

GOOD = """
from sklearn.preprocessing import StandardScaler

def normalize(X_train, X_test):
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test)
"""

# Other ways students write the same mistake, each with its line marked.
FORMS = (
"""
def normalize(X_train, X_test):
    X_all = np.concatenate([X_train, X_test])
    mean, std = X_all.mean(axis=0), X_all.std(axis=0)  # <-
    return (X_train - mean) / std, (X_test - mean) / std
""",
"""
from sklearn.preprocessing import StandardScaler

def normalize(X_train, X_test):
    scaler = StandardScaler()
    scaler.fit(X_test)  # <-
    return scaler.transform(X_train), scaler.transform(X_test)
""",
)
