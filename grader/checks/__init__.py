"""Checks, registered in one catalog; importing this package registers them all."""
from grader.checks import data, model, numeric, training  # noqa: F401  (registration)
from grader.checks.catalog import CATALOG, Finding, Mistake, run_family

__all__ = ["CATALOG", "Finding", "Mistake", "run_family"]
