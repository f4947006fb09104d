"""Hostile-ish learner files: whatever one exercise's code does (syntax error, exit at
import, crash, infinite loop, megabytes of output, reading stdin), that exercise
loses what it breaks, every other exercise is still graded, and the report is
written."""
from __future__ import annotations

import json
import shutil
import textwrap

import pytest

from course_lib.grading import all_exercises, grade, grade_file
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
    assert data["max_score"] == sum(e.max_score for e in all_exercises())


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
