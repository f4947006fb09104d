"""Batch grading of a class (``grade-batch``): one row per student whatever the
submissions contain, scores that agree with the registry's points, valid
Gradescope JSON per student, class pass rates, and nothing written outside OUT.

Expected scores are derived from the registry (max points per exercise/check) and
from what each folder was built with -- never from the batch's own output."""
from __future__ import annotations

import csv
import json
import os
import re
import shutil
import tempfile
import textwrap
from pathlib import Path

import pytest

from exercise_points import EXPECTED_TOTAL
from course_lib.grading import all_exercises, get_exercise
from course_lib.grading import batch as batch_mod
from course_lib.grading.__main__ import main as cli
from course_lib.grading.batch import safe_folder_name
from course_lib.paths import SOLUTIONS, STUBS

WRONG = Path(__file__).parent / "fixtures" / "wrong"
CAROL_WRONG = WRONG / "ex01_backtracking" / "ignores_c.py"
ODD = '=HYPERLINK("x"), José O\'Brien;\n rm -rf ~'
NON_UTF8 = b"\xfe\xff student"           # not valid UTF-8
DOTTED = b"..\xff"                       # hidden (starts with "."): skipped, and listed
EXERCISES = [e.name for e in all_exercises()]     # alice solves all, bob submits the stubs


def _fails(path):
    """The FAILS = {...} set a wrong fixture declares."""
    import ast
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "FAILS":
            return set(ast.literal_eval(node.value))
    raise AssertionError(f"{path} declares no FAILS set")


def _snapshot(root, exclude):
    """Every path under ``root`` (except ``exclude``) with its bytes or link target."""
    out, skip = {}, os.fsencode(exclude)
    for dirpath, dirnames, filenames in os.walk(os.fsencode(root)):
        dirnames[:] = [d for d in dirnames if os.path.join(dirpath, d) != skip]
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            if os.path.islink(p):
                out[p] = ("link", os.readlink(p))
            elif os.path.isfile(p):
                out[p] = ("file", Path(os.fsdecode(p)).read_bytes())
            else:
                out[p] = ("dir", None)
    return out


def _write(path, text):
    Path(path).write_text(textwrap.dedent(text))


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    all_exercises()     # the registry, loaded before any thread starts
    root = tmp_path_factory.mktemp("batch")
    subs, out, outside = root / "submissions", root / "out", root / "outside"
    outside.mkdir()
    for name in EXERCISES:                       # correct code, outside the submissions
        shutil.copy(SOLUTIONS / f"{name}.py", outside / f"{name}.py")
    (outside / "secret.txt").write_text("not for the grader")

    for student in ("alice", "bob", "carol", "mallory", ODD, "grades.csv"):
        (subs / student).mkdir(parents=True)
    for name in EXERCISES:
        shutil.copy(SOLUTIONS / f"{name}.py", subs / "alice" / f"{name}.py")
        shutil.copy(STUBS / f"{name}.py", subs / "bob" / f"{name}.py")
    shutil.copy(CAROL_WRONG, subs / "carol" / "ex01_backtracking.py")
    shutil.copy(SOLUTIONS / "ex01_gradient_descent.py", subs / "carol")
    # mallory: an endless loop in the only function of ex01_backtracking, os._exit at
    # import in ex01_gradient_descent, a correct ex01_minibatch
    _write(subs / "mallory" / "ex01_backtracking.py", """
        def backtracking(f, grad_fx, x, t0=1.0, c=1e-4, beta=0.5):
            while True:
                pass
        """)
    _write(subs / "mallory" / "ex01_gradient_descent.py", """
        import os
        os._exit(7)
        """)
    shutil.copy(SOLUTIONS / "ex01_minibatch.py", subs / "mallory")
    # the odd name: a correct file, plus a symlink to a correct file outside (refused)
    shutil.copy(SOLUTIONS / "ex01_minibatch.py", subs / ODD)
    os.symlink(outside / "ex01_backtracking.py", subs / ODD / "ex01_backtracking.py")
    os.symlink(outside, subs / "trudy")                  # a symlinked student folder
    os.mkdir(os.fsencode(subs) + b"/" + NON_UTF8)        # empty, odd bytes
    os.mkdir(os.fsencode(subs) + b"/" + DOTTED)
    (subs / "notes.txt").write_text("not a student")
    (subs / ".git").mkdir()

    before = _snapshot(root, out)
    private_tmp = tmp_path_factory.mktemp("private-tmp")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tempfile, "tempdir", str(private_tmp))
        rc = cli(["grade-batch", str(subs), "--out", str(out), "--timeout", "5",
                  "--jobs", "2"])
    after = _snapshot(root, out)
    with open(out / "grades.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return {"rc": rc, "root": root, "out": out, "subs": subs, "rows": rows,
            "before": before, "after": after, "private_tmp": private_tmp,
            "summary": json.loads((out / "summary.json").read_text())}


