"""Results of grading, and their three views: terminal table, HTML, Gradescope JSON.

Gradescope's ``results.json`` (https://gradescope-autograders.readthedocs.io/en/latest/specs/)::

    {"score": 7.0, "max_score": 10.0, "execution_time": 3.2, "output": "...",
     "tests": [{"name": "ex01_minibatch: partition_of_range", "score": 2.0,
                "max_score": 2.0, "status": "passed", "output": "..."}, ...],
     "extra_data": {...}}
"""
from __future__ import annotations

import html
import json
import os
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["CheckResult", "ExerciseResult", "GradeReport"]

STATUS_LABEL = {"passed": "pass", "failed": "FAIL", "not_implemented": "todo",
                "error": "ERROR", "timeout": "TIMEOUT"}


@dataclass
class CheckResult:
    """One check of one exercise.

    ``status`` is ``"passed"``, ``"failed"`` (wrong answer), ``"not_implemented"``
    (the stub still raises), ``"error"`` (the code raised, crashed, or could not be
    imported) or ``"timeout"``.
    """

    exercise: str
    name: str
    score: float
    max_score: float
    status: str
    message: str = ""
    hint: str | None = None
    description: str = ""

    @property
    def passed(self):
        return self.status == "passed"

    def text(self):
        """Message and hint, as one string (empty for a passed check)."""
        if self.passed:
            return ""
        parts = [self.message] if self.message else []
        if self.hint:
            parts.append(f"Hint: {self.hint}")
        return "\n".join(parts)


@dataclass
class ExerciseResult:
    """All checks of one exercise for one file; ``score``/``max_score``/``passed``."""

    name: str
    title: str
    path: str
    checks: list = field(default_factory=list)
    load_error: str | None = None
    output: str = ""
    seconds: float = 0.0
    #: the notebook cell (IPython execution count) where check() showed this result
    shown_in_cell: int | None = field(default=None, repr=False, compare=False)

    @property
    def score(self):
        return sum(c.score for c in self.checks)

    @property
    def max_score(self):
        return sum(c.max_score for c in self.checks)

    @property
    def passed(self):
        return bool(self.checks) and all(c.passed for c in self.checks)

    @property
    def failed_checks(self):
        return [c.name for c in self.checks if not c.passed]

    def __repr__(self):
        bad = self.failed_checks
        tail = "all checks pass" if self.passed else f"failing: {', '.join(bad)}"
        return f"<{self.name}: {self.score:g}/{self.max_score:g} points, {tail}>"

    def table(self, width=100):
        """The result as a text table (what ``make grade`` prints)."""
        return _table([self], width)

    def html(self):
        """The result as an HTML table (what ``check()`` displays in a notebook)."""
        return _html([self])

    def _ipython_display_(self):
        """Show the table, except in the cell where ``check()`` has just shown it: a
        cell ending in ``check(...)`` shows the table once, with no ``Out[...]``."""
        from IPython import get_ipython
        from IPython.display import HTML, display
        shell = get_ipython()
        if shell is not None and self.shown_in_cell == shell.execution_count:
            return
        display(HTML(self.html()))


