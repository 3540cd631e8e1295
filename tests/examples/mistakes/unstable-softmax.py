"""Exponentiating raw scores overflows: e^1000 is inf, and inf/inf is nan."""
EXERCISE = "neuron"

BAD = """
def softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z)  # <-
    return e / e.sum(axis=-1, keepdims=True)
"""

GOOD = """
def softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
"""

# Other ways students write the same mistake, each with its line marked.
FORMS = (
"""
def softmax(z):
    z = np.asarray(z, dtype=float)
    return np.exp(z) / np.sum(np.exp(z), axis=-1, keepdims=True)  # <-
""",
"""
def softmax(z):
    z = np.asarray(z, dtype=float)
    powers = np.e ** z  # <-
    return powers / powers.sum(axis=-1, keepdims=True)
""",
)
