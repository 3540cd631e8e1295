"""Min-max scaling to [0, 1] where the exercise asks for standardization."""

BAD = """
def normalize(X_train, X_test):
    low, high = X_train.min(axis=0), X_train.max(axis=0)  # <-
    return (X_train - low) / (high - low), (X_test - low) / (high - low)
"""

GOOD = """
def normalize(X_train, X_test):
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    return (X_train - mean) / std, (X_test - mean) / std
"""

# Other ways students write the same mistake, each with its line marked.
FORMS = (
"""
from sklearn.preprocessing import MinMaxScaler

def normalize(X_train, X_test):
    scaler = MinMaxScaler().fit(X_train)  # <-
    return scaler.transform(X_train), scaler.transform(X_test)
""",
"""
def normalize(X_train, X_test):
    mean = X_train.mean(axis=0)
    spread = np.abs(X_train - mean).max(axis=0)  # <-
    return (X_train - mean) / spread, (X_test - mean) / spread
""",
"""
def normalize(X_train, X_test):
    mean, std = X_train.mean(), X_train.std()  # <-
    return (X_train - mean) / std, (X_test - mean) / std
""",
)
