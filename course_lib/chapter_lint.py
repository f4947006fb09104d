"""The chapter linter: does a notebook have the shape that CONTRIBUTING.md describes?

A static check (nothing is executed). :func:`lint` returns a list of
:class:`Violation` objects, each named by its rule:

============ =========================================================================
rule         what it requires
============ =========================================================================
metadata     notebook metadata ``"course": {"chapter": "NN", "kind": KIND,
             "syllabus": {...}}``; ``chapter`` is the file name's number and ``KIND``
             is one of :data:`KINDS`
syllabus     ``course.syllabus`` maps every item of the chapter's row of
             ``../shared/SYLLABUS.md`` (:func:`syllabus_items`) to a non-empty list
             of existing cell ids; no unknown items
title        the first cell has id ``title`` and a "Learning goals" numbered list
ending       the last two cells have ids ``summary`` and ``references``, in that order
explorer     a code cell whose id starts with ``explorer`` uses ``course_lib.widgets``
exercises    every ``check("exNN_...")`` names an exercise of the grading registry;
             a ``"content"`` chapter grades at least :data:`MIN_EXERCISES` of its own
corrections  every ``corrections.toml`` entry for this notebook points at a code cell
             with an ``assert``, and the nearest markdown cell above it holds a
             blockquote starting ``> **Source check``
cell-size    a visible code cell has at most :data:`MAX_VISIBLE_LINES` lines (cells with
             metadata ``jupyter.source_hidden: true`` are collapsed and exempt)
markers      no nbval comment markers (``# NBVAL_SKIP`` ...) in code: use cell tags
============ =========================================================================

``python -m course_lib.chapter_lint [NOTEBOOK ...]`` prints the violations (all
notebooks by default) and exits 1 if there are any; ``--items NN`` prints the syllabus
items of chapter NN (the keys ``course.syllabus`` must have).

Reference: the notebook format is nbformat 4.5 (https://nbformat.readthedocs.io);
nbval's tags are listed in ``nbval/plugin.py`` (``metadata_tags``), version 0.11.
"""
from __future__ import annotations

import ast
import json
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .corrections import _code_has_assert, load as load_corrections
from .paths import CORRECTIONS, NOTEBOOKS, REPO_ROOT

__all__ = [
    "Violation",
    "LintResult",
    "RULES",
    "KINDS",
    "MIN_EXERCISES",
    "MAX_VISIBLE_LINES",
    "HARNESS_TAGS",
    "DEFAULT_SYLLABUS",
    "syllabus_items",
    "syllabus_rows",
    "lint",
    "main",
]

RULES = ("metadata", "syllabus", "title", "ending", "explorer", "exercises",
         "corrections", "cell-size", "markers")
KINDS = ("welcome", "content", "review")
MIN_EXERCISES = 3            # graded exercises in a "content" chapter
MAX_VISIBLE_LINES = 15
DEFAULT_SYLLABUS = REPO_ROOT.parent / "shared" / "SYLLABUS.md"

# nbval 0.11's comment markers and the cell tag that replaces each (nbval/plugin.py:
# metadata_tags = marker.lower().replace("_", "-"), plus "raises-exception").
HARNESS_TAGS = {
    "NBVAL_IGNORE_OUTPUT": "nbval-ignore-output",
    "NBVAL_CHECK_OUTPUT": "nbval-check-output",
    "NBVAL_RAISES_EXCEPTION": "raises-exception",
    "NBVAL_SKIP": "nbval-skip",
    "PYTEST_VALIDATE_IGNORE_OUTPUT": "nbval-ignore-output",
}

_SEED = re.compile(r"\d{3} ")
_SOURCE_CHECK = re.compile(r"^\s*> \*\*Source check", re.M)


@dataclass(frozen=True)
class Violation:
    """One broken rule: ``rule`` (one of :data:`RULES`), a message, the cell if any."""

    rule: str
    message: str
    cell: str | None = None

    def __str__(self) -> str:
        where = f" cell {self.cell!r}:" if self.cell else ""
        return f"[{self.rule}]{where} {self.message}"


