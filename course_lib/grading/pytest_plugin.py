"""``pytest exercises/``: every exercise's named checks as pytest test items.

The course promises that exercises are graded by pytest. This plugin collects each
exercise file ``exNN_slug.py`` whose name is a registered exercise as one pytest
collector, with one test item per check (test id = the check's name, e.g.
``exercises/ex01_minibatch.py::batch_sizes``). It never imports the learner's file
in the pytest process: the first selected item of a file grades the file once,
through :func:`~course_lib.grading.grader.grade_file` -- the same grader (worker
process, limits, sandbox) as ``make grade`` and ``check()`` -- for the selected
checks only; each item then reports its check: pass, or a failure whose message is
the check's message and hint. Points are shown next to each verbose result
(``PASSED 2/2``), kept as the item's ``user_properties`` (``points``,
``max_points``: JUnit XML has them) and totalled at the end.

Usage::

    pytest exercises/                         # everything (exercises/conftest.py loads this)
    pytest exercises/ -k ex01_minibatch       # one exercise
    pytest exercises/ --grade-report results.json   # the Gradescope report of `grade`
    pytest -p course_lib.grading.pytest_plugin path/to/submission/   # a folder without
                                              # that conftest.py (not both: twice registered)

``make test`` does not collect ``exercises/``: its runs name ``tests`` and
``notebooks``, and only ``exercises/conftest.py`` (or ``-p``) loads this plugin.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

__all__ = ["pytest_addoption", "pytest_collect_file", "pytest_pycollect_makemodule",
           "pytest_report_teststatus", "pytest_terminal_summary", "pytest_sessionfinish",
           "ExerciseFile", "CheckItem"]

_NAME = re.compile(r"ex\d\d_\w+\.py$")
_RESULTS = pytest.StashKey()


def pytest_addoption(parser):
    group = parser.getgroup("course grading", "grading the course's exercises")
    group.addoption("--grade-report", metavar="PATH", default=None,
                    help="write the Gradescope results.json of the graded exercises "
                         "(the same report as `python -m course_lib.grading grade "
                         "--report PATH`)")
    group.addoption("--grade-timeout", metavar="SECONDS", type=float, default=None,
                    help="wall-clock seconds per call of a learner's function")


def _exercise_for(path):
    if not _NAME.match(path.name):
        return None
    from .registry import exercise_names
    return path.stem if path.stem in exercise_names() else None


def pytest_collect_file(file_path, parent):
    if _exercise_for(file_path) is not None:
        return ExerciseFile.from_parent(parent, path=file_path)
    return None


class _NotImported(pytest.File):
    """Stands in for pytest's own Module, which would import the learner's file."""

    def collect(self):
        return []


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makemodule(module_path, parent):
    # a file named on the command line is collected by pytest's python plugin too:
    # never let it import learner code in the trusted process
    if _exercise_for(module_path) is not None:
        return _NotImported.from_parent(parent, path=module_path)
    return None


class ExerciseFile(pytest.File):
    """One learner file: its items are the exercise's checks; graded once, lazily."""

    def collect(self):
        from .registry import get_exercise
        self.exercise = get_exercise(self.path.stem)
        self.result = None
        for check in self.exercise.checks:
            yield CheckItem.from_parent(self, name=check.name, check=check)

    def grade(self):
        """Grade the selected checks of this file (once); the :class:`ExerciseResult`."""
        if self.result is None:
            from .grader import grade_file
            selected = [i.name for i in self.session.items
                        if isinstance(i, CheckItem) and i.parent is self]
            self.result = grade_file(self.exercise, self.path,
                                     timeout=self.config.getoption("grade_timeout"),
                                     checks=selected)
            self.config.stash.setdefault(_RESULTS, []).append(self.result)
        return self.result


class CheckFailedReport(Exception):
    """A check that did not pass; ``result`` is its :class:`CheckResult`."""

    def __init__(self, result):
        super().__init__(result.text())
        self.result = result


class CheckItem(pytest.Item):
    """One named check of an exercise; its test id is the check's name."""

    def __init__(self, *, check, **kwargs):
        super().__init__(**kwargs)
        self.check = check
        self.user_properties.append(("max_points", check.points))

    def runtest(self):
        result = next(c for c in self.parent.grade().checks if c.name == self.name)
        self.user_properties.append(("points", result.score))
        if not result.passed:
            raise CheckFailedReport(result)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, CheckFailedReport):
            r = excinfo.value.result
            head = f"{r.exercise}: {r.name} ({r.status}, {r.score:g}/{r.max_score:g} points)"
            return head + "\n" + (r.message if r.status == "not_implemented" else r.text())
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self):
        return self.path, None, f"{self.parent.path.stem}: {self.name}"


def pytest_report_teststatus(report, config):
    props = dict(report.user_properties)
    if report.when != "call" or "max_points" not in props:
        return None
    points = f"{props.get('points', 0):g}/{props['max_points']:g}"
    if report.passed:
        return "passed", ".", ("PASSED " + points, {"green": True})
    if report.failed:
        return "failed", "F", ("FAILED " + points, {"red": True})
    return None


def _report(config):
    from .results import GradeReport
    results = sorted(config.stash.get(_RESULTS, []), key=lambda r: r.name)
    if not results:
        return None
    folders = {str(Path(r.path).parent) for r in results}
    seconds = sum(r.seconds for r in results)
    return GradeReport(results, folders.pop() if len(folders) == 1 else "", seconds)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    report = _report(config)
    if report is None:
        return
    terminalreporter.section("points")
    for e in report.exercises:
        terminalreporter.write_line(f"{e.name}: {e.score:g} / {e.max_score:g} points")
    terminalreporter.write_line(f"Total: {report.score:g} / {report.max_score:g} points")
    path = config.getoption("grade_report")
    if path:
        terminalreporter.write_line(f"report written to {path}")


def pytest_sessionfinish(session, exitstatus):
    path = session.config.getoption("grade_report", None)
    report = _report(session.config)
    if path and report is not None:
        report.write_json(path)
