"""Grade a whole class: one folder per student, one row per student.

``python -m course_lib.grading grade-batch SUBMISSIONS --out OUT [--only NAME]...
[--timeout S] [--jobs N] [--require-sandbox] [--[no-]progress]`` (or :func:`grade_batch`)
reads::

    SUBMISSIONS/<student>/exNN_slug.py      (folder name = student id)
    SUBMISSIONS/<student>.zip               (the same files, at the top or in one folder)

and writes::

    OUT/<folder>/results.json   Gradescope schema, as ``grade --report`` writes it
    OUT/<folder>/report.txt     the terminal table of ``grade``
    OUT/grades.csv              student, folder, one column per exercise (points), total,
                                max_total, failed_checks, error
    OUT/summary.json            per-check pass rates across the class, hardest first

Each student's files, and ``grades.csv``/``summary.json`` (with ``"complete": false``
until the last student), are written as soon as that student is graded, by the
thread that graded it: a batch that is stopped keeps every row it had. Students are
graded ``jobs`` at a time (threads; each exercise in its own sandboxed worker, see
:mod:`.sandbox`); a tqdm progress bar goes to stderr.

Every exercise of every student is graded by :func:`~.grader.grade_file` (its own
worker process, as for one learner). Nothing a submission contains stops the batch:
a missing file scores 0 ("not submitted"); an exercise whose grading raises scores 0
with the error; a student whose grading fails altogether still gets a row (score 0,
``error`` column) and the others go on.

Safety of the paths (the learner's *code* is contained by the worker, not here):

* ``<folder>`` is the student's folder name made safe by :func:`safe_folder_name`
  (letters, digits, ``._-`` only; never ``.``/``..`` or hidden; never ``grades.csv``
  or ``summary.json``; made unique), so no output is written outside ``OUT``.
* Symbolic links are refused, never followed: a symlinked student folder gets a row
  with every exercise 0 ("refused: ... symbolic link"), and so does a symlinked
  exercise file. Exercise files are opened with ``O_NOFOLLOW`` relative to the
  student folder's descriptor (no race with a link swapped in meanwhile), must be
  regular files of at most ``MAX_FILE_BYTES``, and are copied to a private
  temporary folder that is what the worker imports. Hard links are regular files and
  are read. Hidden entries (``.git``...), ``__MACOSX`` and plain files at the top level
  are skipped and listed in ``summary.json``; so is ``OUT`` if it lies inside
  ``SUBMISSIONS``.
* A ``.zip`` is read into memory and checked whole by :func:`zip_members` before
  anything is taken from it: an entry that escapes its folder, a symlink, a device,
  fifo or socket, too many entries or too many bytes unpacked refuse the archive
  (every exercise 0, the reason in the report); nothing is ever unpacked to disk
  except the exercise files, copied to the private staging folder.
* Text that reaches the CSV is neutralised against spreadsheet formula injection
  (a cell starting with ``= + - @`` gets a leading ``'``); names that are not valid
  UTF-8 are shown with U+FFFD.
"""
from __future__ import annotations

import csv
import errno
import io
import json
import os
import re
import shutil
import stat
import statistics
import sys
import tempfile
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from .grader import grade_file
from .registry import all_exercises, get_exercise
from .results import CheckResult, ExerciseResult, GradeReport

__all__ = ["grade_batch", "BatchResult", "StudentResult", "safe_folder_name",
           "MAX_FILE_BYTES"]