def _expected():
    """Expected points per student and exercise, from the registry's points."""
    ex = {e.name: e for e in all_exercises()}
    full = {n: ex[n].max_score for n in EXERCISES}
    zero = dict.fromkeys(EXERCISES, 0.0)
    carol_lost = sum(ex["ex01_backtracking"].get_check(c).points for c in _fails(CAROL_WRONG))
    return {
        "alice": dict(full),
        "bob": dict(zero),
        "carol": {**zero, "ex01_backtracking": full["ex01_backtracking"] - carol_lost,
                  "ex01_gradient_descent": full["ex01_gradient_descent"]},
        "mallory": {**zero, "ex01_minibatch": full["ex01_minibatch"]},
        "'" + ODD: {**zero, "ex01_minibatch": full["ex01_minibatch"]},
        "grades.csv": dict(zero),
        "trudy": dict(zero),
        "\ufffd\ufffd student": dict(zero),
    }


def test_every_student_has_a_row_with_the_expected_points(batch):
    assert batch["rc"] == 0
    rows = {r["student"]: r for r in batch["rows"]}
    expected = _expected()
    assert set(rows) == set(expected)
    assert len(batch["rows"]) == len(expected)
    max_total = sum(e.max_score for e in all_exercises())
    assert max_total == EXPECTED_TOTAL  # the hand-written table tests/exercise_points.txt
    for student, points in expected.items():
        row = rows[student]
        got = {n: float(row[n]) for n in EXERCISES}
        assert got == points, student
        assert float(row["total"]) == sum(points.values()), student
        assert float(row["max_total"]) == max_total
        assert row["error"] == ""
    assert float(rows["alice"]["total"]) == max_total
    assert float(rows["carol"]["total"]) < max_total - get_exercise("ex01_minibatch").max_score

    failed = {s: rows[s]["failed_checks"] for s in rows}
    assert failed["alice"] == ""
    assert all(c in failed["carol"] for c in _fails(CAROL_WRONG))
    assert "ex01_minibatch: not submitted" in failed["carol"]
    assert "ex01_gradient_descent" not in failed["carol"]
    assert "ex01_backtracking: all checks (timeout)" in failed["mallory"]
    assert "ex01_gradient_descent: could not be imported" in failed["mallory"]
    assert "symbolic link" in failed["'" + ODD] and "ex01_minibatch" not in failed["'" + ODD]
    assert "refused" in failed["trudy"] and "symbolic link" in failed["trudy"]
    assert failed["bob"].count("not_implemented") == len(EXERCISES)


def test_output_folders_are_safe_and_complete(batch):
    out = batch["out"]
    rows = batch["rows"]
    folders = [r["folder"] for r in rows]
    assert len(set(folders)) == len(folders)
    for f in folders:
        assert re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9._-]*", f), f
        assert f not in ("grades.csv", "summary.json")
    written = {os.path.relpath(os.path.join(d, n), out)
               for d, _, names in os.walk(out) for n in names}
    assert written == ({"grades.csv", "summary.json"}
                       | {f"{f}/{n}" for f in folders for n in ("results.json",
                                                                "report.txt")})
    assert not any(os.path.islink(os.path.join(d, n))
                   for d, dirs, names in os.walk(out) for n in dirs + names)
    # nothing outside OUT changed or appeared, and the private temp folders are gone
    assert batch["after"] == batch["before"]
    assert list(batch["private_tmp"].iterdir()) == []


