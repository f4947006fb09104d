"""The notebooks as stored in git: no outputs, valid nbformat, unique cell ids, a title,
numbered 00..NN without gaps.

In a git checkout the committed version (``HEAD``) is checked, not the working file:
a learner who runs the notebooks in JupyterLab gets outputs autosaved into the working
files, and that must not break ``make test``. Outside git (a downloaded archive) the
working files are what is stored, so those are checked.
"""
from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import warnings
from pathlib import Path

import nbformat
import pytest

from course_lib.paths import NOTEBOOKS, REPO_ROOT

NAME = re.compile(r"^(\d\d)_[a-z0-9]+(?:_[a-z0-9]+)*\.ipynb$")
# What a stored notebook may keep in its metadata: the kernel, the chapter linter's
# "course" table, nbval's cell "tags" and JupyterLab's collapsed source (CONTRIBUTING.md).
NOTEBOOK_METADATA = {"kernelspec", "language_info", "course"}
CELL_METADATA = {"tags": None, "jupyter": {"source_hidden"}}


def _git(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                          check=False)


def stored_notebooks(root: Path = REPO_ROOT, folder: str = "notebooks") -> dict[str, str]:
    """Map ``folder/NAME.ipynb`` -> the notebook's stored text.

    In a git checkout with a commit: the files committed at ``HEAD`` (``git ls-tree`` and
    ``git show HEAD:./path``, paths relative to ``root`` even when ``root`` is a
    sub-folder of a larger repository). Otherwise: the working files.
    """
    root = Path(root)
    if shutil.which("git") and _git(root, "rev-parse", "--verify", "-q", "HEAD").returncode == 0:
        listing = _git(root, "ls-tree", "-r", "--name-only", "-z", "HEAD", "--", f"{folder}/")
        if listing.returncode == 0:
            paths = [p for p in listing.stdout.split("\0") if p.endswith(".ipynb")]
            out = {}
            for path in paths:
                shown = _git(root, "show", f"HEAD:./{path}")
                assert shown.returncode == 0, shown.stderr
                out[path] = shown.stdout
            return out
    return {
        f"{folder}/{p.name}": p.read_text(encoding="utf-8")
        for p in sorted((root / folder).glob("*.ipynb"))
    }


def notebook_problems(text: str) -> list[str]:
    """Everything wrong with one stored notebook (empty list: fine)."""
    try:
        nb = json.loads(text)
    except json.JSONDecodeError as exc:
        return [f"not JSON: {exc}"]
    problems = []
    try:
        with warnings.catch_warnings():  # duplicate ids are reported below, not "repaired"
            warnings.simplefilter("ignore")
            nbformat.validate(copy.deepcopy(nb))
    except nbformat.ValidationError as exc:
        problems.append(f"invalid nbformat: {str(exc).splitlines()[0]}")
    if (nb.get("nbformat"), nb.get("nbformat_minor", 0) >= 5) != (4, True):
        problems.append("must be nbformat 4.5 or later (cell ids)")
    if "widgets" in nb.get("metadata", {}):
        problems.append("saved widget state in metadata.widgets (strip it: nbstripout)")
    elif set(nb.get("metadata", {})) - NOTEBOOK_METADATA:
        problems.append(f"notebook metadata {sorted(set(nb['metadata']) - NOTEBOOK_METADATA)} "
                        f"is not stored (allowed: {sorted(NOTEBOOK_METADATA)})")
    cells = nb.get("cells", [])
    ids = [c.get("id") for c in cells]
    if None in ids:
        problems.append(f"{ids.count(None)} cell(s) without an id")
    dupes = sorted({i for i in ids if i is not None and ids.count(i) > 1})
    if dupes:
        problems.append(f"duplicate cell ids {dupes}")
    for cell in cells:
        meta = cell.get("metadata", {})
        extra = [k for k in meta if k not in CELL_METADATA] + [
            f"{k}.{sub}" for k, allowed in CELL_METADATA.items()
            if allowed and isinstance(meta.get(k), dict) for sub in meta[k] if sub not in allowed]
        if extra:
            problems.append(f"cell {cell.get('id')!r} has metadata {extra} (allowed: tags, "
                            "jupyter.source_hidden)")
        if cell.get("cell_type") != "code":
            continue
        if cell.get("outputs"):
            problems.append(f"cell {cell.get('id')!r} has stored outputs")
        if cell.get("execution_count") is not None:
            problems.append(f"cell {cell.get('id')!r} has execution_count "
                            f"{cell.get('execution_count')} (must be null)")
    if not cells or cells[0].get("cell_type") != "markdown":
        problems.append("the first cell must be a markdown cell with a title")
    else:
        source = cells[0].get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        first = next((ln for ln in source.splitlines() if ln.strip()), "")
        if not re.match(r"^# \S", first):
            problems.append(f"the first cell must start with a '# Title' line, got {first!r}")
    return problems


STORED = stored_notebooks()


