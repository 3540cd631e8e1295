"""Grading a whole class: grade every submission, then summarise the class for the instructor."""