def test_results_json_is_gradescope_and_agrees_with_the_csv(batch):
    ex = {e.name: e for e in all_exercises()}
    n_checks = sum(len(e.checks) for e in ex.values())
    for row in batch["rows"]:
        folder = batch["out"] / row["folder"]
        data = json.loads((folder / "results.json").read_text())
        assert data["score"] == float(row["total"])
        assert data["max_score"] == sum(e.max_score for e in ex.values())
        assert len(data["tests"]) == n_checks
        for t in data["tests"]:
            assert set(t) >= {"name", "score", "max_score", "status", "output"}
            exercise, check = t["name"].split(": ")
            assert t["max_score"] == ex[exercise].get_check(check).points
            assert t["status"] in ("passed", "failed")
            assert t["score"] == (t["max_score"] if t["status"] == "passed" else 0)
        assert sum(t["score"] for t in data["tests"]) == data["score"]
        report = (folder / "report.txt").read_text()
        assert f"Total: {float(row['total']):g} / {data['max_score']:g} points" in report
    mallory = json.loads((batch["out"] / "mallory" / "results.json").read_text())
    text = json.dumps(mallory)
    assert "did not return within 5 s" in text and "exited with code 7" in text
    assert "course-batch-" not in text            # the staging folder is not shown


def test_summary_pass_rates(batch):
    summary = batch["summary"]
    graded = len(_expected())
    assert summary["students"] == summary["graded"] == graded
    assert summary["grader_errors"] == {}
    assert {s.split(" (")[0] for s in summary["skipped"]} == {".git", "notes.txt",
                                                             "..\ufffd"}
    # who passes each check, from how the folders were built
    carol_fails = _fails(CAROL_WRONG)
    passes = {}
    for e in all_exercises():
        for c in e.checks:
            n = 1                                                     # alice
            if e.name == "ex01_backtracking" and c.name not in carol_fails:
                n += 1                                                # carol
            if e.name == "ex01_gradient_descent":
                n += 1                                                # carol
            if e.name == "ex01_minibatch":
                n += 2                                                # mallory, ODD
            passes[(e.name, c.name)] = n
    got = {(c["exercise"], c["check"]): c for c in summary["checks"]}
    assert set(got) == set(passes)
    for key, n in passes.items():
        assert got[key]["passed"] == n, key
        assert got[key]["pass_rate"] == pytest.approx(n / graded, abs=1e-4)
    rates = [c["pass_rate"] for c in summary["checks"]]
    assert rates == sorted(rates)                                     # hardest first
    hardest = summary["checks"][0]
    assert (hardest["exercise"], hardest["check"]) in {
        ("ex01_backtracking", c) for c in carol_fails}
    # statuses: mallory's backtracking timed out, bob's stubs are not implemented
    bt = got[("ex01_backtracking", "matches_reference")]["statuses"]
    assert bt["timeout"] == 1 and bt["not_implemented"] == 1
    assert bt["not_submitted"] == graded - 4     # alice, bob, carol, mallory submitted
    assert summary["exercises"]["ex01_minibatch"]["full_marks"] == 3


def test_a_grader_error_costs_one_row_not_the_batch(tmp_path, monkeypatch):
    subs, out = tmp_path / "subs", tmp_path / "out"
    for student in ("ann", "ben", "cyd"):
        (subs / student).mkdir(parents=True)
        shutil.copy(SOLUTIONS / "ex01_minibatch.py", subs / student)
    real_student, real_file = batch_mod._grade_student, batch_mod.grade_file

    def broken_student(root, name, *args, **kwargs):
        if name == "ben":
            raise RuntimeError("the grader broke on ben")
        return real_student(root, name, *args, **kwargs)

    def broken_file(exercise, path, **kwargs):
        if "ex01_minibatch" in str(path) and broken_file.calls == 0:
            broken_file.calls += 1
            raise OSError("disk on fire")
        return real_file(exercise, path, **kwargs)
    broken_file.calls = 0

    monkeypatch.setattr(batch_mod, "_grade_student", broken_student)
    monkeypatch.setattr(batch_mod, "grade_file", broken_file)
    # one job: the broken first grade_file call must be ann's (students run in order)
    rc = cli(["grade-batch", str(subs), "--out", str(out), "--only", "ex01_minibatch",
              "--jobs", "1"])
    assert rc == 3                       # finished, but says a grader error happened
    with open(out / "grades.csv", newline="", encoding="utf-8") as fh:
        rows = {r["student"]: r for r in csv.DictReader(fh)}
    full = get_exercise("ex01_minibatch").max_score
    assert list(rows) == ["ann", "ben", "cyd"]
    assert set(rows["ann"]) == {"student", "folder", "ex01_minibatch", "total", "max_total",
                                "failed_checks", "error"}
    # ann's exercise hit the grader error (0, said so), ben's whole grading failed
    assert float(rows["ann"]["total"]) == 0
    assert rows["ann"]["failed_checks"] == "ex01_minibatch: grader error"
    assert float(rows["ben"]["total"]) == 0 and "the grader broke on ben" in rows["ben"]["error"]
    assert float(rows["cyd"]["total"]) == full and rows["cyd"]["error"] == ""
    ben = json.loads((out / "ben" / "results.json").read_text())
    assert ben["score"] == 0 and "the grader broke on ben" in ben["output"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["graded"] == 2 and list(summary["grader_errors"]) == ["ben"]
    assert all(c["pass_rate"] == 0.5 for c in summary["checks"])


@pytest.mark.parametrize("name", ["../x", "..", ".", "", "-rf", ".hidden", "a/../../b",
                                  "x\ny", "grades.csv", "SUMMARY.json", "\udcff", "é" * 300])
def test_safe_folder_name_stays_inside(tmp_path, name):
    safe = safe_folder_name(name, taken={"x_y"})
    assert re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,110}", safe), safe
    assert safe.lower() not in ("grades.csv", "summary.json", "x_y")
    assert (tmp_path / safe).resolve().parent == tmp_path.resolve()


