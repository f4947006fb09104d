"""The grader's tools: wire format, stub generator, learner workspace, check(), CLI."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

import course_lib
from course_lib.grading import check
from course_lib.grading.protocol import Opaque, ProtocolError, decode, dumps, encode, loads
from course_lib.grading.specs import FunctionSpec, worker_tags
from course_lib.grading.stubs import StubError, generate_stubs, make_stub, solution_blocks
from course_lib.grading.workspace import reset_exercise, sync_exercises
from course_lib.paths import REPO_ROOT, SOLUTIONS, STUBS

NAMES = ["ex01_backtracking", "ex01_gradient_descent", "ex01_minibatch",
         "ex03_heavy_ball", "ex03_nesterov", "ex03_spectral_radius"]


# --- wire format ----------------------------------------------------------------------------

def test_protocol_round_trip_keeps_dtypes_shapes_and_nonfinite_values():
    value = {"a": np.array([[1.5, np.nan], [np.inf, -np.inf]]),
             "b": np.arange(6, dtype=np.int32).reshape(2, 3),
             "c": np.array([True, False]), "d": np.float32(0.1), "e": [1, "s", None, (2, 3)],
             "f": float("nan"), "g": np.array([0.1], dtype=np.float32), "h": np.int64(7)}
    line = dumps({"value": encode(value)})
    assert b"NaN" not in line and b"Infinity" not in line      # strict JSON
    back = decode(loads(line)["value"])
    np.testing.assert_array_equal(back["a"], value["a"])
    assert back["b"].dtype == np.int32 and back["b"].shape == (2, 3)
    assert back["c"].dtype == bool and back["g"].dtype == np.float32
    assert back["g"][0] == np.float32(0.1)
    assert back["d"] == pytest.approx(0.1) and np.isnan(back["f"]) and back["h"] == 7
    assert back["e"] == [1, "s", None, [2, 3]]


def test_protocol_sends_objects_as_opaque_and_rejects_bad_messages():
    class Weird:
        def __repr__(self):
            raise RuntimeError("no")
    out = decode(encode([Weird(), np.array(["a"]), {1: 2}]))
    assert all(isinstance(o, Opaque) for o in out)
    assert out[0].type_name == "Weird"
    for bad in ({"__pickle__": "x"}, {"a": 1, "b": 2},
                {"__ndarray__": {"dtype": "float64", "shape": [3], "data": [1.0]}},
                {"__ndarray__": {"dtype": "object", "shape": [1], "data": [1]}},
                {"__float__": "1e999"}):
        with pytest.raises(ProtocolError):
            decode(bad)
    with pytest.raises(ProtocolError):
        loads(b"[1, 2]")


def test_function_specs_are_rebuilt_and_counted():
    counts = {}
    spec = FunctionSpec("Rosenbrock", "grad", name="g", by_grader=False)
    built = decode(json.loads(json.dumps(spec.to_wire())), worker_tags(counts))
    x = [-1.2, 1]
    np.testing.assert_array_equal(built(x), spec.build().grad(np.array(x, dtype=float)))
    built(x)
    assert counts == {"g": 2}
    with pytest.raises(ValueError):
        decode({"__fn__": encode({"problem": "os.system", "attr": "value"})}, worker_tags({}))


# --- stub generator -------------------------------------------------------------------------

def _git(*args):
    try:
        out = subprocess.run(["git", "-C", str(REPO_ROOT), *args], capture_output=True,
                             text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout if out.returncode == 0 else None


def test_stubs_equal_generator_output_in_working_tree():
    expected = generate_stubs(write=False)
    assert sorted(expected) == [f"{n}.py" for n in NAMES]
    for name, text in expected.items():
        assert (STUBS / name).read_text() == text, f"stubs/{name} is stale: run " \
                                                   "`python -m course_lib.grading stubs`"


def test_committed_stubs_equal_generator_output_of_committed_solutions():
    """As committed in git (falls back to the working tree outside a checkout)."""
    in_git = _git("rev-parse", "--is-inside-work-tree") is not None
    for name in NAMES:
        solution = _git("show", f"HEAD:solutions/{name}.py") if in_git else None
        stub = _git("show", f"HEAD:stubs/{name}.py") if in_git else None
        if solution is None or stub is None:     # not committed yet: compare the files
            solution = (SOLUTIONS / f"{name}.py").read_text()
            stub = (STUBS / f"{name}.py").read_text()
        assert stub == make_stub(solution), f"committed stubs/{name}.py is stale"


def test_stubs_contain_no_solution_code_and_raise_not_implemented():
    for name in NAMES:
        source = (SOLUTIONS / f"{name}.py").read_text()
        stub = (STUBS / f"{name}.py").read_text()
        lines = source.splitlines()
        hidden = set()
        for begin, end, _, _ in solution_blocks(source):
            hidden |= {ln.strip() for ln in lines[begin + 1:end] if ln.strip()}
        stub_lines = {ln.strip() for ln in stub.splitlines()}
        assert hidden and not hidden & stub_lines, hidden & stub_lines
        assert "SOLUTION" not in stub
        compile(stub, name, "exec")
        n_raise = stub.count("raise NotImplementedError(")
        assert n_raise == len(solution_blocks(source)) >= 1


def test_make_stub_replaces_blocks_at_their_indentation_and_rejects_bad_markers():
    src = ("def f(x):\n    '''doc'''\n    # BEGIN SOLUTION\n    y = x + 1\n    return y\n"
           "    # END SOLUTION\n\n\nclass A:\n    def g(self):\n        # BEGIN SOLUTION\n"
           "        return 2\n        # END SOLUTION\n")
    out = make_stub(src)
    assert out == ("def f(x):\n    '''doc'''\n    raise NotImplementedError(\"f: replace this"
                   " line with your code\")\n\n\nclass A:\n    def g(self):\n        raise "
                   "NotImplementedError(\"g: replace this line with your code\")\n")
    bad = ["def f():\n    # BEGIN SOLUTION\n    return 1\n",
           "def f():\n    return 1\n    # END SOLUTION\n",
           "def f():\n    # BEGIN SOLUTION\n    # BEGIN SOLUTION\n    # END SOLUTION\n",
           "# BEGIN SOLUTION\nx = 1\n# END SOLUTION\n",
           "def f():\n    return 1  # BEGIN SOLUTION\n",
           "def f():\n    return 1\n"]
    for source in bad:
        with pytest.raises(StubError):
            make_stub(source)


# --- the learner's workspace ----------------------------------------------------------------

def test_exercises_never_overwrites_and_reports_changed_stubs(tmp_path):
    stubs, work = tmp_path / "stubs", tmp_path / "exercises"
    shutil.copytree(STUBS, stubs)
    report = sync_exercises(stubs, work)
    assert [a for _, a, _ in report] == ["created"] * len(NAMES)
    assert (work / "ex01_minibatch.py").read_text() == (STUBS / "ex01_minibatch.py").read_text()

    mine = "# my answer\n" + (work / "ex01_minibatch.py").read_text()
    (work / "ex01_minibatch.py").write_text(mine)
    actions = {n: a for n, a, _ in sync_exercises(stubs, work)}
    assert actions == {**dict.fromkeys(NAMES, "unchanged"), "ex01_minibatch": "edited"}
    assert (work / "ex01_minibatch.py").read_text() == mine

    # the course updates two stubs: one the learner edited, one they did not
    for name in ("ex01_minibatch", "ex01_backtracking"):
        (stubs / f"{name}.py").write_text((stubs / f"{name}.py").read_text() + "# v2\n")
    report = {n: (a, m) for n, a, m in sync_exercises(stubs, work)}
    assert report["ex01_minibatch"][0] == "stub-changed"
    assert "kept your file" in report["ex01_minibatch"][1]
    assert report["ex01_backtracking"][0] == "stub-changed"
    assert "not edited it" in report["ex01_backtracking"][1]
    assert (work / "ex01_minibatch.py").read_text() == mine
    assert "# v2" not in (work / "ex01_backtracking.py").read_text()


def test_reset_keeps_the_learners_file_as_bak(tmp_path):
    work = tmp_path / "exercises"
    sync_exercises(STUBS, work)
    target = work / "ex01_gradient_descent.py"
    target.write_text("first attempt\n")
    msg = reset_exercise("ex01_gradient_descent", STUBS, work)
    assert "ex01_gradient_descent.py.bak" in msg
    assert (work / "ex01_gradient_descent.py.bak").read_text() == "first attempt\n"
    assert target.read_text() == (STUBS / "ex01_gradient_descent.py").read_text()
    assert "nothing to do" in reset_exercise("ex01_gradient_descent.py", STUBS, work)
    target.write_text("second attempt\n")
    reset_exercise("ex01_gradient_descent", STUBS, work)
    assert (work / "ex01_gradient_descent.py.bak").read_text() == "first attempt\n"
    assert (work / "ex01_gradient_descent.py.2.bak").read_text() == "second attempt\n"
    with pytest.raises(KeyError, match="known: ex01_backtracking"):
        reset_exercise("ex99_nope", STUBS, work)


# --- check() in a notebook ------------------------------------------------------------------

def test_check_creates_a_missing_file_and_never_raises(tmp_path, capsys):
    r = check("ex01_minibatch", directory=tmp_path)      # creates it from the stub
    assert (tmp_path / "ex01_minibatch.py").read_text() == \
        (STUBS / "ex01_minibatch.py").read_text()
    assert r.score == 0 and not r.passed and r.max_score == 9
    assert "not implemented" in capsys.readouterr().out        # text table outside IPython

    (tmp_path / "ex01_minibatch.py").write_text("import os\nos._exit(1)\n")
    r = check("ex01_minibatch", directory=tmp_path, display=False)
    assert r.score == 0 and "exited with code 1" in r.load_error
    assert (tmp_path / "ex01_minibatch.py").read_text() == "import os\nos._exit(1)\n"

    r = check("ex42_nothing", directory=tmp_path, display=False)
    assert not r.passed and r.score == 0 and "no exercise named" in r.load_error


def test_check_on_solutions_shows_html_in_ipython(monkeypatch):
    from course_lib.grading import notebook
    shown = []
    monkeypatch.setattr(notebook, "_in_ipython", lambda: True)
    import IPython.display
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj))
    r = course_lib.check("ex01_backtracking", directory=SOLUTIONS)
    assert r.passed and r.score == r.max_score == 8
    assert len(shown) == 1 and "<table" in shown[0].data and "backtracking" in shown[0].data
    assert repr(r) == "<ex01_backtracking: 8/8 points, all checks pass>"


def test_check_in_a_notebook_shows_the_table_once_left_aligned(tmp_path):
    """A cell ending in check(...) displays one table and no Out[...] repeating it; a
    later cell showing the result displays it again. Every cell is left-aligned (Lab
    right-aligns table cells by default) and the points never wrap."""
    from IPython.core.interactiveshell import InteractiveShell
    shell = InteractiveShell.instance()
    shown = []
    shell.display_pub.publish = lambda data, metadata=None, **kw: shown.append(data)
    outs = []
    shell.displayhook.write_format_data = lambda data, md=None: outs.append(data)
    try:
        shell.run_cell("from course_lib.grading import check\n"
                       f"r = None\ncheck('ex01_backtracking', directory={str(SOLUTIONS)!r})",
                       store_history=True)
        assert len(shown) == 1 and outs == [], (shown, outs)
        table = shown[0]["text/html"]
        shell.run_cell(f"r = check('ex01_backtracking', directory={str(SOLUTIONS)!r}, "
                       "display=False)", store_history=True)
        shell.run_cell("r", store_history=True)
        assert len(shown) == 2 and outs == []
        assert shown[1]["text/html"] == table
    finally:
        InteractiveShell.clear_instance()
    cells = re.findall(r"<t[dh] [^>]*>", table)
    assert cells and all("text-align:left" in c for c in cells), cells
    points = re.findall(r'<td style="([^"]*)">\d+ / \d+</td>', table)
    assert len(points) == 7 and all("white-space:nowrap" in c for c in points)


def test_what_the_learners_code_printed_is_shown_without_the_librarys_warnings(tmp_path):
    """The terminal table shows the printed text (truncated); numpy's overflow warning
    raised inside the course's problems.py (at a far-away point) is not part of it."""
    (tmp_path / "ex01_gradient_descent.py").write_text(
        (SOLUTIONS / "ex01_gradient_descent.py").read_text().replace(
            "    # BEGIN SOLUTION\n",
            "    # BEGIN SOLUTION\n    grad_fn(np.full(len(x0), 1e200))\n"
            "    print('hello from the learner')\n"))
    from course_lib.grading import grade
    report = grade(tmp_path, only="ex01_gradient_descent")
    out = report.exercises[0].output
    assert "hello from the learner" in out
    assert "Warning" not in out and "problems.py" not in out, out
    table = report.table()
    assert "what your code printed:" in table and "| hello from the learner" in table
    assert "shown in part" in table and "JSON report" not in table
    assert table.count("hello from the learner") == 8
    assert "what your code printed" in report.exercises[0].html()


