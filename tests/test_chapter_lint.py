"""The chapter linter (course_lib.chapter_lint): every notebook passes it, and it fails on a
small synthetic notebook that lacks any one required part (each fixture breaks one rule).
"""
from __future__ import annotations

import copy
import json

import pytest

from course_lib import chapter_lint as cl
from course_lib.corrections import Correction
from course_lib.paths import NOTEBOOKS

NOTEBOOK_PATHS = sorted(NOTEBOOKS.glob("[0-9][0-9]*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=[p.name for p in NOTEBOOK_PATHS])
def test_notebook_has_the_chapter_shape(path):
    result = cl.lint(path)
    assert list(result) == [], f"{path.name}:\n  " + "\n  ".join(map(str, result))


# --------------------------------------------------------------------------- the syllabus

def test_syllabus_items_split_at_top_level_only():
    row = ('001 §1 (a, b; c), §2, part 2 (d); 002 "X, Y" (e, f), "Z"; '
           'free text; 003 §3 mistakes 1, 5, 6')
    assert cl.syllabus_items(row) == [
        "001 §1 (a, b; c)", "001 §2", "001 part 2 (d)", '002 "X, Y" (e, f)', '002 "Z"',
        "free text", "003 §3 mistakes 1, 5, 6"]
    # an item with its own seed number keeps it
    assert cl.syllabus_items("001 §13 (q), 000 §4 (r)") == ["001 §13 (q)", "000 §4 (r)"]
    for bad in ("001 §1 (a, b", "001 §1 a)", '002 "X'):
        with pytest.raises(ValueError, match="unbalanced"):
            cl.syllabus_items(bad)


@pytest.fixture(scope="module")
def rows():
    assert cl.DEFAULT_SYLLABUS.is_file(), (
        f"{cl.DEFAULT_SYLLABUS} not found: the tests run with the course cloned beside ../shared")
    return cl.syllabus_rows()


def test_syllabus_items_of_chapters_00_and_01(rows):
    assert cl.syllabus_items(rows["00"]) == [
        "how the course works", "environment check", "exercises and grading"]
    assert cl.syllabus_items(rows["01"]) == [
        "001 §1 (problem set-up, Taylor foundation, update rule, batch / SGD / minibatch, "
        "gradient variance)",
        "001 §2 (learning-rate effects, convergence rate)",
        "001 §12 code part 1 (GD from scratch on Rosenbrock)",
        "001 part 2 (optimizers compared on linear regression)",
        '002 "The Optimization Problem"',
        '002 "Gradient Descent" (intuition, code)',
        '002 "The Learning Rate"',
        '002 "Stochastic Gradient Descent" (why it works, batch-size trade-offs)',
        '002 "Convergence" (convex, non-convex)',
        "003 §1 (GD, SGD)",
    ]


# Counted by reading each row of SYLLABUS.md: the top-level "; " and ", " separators.
ITEM_COUNTS = {"00": 3, "01": 10, "02": 5, "03": 5, "04": 7, "05": 4, "06": 7, "07": 7,
               "08": 2, "09": 6, "10": 3, "11": 5, "12": 4}


def test_cli_prints_the_items_of_a_chapter(rows, capsys):
    assert cl.main(["--items", "00"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        '"how the course works"', '"environment check"', '"exercises and grading"']
    assert cl.main(["--items", "01"]) == 0
    assert '"002 \\"The Learning Rate\\""' in capsys.readouterr().out.splitlines()
    assert cl.main(["--items", "99"]) == 2
    assert "usage" in capsys.readouterr().out


def test_every_chapter_row_parses(rows):
    assert sorted(rows) == sorted(ITEM_COUNTS)
    for chapter, row in rows.items():
        items = cl.syllabus_items(row)
        assert len(items) == ITEM_COUNTS[chapter], (chapter, items)
        assert all(item.strip() == item and item for item in items), (chapter, items)
        assert len(set(items)) == len(items), (chapter, items)
    assert "001 §14 mistakes 1, 5, 6" in cl.syllabus_items(rows["06"])


# --------------------------------------------------------------------------- fixtures

ROW = '001 §1 (set-up, rule), §2; 002 "Rate"'
ITEMS = ["001 §1 (set-up, rule)", "001 §2", '002 "Rate"']
EXERCISES = {"ex01_a", "ex01_b", "ex01_c"}
NAME = "01_demo.ipynb"


def _md(cid, text):
    return {"cell_type": "markdown", "id": cid, "metadata": {}, "source": text}


def _code(cid, text, **metadata):
    return {"cell_type": "code", "id": cid, "metadata": metadata, "source": text,
            "outputs": [], "execution_count": None}


def good_notebook():
    """A content chapter that passes every rule."""
    long_check = "\n".join(f"assert {k} == {k}" for k in range(20))
    cells = [
        _md("title", "# 01 · Demo\n\nText.\n\n**Learning goals.**\n\n1. Predict.\n2. Check.\n"),
        _code("setup", "import numpy as np\nfrom course_lib import widgets\n"
                       "from course_lib.grading import check"),
        _md("claim-md", "Some prose.\n\n> **Source check (seed 001, §2).** The seed says x.\n"),
        _code("claim-check", "x = 2\nprint(x)\nassert x == 2"),
        _code("claim-verify", long_check, jupyter={"source_hidden": True}),
        _code("fifteen", "\n".join(f"y{k} = {k}" for k in range(15)) + "\n\n"),
        _md("explorer-md", "Predict, then move the slider."),
        _code("explorer", "box = widgets.gd_explorer()\nbox", tags=["nbval-ignore-output"]),
        _md("exercise-a-md", "### Exercise 1"),
        _code("exercise-a", 'check("ex01_a")'),
        _code("exercise-b", 'check("ex01_b")'),
        _code("exercise-c", 'check("ex01_c")'),
        _md("summary", "- done"),
        _md("references", "- a book"),
    ]
    syllabus = {ITEMS[0]: ["claim-md"], ITEMS[1]: ["fifteen"],
                ITEMS[2]: ["claim-verify"]}
    meta = {"course": {"chapter": "01", "kind": "content", "syllabus": syllabus},
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    return {"cells": cells, "metadata": meta, "nbformat": 4, "nbformat_minor": 5}


CORRECTION = Correction(id="c1", seed="001_x.txt", section="2", quote="x",
                        correction="y", notebook=f"notebooks/{NAME}", cell="claim-check",
                        severity="wrong")


def _lint(tmp_path, nb, name=NAME, corrections=(CORRECTION,)):
    path = tmp_path / name
    path.write_text(json.dumps(nb), encoding="utf-8")
    return cl.lint(path, syllabus={"01": ROW}, corrections=list(corrections),
                   exercises=EXERCISES)


def _cell(nb, cid):
    return next(c for c in nb["cells"] if c["id"] == cid)


def _drop(nb, cid):
    nb["cells"].remove(_cell(nb, cid))


def _insert_before(nb, cid, cell):
    nb["cells"].insert(nb["cells"].index(_cell(nb, cid)), cell)


def _set(nb, cid, **fields):
    _cell(nb, cid).update(fields)


def test_good_fixture_passes(tmp_path):
    result = _lint(tmp_path, good_notebook())
    assert list(result) == [] and result.skipped == []


def _course(nb):
    return nb["metadata"]["course"]


# name -> (mutation, the one rule it breaks)
BROKEN = {
    "no course metadata": (lambda nb: nb["metadata"].pop("course"), "metadata"),
    "chapter is not the file's": (lambda nb: _course(nb).update(chapter="02"), "metadata"),
    "chapter is a number": (lambda nb: _course(nb).update(chapter=1), "metadata"),
    "unknown kind": (lambda nb: _course(nb).update(kind="lecture"), "metadata"),
    "no syllabus map": (lambda nb: _course(nb).pop("syllabus"), "metadata"),
    "syllabus item not mapped": (lambda nb: _course(nb)["syllabus"].pop(ITEMS[1]), "syllabus"),
    "unknown syllabus item": (lambda nb: _course(nb)["syllabus"].update({"001 §9": ["fifteen"]}),
                              "syllabus"),
    "item mapped to no cells": (lambda nb: _course(nb)["syllabus"].update({ITEMS[1]: []}),
                                "syllabus"),
    "item mapped to a string": (lambda nb: _course(nb)["syllabus"].update({ITEMS[1]: "fifteen"}),
                                "syllabus"),
    "item mapped to a missing cell": (
        lambda nb: _course(nb)["syllabus"].update({ITEMS[1]: ["fifteen", "nope"]}), "syllabus"),
    "first cell is not 'title'": (lambda nb: _set(nb, "title", id="intro"), "title"),
    "no learning goals list": (
        lambda nb: _set(nb, "title", source="# 01 · Demo\n\nLearning goals: predict."), "title"),
    "references before summary": (
        lambda nb: nb["cells"].__setitem__(slice(-2, None), nb["cells"][:-3:-1]), "ending"),
    "a cell after references": (lambda nb: nb["cells"].append(_md("extra", "x")), "ending"),
    "no explorer": (lambda nb: _set(nb, "explorer", id="slider"), "explorer"),
    "explorer without course_lib.widgets": (
        lambda nb: _set(nb, "explorer", source="import ipywidgets\nipywidgets.IntSlider()"),
        "explorer"),
    "explorer using widgets before importing them": (
        lambda nb: nb["cells"].insert(1, nb["cells"].pop(7)), "explorer"),
    "two graded exercises": (lambda nb: _drop(nb, "exercise-c"), "exercises"),
    "an exercise graded elsewhere": (
        lambda nb: _set(nb, "exercise-c", source='check("ex01_c", directory="stubs")'),
        "exercises"),
    "another chapter's exercise": (
        lambda nb: _set(nb, "exercise-c", source='check("ex02_c")'), "exercises"),
    "correction cell without assert": (lambda nb: _set(nb, "claim-check", source="x = 2"),
                                       "corrections"),
    "correction cell is markdown": (
        lambda nb: _set(nb, "claim-check", cell_type="markdown", source="x"), "corrections"),
    "no Source check box": (lambda nb: _set(nb, "claim-md", source="Source check: none."),
                            "corrections"),
    "box not in the nearest markdown cell": (
        lambda nb: _insert_before(nb, "claim-check", _md("between", "More prose.")),
        "corrections"),
    "correction cell missing": (lambda nb: _drop(nb, "claim-check"), "corrections"),
    "long visible cell": (lambda nb: _set(nb, "claim-verify", metadata={}), "cell-size"),
    "collapsed outputs are not a hidden source": (
        lambda nb: _set(nb, "claim-verify", metadata={"jupyter": {"outputs_hidden": True}}),
        "cell-size"),
    "comment marker": (
        lambda nb: _set(nb, "explorer", source="# NBVAL_IGNORE_OUTPUT\nwidgets.gd_explorer()"),
        "markers"),
    "another comment marker": (lambda nb: _set(nb, "fifteen", source="#NBVAL_SKIP\n1"), "markers"),
}


def test_every_rule_has_a_failing_fixture():
    assert {rule for _, rule in BROKEN.values()} == set(cl.RULES)


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_linter_fails_on_a_notebook_lacking_one_part(tmp_path, name):
    mutate, rule = BROKEN[name]
    nb = good_notebook()
    mutate(nb)
    result = _lint(tmp_path, nb)
    assert result.rules == {rule}, f"{name}: " + "\n".join(map(str, result))
    assert all(v.message for v in result)


def test_chapter_split_in_two_notebooks_shares_the_syllabus_map(tmp_path):
    first, second = good_notebook(), good_notebook()
    _course(first)["syllabus"].pop(ITEMS[2])
    assert _lint(tmp_path, first, name="01a_demo.ipynb", corrections=()).rules == {"syllabus"}
    _course(second)["syllabus"] = {ITEMS[2]: ["claim-verify"]}
    _lint(tmp_path, second, name="01b_demo.ipynb", corrections=())
    assert list(_lint(tmp_path, first, name="01a_demo.ipynb", corrections=())) == []


WELL_FORMED = {
    "welcome chapter without exercises": lambda nb: (
        _course(nb).update(kind="welcome"),
        [_drop(nb, f"exercise-{k}") for k in "abc"]),
    "exercises called through the package": lambda nb: _set(
        nb, "exercise-a", source='import course_lib\ncourse_lib.check("ex01_a")'),
    "explorer importing a widget by name": lambda nb: _set(
        nb, "explorer", source="from course_lib.widgets import gd_explorer\ngd_explorer()"),
    "explorer through the module alias": lambda nb: _set(
        nb, "explorer", source="import course_lib.widgets as w\nw.gd_explorer()"),
    "explorer through the package": lambda nb: _set(
        nb, "explorer", source="import course_lib\ncourse_lib.widgets.gd_explorer()"),
    "a second explorer without widgets": lambda nb: nb["cells"].insert(
        8, _code("explorer-two", "print('plain')")),
    "a marker inside code is not a marker": lambda nb: _set(
        nb, "fifteen", source="x = 1  # NBVAL_SKIP\ns = '# NBVAL_SKIP'"),
    "corrections of another notebook": lambda nb: _set(nb, "claim-md", source="No box."),
}


@pytest.mark.parametrize("name", sorted(WELL_FORMED))
def test_linter_accepts_variants_of_the_shape(tmp_path, name):
    nb = good_notebook()
    WELL_FORMED[name](nb)
    other = Correction(**dict(vars(CORRECTION), notebook="notebooks/02_other.ipynb"))
    corrections = (other,) if name == "corrections of another notebook" else (CORRECTION,)
    result = _lint(tmp_path, nb, corrections=corrections)
    assert list(result) == [], f"{name}: " + "\n".join(map(str, result))


def test_missing_syllabus_file_is_skipped_not_a_violation(tmp_path):
    path = tmp_path / NAME
    path.write_text(json.dumps(good_notebook()), encoding="utf-8")
    result = cl.lint(path, syllabus=tmp_path / "none.md", corrections=[CORRECTION],
                     exercises=EXERCISES)
    assert list(result) == [] and "none.md" in result.skipped[0]


def test_unreadable_notebook_is_a_clear_error(tmp_path, capsys):
    with pytest.raises(ValueError, match="cannot read the notebook .*none.ipynb"):
        cl.lint(tmp_path / "none.ipynb")
    (tmp_path / "01_bad.ipynb").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ValueError, match="is not a notebook"):
        cl.lint(tmp_path / "01_bad.ipynb")
    assert cl.main([str(tmp_path / "none.ipynb")]) == 1
    assert "cannot read the notebook" in capsys.readouterr().out


def test_cli_prints_violations_and_exit_status(tmp_path, capsys):
    nb = good_notebook()
    nb["metadata"].pop("course")
    _set(nb, "explorer", source="# NBVAL_IGNORE_OUTPUT\nwidgets.gd_explorer()")
    path = tmp_path / NAME
    path.write_text(json.dumps(nb), encoding="utf-8")
    assert cl.main([str(path)]) == 1
    out = capsys.readouterr().out
    assert "[metadata]" in out and "[markers] cell 'explorer'" in out
    assert "'nbval-ignore-output'" in out
    assert cl.main([str(NOTEBOOKS / "00_welcome.ipynb")]) == 0
    assert capsys.readouterr().out.strip().endswith("00_welcome.ipynb: OK")


# --------------------------------------------------------------------------- nbval's tags

def test_each_marker_has_a_tag_that_nbval_honours_the_same_way():
    import nbval.plugin as plugin    # nbval is pinned in the test extra
    assert set(cl.HARNESS_TAGS) == set(plugin.comment_markers)
    for marker, tag in cl.HARNESS_TAGS.items():
        from_comment = dict(plugin.find_comment_markers(f"# {marker}"))
        from_tag = dict(plugin.find_metadata_tags({"tags": [tag]}))
        assert from_comment and from_tag == from_comment, (marker, tag)


@pytest.mark.parametrize("line", ["# NBVAL_SKIP", "#NBVAL_SKIP", "   ## NBVAL_SKIP  ",
                                  "x = 1  # NBVAL_SKIP", "# NBVAL_SKIP please", "# nbval_skip"])
def test_markers_rule_sees_what_nbval_sees(line):
    import nbval.plugin as plugin    # nbval is pinned in the test extra
    nbval_sees = bool(list(plugin.find_comment_markers(line)))
    cell = _code("c", f"{line}\n1")
    assert bool(cl._check_markers([copy.deepcopy(cell)])) == nbval_sees
