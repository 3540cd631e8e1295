"""Real reports to render: graded in-process (light training) from real submissions."""
from __future__ import annotations

import pytest

from grader.report import submission_report
from tests.harness import ROOT, grade_source

ISOLATION = {"level": "bubblewrap", "protections": ["time limits", "no network (not even loopback)"]}
LINEAR_HIDDEN = (ROOT / "samples" / "linear_hidden" / "iris_net.py").read_text()
LEAKY_SCALER = (ROOT / "samples" / "leaky_scaler" / "iris_net.py").read_text()
UNSHUFFLED = "def split_data(X, y):\n    n = int(len(X) * 0.7)\n    return X[:n], X[n:], y[:n], y[n:]\n"
ERRORING = ("def normalize(X_train, X_test):\n    return helper(X_train)\n\n"
            "def helper(X):\n    raise ValueError('cannot scale ' + str(X.shape))\n")


def report_for(source: str, name: str) -> dict:
    return submission_report(f"students/{name}/iris_net.py", [grade_source(source)], ISOLATION)


@pytest.fixture(scope="session")
def reports() -> dict[str, dict]:
    return {
        "reference": report_for("", "reference"),
        "linear_hidden": report_for(LINEAR_HIDDEN, "linear_hidden"),
        "leaky_scaler": report_for(LEAKY_SCALER, "leaky_scaler"),
        "unshuffled": report_for(UNSHUFFLED, "unshuffled"),
        "erroring": report_for(ERRORING, "erroring"),
    }
