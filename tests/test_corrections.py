"""Tests for course_lib.corrections: the real log is valid, and the validator catches
each kind of broken entry (checked on small temporary logs, seeds and notebooks)."""
from __future__ import annotations

import json
import re

import pytest

from course_lib import corrections as corr
from course_lib.paths import CORRECTIONS

SEED_TEXT = """# A seed

## 2. Learning rate

Gradient descent   converges for
every learning rate smaller than 2/L.

## 3. Convexity

Every local minimum is a global minimum | of any function.
"""


def _nb(cells):
    return {
        "cells": cells,
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _code(cell_id, source):
    return {"cell_type": "code", "id": cell_id, "metadata": {}, "source": source,
            "outputs": [], "execution_count": None}


@pytest.fixture
def site(tmp_path):
    """A fake checkout: seeds/, repo/notebooks/01_gd.ipynb, and a valid entry."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "001_seed.txt").write_text(SEED_TEXT, encoding="utf-8")
    repo = tmp_path / "repo"
    (repo / "notebooks").mkdir(parents=True)
    cells = [
        {"cell_type": "markdown", "id": "title", "metadata": {}, "source": "# GD"},
        _code("lr-demo", ["%time x = 1\n", "assert x == 1\n"]),
        _code("np-demo", "import numpy as np\nnp.testing.assert_allclose(1.0, 1.0)\n"),
        _code("no-assert", "# assert x == 1\nprint('assert')\nassert_ok = 1\n"),
    ]
    (repo / "notebooks" / "01_gd.ipynb").write_text(json.dumps(_nb(cells)), encoding="utf-8")
    entry = {
        "id": "gd-lr",
        "seed": "001_seed.txt",
        "section": "2. Learning rate",
        # whitespace differs from the seed on purpose (spaces and a line break)
        "quote": "Gradient descent converges for every learning rate",
        "correction": "Only for L-smooth functions; 2/L is the bound for a quadratic.",
        "notebook": "notebooks/01_gd.ipynb",
        "cell": "lr-demo",
        "severity": "loose",
    }
    return seeds, repo, entry


def _toml_value(value):
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    return repr(value)


def _write_toml(path, entries):
    lines = []
    for e in entries:
        lines.append("[[correction]]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in e.items()]
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _validate(tmp_path, seeds, repo, entries):
    path = _write_toml(tmp_path / "corrections.toml", entries)
    return corr.validate(path, seeds_dir=seeds, repo_root=repo)


# --------------------------------------------------------------------------- the real log

def test_real_corrections_log_is_valid():
    assert CORRECTIONS.exists(), f"{CORRECTIONS.name} is missing: chapter 01 corrects the seeds"
    result = corr.validate()
    assert list(result) == [], "\n".join(result)
    entries = corr.load()
    assert entries, "corrections.toml has no [[correction]] entries"
    rendered = corr.to_markdown(entries)
    for e in entries:
        assert f"`{e.id}`" in rendered


# --------------------------------------------------------------------------- valid logs

def test_valid_entry_passes_and_loads(tmp_path, site):
    seeds, repo, entry = site
    second = dict(entry, id="gd-np", cell="np-demo", severity="wrong",
                  section="3. Convexity",
                  quote="Every local minimum is a global minimum | of any function.")
    path = _write_toml(tmp_path / "c.toml", [entry, second])
    result = corr.validate(path, seeds_dir=seeds, repo_root=repo)
    assert list(result) == [] and result.skipped == []
    loaded = corr.load(path)
    assert [c.id for c in loaded] == ["gd-lr", "gd-np"]
    assert loaded[0] == corr.Correction(**entry)
    assert loaded[0].chapter == "01"
    # Correction objects validate the same way as the file
    assert list(corr.validate(loaded, seeds_dir=seeds, repo_root=repo)) == []


def test_missing_seeds_folder_skips_quote_checks(tmp_path, site):
    seeds, repo, entry = site
    wrong_quote = dict(entry, quote="a sentence that is in no seed")
    result = _validate(tmp_path, tmp_path / "no-such-folder", repo, [wrong_quote])
    assert list(result) == []
    assert len(result.skipped) == 1 and "quote checks" in result.skipped[0]
    # ... but with the seeds present the same entry fails
    assert any("quote not found" in p for p in _validate(tmp_path, seeds, repo, [wrong_quote]))


# --------------------------------------------------------------------------- each failure

def _without(d, key):
    return {k: v for k, v in d.items() if k != key}


FAILURES = {
    "missing field": (lambda e: _without(e, "cell"), r"missing field\(s\) \['cell'\]"),
    "unknown field": (lambda e: dict(e, chapter="01"), r"unknown field\(s\) \['chapter'\]"),
    "non-string field": (lambda e: dict(e, section=2), r"'section' must be a string"),
    "empty field": (lambda e: dict(e, correction="  "), r"'correction' is empty"),
    "bad severity": (lambda e: dict(e, severity="minor"), r"severity must be one of"),
    "quote not in seed": (lambda e: dict(e, quote="Gradient descent always diverges"),
                          r"quote not found in seed '001_seed.txt'"),
    "quote from elsewhere, altered": (
        lambda e: dict(e, quote="every learning rate smaller than 1/L"), r"quote not found"),
    "seed file missing": (lambda e: dict(e, seed="999_none.txt"), r"seed file '999_none.txt' not found"),
    "seed is a path": (lambda e: dict(e, seed="../seeds/001_seed.txt"), r"bare file name"),
    "notebook missing": (lambda e: dict(e, notebook="notebooks/02_none.ipynb"),
                         r"notebook 'notebooks/02_none.ipynb' not found"),
    "notebook outside repo": (lambda e: dict(e, notebook="../01_gd.ipynb"), r"outside the repository"),
    "cell id missing": (lambda e: dict(e, cell="nope"), r"cell id 'nope' not found"),
    "cell without assert": (lambda e: dict(e, cell="no-assert"), r"cell 'no-assert' .* has no assert"),
    "markdown cell": (lambda e: dict(e, cell="title"), r"is a markdown cell"),
}


@pytest.mark.parametrize("name", sorted(FAILURES))
def test_each_failure_mode_is_reported(tmp_path, site, name):
    seeds, repo, entry = site
    mutate, pattern = FAILURES[name]
    result = _validate(tmp_path, seeds, repo, [mutate(entry)])
    assert len(result) == 1, f"expected exactly one problem, got {list(result)}"
    assert re.search(pattern, result[0]), result[0]
    # the same mistake makes load() refuse the file when it is a schema problem
    if name in {"missing field", "unknown field", "non-string field", "empty field", "bad severity"}:
        with pytest.raises(corr.CorrectionsError, match=pattern):
            corr.load(tmp_path / "corrections.toml")


def test_duplicate_ids_are_reported(tmp_path, site):
    seeds, repo, entry = site
    result = _validate(tmp_path, seeds, repo, [entry, dict(entry, cell="np-demo")])
    assert list(result) == ["correction 'gd-lr': duplicate id (also correction #1)"]


def test_file_level_errors(tmp_path, site):
    seeds, repo, _ = site
    missing = corr.validate(tmp_path / "none.toml", seeds_dir=seeds, repo_root=repo)
    assert len(missing) == 1 and "not found" in missing[0]
    bad = tmp_path / "bad.toml"
    bad.write_text("[[correction]]\nid = \n", encoding="utf-8")
    assert "not valid TOML" in corr.validate(bad, seeds_dir=seeds, repo_root=repo)[0]
    with pytest.raises(corr.CorrectionsError, match="not valid TOML"):
        corr.load(bad)
    stray = tmp_path / "stray.toml"
    stray.write_text('title = "x"\n', encoding="utf-8")
    with pytest.raises(corr.CorrectionsError, match="unexpected top-level key"):
        corr.load(stray)


def test_validate_rejects_wrong_argument_type():
    with pytest.raises(TypeError, match="'corrections' parameter of validate"):
        corr.validate(42)


def test_cli_exit_status(tmp_path, site, capsys, monkeypatch):
    seeds, repo, entry = site
    monkeypatch.setattr(corr, "DEFAULT_SEEDS_DIR", seeds)
    good = _write_toml(tmp_path / "good.toml", [dict(entry, notebook=str(repo / entry["notebook"]))])
    # an absolute notebook path outside REPO_ROOT is a problem: exit status 1
    assert corr.main([str(good)]) == 1
    assert "outside the repository" in capsys.readouterr().out


# --------------------------------------------------------------------------- rendering

def test_to_markdown_groups_by_chapter_in_order(site):
    _, _, entry = site
    entries = [
        corr.Correction(**dict(entry, id="c3", notebook="notebooks/03_momentum.ipynb")),
        corr.Correction(**dict(entry, id="c1a")),
        corr.Correction(**dict(entry, id="c1b", quote="a | b\nc")),
    ]
    md = corr.to_markdown(entries)
    headings = re.findall(r"^### Chapter (\d\d)$", md, flags=re.M)
    assert headings == ["01", "03"]
    chapter_01 = md.split("### Chapter 03")[0]
    assert "`c1a`" in chapter_01 and "`c1b`" in chapter_01 and "`c3`" not in chapter_01
    rows = [ln for ln in md.splitlines() if ln.startswith("| `")]
    assert len(rows) == 3
    # every row has the header's 6 columns: 7 unescaped pipes, no line breaks inside
    for row in rows:
        assert len(re.findall(r"(?<!\\)\|", row)) == 7, row
    assert "a \\| b c" in md
    assert corr.to_markdown([]) == "_No corrections recorded._\n"
