"""Submission formats other than a plain .py file, turned into one (`notebook.py`: Jupyter and Colab)."""