def test_bad_arguments(tmp_path, capsys):
    assert cli(["grade-batch", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]) == 2
    assert cli(["grade-batch", str(tmp_path), "--out", str(tmp_path / "o"),
                "--only", "ex99_nothing"]) == 2
    assert cli(["grade-batch", str(tmp_path), "--out", str(tmp_path / "o"),
                "--jobs", "0"]) == 2
    assert cli(["grade-batch", str(tmp_path), "--out", str(tmp_path)]) == 2
    assert not (tmp_path / "o").exists() and list(tmp_path.iterdir()) == []
    assert "no exercise named 'ex99_nothing'" in capsys.readouterr().err


# --- .zip submissions --------------------------------------------------------------

def _zip(path, entries):
    """Write a zip; ``entries`` is a list of (name, bytes, unix mode or None)."""
    import stat
    import zipfile
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data, mode in entries:
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = ((mode if mode is not None else stat.S_IFREG | 0o644)
                                  << 16)
            zf.writestr(info, data)
    return path


def _solution(name):
    return (SOLUTIONS / f"{name}.py").read_bytes()


BAD_ZIPS = {
    "parent_dir": ([("../ex01_backtracking.py", b"x = 1\n", None)], "outside"),
    "absolute": ([("/tmp/ex01_backtracking.py", b"x = 1\n", None)], "outside"),
    "backslash": ([("..\\ex01_backtracking.py", b"x = 1\n", None)], "outside"),
    "symlink": ([("ex01_backtracking.py", b"/etc/passwd", 0o120777)], "symbolic link"),
    "device": ([("ex01_backtracking.py", b"", 0o020644)], "device"),
    "fifo": ([("pipe", b"", 0o010644)], "device, fifo or socket"),
    "too_big": ([("ex01_backtracking.py", b"#" * (1 << 20), None)] * 1
                + [(f"pad{i}.bin", b"\0" * (1 << 20), None) for i in range(17)],
                "unpacks to more than"),
}


@pytest.mark.parametrize("case", sorted(BAD_ZIPS))
def test_a_bad_zip_is_refused_whole_and_never_unpacked(tmp_path, case):
    entries, why = BAD_ZIPS[case]
    entries = entries + [("ex01_minibatch.py", _solution("ex01_minibatch"), None)]
    subs, out = tmp_path / "subs", tmp_path / "out"
    subs.mkdir()
    _zip(subs / "mallory.zip", entries)
    result = batch_mod.grade_batch(subs, out, progress=False)
    (student,) = result.students
    assert student.student == "mallory" and student.score == 0
    for e in student.report.exercises:      # the good file inside is not graded either
        assert e.score == 0 and why in e.load_error and "refused" in e.load_error
    data = json.loads((out / student.folder / "results.json").read_text())
    assert data["score"] == 0 and why in data["tests"][0]["output"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "subs"]
    assert not (tmp_path / "ex01_backtracking.py").exists()
    # grade --dir on the zip refuses the same way, with a zero report
    report = tmp_path / "r.json"
    assert cli(["grade", "--dir", str(subs / "mallory.zip"), "--report", str(report)]) == 0
    data = json.loads(report.read_text())
    assert data["score"] == 0 and why in data["tests"][0]["output"]