class LintResult(list):
    """The violations :func:`lint` found (empty: the notebook is fine).

    ``skipped`` names checks that could not run (``../shared/SYLLABUS.md`` absent);
    a skipped check is not a violation.
    """

    def __init__(self, violations=(), skipped=()):
        super().__init__(violations)
        self.skipped = list(skipped)

    @property
    def rules(self) -> set[str]:
        """The names of the rules that are broken."""
        return {v.rule for v in self}


# --------------------------------------------------------------------------- syllabus

def _split_top_level(text: str, sep: str) -> list[str]:
    """Split ``text`` at ``sep`` where it is outside parentheses and double quotes."""
    parts, depth, quoted, start, i = [], 0, False, 0, 0
    while i < len(text):
        ch = text[i]
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
            if depth < 0:
                raise ValueError(f"unbalanced ')' at position {i} in {text!r}")
        elif not quoted and depth == 0 and text.startswith(sep, i):
            parts.append(text[start:i])
            start = i = i + len(sep)
            continue
        i += 1
    if depth or quoted:
        raise ValueError(f"unbalanced parentheses or quotes in {text!r}")
    parts.append(text[start:])
    return [p.strip() for p in parts]


def syllabus_items(row: str) -> list[str]:
    """The items of one chapter's row of SYLLABUS.md, each to be mapped to cells.

    The row is split at top-level ``"; "`` into seed groups and each group at top-level
    ``", "`` (outside parentheses and double quotes). A group that starts with a
    three-digit seed number gives that number to each of its items that lacks one; a
    piece made only of digits (``"§14 mistakes 1, 5, 6"``) stays with the item before it.

    Parameters
    ----------
    row : str
        The second column of the chapter's row (``"001 §1 (...), §2 (...); 002 ..."``).

    Returns
    -------
    list of str, in the row's order.

    Raises
    ------
    ValueError
        If the parentheses or double quotes of the row are unbalanced.

    Examples
    --------
    >>> syllabus_items('001 §1 (a, b), §2; 002 "X" (c, d), "Y"')
    ['001 §1 (a, b)', '001 §2', '002 "X" (c, d)', '002 "Y"']
    >>> syllabus_items("how the course works; environment check")
    ['how the course works', 'environment check']
    """
    items = []
    for group in _split_top_level(row.strip(), "; "):
        seed = group[:3] if _SEED.match(group) else None
        pieces: list[str] = []
        for piece in _split_top_level(group, ", "):
            if pieces and piece.isdigit():
                pieces[-1] += ", " + piece
            else:
                pieces.append(piece)
        items += [p if seed is None or _SEED.match(p) else f"{seed} {p}" for p in pieces]
    return items


def syllabus_rows(path=None) -> dict[str, str]:
    """``{"00": row text, "01": ...}`` from the syllabus table (default
    :data:`DEFAULT_SYLLABUS`): rows whose first column starts with a two-digit number."""
    text = Path(DEFAULT_SYLLABUS if path is None else path).read_text(encoding="utf-8")
    rows = {}
    for line in text.splitlines():
        cols = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.lstrip().startswith("|") and len(cols) == 2 and re.match(r"\d\d\b", cols[0]):
            rows[cols[0][:2]] = cols[1]
    return rows


# --------------------------------------------------------------------------- reading

def _read(path: Path) -> dict:
    """The notebook's JSON with every cell's source as one string."""
    try:
        nb = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"lint: cannot read the notebook {str(path)!r}: {exc}") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells", []), list):
        raise ValueError(f"lint: {str(path)!r} is not a notebook (no list of cells)")
    for cell in nb.get("cells", []):
        source = cell.get("source", "")
        cell["source"] = "".join(source) if isinstance(source, list) else str(source)
    return nb


def _parse(source: str):
    """The cell's syntax tree (IPython magics and shell lines blanked), or None."""
    lines = ["" if ln.lstrip().startswith(("%", "!")) else ln for ln in source.splitlines()]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return None


def _hidden(cell) -> bool:
    return cell.get("metadata", {}).get("jupyter", {}).get("source_hidden") is True


# --------------------------------------------------------------------------- the rules

