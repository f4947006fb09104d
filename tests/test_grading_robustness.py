"""Hostile-ish learner files: whatever one exercise's code does (syntax error, exit at
import, crash, infinite loop, megabytes of output, reading stdin), that exercise
loses what it breaks, every other exercise is still graded, and the report is
written."""
from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import numpy as np
import pytest

from course_lib.grading import grade, grade_file
from course_lib.grading.__main__ import main as cli
from course_lib.grading.runner import LearnerCrashed, LearnerModule, LearnerRaised, Limits
from course_lib.paths import SOLUTIONS

MINIBATCH_EPOCH_CHECKS = {"batches_cover_each_index_once", "batch_sizes",
                          "uses_the_rng_argument", "shuffles", "first_batch_is_uniform"}
GOOD_GRADIENT = """
def minibatch_gradient(X, y, w, idx):
    idx = np.asarray(idx)
    return X[idx].T @ (X[idx] @ w - y[idx]) / len(idx)
"""


def _write(folder, name, *parts):
    (folder / f"{name}.py").write_text("".join(textwrap.dedent(p) for p in parts))


def _copy_solution(folder, name):
    shutil.copy(SOLUTIONS / f"{name}.py", folder / f"{name}.py")


def _by_name(report):
    return {e.name: e for e in report.exercises}


def test_syntax_error_and_sys_exit_at_import(tmp_path):
    _write(tmp_path, "ex01_gradient_descent", """
        import numpy as np

        def gradient_descent(grad_fn, x0, lr, n_steps)
            return x0
        """)
    _write(tmp_path, "ex01_minibatch", """
        import sys
        print("bye")
        sys.exit(3)
        """)
    _copy_solution(tmp_path, "ex01_backtracking")
    report_path = tmp_path / "out" / "results.json"
    assert cli(["grade", "--dir", str(tmp_path), "--report", str(report_path)]) == 0
    data = json.loads(report_path.read_text())
    tests = {t["name"]: t for t in data["tests"]}
    gd = [t for n, t in tests.items() if n.startswith("ex01_gradient_descent:")]
    mb = [t for n, t in tests.items() if n.startswith("ex01_minibatch:")]
    bt = [t for n, t in tests.items() if n.startswith("ex01_backtracking:")]
    assert gd and all(t["score"] == 0 and t["status"] == "failed" for t in gd)
    assert "SyntaxError" in gd[0]["output"] and "line 4" in gd[0]["output"]
    assert mb and all(t["score"] == 0 for t in mb)
    assert "sys.exit(3)" in mb[0]["output"]
    assert bt and all(t["status"] == "passed" for t in bt)
    assert data["score"] == sum(t["max_score"] for t in bt) == 8
    assert data["max_score"] == 43


def test_os_exit_at_import_infinite_loop_and_megabytes_of_output(tmp_path):
    _write(tmp_path, "ex01_gradient_descent", """
        import os
        os._exit(7)
        """)
    _write(tmp_path, "ex01_minibatch", """
        import numpy as np

        def epoch_batches(n, batch_size, rng):
            while True:
                pass
        """, GOOD_GRADIENT)
    source = (SOLUTIONS / "ex01_backtracking.py").read_text()
    source = source.replace("    fx = f(point)\n",
                            "    fx = f(point)\n    print('x' * 3_000_000)\n"
                            "    import os; os.write(1, b'y' * 1_000_000)\n")
    assert "print('x'" in source
    (tmp_path / "ex01_backtracking.py").write_text("print('z' * 2_000_000)\n" + source)

    report = grade(tmp_path, timeout=4.0)
    ex = _by_name(report)
    gd = ex["ex01_gradient_descent"]
    assert gd.score == 0 and "exited with code 7" in gd.load_error
    mb = ex["ex01_minibatch"]
    assert set(mb.failed_checks) == MINIBATCH_EPOCH_CHECKS
    statuses = {c.name: c.status for c in mb.checks}
    assert {statuses[n] for n in MINIBATCH_EPOCH_CHECKS} == {"timeout"}
    first = mb.checks[0]
    assert "did not return within 4 s" in first.message
    assert all("not called again" in c.message for c in mb.checks[1:5])
    assert mb.score == 3     # the gradient checks are still graded
    bt = ex["ex01_backtracking"]
    assert bt.passed and bt.score == bt.max_score
    assert 0 < len(bt.output) < 20_000          # captured, truncated
    assert "truncated" in bt.output
    shown = report.table().split("what your code printed:")[1].split("\nex01_")[0]
    assert 0 < shown.count("z") < 1000 and "shown in part" in shown   # a short excerpt
    json.dumps(report.to_gradescope(), allow_nan=False)


