"""Grades neural-network exercises by what the network is, not only by what it scores."""
__version__ = "0.1.0"
