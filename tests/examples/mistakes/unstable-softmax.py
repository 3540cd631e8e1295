"""Exponentiating raw scores overflows: e^1000 is inf, and inf/inf is nan."""
EXERCISE = "neuron"

BAD = """
def softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)
"""

GOOD = """
def softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
"""