def test_crash_memory_hog_stdin_and_odd_return_values(tmp_path):
    # a segfault in one function: that function's checks score 0, the rest are graded
    _write(tmp_path, "ex01_minibatch", """
        import ctypes
        import numpy as np

        def epoch_batches(n, batch_size, rng):
            ctypes.string_at(0)
        """, GOOD_GRADIENT)
    r = grade_file("ex01_minibatch", tmp_path / "ex01_minibatch.py")
    assert set(r.failed_checks) == MINIBATCH_EPOCH_CHECKS
    assert "segmentation fault" in r.checks[0].message
    assert r.score == 3

    # reading stdin and writing to fd 1 cannot touch the protocol
    source = (SOLUTIONS / "ex01_gradient_descent.py").read_text().replace(
        "    x = np.array(x0, dtype=float)\n",
        "    x = np.array(x0, dtype=float)\n"
        "    import os, sys\n"
        "    os.write(1, b'{\"id\": 999, \"ok\": true}\\n')\n"
        "    print(sys.stdin.read(), input() if False else '')\n")
    (tmp_path / "ex01_gradient_descent.py").write_text(source)
    r = grade_file("ex01_gradient_descent", tmp_path / "ex01_gradient_descent.py")
    assert r.passed, [c.text() for c in r.checks]

    # memory: a huge allocation fails with MemoryError under RLIMIT_AS
    _write(tmp_path, "hog", """
        import numpy as np

        def hog():
            return np.ones(2**34)   # 128 GiB

        def gen():
            return (i for i in range(3))

        def leave():
            raise SystemExit(0)
        """)
    with LearnerModule(tmp_path / "hog.py", Limits(memory_mb=1024)) as m:
        with pytest.raises(LearnerRaised) as info:
            m.call("hog")
        assert info.value.is_a("MemoryError")
        value = m.call("gen")       # sent back as an opaque description, never pickled
        assert value.type_name == "generator"
        with pytest.raises(LearnerRaised, match="sys.exit"):
            m.call("leave")
        assert m.call("gen").type_name == "generator"     # the worker survived


def test_worker_killed_mid_call_is_replaced(tmp_path):
    _write(tmp_path, "k", """
        import os

        def die():
            os._exit(4)

        def ok(x):
            return x + 1
        """)
    with LearnerModule(tmp_path / "k.py") as m:
        with pytest.raises(LearnerCrashed, match="exited with code 4"):
            m.call("die")
        assert m.call("ok", 1) == 2                  # a fresh worker
        with pytest.raises(LearnerCrashed, match="not called again"):
            m.call("die")


def test_import_timeout_is_reported(tmp_path):
    _write(tmp_path, "ex01_backtracking", """
        while True:
            pass
        """)
    r = grade_file("ex01_backtracking", tmp_path / "ex01_backtracking.py", timeout=1.0)
    assert r.score == 0
    assert "took longer than 1 s" in r.load_error
    assert all(c.status == "error" for c in r.checks)


def test_missing_function_and_missing_file(tmp_path):
    _write(tmp_path, "ex01_backtracking", """
        def backtrack(f, g, x):
            return 1.0
        """)
    r = grade_file("ex01_backtracking", tmp_path / "ex01_backtracking.py")
    assert r.score == 0
    assert "defines no function 'backtracking'" in r.checks[0].message
    r = grade_file("ex01_backtracking", tmp_path / "nope.py")
    assert r.score == 0 and "does not exist" in r.load_error


# --- the sandbox's view ----------------------------------------------------------

SPY = """
import os, socket, sys

def look(port):
    seen = {"uid": os.getuid(), "pid": os.getpid(), "root": sorted(os.listdir("/")),
            "env": sorted(os.environ), "sys_path": list(sys.path), "cwd": os.getcwd()}
    import course_lib
    seen["course_lib"] = sorted(os.listdir(os.path.dirname(course_lib.__file__)))
    try:
        import course_lib.paths
        seen["paths"] = str(course_lib.paths.SOLUTIONS)
    except ImportError:
        seen["paths"] = None
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        seen["loopback"] = "connected"
    except OSError as exc:
        seen["loopback"] = type(exc).__name__
    try:
        open(__file__, "a").write("#")
        seen["own_file_writable"] = True
    except OSError:
        seen["own_file_writable"] = False
    seen["earlier_tmp"] = sorted(os.listdir("/tmp"))
    open("/tmp/left-by-an-earlier-worker", "w").write("x")
    seen["exists"] = {p: os.path.exists(p) for p in ARGS}
    home = os.path.expanduser("~root")
    seen["root_home"] = sorted(os.listdir(home)) if os.path.isdir(home) else []
    return seen
"""


def _spy(tmp_path, port, paths):
    (tmp_path / "spy.py").write_text(SPY + f"\nARGS = {paths!r}\n")
    with LearnerModule(tmp_path / "spy.py") as m:
        return m.call("look", port)