def test_a_copy_of_a_notebook_elsewhere_uses_its_own_workspace(tmp_path, monkeypatch,
                                                                capsys):
    from course_lib.grading.notebook import default_directory
    from course_lib.paths import EXERCISES, NOTEBOOKS
    assert default_directory(NOTEBOOKS) == EXERCISES
    assert default_directory(tmp_path) == tmp_path / "exercises"
    before = sorted(p.name for p in EXERCISES.iterdir()) if EXERCISES.exists() else None
    monkeypatch.delenv("COURSE_EXERCISES", raising=False)
    monkeypatch.chdir(tmp_path)
    r = check("ex01_minibatch")
    assert r.path == str((tmp_path / "exercises" / "ex01_minibatch.py").resolve()) or \
        r.path == str(tmp_path / "exercises" / "ex01_minibatch.py")
    assert (tmp_path / "exercises" / "ex01_minibatch.py").read_text() == \
        (STUBS / "ex01_minibatch.py").read_text()
    assert f"your exercise files are in {tmp_path.resolve()}/exercises/" in \
        capsys.readouterr().out
    after = sorted(p.name for p in EXERCISES.iterdir()) if EXERCISES.exists() else None
    assert after == before
    monkeypatch.setenv("COURSE_EXERCISES", str(tmp_path / "elsewhere"))
    assert default_directory() == tmp_path / "elsewhere"


