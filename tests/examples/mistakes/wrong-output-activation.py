"""Softmax for a yes/no task: with one output unit softmax always gives 1.0."""

BAD = """
def output_activation(task):
    return {"binary": "softmax", "multiclass": "softmax", "multilabel": "sigmoid", "regression": "linear"}[task]
"""

GOOD = """
def output_activation(task):
    return {"binary": "sigmoid", "multiclass": "softmax", "multilabel": "sigmoid", "regression": "linear"}[task]
"""