def test_the_sandbox_shows_only_the_learners_file_and_a_private_tmp(tmp_path):
    import os
    import socket

    from course_lib.grading import sandbox
    from course_lib.paths import REPO_ROOT
    assert sandbox.probe().ok, sandbox.probe()      # bwrap is installed by make test
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    os.environ["COURSE_SPY_SECRET"] = "visible?"
    paths = [str(REPO_ROOT), str(REPO_ROOT / "solutions"), str(tmp_path),
             "/autograder", "/etc/passwd", "/home"]
    try:
        first = _spy(tmp_path, port, paths)
        second = _spy(tmp_path, port, paths)
    finally:
        del os.environ["COURSE_SPY_SECRET"]
        listener.close()
    assert first["pid"] < 10                              # its own pid namespace
    if os.geteuid() == 0:
        assert first["uid"] >= sandbox.UID_BASE           # not root: its slot's user
    assert set(first["root"]) <= {"usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32",
                                  "etc", "opt", "root", "home", "tmp", "dev", "proc",
                                  "submission", "work"}
    assert not any(first["exists"].values()), first["exists"]
    # root's home holds at most the folder that leads to the interpreter (a pyenv)
    import sys
    allowed = {p for p in Path(sys.base_prefix).parts[2:3]
               if sys.base_prefix.startswith("/root")}
    assert set(first["root_home"]) <= allowed, first["root_home"]
    assert "COURSE_SPY_SECRET" not in first["env"]
    assert set(first["env"]) - {"PWD"} == set(sandbox.minimal_env("/tmp"))  # bwrap sets PWD
    assert not any(str(REPO_ROOT) in p for p in first["sys_path"])
    assert first["course_lib"] == ["__init__.py", "grading"]
    assert first["paths"] is None                         # no course_lib.paths at all
    assert first["loopback"] == "ConnectionRefusedError"  # the grader's port: not there
    assert first["own_file_writable"] is False
    assert second["earlier_tmp"] == []                    # /tmp is thrown away
    assert first["cwd"] == "/tmp"


def test_parallel_slots_run_as_different_users(tmp_path):
    import os
    from concurrent.futures import ThreadPoolExecutor
    _write(tmp_path, "who", """
        import os, time

        def uid():
            time.sleep(0.5)
            return os.getuid()
        """)

    def one(_):
        with LearnerModule(tmp_path / "who.py") as m:
            return m.call("uid")

    with ThreadPoolExecutor(3) as pool:
        uids = list(pool.map(one, range(3)))
    if os.geteuid() == 0:       # as root: one unprivileged user id per slot
        assert len(set(uids)) == 3 and 0 not in uids
    else:                       # otherwise the grader's own id, in a user namespace
        assert set(uids) == {os.getuid()}


def test_without_a_sandbox_the_grader_says_so_or_refuses(tmp_path):
    import os
    import subprocess
    import sys
    _copy_solution(tmp_path, "ex01_gradient_descent")
    env = dict(os.environ, COURSE_GRADER_SANDBOX="off")
    report = tmp_path / "r.json"
    base = [sys.executable, "-m", "course_lib.grading", "grade", "--dir", str(tmp_path),
            "--only", "ex01_gradient_descent", "--report", str(report)]
    out = subprocess.run(base, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "WARNING: NO SANDBOX" in out.stderr and "WARNING: NO SANDBOX" in out.stdout
    data = json.loads(report.read_text())
    assert data["score"] == 8 and data["output"].startswith("WARNING: NO SANDBOX")
    assert data["extra_data"]["sandbox"].startswith("WARNING")
    out = subprocess.run(base + ["--require-sandbox"], env=env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 2
    assert "refusing to run learner code" in out.stderr
    assert json.loads(report.read_text())["score"] == 0
    # and with the sandbox, the report says what contained the code
    out = subprocess.run(base + ["--require-sandbox"], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(report.read_text())["extra_data"]["sandbox"].startswith(
        "sandbox: bubblewrap")


def test_functions_are_evaluated_and_counted_by_the_grader(tmp_path):
    """A FunctionSpec reaches the worker as a name only (no coefficients); each call
    is a round trip that the grader counts, whatever the learner's code does to the
    counts in its own process."""
    from course_lib.grading.specs import FunctionSpec
    spec = FunctionSpec("Quadratic", "grad", {"kappa": 7.0, "dim": 2},
                        "from_condition_number", name="g")
    assert spec.to_wire() == {"__cb__": {"__dict__": {"name": "g"}}}
    _write(tmp_path, "calls", """
        import gc

        def three(g, x):
            out = [g(x) for _ in range(3)]
            for obj in gc.get_objects():        # try to reset any counter
                if isinstance(obj, dict) and "g" in obj:
                    obj["g"] = 0
            return out[-1]

        def bad(g):
            return g("not a point")
        """)
    with LearnerModule(tmp_path / "calls.py") as m:
        res = m.run("three", spec, [1.0, -2.0])
        assert res.counts == {"g": 3}
        expected = spec.function(np.array([1.0, -2.0]))
        assert np.array_equal(res.value, expected)          # the same bits
        with pytest.raises(LearnerRaised, match="ValueError"):
            m.call("bad", spec)
