"""``check(name)``: grade one exercise from a notebook, show a table, never raise.

Which ``exercises/`` folder: the checkout's when the notebook runs inside the course's
checkout (the kernel's working folder is the notebook's folder); for a copy of a
notebook run elsewhere, ``exercises/`` next to that copy (its own workspace, created
from the stubs and announced once), never the checkout's. ``COURSE_EXERCISES`` (an
environment variable) or ``directory=`` choose another folder.
"""
from __future__ import annotations

import os
import traceback
from pathlib import Path

from .results import CheckResult, ExerciseResult

__all__ = ["check", "default_directory"]

_ANNOUNCED = set()


def default_directory(cwd=None):
    """The exercises folder ``check()`` uses when no ``directory`` is given.

    ``$COURSE_EXERCISES`` if set; else the checkout's ``exercises/`` when ``cwd``
    (default: the working folder) lies inside the checkout; else ``cwd/exercises``.
    """
    from ..paths import EXERCISES, REPO_ROOT
    if os.environ.get("COURSE_EXERCISES"):
        return Path(os.environ["COURSE_EXERCISES"])
    here = Path(cwd if cwd is not None else os.getcwd()).resolve()
    root = REPO_ROOT.resolve()
    if here == root or root in here.parents:
        return EXERCISES
    return here / "exercises"


def _announce_workspace(folder):
    """Say once per folder where the exercise files of a notebook outside the
    checkout are."""
    from ..paths import EXERCISES
    folder = Path(folder).resolve()
    if folder == EXERCISES.resolve() or folder in _ANNOUNCED:
        return
    _ANNOUNCED.add(folder)
    print(f"check(): this notebook runs outside the course's folder, so your exercise "
          f"files are in {folder}/ (created from the stubs when missing); pass "
          "directory=... to check() to use another folder.")


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
        from IPython import get_ipython
        from IPython.display import HTML
        from IPython.display import display as ipy_display
        ipy_display(HTML(result.html()))
        # the returned result, last in the cell, must not show the table a second time
        result.shown_in_cell = getattr(get_ipython(), "execution_count", None)
    else:
        print(result.table())


def check(name, *, directory=None, timeout=None, display=True):
    """Grade exercise ``name`` from the learner's current file and show the result.

    The file ``<directory>/<name>.py`` (default :func:`default_directory`: the
    checkout's ``exercises/``, or ``exercises/`` next to a copy of the notebook run
    elsewhere; created from the stub if it does not exist yet, never overwritten) is
    imported in a fresh worker process, so edits are picked up without restarting
    the kernel.

    Parameters
    ----------
    name : str  e.g. ``"ex01_minibatch"``
    directory : path, optional  folder holding the file (e.g. ``solutions/``)
    timeout : float, optional  wall-clock seconds per call of your function
    display : bool  show an HTML table (in IPython) or a text table (elsewhere)

    Returns
    -------
    ExerciseResult  with ``.score``, ``.max_score``, ``.passed`` and ``.checks``.
    Never raises: a missing, broken or unfinished file scores 0 with a message. In a
    notebook the table is shown once: the returned result, last in a cell, adds no
    ``Out[...]`` (shown again in a later cell, it displays the table).

    Examples
    --------
    >>> from course_lib.grading import check
    >>> check("ex01_gradient_descent")          # doctest: +SKIP
    """
    from .grader import grade_file
    from .registry import exercise_names, get_exercise
    from .workspace import ensure_exercise

    folder = Path(directory) if directory is not None else default_directory()
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
        if directory is None and display:
            _announce_workspace(folder)
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