# --- command line ---------------------------------------------------------------------------

def _cli(*args, cwd=REPO_ROOT):
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    return subprocess.run([sys.executable, "-m", "course_lib.grading", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120, env=env)


def test_cli_grade_writes_a_gradescope_report(tmp_path):
    report = tmp_path / "results.json"
    out = _cli("grade", "--dir", str(SOLUTIONS), "--only", "ex01_minibatch",
               "--report", str(report))
    assert out.returncode == 0, out.stderr
    assert "Total: 9 / 9 points" in out.stdout
    data = json.loads(report.read_text())
    assert data["score"] == data["max_score"] == 9
    assert {"score", "max_score", "tests", "output", "execution_time"} <= set(data)
    for t in data["tests"]:
        assert set(t) == {"name", "score", "max_score", "status", "output", "visibility"}
        assert t["status"] == "passed" and re.match(r"ex01_minibatch: \w+$", t["name"])
    assert len({t["name"] for t in data["tests"]}) == len(data["tests"]) == 7

    out = _cli("grade", "--dir", str(STUBS), "--strict", "--only", "ex01_backtracking")
    assert out.returncode == 1 and "0 / 8 points" in out.stdout
    out = _cli("grade", "--only", "ex77_none")
    assert out.returncode == 2 and "no exercise named" in out.stderr


def test_cli_exercises_reset_stubs_and_list(tmp_path):
    out = _cli("exercises", "--dir", str(tmp_path))
    assert out.returncode == 0 and out.stdout.count("created") == len(NAMES)
    (tmp_path / "ex01_backtracking.py").write_text("mine\n")
    out = _cli("exercises", "--dir", str(tmp_path))
    assert out.returncode == 0 and "none overwritten" in out.stdout
    assert (tmp_path / "ex01_backtracking.py").read_text() == "mine\n"
    out = _cli("reset", "ex01_backtracking", "--dir", str(tmp_path))
    assert out.returncode == 0 and ".bak" in out.stdout
    assert (tmp_path / "ex01_backtracking.py.bak").read_text() == "mine\n"
    assert _cli("reset", "nope", "--dir", str(tmp_path)).returncode == 2
    assert _cli("stubs", "--check").returncode == 0
    out = _cli("list")
    assert out.returncode == 0 and "first_batch_is_uniform" in out.stdout


# --- pytest exercises/: the checks as test items, through the same grader -------------------

def _submission(tmp_path, wrong=None):
    """A folder like exercises/: the solutions, one wrong fixture, the conftest."""
    folder = tmp_path / "exercises"
    folder.mkdir()
    for name in NAMES:
        shutil.copy(SOLUTIONS / f"{name}.py", folder / f"{name}.py")
    if wrong:
        exercise, fixture = wrong.split("/")
        shutil.copy(REPO_ROOT / "tests" / "fixtures" / "wrong" / exercise / f"{fixture}.py",
                    folder / f"{exercise}.py")
    shutil.copy(REPO_ROOT / "exercises" / "conftest.py", folder / "conftest.py")
    return folder


def _pytest(*args, cwd):
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=300, env=env)


