"""Generate the learner's stubs from the solutions.

``solutions/exNN_slug.py`` is the single source of an exercise. Inside a function,
the answer sits between two marker lines::

    def epoch_batches(n, batch_size, rng):
        \"\"\"...\"\"\"
        # BEGIN SOLUTION
        perm = rng.permutation(n)
        return [perm[i:i + batch_size] for i in range(0, n, batch_size)]
        # END SOLUTION

The stub ``stubs/exNN_slug.py`` is the same file with each block (markers
included) replaced by one line at the marker's indentation::

        raise NotImplementedError("epoch_batches: replace this line with your code")

``python -m course_lib.grading stubs`` rewrites ``stubs/``; ``--check`` only
reports files that differ (the tests require the committed stubs to match).
"""
from __future__ import annotations

import re
from pathlib import Path

__all__ = ["make_stub", "solution_blocks", "generate_stubs", "stale_stubs", "StubError"]

BEGIN = re.compile(r"^(?P<indent>[ \t]*)# BEGIN SOLUTION[ \t]*$")
END = re.compile(r"^(?P<indent>[ \t]*)# END SOLUTION[ \t]*$")
DEF = re.compile(r"^(?P<indent>[ \t]*)(async[ \t]+)?def[ \t]+(?P<name>\w+)")


class StubError(ValueError):
    """Badly placed solution markers."""


def solution_blocks(source, filename="<solution>"):
    """The solution blocks of ``source``: a list of ``(begin, end, indent, func)``,
    ``begin``/``end`` being 0-based indices of the marker lines."""
    lines = source.splitlines()
    blocks, open_at, indent = [], None, ""
    for i, line in enumerate(lines):
        if BEGIN.match(line):
            if open_at is not None:
                raise StubError(f"{filename}:{i + 1}: BEGIN SOLUTION inside the block "
                                f"opened at line {open_at + 1}")
            open_at, indent = i, BEGIN.match(line)["indent"]
        elif END.match(line):
            if open_at is None:
                raise StubError(f"{filename}:{i + 1}: END SOLUTION without BEGIN SOLUTION")
            if END.match(line)["indent"] != indent:
                raise StubError(f"{filename}:{i + 1}: END SOLUTION indented differently "
                                f"from its BEGIN SOLUTION (line {open_at + 1})")
            func = None
            for j in range(open_at - 1, -1, -1):
                m = DEF.match(lines[j])
                if m and len(m["indent"]) < len(indent):
                    func = m["name"]
                    break
            if func is None or not indent:
                raise StubError(f"{filename}:{open_at + 1}: a solution block must sit "
                                "inside a function body")
            blocks.append((open_at, i, indent, func))
            open_at = None
        elif "BEGIN SOLUTION" in line or "END SOLUTION" in line:
            raise StubError(f"{filename}:{i + 1}: a marker must be alone on its line: "
                            f"{line.strip()!r}")
    if open_at is not None:
        raise StubError(f"{filename}:{open_at + 1}: BEGIN SOLUTION is never closed")
    return blocks


def make_stub(source, filename="<solution>"):
    """``source`` with every solution block replaced by ``raise NotImplementedError``."""
    lines = source.splitlines()
    blocks = solution_blocks(source, filename)
    if not blocks:
        raise StubError(f"{filename}: no BEGIN SOLUTION / END SOLUTION block")
    out, pos = [], 0
    for begin, end, indent, func in blocks:
        out.extend(lines[pos:begin])
        out.append(f'{indent}raise NotImplementedError("{func}: replace this line with '
                   'your code")')
        pos = end + 1
    out.extend(lines[pos:])
    return "\n".join(out) + "\n"


def _solution_files(solutions_dir):
    return sorted(Path(solutions_dir).glob("ex[0-9][0-9]_*.py"))


def generate_stubs(solutions_dir=None, stubs_dir=None, write=True):
    """Stub text for every ``solutions/exNN_*.py``: ``{file name: text}``; written to
    ``stubs_dir`` when ``write``."""
    from ..paths import SOLUTIONS, STUBS
    solutions_dir = Path(solutions_dir or SOLUTIONS)
    stubs_dir = Path(stubs_dir or STUBS)
    result = {}
    for path in _solution_files(solutions_dir):
        result[path.name] = make_stub(path.read_text(encoding="utf-8"), str(path))
    if write:
        stubs_dir.mkdir(parents=True, exist_ok=True)
        for name, text in result.items():
            target = stubs_dir / name
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                target.write_text(text, encoding="utf-8")
    return result


def stale_stubs(solutions_dir=None, stubs_dir=None, read=None):
    """File names whose stub differs from the generator's output (or is missing).

    ``read(name) -> str or None`` reads a committed stub (default: the file in
    ``stubs_dir``); the tests pass one that reads ``git show HEAD:stubs/<name>``.
    """
    from ..paths import STUBS
    stubs_dir = Path(stubs_dir or STUBS)
    if read is None:
        def read(name):
            p = stubs_dir / name
            return p.read_text(encoding="utf-8") if p.exists() else None
    expected = generate_stubs(solutions_dir, stubs_dir, write=False)
    return [name for name, text in expected.items() if read(name) != text]