def test_a_good_zip_is_graded_like_a_folder(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    subs.mkdir()
    _zip(subs / "alice.zip", [(f"{n}.py", _solution(n), None) for n in EXERCISES])
    _zip(subs / "bob.zip", [("bob/", b"", 0o040755),
                            ("bob/ex01_minibatch.py", _solution("ex01_minibatch"), None),
                            ("__MACOSX/bob/._ex01_minibatch.py", b"junk", None),
                            ("bob/notes.txt", b"hello", None)])
    (subs / "notes.txt").write_text("not a submission")
    result = batch_mod.grade_batch(subs, out, progress=False)
    got = {s.student: s for s in result.students}
    max_total = sum(get_exercise(n).max_score for n in EXERCISES)
    assert set(got) == {"alice", "bob"}
    assert got["alice"].score == max_total
    assert got["bob"].score == get_exercise("ex01_minibatch").max_score
    assert got["bob"].submitted == {n: n == "ex01_minibatch" for n in EXERCISES}
    report = tmp_path / "r.json"
    assert cli(["grade", "--dir", str(subs / "alice.zip"), "--report", str(report)]) == 0
    assert json.loads(report.read_text())["score"] == max_total


def test_results_are_written_as_each_student_is_graded(tmp_path, monkeypatch):
    """grades.csv and summary.json are rewritten after every student: killing the
    batch midway keeps the rows of the students already graded."""
    subs, out = tmp_path / "subs", tmp_path / "out"
    for name in ("a1", "a2", "a3"):
        (subs / name).mkdir(parents=True)
        shutil.copy(SOLUTIONS / "ex01_minibatch.py", subs / name / "ex01_minibatch.py")
    seen = []
    real = batch_mod._grade_student

    def spy(root, name, *args):
        if os.fsdecode(name) == "a3":      # before a3 is graded: a1, a2 are on disk
            rows = list(csv.reader((out / "grades.csv").open()))
            seen.append(sorted(r[0] for r in rows[1:]))
            seen.append(json.loads((out / "summary.json").read_text())["complete"])
            raise KeyboardInterrupt        # the grader is stopped here
        return real(root, name, *args)

    monkeypatch.setattr(batch_mod, "_grade_student", spy)
    with pytest.raises(KeyboardInterrupt):
        batch_mod.grade_batch(subs, out, only="ex01_minibatch", jobs=1, progress=False)
    assert seen == [["a1", "a2"], False]
    assert (out / "a1" / "results.json").exists() and (out / "a2" / "results.json").exists()


# --- the student release ------------------------------------------------------------

def test_the_student_release_has_no_solutions_and_grades(tmp_path):
    import subprocess
    import sys
    release = tmp_path / "release"
    assert cli(["student-release", str(release)]) == 0
    files = {p.relative_to(release).parts[0] for p in release.rglob("*")}
    assert {"solutions", "tests", "tests_browser", ".ci"} & files == set()
    assert {"course_lib", "stubs", "notebooks", "Makefile", "README.md"} <= files
    solution_bytes = {(SOLUTIONS / f"{n}.py").read_bytes() for n in EXERCISES}
    assert not any(p.read_bytes() in solution_bytes for p in release.rglob("*.py"))
    assert cli(["student-release", str(release)]) == 2     # never overwrites
    # grading from the release (its own course_lib) gives the registry's full marks
    answers = tmp_path / "answers"
    shutil.copytree(SOLUTIONS, answers)
    env = {**os.environ, "PYTHONPATH": str(release)}
    where = subprocess.run([sys.executable, "-c", "import course_lib; print(course_lib.__file__)"],
                           cwd=release, env=env, capture_output=True, text=True, timeout=60)
    assert where.stdout.strip() == str(release / "course_lib" / "__init__.py")
    out = subprocess.run([sys.executable, "-m", "course_lib.grading", "grade", "--dir",
                          str(answers), "--report", str(tmp_path / "r.json"),
                          "--require-sandbox"], cwd=release, env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["score"] == data["max_score"] == sum(e.max_score for e in all_exercises())
