"""Summing without an axis normalises the whole batch instead of each example's row."""
EXERCISE = "neuron"

BAD = """
def softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max())
    return e / e.sum()  # <-
"""

GOOD = """
def softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)
"""

# Other ways students write the same mistake, each with its line marked.
FORMS = (
"""
def softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - np.max(z))
    return e / np.sum(e)  # <-
""",
"""
def softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max())
    total = e.sum(axis=0)  # <-
    return e / total
""",
)