def _check_metadata(nb, path):
    course = nb.get("metadata", {}).get("course")
    match = re.match(r"\d\d", path.name)
    number = match.group(0) if match else None
    example = (f'"course": {{"chapter": "{number or "NN"}", "kind": "welcome" | "content" | '
               '"review", "syllabus": {"<item>": ["<cell id>", ...]}}')
    if not isinstance(course, Mapping):
        return None, [Violation("metadata", f"notebook metadata has no 'course' table; "
                                f"add {example}")]
    out = []
    if number is None or course.get("chapter") != number:
        out.append(Violation("metadata", "course.chapter must be the file name's number "
                             f"{number or '(none)'!r} as a string, "
                             f"got {course.get('chapter')!r}"))
    if course.get("kind") not in KINDS:
        out.append(Violation("metadata", f"course.kind must be one of {list(KINDS)}, "
                             f"got {course.get('kind')!r}"))
    if not isinstance(course.get("syllabus"), Mapping):
        out.append(Violation("metadata", "course.syllabus must be a table mapping each "
                             f"syllabus item to a list of cell ids; {example}"))
    return (None if out else course), out


def _sibling_coverage(path, chapter):
    """Items mapped by other notebooks of the same chapter (a chapter split as 01a, 01b)."""
    covered = set()
    for other in sorted(path.parent.glob(f"{chapter}*.ipynb")):
        if other.resolve() == path.resolve():
            continue
        try:
            meta = _read(other).get("metadata", {}).get("course", {})
        except (OSError, ValueError):
            continue
        if isinstance(meta, Mapping) and meta.get("chapter") == chapter \
                and isinstance(meta.get("syllabus"), Mapping):
            covered |= set(meta["syllabus"])
    return covered


def _check_syllabus(course, ids, path, rows):
    chapter = course["chapter"]
    if chapter not in rows:
        return [Violation("syllabus", f"SYLLABUS.md has no row for chapter {chapter}")]
    items = syllabus_items(rows[chapter])
    mapping = course["syllabus"]
    out = []
    for item, cells in mapping.items():
        if item not in items:
            out.append(Violation("syllabus", f"unknown syllabus item {item!r}; chapter "
                                 f"{chapter}'s items are {items}"))
        elif not isinstance(cells, list) or not cells or \
                not all(isinstance(c, str) for c in cells):
            out.append(Violation("syllabus", f"item {item!r} must map to a non-empty list "
                                 f"of cell ids, got {cells!r}"))
        else:
            for cid in cells:
                if cid not in ids:
                    out.append(Violation("syllabus", f"item {item!r} names cell id {cid!r}, "
                                         "which is not in the notebook"))
    missing = [i for i in items if i not in mapping]
    if missing:
        missing = [i for i in missing if i not in _sibling_coverage(path, chapter)]
    for item in missing:
        out.append(Violation("syllabus", f"syllabus item {item!r} is not mapped; add it to "
                             "course.syllabus with the ids of the cells that teach it"))
    return out


def _check_title(cells):
    if not cells or cells[0].get("id") != "title" or cells[0].get("cell_type") != "markdown":
        first = cells[0].get("id") if cells else None
        return [Violation("title", "the first cell must be a markdown cell with id 'title' "
                          f"(got {first!r})", first)]
    src = cells[0]["source"]
    at = src.find("Learning goals")
    if at < 0 or not re.search(r"^\s*1\. \S", src[at:], re.M):
        return [Violation("title", "the title cell needs 'Learning goals' followed by a "
                          "numbered list ('1. ...', '2. ...')", "title")]
    return []


def _check_ending(cells):
    last = [(c.get("id"), c.get("cell_type")) for c in cells[-2:]]
    if last != [("summary", "markdown"), ("references", "markdown")]:
        return [Violation("ending", "the last two cells must be the markdown cells "
                          f"'summary' then 'references'; got {last}")]
    return []


