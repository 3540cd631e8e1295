"""Which exercise `grader.check()` grades: the one named, else the one the notebook or script is for, else the
one whose graded functions the session defined; otherwise a message that says how to name it."""
from __future__ import annotations

import json
from pathlib import Path


class NotChecked(Exception):
    """Nothing was graded; the message says why, what was expected and what to do, in one paragraph."""


def exercise_for(name: str | None, notebook: Path | None = None, script: Path | None = None,
                 defined: set[str] = frozenset()) -> str:
    """The exercise to grade; NotChecked for an unknown name or one that cannot be told."""
    from grader.cli import UsageError, known_exercise
    from grader.exercises import names

    if name is not None:
        try:
            return known_exercise(str(name))
        except UsageError as exc:
            raise NotChecked(f"grader.check({name!r}): {exc}") from None
    candidates = [_from_metadata(notebook), notebook.stem] if notebook is not None else []
    candidates += [script.stem] if script is not None else []
    return next((found for found in candidates if found in names()), None) or _by_functions(defined, names())


def _from_metadata(notebook: Path) -> str | None:
    """`nn_grader.exercise` of the notebook's metadata, written by `grader generate --notebooks`."""
    try:
        metadata = json.loads(notebook.read_text(encoding="utf-8")).get("metadata", {})
        return metadata.get("nn_grader", {}).get("exercise")
    except (OSError, ValueError, AttributeError):
        return None


def _by_functions(defined: set[str], known: list[str]) -> str:
    """The exercise more of whose graded functions the session defines than of any other's, when only one is."""
    from grader.exercises import load

    graded = {name: {part.function for part in load(name).parts} for name in known}
    scores = {name: len(functions & defined) for name, functions in graded.items() if functions & defined}
    best = max(scores.values(), default=None)
    matches = sorted(name for name, score in scores.items() if score == best)
    if len(matches) == 1:
        return matches[0]
    example = matches[0] if matches else "iris_net" if "iris_net" in known else known[0]
    if matches:
        why = (f"the functions you defined ({', '.join(sorted(graded[example] & defined))}) are graded in "
               f"{', '.join(matches[:-1])} and {matches[-1]} alike")
    else:
        why = "your code defines none of the functions an exercise grades"
    raise NotChecked(f"grader.check() cannot tell which exercise to check: {why}. Name it, for example "
                     f'grader.check("{example}") (exercises: {", ".join(known)}).')