def _without_times(report):
    report = json.loads(report.read_text())
    report.pop("execution_time")
    for e in report["extra_data"]["exercises"].values():
        e.pop("seconds")
    return report


def test_pytest_grades_each_check_as_a_test_with_its_points_and_hint(tmp_path):
    folder = _submission(tmp_path, wrong="ex01_minibatch/drop_last")
    out = _pytest(str(folder), "-v", "--grade-report", str(tmp_path / "pytest.json"),
                  cwd=tmp_path)
    assert out.returncode == 1, out.stdout + out.stderr
    from course_lib.grading import all_exercises
    for e in all_exercises():
        for c in e.checks:
            assert f"{e.name}.py::{c.name} " in out.stdout, c.name
    assert "ex01_minibatch.py::batch_sizes FAILED 0/1" in out.stdout
    assert "ex01_minibatch.py::first_batch_is_uniform PASSED 1/1" in out.stdout
    assert "Hint: you dropped the last, shorter batch; keep it." in out.stdout
    assert "Total: 39 / 43 points" in out.stdout      # ex03: 18 of 18
    assert "3 failed, 34 passed" in out.stdout      # ex03: 16 checks
    # the same report as the command line's (times aside)
    cli = _cli("grade", "--dir", str(folder), "--report", str(tmp_path / "cli.json"))
    assert cli.returncode == 0, cli.stderr
    assert _without_times(tmp_path / "pytest.json") == _without_times(tmp_path / "cli.json")


