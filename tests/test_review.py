"""Chapter 12's tables: every interview question answered, every link resolvable."""
import json
import re
import tomllib

import pytest

from course_lib import corrections, review
from course_lib.corrections import normalize_whitespace
from course_lib.paths import CORRECTIONS, NOTEBOOKS, REPO_ROOT

SEEDS = REPO_ROOT.parent / "shared" / "seeds"
needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is absent")


@needs_seeds
def test_every_seed_interview_question_is_answered():
    found = review.seed_questions()
    # an independent count: every "### Qn:" heading in the seeds (none are outside the
    # interview sections of seeds 000 and 001)
    raw = sorted((p.name, m) for p in SEEDS.glob("*.txt")
                 for m in re.findall(r"^### (Q\d+):", p.read_text(encoding="utf-8"), re.M))
    assert sorted((s, q) for s, q, _ in found) == raw and len(raw) == 9
    answered = {(a.seed, a.key.split()[1]): a for a in review.INTERVIEW}
    assert set(answered) == {(s, q) for s, q, _ in found}
    for seed, q, text in found:
        assert answered[(seed, q)].question == text, (seed, q)


def test_every_answer_has_existing_evidence_and_corrections():
    ids = {c.id for c in corrections.load()}
    for a in review.INTERVIEW:
        assert a.verdict in ("right", "loose", "wrong") and a.evidence
        review.section_of(review.REVIEW_NOTEBOOK, a.answer_cell)
        for ev in a.evidence:
            review.section_of(ev.notebook, ev.cell)
        assert set(a.corrections) <= ids, a.key
        if a.verdict != "right":
            assert a.corrections or "Source check" in _cell(review.REVIEW_NOTEBOOK,
                                                            a.answer_cell, above=True), a.key


def _cell(nb, cell_id, above=False):
    cells = json.loads((NOTEBOOKS / nb).read_text(encoding="utf-8"))["cells"]
    i = [c["id"] for c in cells].index(cell_id)
    pick = cells[i - 1] if above else cells[i]
    return "".join(pick["source"])


def test_heading_slug_matches_myst_parser():
    slugs = pytest.importorskip("myst_parser.slugs")       # the site extra
    for title in ("3. In Adam they differ, coordinate by coordinate",
                  '7.1 "High κ → need adaptive methods"?', "The effective per-coordinate step",
                  "001 Q1. Adam is faster than SGD, but sometimes generalizes worse?",
                  "Exercises and `check(...)`"):
        assert review.heading_slug(title) == slugs.github_slugify(title)


def test_section_of_finds_the_heading_above():
    sec = review.section_of("05_adamw.ipynb", "torch-flag-check")
    assert sec.title.startswith("3. In Adam they differ") and sec.level == 2
    assert review.link(review.Evidence("05_adamw.ipynb", "torch-flag-check")).endswith(
        "(05_adamw.ipynb#3-in-adam-they-differ-coordinate-by-coordinate)")
    # a link inside chapter 12 is a fragment only
    own = review.link(review.Evidence(review.REVIEW_NOTEBOOK, "q-l2-check"))
    assert re.search(r"\]\(#001-q2-", own)
    with pytest.raises(ValueError, match="'cell' parameter of section_of.*'no-such-cell'"):
        review.section_of("05_adamw.ipynb", "no-such-cell")
    with pytest.raises(ValueError, match="'notebook' parameter of section_of"):
        review.section_of("99_none.ipynb", "x")
    with pytest.raises(ValueError, match="'key' parameter of answer"):
        review.answer("001 Q9")


def test_links_go_to_at_most_level_three_headings(tmp_path):
    nb = {"cells": [{"id": "h", "cell_type": "markdown", "source": "## 6. Rates\n### 6.4 Deep\n"},
                    {"id": "h4", "cell_type": "markdown", "source": "#### The proof"},
                    {"id": "c", "cell_type": "code", "source": "assert True"}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "01_x.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    assert review.section_of("01_x.ipynb", "c", notebooks_dir=tmp_path).level == 4
    assert review.link(review.Evidence("01_x.ipynb", "c"), notebooks_dir=tmp_path) == \
        "[01 · 6.4 Deep](01_x.ipynb#64-deep)"


def test_map_needs_every_measured_number():
    with pytest.raises(ValueError, match="'measured' parameter of map_markdown lacks"):
        review.map_markdown({})


def test_pending_links_name_only_missing_chapters():
    pending = review.pending_links()
    assert set(pending) <= {"06", "07", "09", "10", "11"}
    for a in review.INTERVIEW:
        for ch in a.later:
            assert a.key in pending[ch]


def test_every_chapter_is_linked_and_its_corrections_cited():
    # chapters 06-11 are merged: nothing waits for a link, and each answer whose seed
    # statement a chapter corrected cites that chapter's corrections.toml entry
    assert review.pending_links() == {}
    assert {ev.notebook[:2] for a in review.INTERVIEW for ev in a.evidence} >= {
        "06", "07", "09", "10", "11"}
    log = {c["id"]: c for c in tomllib.loads(CORRECTIONS.read_text(encoding="utf-8"))["correction"]}
    for a in review.INTERVIEW:
        q = a.key.split()[1] + ":"
        same = {i for i, c in log.items() if c["seed"] == a.seed and q in c["section"]}
        assert same <= set(a.corrections), (a.key, same - set(a.corrections))
    assert "ch06-early-gradients-not-huge" in review.answer("000 Q3").corrections
    assert "ch07-accumulation-loop-leftover" in review.answer("001 Q6").corrections


def test_rendered_corrections_list_every_entry_of_the_file():
    raw = tomllib.loads(CORRECTIONS.read_text(encoding="utf-8"))["correction"]
    md = corrections.to_markdown(corrections.load())
    rows = [ln for ln in md.splitlines() if ln.startswith("| `")]
    assert len(rows) == len(raw)
    for entry in raw:
        row = [r for r in rows if r.startswith(f"| `{entry['id']}` |")]
        assert len(row) == 1, entry["id"]
        text = row[0].replace("\\|", "|")
        assert normalize_whitespace(entry["quote"]) in text, entry["id"]
        assert f"| {entry['severity']} |" in text and entry["seed"] in text
        nb = entry["notebook"].split("/")[-1]
        sec = review.section_of(nb, entry["cell"])
        target = "" if nb == review.REVIEW_NOTEBOOK else nb       # chapter 12 links to itself
        assert f"({target}#" in text and f"cell `{entry['cell']}`" in text, entry["id"]
        assert sec.anchor and (f"({target}#{sec.anchor})" in text or sec.level > 3), entry["id"]
    chapters = re.findall(r"^### Chapter (\d\d)$", md, re.M)
    assert chapters == sorted({e["notebook"].split("/")[-1][:2] for e in raw})
