"""``check(name)``: grade one exercise from a notebook, show a table, never raise."""
from __future__ import annotations

import traceback
from pathlib import Path

from .results import CheckResult, ExerciseResult

__all__ = ["check"]


def _in_ipython():
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    return get_ipython() is not None


def _show(result, display):
    if not display:
        return
    if _in_ipython():
        from IPython.display import HTML
        from IPython.display import display as ipy_display
        ipy_display(HTML(result.html()))
    else:
        print(result.table())


def check(name, *, directory=None, timeout=None, display=True):
    """Grade exercise ``name`` from the learner's current file and show the result.

    The file ``<directory>/<name>.py`` (default ``exercises/``; created from the
    stub if it does not exist yet, never overwritten) is imported in a fresh
    worker process, so edits are picked up without restarting the kernel.

    Parameters
    ----------
    name : str  e.g. ``"ex01_minibatch"``
    directory : path, optional  folder holding the file (e.g. ``solutions/``)
    timeout : float, optional  wall-clock seconds per call of your function
    display : bool  show an HTML table (in IPython) or a text table (elsewhere)

    Returns
    -------
    ExerciseResult  with ``.score``, ``.max_score``, ``.passed`` and ``.checks``.
    Never raises: a missing, broken or unfinished file scores 0 with a message.

    Examples
    --------
    >>> from course_lib.grading import check
    >>> check("ex01_gradient_descent")          # doctest: +SKIP
    """
    from ..paths import EXERCISES
    from .grader import grade_file
    from .registry import exercise_names, get_exercise
    from .workspace import ensure_exercise

    folder = Path(directory) if directory is not None else EXERCISES
    try:
        exercise = get_exercise(name)
    except Exception as exc:
        known = ""
        try:
            known = ", ".join(exercise_names())
        except Exception:
            pass
        msg = f"no exercise named {name!r}" + (f"; known: {known}" if known else "")
        result = ExerciseResult(str(name), "unknown exercise", "", load_error=msg)
        result.checks = [CheckResult(str(name), "exists", 0.0, 0.0, "error", msg)]
        del exc
        _show(result, display)
        return result
    path = folder / f"{exercise.name}.py"
    try:
        if not path.exists():
            path = ensure_exercise(exercise.name, exercises_dir=folder)
        result = grade_file(exercise, path, timeout=timeout)
    except Exception as exc:    # a grader bug must not break the learner's notebook
        msg = (f"grader error (not your fault; please report it): {type(exc).__name__}: "
               f"{exc}\n{traceback.format_exc(limit=-3)}")
        result = ExerciseResult(exercise.name, exercise.title, str(path), load_error=msg)
        result.checks = [CheckResult(exercise.name, c.name, 0.0, c.points, "error", msg,
                                     None, c.description) for c in exercise.checks]
    try:
        _show(result, display)
    except Exception:
        pass
    return result