@dataclass
class GradeReport:
    """The grading of a folder: one :class:`ExerciseResult` per exercise."""

    exercises: list
    directory: str = ""
    seconds: float = 0.0
    sandbox: str = field(default_factory=lambda: _sandbox_note())

    @property
    def score(self):
        return sum(e.score for e in self.exercises)

    @property
    def max_score(self):
        return sum(e.max_score for e in self.exercises)

    @property
    def passed(self):
        return bool(self.exercises) and all(e.passed for e in self.exercises)

    def __getitem__(self, name):
        for e in self.exercises:
            if e.name == name:
                return e
        raise KeyError(name)

    def table(self, width=100):
        return _table(self.exercises, width) + (
            f"\nTotal: {self.score:g} / {self.max_score:g} points"
            f"  ({self.seconds:.1f} s)\n") + (
            f"{self.sandbox}\n" if self.sandbox.startswith("WARNING") else "")

    def _repr_html_(self):
        return _html(self.exercises)

    def to_gradescope(self):
        """The report as a dict in Gradescope's ``results.json`` schema."""
        tests = []
        for e in self.exercises:
            for c in e.checks:
                out = c.description
                if not c.passed:
                    out = (out + "\n" if out else "") + c.text()
                tests.append({"name": f"{e.name}: {c.name}", "score": c.score,
                              "max_score": c.max_score,
                              "status": "passed" if c.passed else "failed",
                              "output": out, "visibility": "visible"})
        lines = [f"{e.name}: {e.score:g}/{e.max_score:g}" for e in self.exercises]
        if self.sandbox.startswith("WARNING"):
            lines.insert(0, self.sandbox)
        return {
            "score": self.score,
            "max_score": self.max_score,
            "execution_time": round(self.seconds, 3),
            "output": "\n".join(lines),
            "tests": tests,
            "extra_data": {
                "directory": self.directory,
                "sandbox": self.sandbox,
                "exercises": {e.name: {"score": e.score, "max_score": e.max_score,
                                       "path": e.path, "load_error": e.load_error,
                                       "seconds": round(e.seconds, 3),
                                       "learner_output": e.output}
                              for e in self.exercises},
            },
        }

    def write_json(self, path):
        """Write :meth:`to_gradescope` to ``path`` (atomically: temp file + rename)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(self.to_gradescope(), indent=2, allow_nan=False) + "\n",
                       encoding="utf-8")
        os.replace(tmp, path)
        return path


def _sandbox_note():
    """How learner code ran: the sandbox, or the loud warning that there was none."""
    from .sandbox import describe
    return describe()


def _wrap(text, width):
    out = []
    for line in str(text).splitlines() or [""]:
        out.extend(textwrap.wrap(line, width, break_long_words=True,
                                 replace_whitespace=False) or [""])
    return out


def _table(exercises, width=100):
    rows = []
    for e in exercises:
        rows.append(f"{e.name} -- {e.title}   {e.score:g}/{e.max_score:g} points")
        previous = None
        name_width = max([len(c.name) for c in e.checks] + [32])
        for c in e.checks:
            label = STATUS_LABEL.get(c.status, c.status)
            head = f"  [{label:>7}] {c.name:<{name_width}} {c.score:g}/{c.max_score:g}"
            rows.append(head)
            if not c.passed:
                text = c.message if c.status == "not_implemented" else c.text()
                if text == previous:
                    rows.append("            (same as above)")
                else:
                    rows.extend("            " + ln for ln in _wrap(text, width - 12)[:12])
                previous = text
        if e.output:
            rows.extend(_printed(e.output, width))
    return "\n".join(rows)


#: lines / characters of the learner's printed output shown in the terminal table
PRINTED_LINES, PRINTED_CHARS = 8, 800


def _printed(output, width=100):
    """What the learner's code printed, truncated, as indented table rows."""
    lines = output.rstrip("\n").splitlines()
    shown, budget = [], PRINTED_CHARS
    for line in lines[:PRINTED_LINES]:
        if budget <= 0:
            break
        shown.append(line[:min(budget, width - 6)])
        budget -= len(shown[-1])
    rows = ["  what your code printed:"] + ["    | " + ln for ln in shown]
    hidden_lines = len(lines) - len(shown)
    if hidden_lines > 0 or sum(map(len, shown)) < sum(map(len, lines[:len(shown)])):
        more = f", {hidden_lines} more lines" if hidden_lines > 1 else (
            ", 1 more line" if hidden_lines else "")
        rows.append(f"    ... (shown in part: {len(output)} characters in all{more})")
    return rows


_CSS = ("border-collapse:collapse;font-family:sans-serif;font-size:13px;"
        "text-align:left;margin:4px 0")
# JupyterLab's stylesheet right-aligns table cells: every cell says left, and the
# status, name and points cells never wrap ("0 /" and "8" on two lines)
_TD = "padding:2px 8px;text-align:left;vertical-align:top"
_NOWRAP = _TD + ";white-space:nowrap"


def _html(exercises):
    colors = {"passed": "#1a7f37", "failed": "#cf222e", "not_implemented": "#9a6700",
              "error": "#cf222e", "timeout": "#cf222e"}
    parts = [f'<table style="{_CSS}">']
    for e in exercises:
        ok = "&#10004;" if e.passed else ""
        parts.append(
            f'<tr style="background:#f6f8fa"><th colspan="3" style="{_TD}">'
            f"{html.escape(e.name)} &mdash; {html.escape(e.title)}</th>"
            f'<th style="{_NOWRAP}">{e.score:g} / {e.max_score:g} {ok}</th></tr>')
        previous = None
        for c in e.checks:
            color = colors.get(c.status, "#57606a")
            label = STATUS_LABEL.get(c.status, c.status)
            msg = html.escape(c.message or "")
            if c.hint and not c.passed:
                msg += f"<br><i>Hint: {html.escape(c.hint)}</i>"
            if c.passed:
                msg, previous = html.escape(c.description), None
            elif msg == previous:
                msg = '<span style="color:#57606a">(same as above)</span>'
            else:
                previous = msg
            parts.append(
                f'<tr><td style="{_NOWRAP};color:{color};font-weight:bold">{label}</td>'
                f'<td style="{_NOWRAP}"><code>{html.escape(c.name)}</code></td>'
                f'<td style="{_TD};white-space:pre-wrap;max-width:60em">{msg}</td>'
                f'<td style="{_NOWRAP}">{c.score:g} / {c.max_score:g}</td></tr>')
        if e.output:
            text = e.output if len(e.output) <= 4000 else (
                e.output[:4000] + f"\n... ({len(e.output)} characters in all)")
            parts.append(
                f'<tr><td></td><td colspan="3" style="{_TD}"><details open><summary>'
                "what your code printed</summary><pre>"
                f"{html.escape(text)}</pre></details></td></tr>")
    parts.append("</table>")
    return "".join(parts)
