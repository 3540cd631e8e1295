"""The warm-up of a cold `grader check` traces the reference's training and changes no grade."""
from grader.exercises import load
from grader.training import trainer, warmup
from tests.harness import grade_source


def test_warm_up_prepares_the_lessons_network_and_changes_no_grade():
    trainer._COMPILED.clear()
    warmup.start(load("iris_net"))
    warmup.wait()
    assert len(trainer._COMPILED) == 1
    warmed = grade_source("", "iris_net", light=False)  # the reference's own network: the traced training is reused
    assert len(trainer._COMPILED) == 1
    trainer._COMPILED.clear()
    fresh = grade_source("", "iris_net", light=False)
    assert warmed["checks"] == fresh["checks"] and warmed["score"] == fresh["score"] == fresh["max_score"]
    assert warmed["details"]["build_model"]["training"] == fresh["details"]["build_model"]["training"]