MAX_FILE_BYTES = 1 << 20                       # a learner's exercise file: 1 MiB at most
MAX_ZIP_BYTES = 16 << 20                       # a .zip submission, as stored
MAX_UNPACKED_BYTES = 16 << 20                  # ... and unpacked (all entries)
MAX_ZIP_ENTRIES = 1000
RESERVED = {"grades.csv", "summary.json"}      # OUT's own files
SKIPPED_NAMES = {"__MACOSX"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


# --- names ------------------------------------------------------------------------

def display_name(name):
    """``name`` as printable UTF-8 text (undecodable bytes become U+FFFD)."""
    return os.fsencode(name).decode("utf-8", "replace")


def student_label(name):
    """The student id of a submission: the folder's name, or the ``.zip``'s stem."""
    text = display_name(name)
    return text[:-4] if _is_zip_name(name) and len(text) > 4 else text


def safe_folder_name(name, taken=()):
    """A folder name for ``OUT`` derived from a student's folder ``name``.

    Runs of characters other than ``[A-Za-z0-9._-]`` become ``_`` (so no ``/``, no
    NUL, no newline), a leading ``.`` or ``-`` gets a ``_`` in front (so never ``.``,
    ``..``, hidden, or read as an option), the result is at most 100 characters, and
    never one of ``grades.csv``/``summary.json`` or a name in ``taken`` (``-2``, ``-3``,
    ... are appended; compared case-insensitively).
    """
    text = display_name(name)
    safe = _UNSAFE.sub("_", text).strip("_") or "_"
    if safe[0] in ".-":
        safe = "_" + safe
    safe = safe[:100]
    lowered = {t.lower() for t in taken} | RESERVED
    candidate, k = safe, 2
    while candidate.lower() in lowered:
        candidate = f"{safe}-{k}"
        k += 1
    return candidate


def _csv_cell(value):
    """Text for a CSV cell: no leading formula character (spreadsheet injection)."""
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


# --- results ----------------------------------------------------------------------

@dataclass
class StudentResult:
    """One student's grading: ``report`` (a :class:`GradeReport`), the folder it was
    written to, which exercises were submitted, and ``error`` (a student-level error
    message, ``None`` when the student was graded)."""

    student: str            # the folder name, as printable text
    folder: str             # the safe folder name under OUT
    report: GradeReport
    submitted: dict         # exercise name -> True (file graded) / False (missing/refused)
    error: str | None = None
    seconds: float = 0.0

    @property
    def score(self):
        return 0.0 if self.error else self.report.score

    def failed_checks(self):
        """Short text for the CSV, e.g. ``ex01_backtracking: uses_t0_c_beta,
        armijo_holds_at_result; ex01_minibatch: not submitted; ex01_gradient_descent:
        all checks (not_implemented)``."""
        if self.error:
            return "grader error"
        parts = []
        for e in self.report.exercises:
            if e.passed:
                continue
            statuses = {c.status for c in e.checks}
            if not self.submitted.get(e.name, False):
                why = (e.load_error or "not submitted").splitlines()[0].split(" (")[0]
            elif e.load_error:
                why = ("grader error" if e.load_error.startswith("grader error")
                       else "could not be imported")
            elif len(e.failed_checks) == len(e.checks) > 1:
                why = "all checks" + (f" ({statuses.pop()})" if len(statuses) == 1 else "")
            else:
                why = ", ".join(e.failed_checks)
            parts.append((e.name, why))
        if len(parts) == len(self.report.exercises) > 1 and \
                len({why for _, why in parts}) == 1 and parts[0][1].startswith("refused"):
            return parts[0][1]          # e.g. the whole folder was refused
        return "; ".join(f"{name}: {why}" for name, why in parts)


@dataclass
class BatchResult:
    """What :func:`grade_batch` did: one :class:`StudentResult` per student (sorted
    by name), the exercises graded, the skipped entries and the summary."""

    students: list
    exercises: list
    out_dir: Path
    skipped: list
    summary: dict
    seconds: float = 0.0

    @property
    def errors(self):
        return {s.student: s.error for s in self.students if s.error}


# --- reading a submission safely -------------------------------------------------

def _is_zip_name(name):
    return os.fsencode(name).lower().endswith(b".zip")


def _read_regular_file(dir_fd, fname, limit=MAX_FILE_BYTES):
    """``(bytes, None)`` or ``(None, reason)``; never follows a symlink, never blocks."""
    try:
        fd = os.open(fname, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | _O_CLOEXEC,
                     dir_fd=dir_fd)
    except FileNotFoundError:
        return None, "not submitted"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return None, (f"refused: {fname} is a symbolic link (the batch grades only "
                          "regular files inside the submission)")
        return None, f"refused: {fname} could not be opened ({exc.strerror})"
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None, f"refused: {fname} is not a regular file"
        if st.st_size > limit:
            return None, f"refused: {fname} is larger than {limit} bytes"
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            return None, f"refused: {fname} is larger than {limit} bytes"
        return b"".join(chunks), None
    except OSError as exc:
        return None, f"refused: {fname} could not be read ({exc.strerror})"
    finally:
        os.close(fd)


def zip_members(data, label):
    """The exercise files of a ``.zip`` submission, checked before anything is read.

    Returns ``({file name: bytes}, None)`` or ``(None, reason)``. The archive is
    refused whole (nothing is unpacked, nothing is written) if any entry has an
    absolute name, a ``..`` part, a backslash or drive letter, is a symbolic link,
    a device, fifo or socket, or if the entries are more than ``MAX_ZIP_ENTRIES``
    or unpack to more than ``MAX_UNPACKED_BYTES`` (as declared, and as read).
    Exercise files (``exNN_*.py``) are taken from the top level or from one folder
    at the top level; ``__MACOSX/`` and hidden entries are ignored."""
    import zipfile
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, RuntimeError, EOFError) as exc:
        return None, f"refused: {label} is not a readable .zip ({exc})"
    if len(infos) > MAX_ZIP_ENTRIES:
        return None, f"refused: {label} has {len(infos)} entries (at most {MAX_ZIP_ENTRIES})"
    total = 0
    for info in infos:
        name = info.filename
        parts = name.split("/")
        kind = stat.S_IFMT(info.external_attr >> 16)
        if name.startswith("/") or "\\" in name or "\0" in name or ":" in parts[0] \
                or ".." in parts:
            return None, (f"refused: {label}: entry {name!r} would land outside the "
                          "submission folder")
        if kind == stat.S_IFLNK:
            return None, f"refused: {label}: entry {name!r} is a symbolic link"
        if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            return None, f"refused: {label}: entry {name!r} is a device, fifo or socket"
        total += max(0, info.file_size)
        if total > MAX_UNPACKED_BYTES:
            return None, (f"refused: {label} unpacks to more than {MAX_UNPACKED_BYTES} "
                          "bytes")
    files = {}
    for info in infos:
        parts = [p for p in info.filename.split("/") if p]
        if info.is_dir() or not parts or parts[0] == "__MACOSX" or \
                any(p.startswith(".") for p in parts) or len(parts) > 2:
            continue
        fname = parts[-1]
        if not re.fullmatch(r"ex\d\d_\w+\.py", fname):
            continue
        try:
            with zf.open(info) as fh:
                body = fh.read(MAX_FILE_BYTES + 1)
        except (zipfile.BadZipFile, OSError, RuntimeError, EOFError,
                NotImplementedError) as exc:
            return None, f"refused: {label}: {info.filename!r} cannot be read ({exc})"
        if len(body) > MAX_FILE_BYTES or len(body) > info.file_size:
            return None, (f"refused: {label}: {info.filename!r} is larger than declared "
                          f"or than {MAX_FILE_BYTES} bytes")
        if fname in files:
            return None, f"refused: {label} holds {fname} twice"
        files[fname] = body
    return files, None


