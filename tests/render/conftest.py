"""Real reports to render: graded in-process (light training) from real submissions."""
from __future__ import annotations

import os

import pytest

from grader.report import submission_report
from tests.harness import ROOT, grade_source
from tests.render.browser import CHROMIUM

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


# A class for the class summary and grades.csv: real graded reports, assembled as `grader bulk` would.
NEURON_UNSTABLE = ("def softmax(z):\n    z = np.asarray(z, dtype=float)\n    e = np.exp(z)\n"
                   "    return e / e.sum(axis=-1, keepdims=True)\n")
NEURON_STUB = "def relu(z):\n    raise NotImplementedError('relu: return max(0, z) elementwise')\n"
CRASHED = "crashed"  # a submission that could not be graded at all: the worker was killed


@pytest.fixture(scope="session")
def class_results(reports) -> dict:
    iris = {name: report["exercises"][0] for name, report in reports.items()}
    iris["reference"] = grade_source((ROOT / "reference" / "iris_net.py").read_text())  # with its source, for similarity
    neuron = {"reference": grade_source((ROOT / "reference" / "neuron.py").read_text(), "neuron"),
              "unstable": grade_source(NEURON_UNSTABLE, "neuron"), "stub": grade_source(NEURON_STUB, "neuron")}
    return _class_results({
        "alice": {"iris_net": iris["reference"], "neuron": neuron["reference"]},
        "bob": {"iris_net": iris["linear_hidden"], "neuron": neuron["unstable"]},
        "carol": {"iris_net": iris["linear_hidden"]},  # bob's code: a similar pair
        "<script>alert(1)</script>": {"iris_net": iris["erroring"], "neuron": neuron["stub"]},
        "../../etc": {"iris_net": iris["leaky_scaler"], "neuron": CRASHED},
        '=HYPERLINK("http://example.com","x")': {"iris_net": iris["unshuffled"]},
        "dave": {},  # handed in a broken zip
    }, unreadable={"dave": "dave.zip is not a valid zip archive"})


def _class_results(roster: dict[str, dict[str, dict | str]], unreadable: dict[str, str]) -> dict:
    """The class results dict (contract in grader/render/summary.py) from graded exercise reports."""
    import difflib
    import itertools

    from grader import __version__
    from grader.checks import CATALOG
    from tests.render.summary_data import as_bulk_writes

    first: dict[str, dict] = {}
    for submitted in roster.values():
        for name, report in submitted.items():
            if report != CRASHED:
                first.setdefault(name, report)
    exercises = [{"name": name, "title": r["title"], "max_score": float(r["max_score"]), "pass_mark": float(r["pass_mark"])}
                 for name, r in first.items()]
    students, problems = [], [{"student": s, "exercise": None, "kind": "malformed", "message": m, "report": None}
                              for s, m in unreadable.items()]
    for student, submitted in roster.items():
        results = {}
        for name, report in submitted.items():
            if report == CRASHED:
                results[name] = {"status": "error", "score": None, "max_score": first[name]["max_score"], "passed": False,
                                 "report": None, "mistakes": [], "errors": []}
                problems.append({"student": student, "exercise": name, "kind": "crashed",
                                 "message": "the grading worker was killed", "report": None})
                continue
            path = f"reports/{student.replace('/', '_')}/{name}.html"
            errors = [{"function": e["function"], "kind": e["kind"], "message": e["message"]} for e in report["errors"]]
            results[name] = {"status": "graded", "score": report["score"], "max_score": report["max_score"],
                             "passed": report["passed"], "report": path,
                             "mistakes": list(dict.fromkeys(m["id"] for m in report["mistakes"])), "errors": errors}
            problems += [{"student": student, "exercise": name, "kind": e["kind"],
                          "message": f"{e['function']}: {e['message']}", "report": path} for e in errors]
        students.append({"student": student, "results": results,
                         "total": sum(r["score"] for r in results.values() if r["score"] is not None),
                         "max_total": sum(e["max_score"] for e in exercises)})
    similar = []
    for exercise in exercises:
        sources = {s: roster[s][exercise["name"]]["source"] for s in roster
                   if roster[s].get(exercise["name"], CRASHED) != CRASHED and roster[s][exercise["name"]]["source"]}
        for a, b in itertools.combinations(sorted(sources), 2):
            ratio = difflib.SequenceMatcher(None, sources[a], sources[b]).ratio()
            if ratio >= 0.9:
                similar.append({"exercise": exercise["name"], "students": [a, b], "similarity": round(ratio, 3)})
    used = {m for s in students for r in s["results"].values() for m in r["mistakes"]}
    return as_bulk_writes({  # with the counts and similarity findings grader bulk adds
        "title": "Class summary: submissions", "grader_version": __version__,
        "generated_at": "2026-11-23T12:00:00+00:00", "exercises": exercises, "students": students,
        "problems": problems, "similar": similar,
        "mistake_catalog": {m: {"title": CATALOG[m].title, "severity": CATALOG[m].severity} for m in sorted(used)}})


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module; its tests skip without Chromium unless the suite requires it (tox does)."""
    if not os.path.exists(CHROMIUM) and os.environ.get("GRADER_REQUIRE_BROWSER") != "1":
        pytest.skip("Chromium is not installed (scripts/install-system-packages installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        yield browser
        browser.close()
