"""The git filter that ``make lab`` installs (nbstripout) against the stored notebooks.

git compares the *cleaned* working file with the stored blob byte for byte. So, for
``git status`` to stay clean after a learner runs a chapter in JupyterLab, and for a
commit through the filter to keep the named cell ids (corrections.toml and the tests
refer to them), each stored notebook must come out of the filter unchanged, both as it
is and after a kernel has filled in outputs, execution counts and ``language_info``.
The filter is run as git runs it, with the options and keys read from the Makefile.
"""
from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys

import pytest

from course_lib.paths import REPO_ROOT

from test_notebooks_stored import STORED

MAKEFILE = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")


def _make_var(name: str) -> str:
    """The value of ``NAME := ...`` in the Makefile (backslash continuations joined)."""
    text = MAKEFILE.replace("\\\n", " ")
    match = re.search(rf"^{name}\s*:=\s*(.*)$", text, flags=re.M)
    assert match, f"Makefile defines no {name}"
    return " ".join(match.group(1).split())


def _clean_all(texts: dict[str, str], folder) -> dict[str, str]:
    """Run the clean filter of ``make lab`` (its options and keys) on every text.

    One nbstripout process strips all of them in place (it takes ~2 s to start); that is
    the code path of ``git add``, which pipes one file through the same function.
    """
    args = shlex.split(_make_var("NBSTRIP"))   # "$(CURDIR)/$(PY)" -m nbstripout OPTIONS
    assert args[1:3] == ["-m", "nbstripout"], args
    paths = {}
    for k, (name, text) in enumerate(sorted(texts.items())):
        paths[name] = folder / f"nb{k}.ipynb"
        paths[name].write_text(text, encoding="utf-8")
    subprocess.run([sys.executable, "-m", "nbstripout", *args[3:],
                    "--extra-keys", _make_var("NBSTRIP_KEYS"), *map(str, paths.values())],
                   check=True, capture_output=True)
    return {name: p.read_text(encoding="utf-8") for name, p in paths.items()}


def _as_if_run(text: str) -> str:
    """The notebook as JupyterLab saves it after Run All (outputs, counts, kernel info)."""
    nb = json.loads(text)
    count = 0
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            count += 1
            cell["execution_count"] = count
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["ran\n"]}]
            cell["metadata"]["execution"] = {"iopub.status.busy": "2026-01-01T00:00:00Z"}
    nb["metadata"]["language_info"] = {
        "codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
        "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
        "pygments_lexer": "ipython3", "version": "3.11.7"}
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def _renamed_first_id(text: str) -> str:
    nb = json.loads(text)
    nb["cells"][0]["id"] = "a-named-cell"
    return json.dumps(nb, indent=1) + "\n"


def _with_chapter_metadata(text: str) -> str:
    """The notebook with what a chapter keeps: nbval tags, a collapsed source, the linter's
    ``course`` table (the filter must keep all three)."""
    nb = json.loads(text)
    nb["metadata"]["course"] = {"chapter": "00", "kind": "welcome", "syllabus": {"x": ["y"]}}
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["metadata"] = {"jupyter": {"source_hidden": True}, "tags": ["nbval-skip"]}
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


@pytest.fixture(scope="module")
def cleaned(tmp_path_factory):
    """``(kind, path) -> cleaned text`` for each stored notebook, as is and as if run."""
    texts = {}
    for path, text in STORED.items():
        texts[f"stored:{path}"] = text
        texts[f"run:{path}"] = _as_if_run(text)
        texts[f"renamed:{path}"] = _renamed_first_id(text)
        texts[f"chapter:{path}"] = _with_chapter_metadata(text)
    return _clean_all(texts, tmp_path_factory.mktemp("nbstripout"))


@pytest.mark.parametrize("path", sorted(STORED))
def test_filter_leaves_stored_notebook_unchanged(cleaned, path):
    assert cleaned[f"stored:{path}"] == STORED[path], (
        f"{path} is not stored in the form the git filter writes: `git status` would show "
        f"it modified. Store the filter's output (see CONTRIBUTING.md).")


@pytest.mark.parametrize("path", sorted(STORED))
def test_filter_strips_a_run_notebook_back_to_the_stored_one(cleaned, path):
    assert _as_if_run(STORED[path]) != STORED[path]
    assert cleaned[f"run:{path}"] == STORED[path]


@pytest.mark.parametrize("path", sorted(STORED))
def test_filter_keeps_cell_ids(cleaned, path):
    ids = [c["id"] for c in json.loads(STORED[path])["cells"]]
    got = [c["id"] for c in json.loads(cleaned[f"renamed:{path}"])["cells"]]
    assert got == ["a-named-cell", *ids[1:]]


@pytest.mark.parametrize("path", sorted(STORED))
def test_filter_keeps_tags_collapsed_source_and_course_metadata(cleaned, path):
    expected = json.loads(_with_chapter_metadata(STORED[path]))
    got = json.loads(cleaned[f"chapter:{path}"])
    assert got["metadata"]["course"] == expected["metadata"]["course"]
    assert [c["metadata"] for c in got["cells"]] == [c["metadata"] for c in expected["cells"]]
    assert any(c["metadata"] for c in got["cells"])
