"""The corrections log: statements in the source material that the course corrects.

The seeds the course was written from contain statements that are wrong or loose.
Each one is recorded once, in ``corrections.toml`` at the repository root, as a
``[[correction]]`` table with exactly these fields:

=========== ==============================================================
id          short unique name, e.g. ``"gd-rate-nonconvex"``
seed        file name in the seeds folder, e.g. ``"001_41a420d567029da9.txt"``
section     the seed's section heading the quote comes from
quote       a verbatim substring of the seed (whitespace may differ)
correction  the correct statement, in the course's words
notebook    the notebook that demonstrates it, e.g. ``"notebooks/01_gradient_descent.ipynb"``
cell        the nbformat cell id, in that notebook, of a code cell that ``assert``\\ s it
severity    ``"wrong"`` (false as stated) or ``"loose"`` (true only with a missing condition)
=========== ==============================================================

:func:`load` reads the log into :class:`Correction` objects, :func:`validate` checks it
against the seeds and the notebooks, and :func:`to_markdown` renders it for the
review chapter. ``python -m course_lib.corrections`` validates the log and exits 1 on
any problem.

Reference: the file format is TOML 1.0 (https://toml.io), read with :mod:`tomllib`.
"""
from __future__ import annotations

import ast
import json
import re
import sys
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from .paths import CORRECTIONS, REPO_ROOT

__all__ = [
    "Correction",
    "CorrectionsError",
    "ValidationResult",
    "SEVERITIES",
    "DEFAULT_SEEDS_DIR",
    "load",
    "validate",
    "to_markdown",
    "normalize_whitespace",
]

SEVERITIES = ("wrong", "loose")
DEFAULT_SEEDS_DIR = REPO_ROOT.parent / "shared" / "seeds"
_TABLE = "correction"


class CorrectionsError(ValueError):
    """The corrections file cannot be turned into :class:`Correction` objects."""


@dataclass(frozen=True)
class Correction:
    """One corrected statement (the fields of a ``[[correction]]`` table)."""

    id: str
    seed: str
    section: str
    quote: str
    correction: str
    notebook: str
    cell: str
    severity: str

    @property
    def chapter(self) -> str:
        """Two-digit chapter number taken from the notebook's file name (``"01"``)."""
        m = re.match(r"(\d+)_", Path(self.notebook).name)
        return m.group(1) if m else "??"


FIELDS = tuple(f.name for f in fields(Correction))


class ValidationResult(list):
    """The problems :func:`validate` found (a list of strings; empty means valid).

    ``skipped`` lists the checks that could not run (for example quote checks when
    the seeds folder is absent); a skipped check is not a problem.
    """

    def __init__(self, problems=(), skipped=()):
        super().__init__(problems)
        self.skipped = list(skipped)


def normalize_whitespace(text: str) -> str:
    """Collapse every run of whitespace (spaces, tabs, newlines) to one space and strip."""
    return " ".join(text.split())


# --------------------------------------------------------------------------- reading

def _read_raw(path) -> list:
    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise CorrectionsError(f"corrections file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise CorrectionsError(f"{path} is not valid TOML: {exc}") from None
    extra = sorted(set(data) - {_TABLE})
    if extra:
        raise CorrectionsError(
            f"{path}: unexpected top-level key(s) {extra}; only [[{_TABLE}]] tables are allowed"
        )
    entries = data.get(_TABLE, [])
    if not isinstance(entries, list):
        raise CorrectionsError(f"{path}: '{_TABLE}' must be an array of tables ([[{_TABLE}]])")
    return entries


def _schema_problems(index: int, entry) -> list[str]:
    """Missing, unknown, non-string or empty fields of one raw entry."""
    where = f"correction #{index + 1}"
    if not isinstance(entry, Mapping):
        return [f"{where}: must be a table, got {type(entry).__name__}"]
    if isinstance(entry.get("id"), str):
        where += f" ({entry['id']!r})"
    problems = []
    missing = [name for name in FIELDS if name not in entry]
    unknown = sorted(set(entry) - set(FIELDS))
    if missing:
        problems.append(f"{where}: missing field(s) {missing}")
    if unknown:
        problems.append(f"{where}: unknown field(s) {unknown}; allowed: {list(FIELDS)}")
    for name in FIELDS:
        if name in entry:
            value = entry[name]
            if not isinstance(value, str):
                problems.append(
                    f"{where}: field {name!r} must be a string, got {type(value).__name__}"
                )
            elif not value.strip():
                problems.append(f"{where}: field {name!r} is empty")
    if isinstance(entry.get("severity"), str) and entry["severity"] not in SEVERITIES:
        problems.append(
            f"{where}: severity must be one of {list(SEVERITIES)}, got {entry['severity']!r}"
        )
    return problems


def load(path=None) -> list[Correction]:
    """Read the corrections log.

    Parameters
    ----------
    path : str or Path, optional
        TOML file with ``[[correction]]`` tables; default ``course_lib.paths.CORRECTIONS``.

    Returns
    -------
    list of Correction, in file order.

    Raises
    ------
    CorrectionsError
        If the file is missing, is not TOML, or an entry has missing, unknown, empty or
        non-string fields or an unknown severity (all such problems in one message).
        Content checks against seeds and notebooks are :func:`validate`'s job.

    Examples
    --------
    >>> entries = load()                          # doctest: +SKIP
    >>> entries[0].notebook                       # doctest: +SKIP
    'notebooks/01_gradient_descent.ipynb'
    """
    path = CORRECTIONS if path is None else Path(path)
    entries = _read_raw(path)
    problems = [p for i, e in enumerate(entries) for p in _schema_problems(i, e)]
    if problems:
        raise CorrectionsError(f"{path}:\n  " + "\n  ".join(problems))
    return [Correction(**{name: e[name] for name in FIELDS}) for e in entries]


# --------------------------------------------------------------------------- checking

def _code_has_assert(source: str) -> bool:
    """True if the code contains an ``assert`` statement or an ``assert_*(...)`` call
    (``np.testing.assert_allclose`` and friends). Comments and strings do not count."""
    # IPython magics and shell escapes are not Python; blank them out before parsing.
    lines = ["" if ln.lstrip().startswith(("%", "!")) else ln for ln in source.splitlines()]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert):
            return True
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name.startswith("assert_"):
                return True
    return False


