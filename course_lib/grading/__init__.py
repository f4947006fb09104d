"""Automatic grading of the course's exercises.

In a notebook::

    from course_lib.grading import check      # or: from course_lib import check
    check("ex01_minibatch")                    # grades exercises/ex01_minibatch.py

From a terminal (what ``make exercises|reset|grade`` run)::

    python -m course_lib.grading exercises              # create missing files, never overwrite
    python -m course_lib.grading reset ex01_minibatch   # restore one (yours kept as .bak)
    python -m course_lib.grading grade [--dir DIR|ZIP] [--only NAME ...] [--report PATH]
                                       [--timeout SECONDS] [--strict] [--require-sandbox]
    python -m course_lib.grading grade-batch SUBMISSIONS --out OUT [--jobs N]  # a class
    python -m course_lib.grading student-release OUT    # the course without solutions/
    python -m course_lib.grading stubs [--check]        # regenerate stubs/ from solutions/
    python -m course_lib.grading list                   # exercises and their checks
    pytest exercises/ [-k ex01_minibatch] [--grade-report PATH]   # each check a test

Design: a registry of named checks per exercise (:mod:`.registry`, :mod:`.checks`),
declared as tables on generic check factories (:mod:`.factories`); the learner's
code runs only in a worker subprocess (:mod:`.worker`) that answers JSON-lines calls
(:mod:`.protocol`), started in one place (:func:`.runner.worker_command`) inside
bubblewrap (:mod:`.sandbox`); the trusted parent computes every
reference value with ``course_lib`` and compares (:mod:`.compare`); results are
shown as a terminal table, HTML, or Gradescope ``results.json`` (:mod:`.results`),
or as pytest items (:mod:`.pytest_plugin`).
"""
from .grader import grade, grade_file
from .notebook import check
from .registry import all_exercises, get_exercise
from .results import CheckResult, ExerciseResult, GradeReport
from .runner import Limits

__all__ = ["check", "grade", "grade_file", "all_exercises", "get_exercise", "Limits",
           "CheckResult", "ExerciseResult", "GradeReport"]