def test_pytest_k_grades_one_exercise_and_never_imports_the_learners_file(tmp_path):
    folder = _submission(tmp_path)
    marker = tmp_path / "imported-by-pytest"
    (folder / "ex01_backtracking.py").write_text(
        "import sys\n"
        f"if 'pytest' in sys.modules:\n    open({str(marker)!r}, 'w').close()\n"
        + (SOLUTIONS / "ex01_backtracking.py").read_text())
    out = _pytest(str(folder), "-k", "ex01_minibatch", "--grade-report",
                  str(tmp_path / "r.json"), cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "7 passed, 30 deselected" in out.stdout
    data = json.loads((tmp_path / "r.json").read_text())
    assert {t["name"].split(":")[0] for t in data["tests"]} == {"ex01_minibatch"}
    assert data["score"] == data["max_score"] == 9
    # a file named on the command line is graded too, not imported as a test module
    out = _pytest(str(folder / "ex01_backtracking.py"), cwd=tmp_path)
    assert out.returncode == 0 and "7 passed" in out.stdout, out.stdout + out.stderr
    assert not marker.exists()
    # any folder, with the plugin named explicitly
    (folder / "conftest.py").unlink()
    out = _pytest("-p", "course_lib.grading.pytest_plugin", str(folder), "-q",
                  "-k", "backtracking", cwd=tmp_path)
    assert out.returncode == 0 and "7 passed" in out.stdout, out.stdout + out.stderr


def test_make_test_does_not_collect_the_learners_exercises():
    """`make test` runs pytest on tests/ and notebooks/ only; bare `pytest` stops at
    testpaths = ["tests"]; only exercises/conftest.py (or -p) loads the plugin."""
    import tomllib
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    assert config["tool"]["pytest"]["ini_options"]["testpaths"] == ["tests"]
    makefile = (REPO_ROOT / "Makefile").read_text()
    recipe = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    runs = [ln for ln in recipe.splitlines() if "-m pytest" in ln]
    assert runs and all("exercises" not in ln for ln in runs), runs
    conftests = sorted(p.relative_to(REPO_ROOT).as_posix()
                       for p in REPO_ROOT.glob("**/conftest.py") if ".venv" not in p.parts)
    assert "exercises/conftest.py" in conftests
    assert not any(c.startswith(("tests/", "notebooks/")) and "pytest_plugin" in
                   (REPO_ROOT / c).read_text() for c in conftests)
