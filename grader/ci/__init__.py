"""The grader packaged for hosted grading: a Gradescope autograder bundle (gradescope_bundle.py).

The GitHub Actions workflow for student repositories is a plain file: ci-templates/github/grade.yml.
"""
