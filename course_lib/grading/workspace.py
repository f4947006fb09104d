"""The learner's workspace ``exercises/``: created from ``stubs/``, never overwritten.

* :func:`sync_exercises` copies each stub that is missing from ``exercises/``.
  An existing file is never touched; if the stub changed since the file was
  created, it says so (and how to take the new stub).
* :func:`reset_exercise` restores one file from its stub after saving the
  learner's version as ``exercises/<name>.py.bak`` (``.2.bak``, ... if taken).

``exercises/.stubs.json`` remembers the hash of the stub each file was created
from, to tell "you edited it" from "the stub changed".
"""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

__all__ = ["sync_exercises", "reset_exercise", "ensure_exercise", "stub_names",
           "build_student_release", "RELEASE_EXCLUDES"]

#: what a student copy of the course leaves out: the solutions, and everything that
#: holds or reveals them (the tests and their correct fixtures, CI)
RELEASE_EXCLUDES = ("solutions", "tests", "tests_browser", ".ci")

MANIFEST = ".stubs.json"


def _dirs(stubs_dir, exercises_dir):
    from ..paths import EXERCISES, STUBS
    return Path(stubs_dir or STUBS), Path(exercises_dir or EXERCISES)


def _hash(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _manifest(exercises_dir):
    p = exercises_dir / MANIFEST
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _save_manifest(exercises_dir, data):
    p = exercises_dir / MANIFEST
    try:
        p.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    except OSError:
        pass


def stub_names(stubs_dir=None):
    """Exercise names that have a stub file ``exNN_*.py`` in ``stubs_dir``, sorted."""
    stubs, _ = _dirs(stubs_dir, None)
    return sorted(p.stem for p in stubs.glob("ex[0-9][0-9]_*.py"))


def _normalise(name):
    name = Path(str(name)).name
    return name[:-3] if name.endswith(".py") else name


def _copy_new(stub, target, manifest, exercises_dir):
    """Copy ``stub`` to ``target`` only if ``target`` does not exist (atomic 'x' mode)."""
    data = stub.read_bytes()
    try:
        with open(target, "xb") as fh:
            fh.write(data)
    except FileExistsError:
        return False
    manifest[target.stem] = hashlib.sha256(data).hexdigest()
    _save_manifest(exercises_dir, manifest)
    return True


def sync_exercises(stubs_dir=None, exercises_dir=None, names=None):
    """Create the missing exercise files from the stubs; never overwrite one.

    Returns a list of ``(name, action, message)`` with ``action`` one of
    ``"created"``, ``"unchanged"``, ``"edited"`` (yours, kept), ``"stub-changed"``
    (kept; the stub is newer).
    """
    stubs, exercises = _dirs(stubs_dir, exercises_dir)
    exercises.mkdir(parents=True, exist_ok=True)
    manifest = _manifest(exercises)
    report = []
    wanted = stub_names(stubs) if names is None else [_normalise(n) for n in names]
    for name in wanted:
        stub, target = stubs / f"{name}.py", exercises / f"{name}.py"
        if not stub.exists():
            report.append((name, "missing-stub", f"no stub stubs/{name}.py"))
            continue
        rel = f"{exercises.name}/{name}.py"
        if _copy_new(stub, target, manifest, exercises):
            report.append((name, "created", f"created {rel} from the stub"))
            continue
        mine, theirs = _hash(target), _hash(stub)
        origin = manifest.get(name)
        if mine == theirs:
            if origin != theirs:
                manifest[name] = theirs
                _save_manifest(exercises, manifest)
            report.append((name, "unchanged", f"{rel} is the unedited stub"))
        elif origin is not None and origin == theirs:
            report.append((name, "edited", f"{rel}: kept (you have edited it)"))
        elif origin is not None and mine == origin:
            report.append((name, "stub-changed",
                           f"{rel}: the stub has been updated since this file was created "
                           f"and you have not edited it; kept as is. Take the new version "
                           f"with `make reset EX={name}`."))
        else:
            report.append((name, "stub-changed",
                           f"{rel}: kept your file; it differs from stubs/{name}.py, which "
                           f"may have changed since you started. Compare them, or run "
                           f"`make reset EX={name}` (your file is saved as a .bak)."))
    return report


def _backup_path(target):
    candidate = target.with_name(target.name + ".bak")
    k = 2
    while candidate.exists():
        candidate = target.with_name(f"{target.name}.{k}.bak")
        k += 1
    return candidate


def reset_exercise(name, stubs_dir=None, exercises_dir=None):
    """Restore ``exercises/<name>.py`` from its stub; keep the learner's file as a .bak.

    Returns a message saying what was done. Raises ``KeyError`` for an unknown name.
    """
    stubs, exercises = _dirs(stubs_dir, exercises_dir)
    name = _normalise(name)
    stub, target = stubs / f"{name}.py", exercises / f"{name}.py"
    if not stub.exists():
        raise KeyError(f"no exercise named {name!r}; known: {', '.join(stub_names(stubs))}")
    exercises.mkdir(parents=True, exist_ok=True)
    manifest = _manifest(exercises)
    rel = f"{exercises.name}/{name}.py"
    message = ""
    if target.exists():
        if _hash(target) == _hash(stub):
            manifest[name] = _hash(stub)
            _save_manifest(exercises, manifest)
            return f"{rel} already equals the stub; nothing to do"
        backup = _backup_path(target)
        shutil.copy2(target, backup)
        message = f"saved your file as {exercises.name}/{backup.name}; "
    tmp = target.with_name(target.name + ".tmp-reset")
    shutil.copyfile(stub, tmp)
    tmp.replace(target)
    manifest[name] = _hash(stub)
    _save_manifest(exercises, manifest)
    return message + f"restored {rel} from stubs/{name}.py"


def ensure_exercise(name, stubs_dir=None, exercises_dir=None):
    """Path of ``exercises/<name>.py``, created from the stub first if missing."""
    stubs, exercises = _dirs(stubs_dir, exercises_dir)
    name = _normalise(name)
    target = exercises / f"{name}.py"
    if not target.exists() and (stubs / f"{name}.py").exists():
        exercises.mkdir(parents=True, exist_ok=True)
        _copy_new(stubs / f"{name}.py", target, _manifest(exercises), exercises)
    return target


def _release_files(root):
    """The course's files: ``git ls-files`` in a checkout, else a walk that skips
    build outputs and hidden folders."""
    import subprocess
    try:
        out = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "--cached", "--others",
                              "--exclude-standard"], capture_output=True,
                             timeout=60, check=True).stdout
        return [p for p in out.decode().split("\0") if p]
    except (OSError, subprocess.SubprocessError):
        skip = {".venv", "build", "__pycache__", ".pytest_cache", ".git"}
        return [str(p.relative_to(root)) for p in Path(root).rglob("*")
                if p.is_file() and not skip & set(p.relative_to(root).parts)
                and not p.name.endswith(".egg-info")]


def build_student_release(out, root=None):
    """Copy the course without its solutions into ``out`` (which must not exist).

    Leaves out every path under :data:`RELEASE_EXCLUDES`, and refuses to finish if a
    file of the copy equals a solution file byte for byte. Grading needs none of
    what is left out: the checks compute their references with ``course_lib``.
    Returns the list of files copied (relative paths)."""
    from ..paths import REPO_ROOT, SOLUTIONS
    root = Path(root or REPO_ROOT)
    out = Path(out)
    if out.exists():
        raise FileExistsError(f"build_student_release: the output folder {out} already "
                              "exists; remove it or choose another")
    solutions = {_hash(p) for p in Path(SOLUTIONS).glob("*.py")} if \
        Path(SOLUTIONS).is_dir() else set()
    copied = []
    for rel in sorted(_release_files(root)):
        if Path(rel).parts[0] in RELEASE_EXCLUDES or not (root / rel).is_file():
            continue
        if _hash(root / rel) in solutions:
            raise RuntimeError(f"build_student_release: {rel} is a copy of a solution")
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / rel, target)
        copied.append(rel)
    return copied
