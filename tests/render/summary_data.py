"""The class results of tests/render/conftest.py with what `grader bulk` adds to them: the counts of every
outcome (grader.bulk.counts) and what the similarity check compared per exercise."""
from __future__ import annotations

from grader.bulk.counts import Counts


def as_bulk_writes(results: dict, kept: int = 0) -> dict:
    """results with "outcome" in each student's result, "counts" overall and per exercise, and "similarity"."""
    def verdict(result: dict) -> str:
        if result["status"] != "graded":
            return "errored"  # the fixture's one such result: a worker that crashed on the student's code
        return "passed" if result["passed"] else "failed"

    students = [{**s, "results": {name: {**r, "outcome": verdict(r)} for name, r in s["results"].items()}}
                for s in results["students"]]
    by_exercise = {e["name"]: Counts.of(s["results"][e["name"]]["outcome"]
                                        for s in students if e["name"] in s["results"])
                   for e in results["exercises"]}
    malformed = ["malformed" for p in results["problems"] if p["exercise"] is None]
    everything = Counts.of([r["outcome"] for s in students for r in s["results"].values()] + malformed, kept)
    similarity = []
    for exercise in results["exercises"]:
        name = exercise["name"]
        graded = sorted(s["student"] for s in students if s["results"].get(name, {}).get("status") == "graded")
        ungraded = sorted(s["student"] for s in students if s["results"].get(name, {}).get("status") == "error")
        similarity.append({"exercise": name, "compared": len(graded), "pairs": len(graded) * (len(graded) - 1) // 2,
                           "similar": [{"students": p["students"], "similarity": p["similarity"]}
                                       for p in results["similar"] if p["exercise"] == name],
                           "left_out": [], "partly_parsed": [], "ungraded": ungraded, "lesson_tokens": 159,
                           "min_tokens": 70})
    return {**results, "students": students, "counts": everything.as_dict(), "similarity": similarity,
            "exercises": [{**e, "counts": by_exercise[e["name"]].as_dict()} for e in results["exercises"]]}

