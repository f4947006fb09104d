"""Grade learner files: run every registered check of an exercise against one file.

Each exercise gets its own worker process (fresh: no stale imports, and nothing
one exercise does can reach another); a worker that times out or crashes is
replaced for the remaining checks. Nothing the learner's code does makes
:func:`grade` raise: the report is always produced.
"""
from __future__ import annotations

import time
import traceback
from pathlib import Path

from .registry import CheckContext, CheckFailed, all_exercises, get_exercise
from .results import CheckResult, ExerciseResult, GradeReport
from .runner import GraderError, LearnerFault, LearnerModule, Limits, LoadFailed

__all__ = ["grade", "grade_exercise", "grade_file"]


def _limits(timeout=None, limits=None):
    limits = limits or Limits()
    if timeout is not None:
        limits = Limits(**{**limits.__dict__, "call_timeout": float(timeout)})
    return limits


def _with_case(message, exc):
    case = getattr(exc, "case", None)
    return f"[case: {case}] {message}" if case else message


def run_check(check, ctx):
    """Run one check; turn every outcome into a :class:`CheckResult`."""
    def result(status, message="", hint=None):
        score = check.points if status == "passed" else 0.0
        return CheckResult(check.exercise, check.name, score, check.points, status,
                           message, hint, check.description)

    try:
        check.func(ctx)
    except CheckFailed as exc:
        hint = exc.hint or check.hint
        return result("failed", _with_case(exc.message, exc), hint)
    except LoadFailed as exc:
        return result("error", exc.message)
    except LearnerFault as exc:
        msg = exc.message
        tb = getattr(exc, "traceback", "")
        if tb:
            msg += "\n" + tb.rstrip()
        if exc.status == "not_implemented":
            return result(exc.status, msg)
        return result(exc.status, _with_case(msg, exc), check.hint)
    except GraderError as exc:
        return result("error", f"grader error (not your fault; please report it): {exc}")
    except Exception as exc:   # a bug in the check itself: show it, never crash
        tb = traceback.format_exc(limit=-3)
        return result("error", f"grader error in check {check.name!r} (not your fault; "
                               f"please report it): {type(exc).__name__}: {exc}\n{tb}")
    return result("passed")


def grade_file(exercise, path, *, timeout=None, limits=None, checks=None):
    """Grade ``path`` against ``exercise`` (an :class:`Exercise` or a name).

    Parameters
    ----------
    exercise : Exercise or str
    path : path of the learner's file
    timeout : float, optional  wall-clock seconds per call (default ``Limits.call_timeout``)
    limits : Limits, optional
    checks : list of str, optional  run only these checks

    Returns
    -------
    ExerciseResult
    """
    if isinstance(exercise, str):
        exercise = get_exercise(exercise)
    limits = _limits(timeout, limits)
    start = time.monotonic()
    out = ExerciseResult(exercise.name, exercise.title, str(path))
    selected = [c for c in exercise.checks if checks is None or c.name in checks]
    learner = LearnerModule(path, limits, exercise.preload)
    try:
        try:
            learner.load()
        except LoadFailed as exc:
            out.load_error = exc.message
        except GraderError as exc:
            out.load_error = f"grader error (not your fault; please report it): {exc}"
        if out.load_error is not None:
            for c in selected:
                out.checks.append(CheckResult(exercise.name, c.name, 0.0, c.points, "error",
                                              out.load_error, None, c.description))
        else:
            ctx = CheckContext(learner, exercise)
            for c in selected:
                out.checks.append(run_check(c, ctx))
    finally:
        learner.close()
        out.output = learner.output
        out.seconds = time.monotonic() - start
    return out


def grade(directory=None, *, only=None, timeout=None, limits=None):
    """Grade the exercise files ``<directory>/<exercise>.py``.

    Parameters
    ----------
    directory : path, default ``exercises/`` of the checkout
    only : str or list of str, optional  exercise names to grade (default: all)
    timeout : float, optional  wall-clock seconds per call

    Returns
    -------
    GradeReport
    """
    from ..paths import EXERCISES
    directory = Path(directory) if directory is not None else EXERCISES
    start = time.monotonic()
    if only is None:
        exercises = all_exercises()
    else:
        names = [only] if isinstance(only, str) else list(only)
        exercises = [get_exercise(n) for n in names]
    results = []
    for ex in exercises:
        path = directory / f"{ex.name}.py"
        try:
            results.append(grade_file(ex, path, timeout=timeout, limits=limits))
        except Exception as exc:    # never lose the other exercises' results
            r = ExerciseResult(ex.name, ex.title, str(path),
                               load_error=f"grader error: {type(exc).__name__}: {exc}")
            r.checks = [CheckResult(ex.name, c.name, 0.0, c.points, "error", r.load_error,
                                    None, c.description) for c in ex.checks]
            results.append(r)
    return GradeReport(results, str(directory), time.monotonic() - start)