def _stage_zip(root, name, exercises, stage_dir):
    path = os.path.join(root, name)
    try:
        dfd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | _O_CLOEXEC)
    except OSError as exc:
        why = f"refused: the submissions folder could not be opened ({exc.strerror})"
        return {ex.name: why for ex in exercises}
    try:
        data, why = _read_regular_file(dfd, name, MAX_ZIP_BYTES)
    finally:
        os.close(dfd)
    if data is None:
        why = why.replace("not submitted", f"refused: {display_name(name)} vanished")
        return {ex.name: why for ex in exercises}
    files, why = zip_members(data, display_name(os.path.basename(path)))
    if files is None:
        return {ex.name: why for ex in exercises}
    status = {}
    for ex in exercises:
        body = files.get(f"{ex.name}.py")
        if body is not None:
            (Path(stage_dir) / f"{ex.name}.py").write_bytes(body)
        status[ex.name] = None if body is not None else "not submitted"
    return status


def _stage(root, name, exercises, stage_dir):
    """Copy the student's exercise files (a folder, or a ``.zip``) into ``stage_dir``.

    Returns ``{exercise: None (staged) or reason}``; a refused folder or archive
    makes every exercise refused."""
    if _is_zip_name(name) and not os.path.isdir(os.path.join(root, name)):
        return _stage_zip(root, name, exercises, stage_dir)
    try:
        dfd = os.open(os.path.join(root, name),
                      os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | _O_CLOEXEC)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            why = ("refused: the submission folder is a symbolic link"
                   if os.path.islink(os.path.join(root, name))
                   else "refused: the submission is not a folder")
        else:
            why = f"refused: the submission folder could not be opened ({exc.strerror})"
        return {ex.name: why for ex in exercises}
    try:
        status = {}
        for ex in exercises:
            fname = f"{ex.name}.py"
            data, why = _read_regular_file(dfd, fname)
            if data is not None:
                (Path(stage_dir) / fname).write_bytes(data)
            status[ex.name] = why
        return status
    finally:
        os.close(dfd)