def _widget_use(tree, names, packages):
    """Record names bound to course_lib.widgets (or course_lib) by the imports in
    ``tree``; return whether ``tree`` uses one of them."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "course_lib":
            names |= {a.asname or a.name for a in node.names if a.name == "widgets"}
        elif isinstance(node, ast.ImportFrom) and node.module == "course_lib.widgets":
            names |= {a.asname or a.name for a in node.names}
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name == "course_lib.widgets" and a.asname:
                    names.add(a.asname)
                elif a.name.split(".")[0] == "course_lib" and a.asname is None:
                    packages.add("course_lib")
                elif a.name == "course_lib":
                    packages.add(a.asname)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in names:
            return True
        if isinstance(node, ast.Attribute) and node.attr == "widgets" \
                and isinstance(node.value, ast.Name) and node.value.id in packages:
            return True
    return False


def _check_explorer(cells):
    names, packages, explorers, good = set(), set(), [], False
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        tree = _parse(cell["source"])
        uses = tree is not None and _widget_use(tree, names, packages)
        if str(cell.get("id", "")).startswith("explorer"):
            explorers.append(cell["id"])
            good = good or uses
    if good:
        return []
    if explorers:
        return [Violation("explorer", f"explorer cell(s) {explorers} do not use "
                          "course_lib.widgets (from course_lib import widgets; "
                          "widgets.gd_explorer(...))")]
    return [Violation("explorer", "no explorer: add a code cell with id 'explorer' (or "
                      "'explorer-...') that builds a course_lib.widgets explorer")]


def _check_calls(tree):
    """``(exercise name, has directory=)`` for every ``check("...")`` call."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        arg = node.args[0]
        if name == "check" and isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            yield arg.value, any(k.arg == "directory" for k in node.keywords)


def _check_exercises(cells, chapter, kind, known):
    out, graded = [], set()
    for cell in cells:
        tree = _parse(cell["source"]) if cell.get("cell_type") == "code" else None
        for name, elsewhere in (_check_calls(tree) if tree else ()):
            if name not in known:
                out.append(Violation("exercises", f"check({name!r}) names no exercise of "
                                     f"the grading registry (known: {sorted(known)})",
                                     cell.get("id")))
            elif not elsewhere and chapter and name.startswith(f"ex{chapter}_"):
                graded.add(name)
    if kind == "content" and len(graded) < MIN_EXERCISES:
        out.append(Violation("exercises", f"a content chapter needs at least {MIN_EXERCISES} "
                             f'graded exercises (check("ex{chapter}_...") cells, without '
                             f"directory=); found {sorted(graded)}"))
    return out


def _check_corrections(cells, path, corrections):
    out = []
    index = {c.get("id"): i for i, c in enumerate(cells)}
    for entry in corrections:
        if Path(entry.notebook).name != path.name:
            continue
        where = f"corrections.toml entry {entry.id!r}"
        i = index.get(entry.cell)
        if i is None:
            out.append(Violation("corrections", f"{where} points at cell {entry.cell!r}, "
                                 "which is not in the notebook"))
            continue
        cell = cells[i]
        if cell.get("cell_type") != "code" or not _code_has_assert(cell["source"]):
            out.append(Violation("corrections", f"{where} points at this cell, which must be "
                                 "a code cell with an assert", entry.cell))
        above = next((c for c in reversed(cells[:i]) if c.get("cell_type") == "markdown"), None)
        if above is None or not _SOURCE_CHECK.search(above["source"]):
            out.append(Violation("corrections", f"{where}: the nearest markdown cell above "
                                 f"this cell ({above.get('id') if above else None!r}) needs a "
                                 "blockquote '> **Source check (seed NNN, §k).** ...'",
                                 entry.cell))
    return out


def _check_cell_size(cells):
    out = []
    for cell in cells:
        if cell.get("cell_type") != "code" or _hidden(cell):
            continue
        n = len(cell["source"].rstrip().splitlines())
        if n > MAX_VISIBLE_LINES:
            out.append(Violation("cell-size", f"{n} lines in a visible code cell (at most "
                                 f"{MAX_VISIBLE_LINES}): split it, move code into course_lib, "
                                 "or collapse verification code with cell metadata "
                                 '{"jupyter": {"source_hidden": true}}', cell.get("id")))
    return out