def _notebook_cells(path: Path) -> dict:
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = {}
    for cell in nb.get("cells", []):
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(source)
        if "id" in cell:
            cells[cell["id"]] = (cell.get("cell_type"), source)
    return cells


def _as_entries(corrections):
    """Return (raw entries, problems found while reading)."""
    if corrections is None or isinstance(corrections, (str, Path)):
        path = CORRECTIONS if corrections is None else Path(corrections)
        try:
            return _read_raw(path), []
        except CorrectionsError as exc:
            return [], [str(exc)]
    if isinstance(corrections, Sequence):
        return [asdict(c) if isinstance(c, Correction) else c for c in corrections], []
    raise TypeError(
        "The 'corrections' parameter of validate must be a path, a list of Correction "
        f"or a list of dicts. Got {type(corrections).__name__} instead."
    )


def validate(corrections=None, *, seeds_dir=None, repo_root=None) -> ValidationResult:
    """Check the corrections log against the seeds and the notebooks.

    Checks, for every entry: exactly the fields of :class:`Correction`, all non-empty
    strings; a known severity; a unique ``id``; the seed file exists and contains
    ``quote`` once whitespace is normalised (:func:`normalize_whitespace`) on both
    sides; the notebook exists inside ``repo_root``; a cell with id ``cell`` exists
    there, is a code cell and contains an ``assert`` (statement, or an ``assert_*``
    call such as ``np.testing.assert_allclose``).

    Parameters
    ----------
    corrections : path, list of Correction, list of dict, or None
        What to check; ``None`` reads ``course_lib.paths.CORRECTIONS``. Give a path or
        raw dicts to have missing and unknown fields reported.
    seeds_dir : path, optional
        Folder of seed files; default ``REPO_ROOT.parent / "shared" / "seeds"`` (the
        course is cloned beside ``../shared``). If it does not exist, quote checks are
        recorded in ``result.skipped`` instead of failing.
    repo_root : path, optional
        Root that ``notebook`` paths are relative to; default ``REPO_ROOT``.

    Returns
    -------
    ValidationResult
        A list of human-readable problems (empty when the log is valid), with a
        ``skipped`` attribute listing checks that could not run.
    """
    seeds_dir = DEFAULT_SEEDS_DIR if seeds_dir is None else Path(seeds_dir)
    repo_root = (REPO_ROOT if repo_root is None else Path(repo_root)).resolve()
    entries, problems = _as_entries(corrections)
    skipped = []
    if not seeds_dir.is_dir():
        skipped.append(f"quote checks: seeds folder {seeds_dir} not found")

    seen_ids: dict[str, int] = {}
    seed_cache: dict[str, str] = {}
    nb_cache: dict[Path, dict | None] = {}
    for i, entry in enumerate(entries):
        schema = _schema_problems(i, entry)
        problems.extend(schema)
        if not isinstance(entry, Mapping):
            continue
        ok = lambda name: isinstance(entry.get(name), str) and entry[name].strip()  # noqa: E731
        where = f"correction {entry['id']!r}" if ok("id") else f"correction #{i + 1}"

        if ok("id"):
            if entry["id"] in seen_ids:
                problems.append(
                    f"{where}: duplicate id (also correction #{seen_ids[entry['id']] + 1})"
                )
            else:
                seen_ids[entry["id"]] = i

        # the quote must be in the seed
        if ok("seed") and seeds_dir.is_dir():
            name = entry["seed"]
            seed_path = seeds_dir / name
            if Path(name).name != name:
                problems.append(f"{where}: seed must be a bare file name, got {name!r}")
            elif not seed_path.is_file():
                problems.append(f"{where}: seed file {name!r} not found in {seeds_dir}")
            elif ok("quote"):
                if name not in seed_cache:
                    seed_cache[name] = normalize_whitespace(
                        seed_path.read_text(encoding="utf-8"))
                if normalize_whitespace(entry["quote"]) not in seed_cache[name]:
                    problems.append(
                        f"{where}: quote not found in seed {name!r} "
                        f"(after whitespace normalisation): {entry['quote'][:80]!r}"
                    )

        # the notebook and its demonstrating cell
        if ok("notebook"):
            nb_path = (repo_root / entry["notebook"]).resolve()
            if not nb_path.is_relative_to(repo_root):
                problems.append(f"{where}: notebook {entry['notebook']!r} is outside the repository")
                continue
            if nb_path not in nb_cache:
                try:
                    nb_cache[nb_path] = _notebook_cells(nb_path) if nb_path.is_file() else None
                except (OSError, ValueError) as exc:
                    problems.append(f"{where}: notebook {entry['notebook']!r} unreadable: {exc}")
                    nb_cache[nb_path] = {}
            cells = nb_cache[nb_path]
            if cells is None:
                problems.append(f"{where}: notebook {entry['notebook']!r} not found")
            elif ok("cell"):
                if entry["cell"] not in cells:
                    problems.append(
                        f"{where}: cell id {entry['cell']!r} not found in {entry['notebook']}"
                    )
                else:
                    cell_type, source = cells[entry["cell"]]
                    if cell_type != "code":
                        problems.append(
                            f"{where}: cell {entry['cell']!r} is a {cell_type} cell; "
                            "it must be a code cell that asserts the correction"
                        )
                    elif not _code_has_assert(source):
                        problems.append(
                            f"{where}: cell {entry['cell']!r} in {entry['notebook']} "
                            "has no assert"
                        )
    return ValidationResult(problems, skipped)


