"""Authoring: `reference/` is the single source of every exercise.

A reference file is the complete student file plus the solutions, each solution between
`# BEGIN SOLUTION` and `# END SOLUTION` comment lines. `markers.py` turns it into the
student's stub (or the plain solution), `notebooks.py` lays a module out as a Jupyter
notebook, and `generate.py` writes (or, with --check, compares) the files under `exercises/`.
"""
