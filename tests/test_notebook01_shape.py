"""Chapter 01 keeps the shape that CONTRIBUTING.md describes (a static check, nothing runs).

Every code cell is a claim cell with an ``assert`` except the set-up, the explorers, the
exercise cells and collapsed plot cells; every "Source check" is followed by an asserting
cell; the explorers' outputs are ignored by nbval through a cell tag (not a marker line in
the source); the exercises are graded with ``check(...)`` and never asserted on and sit next
to the sections they practise; the title, learning goals, summary and references are there.
"""
import ast
import json
import re

import pytest

from course_lib.paths import NOTEBOOKS

PATH = NOTEBOOKS / "01_gradient_descent.ipynb"
EXERCISES = ("ex01_gradient_descent", "ex01_minibatch", "ex01_backtracking")
EXPLORERS = ("explorer", "explorer-sgd")
NOT_CLAIMS = {"setup", *EXPLORERS} | {f"exercise-{n.split('_', 1)[1].replace('_', '-')}"
                                      for n in EXERCISES}


@pytest.fixture(scope="module")
def cells():
    nb = json.loads(PATH.read_text(encoding="utf-8"))
    out = []
    for c in nb["cells"]:
        src = c["source"] if isinstance(c["source"], str) else "".join(c["source"])
        out.append((c["id"], c["cell_type"], src))
    return out


@pytest.fixture(scope="module")
def metadata():
    return {c["id"]: c["metadata"] for c in json.loads(PATH.read_text(encoding="utf-8"))["cells"]}


def _asserts(src):
    tree = ast.parse("\n".join("" if ln.lstrip().startswith(("%", "!")) else ln
                               for ln in src.splitlines()))
    return any(isinstance(node, ast.Assert) for node in ast.walk(tree))


def test_ids_are_readable_and_unique(cells):
    ids = [cid for cid, _, _ in cells]
    assert len(set(ids)) == len(ids)
    for cid in ids:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", cid), cid
        assert len(cid) <= 64


def test_title_goals_summary_references(cells):
    cid, kind, src = cells[0]
    assert (cid, kind) == ("title", "markdown")
    assert src.startswith("# 01 ")
    assert "**Learning goals.**" in src and re.search(r"^1\. ", src, re.M)
    ids = [c[0] for c in cells]
    assert ids[-2:] == ["summary", "references"]
    refs = cells[-1][2]
    for name in ("Nesterov", "Bubeck", "Boyd", "Bottou", "Nocedal", "Cochran"):
        assert name in refs, name


def _hidden(meta):
    return meta.get("jupyter", {}).get("source_hidden") is True


def test_every_code_cell_is_a_claim_cell(cells, metadata):
    missing = [cid for cid, kind, src in cells
               if kind == "code" and cid not in NOT_CLAIMS and not _asserts(src)
               and not (_hidden(metadata[cid]) and "plt.show()" in src)]
    assert missing == []


def test_collapsed_cells_hold_plots_or_checks(cells, metadata):
    """Collapsed cells (``jupyter.source_hidden``) hold plotting or verification code only."""
    hidden = [(cid, src) for cid, kind, src in cells if _hidden(metadata[cid])]
    assert hidden, "chapter 01 collapses its plotting code"
    for cid, src in hidden:
        assert "plt.show()" in src or _asserts(src), cid


def test_source_checks_are_followed_by_an_asserting_cell(cells):
    n_checks = 0
    for i, (cid, kind, src) in enumerate(cells):
        if kind == "markdown" and "**Source check" in src:
            n_checks += 1
            nxt = next(c for c in cells[i + 1:] if c[1] == "code")
            assert _asserts(nxt[2]), f"{cid}: the next code cell {nxt[0]!r} asserts nothing"
    assert n_checks >= 5


@pytest.mark.parametrize("explorer", EXPLORERS)
def test_explorer_output_is_ignored_by_tag_and_uses_the_widgets_module(cells, metadata,
                                                                       explorer):
    src = [src for cid, kind, src in cells if cid == explorer]
    assert len(src) == 1
    assert "nbval-ignore-output" in metadata[explorer].get("tags", [])
    assert "widgets." in src[0]


def test_no_harness_markers_in_sources(cells):
    marked = [cid for cid, kind, src in cells if kind == "code"
              and re.search(r"^\s*#\s*(NBVAL_|PYTEST_VALIDATE_)", src, re.M)]
    assert marked == []


@pytest.mark.parametrize("name", EXERCISES)
def test_exercises_are_checked_not_asserted(cells, name):
    idx = [i for i, (_, kind, src) in enumerate(cells)
           if kind == "code" and f'check("{name}")' in src]
    assert len(idx) == 1, f"one check({name!r}) cell expected"
    i = idx[0]
    assert not _asserts(cells[i][2])
    intro = cells[i - 1]
    assert intro[1] == "markdown" and f"exercises/{name}.py" in intro[2]
    assert "Exercise" in intro[2]
    assert i < len(cells) - 3, "exercises sit next to their sections, not all at the end"
