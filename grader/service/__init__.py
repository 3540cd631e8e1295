"""The warm grading service: one per user and identity, so a re-check does not import TensorFlow again."""