@pytest.mark.parametrize("path", sorted(STORED))
def test_stored_notebook_is_clean(path):
    problems = notebook_problems(STORED[path])
    assert problems == [], f"{path}:\n  " + "\n  ".join(problems)


def test_notebooks_are_numbered_00_to_nn_without_gaps():
    names = [Path(p).name for p in STORED]
    assert names, f"no notebooks stored under {NOTEBOOKS.relative_to(REPO_ROOT)}/"
    bad = [n for n in names if not NAME.match(n)]
    assert bad == [], f"names must look like NN_slug.ipynb (lower case): {bad}"
    numbers = sorted(int(NAME.match(n).group(1)) for n in names)
    # chapters are written in parallel and land in any order: gaps are allowed, but every
    # number is one of the chapter map's (00..12), used once, and 00 is there
    assert numbers[0] == 0 and len(set(numbers)) == len(numbers) and numbers[-1] <= 12, \
        f"numbers must be distinct chapters of the map 00..12, starting at 00: {numbers}"


# ---------------------------------------------------------------- the checker itself

def _nb_text(outputs=(), execution_count=None, first="# Title\n\ntext"):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(first), nbformat.v4.new_code_cell("1 + 1")]
    nb.cells[0].id, nb.cells[1].id = "title", "sum"
    nb.cells[1].outputs = list(outputs)
    nb.cells[1].execution_count = execution_count
    return nbformat.writes(nb)


def test_checker_accepts_clean_and_catches_each_problem():
    assert notebook_problems(_nb_text()) == []
    out = nbformat.v4.new_output("execute_result", {"text/plain": "2"}, execution_count=1)
    assert any("stored outputs" in p for p in notebook_problems(_nb_text(outputs=[out])))
    assert any("execution_count" in p for p in notebook_problems(_nb_text(execution_count=3)))
    assert any("'# Title'" in p for p in notebook_problems(_nb_text(first="Some text")))
    raw = json.loads(_nb_text())
    raw["cells"][1]["id"] = raw["cells"][0]["id"]  # nbformat.writes would repair it
    assert any("duplicate cell ids" in p for p in notebook_problems(json.dumps(raw)))
    raw = json.loads(_nb_text())
    del raw["cells"][1]["outputs"]
    assert any("invalid nbformat" in p for p in notebook_problems(json.dumps(raw)))
    raw = json.loads(_nb_text())
    raw["metadata"]["widgets"] = {"application/vnd.jupyter.widget-state+json": {}}
    assert any("widget state" in p for p in notebook_problems(json.dumps(raw)))
    # the metadata a chapter keeps is allowed; anything else is not
    raw = json.loads(_nb_text())
    raw["metadata"]["course"] = {"chapter": "00", "kind": "welcome", "syllabus": {}}
    raw["cells"][1]["metadata"] = {"tags": ["nbval-ignore-output"],
                                   "jupyter": {"source_hidden": True}}
    assert notebook_problems(json.dumps(raw)) == []
    for where, key, value in [("cell", "scrolled", True), ("notebook", "toc", {}),
                              ("cell", "jupyter", {"outputs_hidden": True})]:
        bad = copy.deepcopy(raw)
        (bad["cells"][1] if where == "cell" else bad)["metadata"][key] = value
        assert any("metadata" in p and "allowed" in p for p in notebook_problems(json.dumps(bad)))
    assert notebook_problems("{not json") != []


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_committed_version_is_checked_not_the_autosaved_file(tmp_path):
    """Outputs autosaved into the working file do not count; committed ones do."""
    root = tmp_path / "course"
    (root / "notebooks").mkdir(parents=True)
    work = root / "notebooks" / "00_welcome.ipynb"
    work.write_text(_nb_text(), encoding="utf-8")
    env = ["-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false"]
    for args in (["init", "-q"], ["add", "notebooks"], [*env, "commit", "-q", "-m", "nb"]):
        assert _git(root, *args).returncode == 0
    out = nbformat.v4.new_output("stream", text="autosaved\n")
    work.write_text(_nb_text(outputs=[out], execution_count=1), encoding="utf-8")
    stored = stored_notebooks(root)
    assert list(stored) == ["notebooks/00_welcome.ipynb"]
    assert notebook_problems(stored["notebooks/00_welcome.ipynb"]) == []
    # once committed, the outputs are caught
    for args in (["add", "notebooks"], [*env, "commit", "-q", "-m", "outputs"]):
        assert _git(root, *args).returncode == 0
    assert notebook_problems(stored_notebooks(root)["notebooks/00_welcome.ipynb"]) != []


def test_outside_git_the_working_files_are_checked(tmp_path, monkeypatch):
    # make sure git does not find a repository above tmp_path
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "00_a.ipynb").write_text(_nb_text(execution_count=2))
    stored = stored_notebooks(tmp_path)
    assert list(stored) == ["notebooks/00_a.ipynb"]
    assert any("execution_count" in p for p in notebook_problems(stored["notebooks/00_a.ipynb"]))
