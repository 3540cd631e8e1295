"""Summing without an axis normalises the whole batch instead of each example's row."""
EXERCISE = "neuron"

BAD = """
def softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max())
    return e / e.sum()
"""

GOOD = """
def softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)
"""