# --------------------------------------------------------------------------- rendering

def _cell_text(text: str) -> str:
    """One markdown table cell: single line, pipes escaped."""
    return normalize_whitespace(text).replace("|", "\\|")


def to_markdown(corrections=None) -> str:
    """Render the log as markdown: one table per chapter, chapters in order.

    Parameters
    ----------
    corrections : list of Correction, optional
        Default: :func:`load` ``()``.

    Returns
    -------
    str
        ``### Chapter NN`` headings, each followed by a table with the seed and
        section, the seed's statement, the correct statement, the severity and the
        notebook cell that demonstrates it. Notebook links are relative to
        ``notebooks/`` (where the review chapter lives) and go to the heading of the
        section that holds the cell (:func:`course_lib.review.link`) when the notebook
        and the cell exist; otherwise to the notebook.
    """
    from .review import Evidence, link
    if corrections is None:
        corrections = load()
    if not corrections:
        return "_No corrections recorded._\n"
    by_chapter: dict[str, list[Correction]] = {}
    for c in corrections:
        by_chapter.setdefault(c.chapter, []).append(c)
    out = []
    for chapter in sorted(by_chapter):
        entries = by_chapter[chapter]
        out.append(f"### Chapter {chapter}\n")
        out.append("| id | seed, section | the seed says | correct statement | severity | shown in |")
        out.append("|---|---|---|---|---|---|")
        for c in entries:
            nb_name = Path(c.notebook).name
            try:
                where = link(Evidence(nb_name, c.cell))
            except ValueError:          # the notebook or the cell is not in this checkout
                where = f"[{nb_name}]({nb_name})"
            out.append(
                f"| `{_cell_text(c.id)}` | {_cell_text(c.seed)}, {_cell_text(c.section)} "
                f"| \u201c{_cell_text(c.quote)}\u201d | {_cell_text(c.correction)} "
                f"| {c.severity} | {where.replace('|', chr(92) + '|')}, cell `{_cell_text(c.cell)}` |"
            )
        out.append("")
    return "\n".join(out)


def main(argv=None) -> int:
    """``python -m course_lib.corrections [FILE]``: print problems; exit 1 if any."""
    argv = sys.argv[1:] if argv is None else argv
    result = validate(argv[0] if argv else None)
    for line in result.skipped:
        print(f"skipped: {line}")
    for line in result:
        print(f"problem: {line}")
    if not result:
        print("corrections: OK")
    return 1 if result else 0


if __name__ == "__main__":
    raise SystemExit(main())
