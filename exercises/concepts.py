# Generated from reference/concepts.py by `grader generate`: maintainers, edit the reference and
# regenerate instead of editing this file by hand. Students: this file is yours to fill in.
"""Exercise concepts: what the lesson on a first neural network is about.

Answer each question by setting its constant to the letter of your answer, e.g. Q1 = "c".
The last answer, EXPLAIN, is in your own words; your instructor grades it by hand. Then
check your work with:

    grader check exercises/concepts.py
"""

# Q1. For a small, ordinary table of numeric features (a few hundred rows), which model is
# usually the wiser first choice?
#   a) a deep neural network with several hidden layers
#   b) a random forest or gradient boosting
#   c) a convolutional neural network
#   d) any neural network, trained for many epochs
Q1 = None

# Q2. Which activation does the lesson use in the hidden layers?
#   a) softmax   b) relu   c) linear (no activation)   d) none: hidden layers need no activation
Q2 = None

# Q3. A network sorts fruit into apple, mango or orange. Which output layer fits?
#   a) Dense(1, activation="sigmoid")   b) Dense(3, activation="relu")
#   c) Dense(3, activation="softmax")   d) Dense(1, activation="softmax")
Q3 = None

# Q4. What is one epoch?
#   a) one update of the weights          b) one full pass over the training data
#   c) one layer of the network           d) one prediction on the test set
Q4 = None

# Q5. The labels are the integers 0, 1 and 2. Which loss reads them as they are?
#   a) categorical_crossentropy   b) binary_crossentropy
#   c) mean_squared_error         d) sparse_categorical_crossentropy
Q5 = None

# Q6. Does training for more epochs always make a network better?
#   a) yes: every epoch lowers the test error
#   b) no: trained too long, it memorizes the training data and does worse on new data
#   c) yes, as long as the learning rate is small
#   d) no: after the first epoch nothing changes
Q6 = None

# Q7. Why scale (standardize) the inputs before training a network?
#   a) networks train best when features are on similar scales; very different scales make
#      training slow or unstable
#   b) it makes the data smaller to store
#   c) Keras refuses values outside 0..1
#   d) it removes the outliers
Q7 = None

# Q8. What happens to a stack of Dense layers that have no activation function?
#   a) it learns curved patterns anyway
#   b) it collapses into a single linear transformation: straight lines only
#   c) it cannot be trained at all
#   d) it always overfits
Q8 = None

# EXPLAIN. In 4-5 sentences, explain a neuron, a layer and an epoch in your own words, and
# name one type of data where a neural network would clearly beat a decision tree.
EXPLAIN = """
"""