def _check_markers(cells):
    out = []
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        for line in cell["source"].splitlines():
            line = line.strip()
            marker = line.lstrip("#").strip() if line.startswith("#") else None
            if marker in HARNESS_TAGS:
                out.append(Violation("markers", f"'{line}' in the source: delete the line and "
                                     f"give the cell the tag {HARNESS_TAGS[marker]!r} "
                                     '(metadata "tags")', cell.get("id")))
    return out


# --------------------------------------------------------------------------- entry points

def lint(path, *, syllabus=None, corrections=None, exercises=None) -> LintResult:
    """Check one chapter notebook against the rules in :data:`RULES`.

    Parameters
    ----------
    path : str or Path
        The ``.ipynb`` file; its name starts with the chapter number (``01_...``).
    syllabus : path or mapping, optional
        SYLLABUS.md (default :data:`DEFAULT_SYLLABUS`), or ``{"01": row text}``. A
        missing file skips the syllabus rule (listed in ``result.skipped``).
    corrections : path or list of Correction, optional
        The corrections log; default ``course_lib.paths.CORRECTIONS``.
    exercises : iterable of str, optional
        Names of the graded exercises; default the grading registry's.

    Returns
    -------
    LintResult
        A list of :class:`Violation` (empty: the notebook has the chapter shape).

    Raises
    ------
    ValueError
        If ``path`` cannot be read or is not a notebook's JSON.

    Examples
    --------
    >>> [str(v) for v in lint("notebooks/00_welcome.ipynb")]   # doctest: +SKIP
    []
    """
    path = Path(path)
    nb = _read(path)
    cells = nb.get("cells", [])
    ids = {c.get("id") for c in cells}
    skipped = []
    course, out = _check_metadata(nb, path)

    if course is not None:
        rows = syllabus
        if not isinstance(rows, Mapping):
            source = Path(DEFAULT_SYLLABUS if syllabus is None else syllabus)
            rows = syllabus_rows(source) if source.is_file() else None
            if rows is None:
                skipped.append(f"syllabus: {source} not found")
        if rows is not None:
            out += _check_syllabus(course, ids, path, rows)

    if exercises is None:
        from .grading.registry import exercise_names
        exercises = exercise_names()
    if corrections is None or isinstance(corrections, (str, Path)):
        try:
            corrections = load_corrections(CORRECTIONS if corrections is None else corrections)
        except ValueError as exc:
            out.append(Violation("corrections", f"cannot read the corrections log: {exc}"))
            corrections = []
    chapter = course["chapter"] if course else None
    kind = course["kind"] if course else None
    out += _check_title(cells)
    out += _check_ending(cells)
    out += _check_explorer(cells)
    out += _check_exercises(cells, chapter, kind, set(exercises))
    out += _check_corrections(cells, path, corrections)
    out += _check_cell_size(cells)
    out += _check_markers(cells)
    return LintResult(out, skipped)


def main(argv=None) -> int:
    """``python -m course_lib.chapter_lint [NOTEBOOK ...]``: print violations; exit 1 if any.

    ``python -m course_lib.chapter_lint --items NN`` prints chapter NN's syllabus items,
    one JSON string a line: the keys of ``course.syllabus``.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["--items"]:
        rows = syllabus_rows() if DEFAULT_SYLLABUS.is_file() else {}
        if len(argv) != 2 or argv[1] not in rows:
            print(f"usage: python -m course_lib.chapter_lint --items NN, NN one of "
                  f"{sorted(rows)} (the rows of {DEFAULT_SYLLABUS})")
            return 2
        print(*(json.dumps(i, ensure_ascii=False) for i in syllabus_items(rows[argv[1]])), sep="\n")
        return 0
    paths = [Path(p) for p in argv] or sorted(NOTEBOOKS.glob("[0-9][0-9]*.ipynb"))
    status = 0
    for path in paths:
        try:
            result = lint(path)
        except ValueError as exc:
            print(f"{path}: {exc}")
            status = 1
            continue
        for line in result.skipped:
            print(f"{path}: skipped {line}")
        for violation in result:
            print(f"{path}: {violation}")
        if result:
            status = 1
        else:
            print(f"{path}: OK")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
