"""concepts: the lesson's questions, answered as constants; one free-text answer graded by hand."""
from grader.parts.answers import AnswersPart, Question as Q
from grader.spec import Exercise, ManualItem

QUESTIONS = (
    Q("Q1", "First choice for a small table of numeric features", ("b",),
      "the lesson says where neural networks pull ahead (big, unstructured data) and what usually "
      "matches or beats them on ordinary tables", 10),
    Q("Q2", "Activation in the hidden layers", ("b",),
      "hidden layers need a non-linear curve that is fast to train; the author switched away from "
      "sigmoid everywhere for this one", 10),
    Q("Q3", "Output layer for three fruit classes", ("c",),
      "one output unit per class, and outputs that are probabilities summing to 1", 10),
    Q("Q4", "What an epoch is", ("b",), "epochs=50 in the lesson means the network looked at the training data 50 times", 10),
    Q("Q5", "Loss for integer labels 0, 1, 2", ("d",), "one loss expects class ids as they are, another one-hot vectors", 10),
    Q("Q6", "Does training longer always help?", ("b",), "think of what happens when a network memorizes its training data", 10),
    Q("Q7", "Why scale the inputs", ("a",), "the lesson's comment: neural nets train best on scaled inputs; what goes wrong otherwise?", 10),
    Q("Q8", "Dense layers without activation functions", ("b",),
      "if we just use raw sums, perceptrons behave like linear regression", 10),
)

SPEC = Exercise(
    name="concepts",
    title="Concepts of a first neural network",
    pass_mark=60,
    constants=tuple(q.constant for q in QUESTIONS) + ("EXPLAIN",),
    parts=(AnswersPart(QUESTIONS),),
    manual=(ManualItem("EXPLAIN", "A neuron, a layer and an epoch in your own words", 20),),
)