def _zero_result(ex, path, message):
    r = ExerciseResult(ex.name, ex.title, path, load_error=message)
    r.checks = [CheckResult(ex.name, c.name, 0.0, c.points, "error", message, None,
                            c.description) for c in ex.checks]
    return r


def _relabel(result, stage_dir, label):
    """Show the student's folder, not the private staging folder, in messages."""
    def fix(text):
        return text.replace(stage_dir, label) if isinstance(text, str) else text
    result.load_error = fix(result.load_error)
    result.output = fix(result.output)
    for c in result.checks:
        c.message = fix(c.message)
    return result


def _grade_student(root, name, exercises, timeout, limits):
    """Grade one student's folder; returns ``(GradeReport, submitted)``."""
    label = student_label(name)
    start = time.monotonic()
    stage_dir = tempfile.mkdtemp(prefix="course-batch-")
    try:
        status = _stage(root, name, exercises, stage_dir)
        results, submitted = [], {}
        for ex in exercises:
            shown = f"{label}/{ex.name}.py"
            why = status[ex.name]
            submitted[ex.name] = why is None
            if why is not None:
                if why == "not submitted":
                    why = f"not submitted (no file {ex.name}.py)"
                results.append(_zero_result(ex, shown, why))
                continue
            try:
                r = grade_file(ex, Path(stage_dir) / f"{ex.name}.py", timeout=timeout,
                               limits=limits)
            except Exception as exc:        # the grader's fault: this exercise only
                r = _zero_result(ex, shown, f"grader error (not the student's fault): "
                                            f"{type(exc).__name__}: {exc}")
            r.path = shown
            results.append(_relabel(r, stage_dir, label))
        return GradeReport(results, label, time.monotonic() - start), submitted
    finally:
        shutil.rmtree(stage_dir, ignore_errors=True)


# --- writing ---------------------------------------------------------------------

def _inside(path, out_dir):
    return os.path.realpath(path).startswith(os.path.realpath(out_dir) + os.sep)


def _write_text(path, text, out_dir):
    """Write atomically, and only inside ``out_dir`` (checked after resolving)."""
    path = Path(path)
    if not _inside(path, out_dir):
        raise RuntimeError(f"refusing to write outside {out_dir}: {path}")
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _write_student(res, out_dir):
    folder = Path(out_dir) / res.folder
    if not _inside(folder, out_dir) or folder.is_symlink():
        raise RuntimeError(f"refusing to write outside {out_dir}: {folder}")
    folder.mkdir(exist_ok=True)
    if res.error:
        data = {"score": 0.0, "max_score": res.report.max_score, "execution_time":
                round(res.seconds, 3), "output": "grader error:\n" + res.error,
                "tests": [], "extra_data": {"student": res.student}}
        table = f"{res.student}: grader error (score 0)\n{res.error}\n"
    else:
        data = res.report.to_gradescope()
        data["extra_data"]["student"] = res.student
        table = f"Student: {res.student}\n\n{res.report.table()}"
    _write_text(folder / "results.json",
                json.dumps(data, indent=2, allow_nan=False) + "\n", out_dir)
    _write_text(folder / "report.txt", table, out_dir)


