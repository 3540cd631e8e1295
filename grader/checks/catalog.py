"""The mistake catalog: every check the grader knows, under a stable id.

A check is a small pure function over plain data (model facts, split arrays, a
training history) that yields Findings. It is registered here with its id, severity,
title, why it matters and how to fix it. An id never changes meaning once released;
new mistakes get new ids.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

SEVERITIES = ("error", "warning")


@dataclass(frozen=True)
class Finding:
    """One occurrence of a mistake: what was observed, what was expected, and its own fix where the
    catalog's would be wrong for it (e.g. the likely cause of this network's underfitting)."""

    id: str
    observed: str
    expected: str
    locate: str | None = None  # a hint for finding the student's line (grader.source_lines.SourceIndex.locate)
    fix: str | None = None  # None: the catalog's fix


@dataclass(frozen=True)
class Mistake:
    id: str
    family: str
    severity: str
    title: str
    why: str
    fix: str
    check: Callable[..., Iterable[Finding]]

    def fix_for(self, finding: Finding) -> str:
        """The fix for this occurrence: its own, or the catalog's."""
        return finding.fix or self.fix

    def message(self, finding: Finding) -> str:
        """Observed, expected, fix: the order scikit-learn's estimator checks use."""
        return f"{finding.observed}. Expected: {finding.expected}. Fix: {self.fix_for(finding)}"


CATALOG: dict[str, Mistake] = {}


def mistake(id: str, *, family: str, severity: str, title: str, why: str, fix: str):
    """Register the decorated check function under a stable id."""
    if severity not in SEVERITIES:
        raise ValueError(f"unknown severity {severity!r}")

    def register(check: Callable[..., Iterable[Finding]]):
        if id in CATALOG:
            raise ValueError(f"mistake id {id!r} registered twice")
        CATALOG[id] = Mistake(id, family, severity, title, why, fix, check)
        return check

    return register


def run_family(family: str, subject: object) -> list[Finding]:
    """Run every check of a family (model, split, normalize, training) on one subject."""
    findings: list[Finding] = []
    for entry in CATALOG.values():
        if entry.family == family:
            findings.extend(entry.check(subject) or ())
    return findings
