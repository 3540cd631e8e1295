"""`grader calibrate`: its verdict (the exit code) agrees with what it prints, and an exercise without a
network gets a one-line answer, not a traceback."""
import dataclasses

import pytest

from grader.calibration import SAFE_MARGIN, calibrate, describe
from grader.cli import main
from grader.exercises import load


@pytest.mark.parametrize("exercise", ["neuron", "concepts"])
def test_an_exercise_without_a_network_is_told_so(exercise, capsys):
    assert main(["calibrate", exercise]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"grader: error: {exercise} has no network to calibrate") and len(error.splitlines()) == 1
    assert "exercises with a network: digits, fruit, iris_net, pass_fail" in error


@pytest.fixture(scope="module")
def iris_calibration():
    return calibrate(load("iris_net"), n_seeds=3)  # one group of 3 seeds: enough to place thresholds around it


def test_a_too_tight_margin_fails_the_calibration(iris_calibration):
    tight = dataclasses.replace(iris_calibration, threshold=float(iris_calibration.statistic.min()) - SAFE_MARGIN / 2)
    assert 0 < tight.margin < SAFE_MARGIN
    assert "TOO TIGHT" in describe(tight) and not tight.passed  # `grader calibrate` exits 1


def test_a_safe_margin_passes_the_calibration(iris_calibration):
    assert iris_calibration.margin > SAFE_MARGIN  # the reference's own threshold, 0.80
    assert "(safe)" in describe(iris_calibration) and iris_calibration.passed