def _csv_text(students, exercises):
    buf = io.StringIO()
    w = csv.writer(buf, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    names = [ex.name for ex in exercises]
    max_total = sum(ex.max_score for ex in exercises)
    w.writerow(["student", "folder", *names, "total", "max_total", "failed_checks",
                "error"])
    for s in students:
        if s.error:
            points = [0.0] * len(names)
        else:
            points = [float(s.report[n].score) for n in names]
        error = (s.error or "").strip().splitlines()
        w.writerow([_csv_cell(s.student), s.folder, *points, float(s.score),
                    float(max_total), _csv_cell(s.failed_checks()),
                    _csv_cell(error[-1][:300] if error else "")])
    return buf.getvalue()


def summarize(students, exercises, skipped=(), seconds=0.0):
    """Class statistics: per exercise and per check, hardest checks first.

    For each check, ``pass_rate`` = students who passed it / students graded (those
    without a student-level error), and ``pass_rate_submitted`` = the same among the
    students who submitted that exercise; ``statuses`` counts ``passed``, ``failed``,
    ``timeout``, ``error``, ``not_implemented`` and ``not_submitted`` (missing or
    refused file).
    """
    graded = [s for s in students if not s.error]
    n = len(graded)
    checks, per_exercise = [], {}
    for ex in exercises:
        sub = [s for s in graded if s.submitted.get(ex.name)]
        scores = [s.report[ex.name].score for s in graded]
        per_exercise[ex.name] = {
            "title": ex.title, "max_score": ex.max_score, "submitted": len(sub),
            "full_marks": sum(1 for s in graded if s.report[ex.name].passed),
            "mean_score": round(statistics.fmean(scores), 4) if scores else None}
        for c in ex.checks:
            counts = {"passed": 0, "failed": 0, "timeout": 0, "error": 0,
                      "not_implemented": 0, "not_submitted": 0}
            for s in graded:
                if not s.submitted.get(ex.name):
                    counts["not_submitted"] += 1
                    continue
                status = next(r.status for r in s.report[ex.name].checks
                              if r.name == c.name)
                counts[status] = counts.get(status, 0) + 1
            passed = counts["passed"]
            checks.append({
                "exercise": ex.name, "check": c.name, "points": c.points,
                "description": c.description, "passed": passed, "graded": n,
                "submitted": len(sub),
                "pass_rate": round(passed / n, 4) if n else None,
                "pass_rate_submitted": round(passed / len(sub), 4) if sub else None,
                "statuses": counts})
    checks.sort(key=lambda d: (d["pass_rate"] if d["pass_rate"] is not None else 2.0,
                               d["exercise"], d["check"]))
    totals = [s.score for s in graded]
    return {
        "students": len(students), "graded": n,
        "grader_errors": {s.student: s.error for s in students if s.error},
        "max_total": sum(ex.max_score for ex in exercises),
        "total": ({"mean": round(statistics.fmean(totals), 4),
                   "median": statistics.median(totals), "min": min(totals),
                   "max": max(totals)} if totals else None),
        "exercises": per_exercise,
        "checks": checks,
        "skipped": list(skipped),
        "seconds": round(seconds, 3),
    }


# --- the batch -------------------------------------------------------------------

def _list_students(root, out_dir):
    """``(names, skipped)``: candidate student folders (symlinks included: they are
    refused later, with a row) and the entries that are not students."""
    names, skipped = [], []
    out_real = os.path.realpath(out_dir)
    with os.scandir(root) as it:
        entries = sorted(it, key=lambda e: os.fsencode(e.name))
    for entry in entries:
        shown = display_name(entry.name)
        if entry.name.startswith(".") or entry.name in SKIPPED_NAMES:
            skipped.append(f"{shown} (hidden or archive metadata)")
        elif entry.is_symlink():
            names.append(entry.name)
        elif entry.is_file(follow_symlinks=False) and _is_zip_name(entry.name):
            names.append(entry.name)
        elif not entry.is_dir(follow_symlinks=False):
            skipped.append(f"{shown} (not a folder)")
        elif os.path.realpath(entry.path) == out_real:
            skipped.append(f"{shown} (the output folder)")
        else:
            names.append(entry.name)
    return names, skipped


def grade_batch(submissions_dir, out_dir, *, only=None, timeout=None, limits=None,
                jobs=1, progress=None):
    """Grade every student folder of ``submissions_dir``; write the results to ``out_dir``.

    Parameters
    ----------
    submissions_dir : path  one folder per student (folder name = student id), each
        holding ``exNN_slug.py`` files
    out_dir : path  created if needed; receives ``<folder>/results.json``,
        ``<folder>/report.txt``, ``grades.csv`` and ``summary.json``
    only : str or list of str, optional  grade only these exercises
    timeout : float, optional  wall-clock seconds per call of a learner's function
    limits : Limits, optional
    jobs : int  students graded in parallel (each exercise still has its own worker)
    progress : bool, optional  tqdm progress bar (default: when stdout is a terminal)

    Returns
    -------
    BatchResult
    """
    from .._validation import check_int
    jobs = check_int(jobs, "jobs", "grade_batch", low=1)
    start = time.monotonic()
    root = os.fspath(submissions_dir)
    if not os.path.isdir(root):
        raise FileNotFoundError(f"no submissions folder {root}")
    if only is None:
        exercises = all_exercises()
    else:
        exercises = [get_exercise(n) for n in ([only] if isinstance(only, str) else only)]
    out_dir = Path(out_dir)
    if os.path.realpath(out_dir) == os.path.realpath(root):
        raise ValueError(f"the output folder must not be the submissions folder: {root}")
    out_dir.mkdir(parents=True, exist_ok=True)
    names, skipped = _list_students(root, out_dir)

    taken, folders = set(), {}
    for name in names:
        folders[name] = safe_folder_name(student_label(name), taken)
        taken.add(folders[name])

    def one(name):
        t0 = time.monotonic()
        label = student_label(name)
        try:
            report, submitted = _grade_student(root, name, exercises, timeout, limits)
            res = StudentResult(label, folders[name], report, submitted)
        except Exception as exc:        # a grader bug: a row with the error, go on
            err = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=-4)}"
            empty = GradeReport([_zero_result(ex, f"{label}/{ex.name}.py", "grader error")
                                 for ex in exercises], label)
            res = StudentResult(label, folders[name], empty,
                                {ex.name: False for ex in exercises}, err)
        res.seconds = time.monotonic() - t0
        try:
            _write_student(res, out_dir)
        except Exception as exc:
            res.error = (res.error or "") + f"\nwriting the results failed: {exc}"
        try:
            record(name, res)
        except Exception as exc:
            res.error = (res.error or "") + f"\nwriting grades.csv failed: {exc}"
        return res

    results = {}
    lock = threading.Lock()

    def record(name, res):
        """Keep ``res`` and rewrite grades.csv and summary.json at once (from the
        thread that graded it): whatever happens later, the students graded so far
        keep their rows."""
        with lock:
            if name is not None:
                results[name] = res
            done = [results[n] for n in names if n in results]
            summary = summarize(done, exercises, skipped, time.monotonic() - start)
            summary["complete"] = len(done) == len(names)
            _write_text(out_dir / "grades.csv", _csv_text(done, exercises), out_dir)
            _write_text(out_dir / "summary.json",
                        json.dumps(summary, indent=2, allow_nan=False) + "\n", out_dir)
            return summary

    from .runner import preimport
    from .sandbox import check
    preimport()
    check(getattr(limits, "require_sandbox", False))
    if progress is None:
        progress = sys.stderr.isatty()
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=len(names), unit="student", desc="grading", file=sys.stderr)
    try:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(one, name) for name in names]
            for fut in as_completed(futures):
                fut.result()
                if bar is not None:
                    bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    summary = record(None, None)    # the final files (also for an empty class)
    students = [results[name] for name in names]
    seconds = time.monotonic() - start
    return BatchResult(students, exercises, out_dir, skipped, summary, seconds)
