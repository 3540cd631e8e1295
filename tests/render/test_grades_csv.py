"""grades.csv, parsed back with the csv module, for a class graded from real submissions."""
from __future__ import annotations

import copy
import csv
import io
import re

import pytest

from grader.render.grades_csv import format_score, grades_csv, write_grades_csv


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def student(results: dict, name: str) -> dict:
    return next(s for s in results["students"] if s["student"] == name)


def with_student(results: dict, name: str, scores: dict[str, float], total: float) -> dict:
    """The class with one more student, graded on the given exercises."""
    results = copy.deepcopy(results)
    results["students"].append({"student": name, "total": total, "max_total": 200.0, "results": {
        exercise: {"status": "graded", "score": score, "max_score": 100.0, "passed": score >= 70, "report": None,
                   "mistakes": [], "errors": []} for exercise, score in scores.items()}})
    return results


def test_header_then_a_row_per_student_sorted_by_id(class_results):
    rows = parse(grades_csv(class_results))
    assert rows[0] == ["student", "iris_net", "neuron", "total"]
    assert [row[0] for row in rows[1:]] == ["../../etc", "<script>alert(1)</script>",
                                            """'=HYPERLINK("http://example.com","x")""",
                                            "alice", "bob", "carol", "dave"]
    assert all(len(row) == 4 for row in rows)


def test_scores_blank_cells_and_totals(class_results):
    rows = {row[0]: row[1:] for row in parse(grades_csv(class_results))[1:]}
    assert rows["carol"][1] == ""  # not submitted
    assert rows["../../etc"][1] == ""  # submitted, but could not be graded
    assert rows["dave"] == ["", "", "0"]  # an unreadable zip: nothing graded
    for s in class_results["students"]:
        row = rows[s["student"] if s["student"] in rows else "'" + s["student"]]
        for cell, exercise in zip(row, class_results["exercises"]):
            result = s["results"].get(exercise["name"])
            expected = result["score"] if result and result["status"] == "graded" else None
            assert (float(cell) if cell else None) == expected
        assert float(row[-1]) == s["total"]
    assert rows["bob"] == ["83", "90", "173"]


@pytest.mark.parametrize("value, text", [(83.0, "83"), (83, "83"), (83.5, "83.5"), (83.25, "83.25"), (83.333333, "83.33"),
                                         (0.0, "0"), (-0.0, "0"), (100.0, "100"), (1234.5, "1234.5")])
def test_numbers_without_trailing_zero_noise(value, text):
    assert format_score(value) == text


def test_fractional_scores_in_the_file(class_results):
    rows = {row[0]: row[1:] for row in parse(grades_csv(with_student(class_results, "erin", {"iris_net": 83.5}, 83.5)))}
    assert rows["erin"] == ["83.5", "", "83.5"]


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", " =", '"=', "\uff1d"])
def test_formula_injection_is_neutralised(class_results, prefix):
    name = prefix + "cmd|' /C calc'!A0"
    rows = parse(grades_csv(with_student(class_results, name, {"iris_net": 80.0}, 80.0)))
    assert ["'" + name, "80", "", "80"] in rows
    assert not any(row[0] == name for row in rows)


FORMULA = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
HOSTILE_IDS = ['x;=HYPERLINK("http://example.com","x")', "x\t=cmd|' /C calc'!A0", "x|=1+1", "x, @SUM(1)",
               'x;"=1+1"', "x; \uff1d1", "a\r\n-2+3", "\t=cmd", "\x1b]8;;http://example.com\x07=1", "x\x00;+1",
               "x\u202e;=1", "\udcff;=1"]


@pytest.mark.parametrize("separator", [",", ";", "\t", "|"])
def test_no_cell_is_a_formula_or_holds_a_control_character_under_any_common_separator(class_results, separator):
    results = class_results
    for name in HOSTILE_IDS:
        results = with_student(results, name, {"iris_net": 80.0}, 80.0)
    results["exercises"][0] = {**results["exercises"][0], "name": "iris;=1+1"}  # an exercise file name too
    text = grades_csv(results)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=separator))
    assert len(rows) == 1 + len(results["students"])  # no id adds a row
    for row in rows:
        for cell in row:
            assert not cell.lstrip(' "').startswith(FORMULA), (separator, cell)
            assert not CONTROL.search(cell), (separator, cell)


def test_control_characters_are_shown_not_written(class_results):
    results = with_student(with_student(class_results, "x\t=cmd", {"neuron": 70.0}, 70.0), "ana\x1b[2J\u202e", {}, 0.0)
    rows = {row[0]: row[1:] for row in parse(grades_csv(results))}
    assert rows["x\\t=cmd"] == ["", "70", "70"] and rows["ana\\x1b[2J\\u202e"] == ["", "", "0"]


def test_ordinary_ids_and_awkward_characters_round_trip(class_results):
    names = ["a=b", "o'brien", 'comma, "quoted" name', "zoë", "李雷", "x-1"]
    results = class_results
    for name in names:
        results = with_student(results, name, {"neuron": 70.0}, 70.0)
    rows = {row[0]: row[1:] for row in parse(grades_csv(results))}
    assert all(rows[name] == ["", "70", "70"] for name in names)


def test_write_plain_utf8_csv(class_results, tmp_path):
    path = write_grades_csv(with_student(class_results, "zoë", {"iris_net": 99.0}, 99.0), tmp_path / "out" / "grades.csv")
    assert path == tmp_path / "out" / "grades.csv"
    data = path.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf") and data.startswith(b"student,iris_net,neuron,total\r\n")
    assert "zoë,99,,99\r\n".encode() in data
    with path.open(newline="", encoding="utf-8") as f:
        assert list(csv.reader(f)) == parse(grades_csv(with_student(class_results, "zoë", {"iris_net": 99.0}, 99.0)))
