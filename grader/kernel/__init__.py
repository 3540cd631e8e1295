"""`grader.check()` in a session: what the session ran (history), its reduction to the latest definitions
(reduce), which exercise it is (exercise) and its grading outside the student's process (answer)."""
