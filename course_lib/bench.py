"""Measure the course's time budgets: ``python -m course_lib.bench`` (``make bench``).

What is timed, each against its budget:

========================================  ==========  ===================================
measurement                               budget      how
========================================  ==========  ===================================
``import course_lib``                     < 1 s       fresh interpreter, median of 5
each ``notebooks/NN_*.ipynb``             < 30 s      re-executed with nbclient (kernel
                                                      start included), like ``make test``
grading one submission (``solutions/``)   < 15 s      ``python -m course_lib.grading grade
                                                      --dir solutions``
grading one exercise in its sandbox       < 2 s       ``grade_file``, worker start included
grade-batch of 50 mixed (``--batch``)     none        2 jobs; reports the result files
the test suite (``--tests``)              none        ``python -m pytest tests``
========================================  ==========  ===================================

and, from :mod:`course_lib.bench_optim`, the step time of ``course_lib.torch_optim``'s
SGD (momentum), Adam and AdamW over ``torch.optim``'s (``foreach=True``) on an MLP with
8.4 M float32 parameters, 2 threads, measured in the same run (goal: ratio <= 1.5;
``--no-optimizers`` skips it).

Each line is printed as OK or OVER its budget, and all results are written to
``build/bench.json``. This is a benchmark, not a test: it never fails because something
is slow (the exit status is 0 unless the command line is wrong).

Also the set-up, browser-test and site timings of :mod:`course_lib.bench_build`
(``--setup``, ``--browser``, ``--site``), the optimizer step-time ratios where
:mod:`course_lib.bench_optim` exists (:func:`time_optimizers`), and, for each notebook,
its slowest cell. ``--all`` (``make bench``) measures everything.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from .paths import NOTEBOOKS, REPO_ROOT, SOLUTIONS

__all__ = ["Measurement", "BUDGETS", "status", "time_import", "time_notebook",
           "time_grading", "time_tests", "format_table", "main"]

#: seconds allowed for each kind of measurement (None: no budget, reported only)
BUDGETS = {"import": 1.0, "notebook": 30.0, "grading": 15.0, "grading_exercise": 2.0,
           "batch": None, "tests": None}

#: the build's budgets (course_lib.bench_build): a fresh set-up, the browser test, the site
BUDGETS.update(setup=180.0, browser=180.0, site=600.0)


@dataclass
class Measurement:
    """One timed thing. ``seconds`` is None when it could not be measured."""

    kind: str                  # a key of BUDGETS
    name: str                  # what is shown in the table
    seconds: float | None
    budget_s: float | None
    status: str                # "OK", "OVER", "FAILED", "n/a" or "-" (no budget)
    detail: str = ""


def status(seconds, budget_s, failed=False) -> str:
    """``"OK"`` if ``seconds < budget_s``, ``"OVER"`` otherwise; ``"FAILED"`` if the run
    failed, ``"n/a"`` if nothing was measured, ``"-"`` if there is no budget."""
    if failed:
        return "FAILED"
    if seconds is None:
        return "n/a"
    if budget_s is None:
        return "-"
    return "OK" if seconds < budget_s else "OVER"


def _measurement(kind, name, seconds, failed=False, detail=""):
    budget = BUDGETS[kind]
    return Measurement(kind, name, seconds, budget, status(seconds, budget, failed), detail)


def _env():
    """The environment for child processes: this interpreter's, minus start-up hooks."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONSTARTUP", "PYTHONPROFILEIMPORTTIME")}
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return env


def time_import(repeat=5) -> Measurement:
    """Median over ``repeat`` fresh interpreters of the time ``import course_lib`` takes
    (measured inside the child, so interpreter start-up is not counted)."""
    code = ("import time; t = time.perf_counter(); import course_lib; "
            "print(time.perf_counter() - t)")
    times = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=_env(),
                             capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            return _measurement("import", "import course_lib", None, failed=True,
                                detail=out.stderr.strip()[-500:])
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return _measurement("import", f"import course_lib (median of {repeat})",
                        statistics.median(times),
                        detail="runs: " + ", ".join(f"{t:.3f}" for t in times))


def time_notebook(path, timeout=600) -> Measurement:
    """Wall-clock seconds to re-execute one notebook top to bottom with nbclient, in its
    own folder, kernel start-up included (what each notebook costs ``make test``)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    failed, detail = False, ""
    start = time.perf_counter()
    try:
        # the kernel's own stderr (start-up warnings) is not ours to print
        client.execute(stderr=subprocess.DEVNULL)
    except CellExecutionError as exc:
        failed, detail = True, str(exc).strip().splitlines()[-1][:500]
    except Exception as exc:  # kernel died, timeout, ...: report, do not crash the bench
        failed, detail = True, f"{type(exc).__name__}: {exc}"[:500]
    seconds = time.perf_counter() - start
    from .bench_build import slowest_cell
    cell, cell_s = slowest_cell(nb)
    if cell is not None and not failed:
        detail = f"slowest cell: {cell} ({cell_s:.2f} s)"
    return _measurement("notebook", f"notebook {path.name}", seconds, failed, detail)


def grading_cli_available() -> bool:
    """True if ``python -m course_lib.grading`` exists in this checkout."""
    try:
        return importlib.util.find_spec("course_lib.grading.__main__") is not None
    except ImportError:
        return False


def time_grading(directory=SOLUTIONS, timeout=600) -> Measurement:
    """Seconds for ``python -m course_lib.grading grade --dir DIRECTORY`` (one whole
    submission, every exercise in a fresh worker process); ``n/a`` without the CLI."""
    name = f"grading one submission ({Path(directory).name}/)"
    if not grading_cli_available() or not Path(directory).is_dir():
        why = "no grading CLI" if not grading_cli_available() else f"{directory} not found"
        return _measurement("grading", name, None, detail=why)
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "course_lib.grading", "grade", "--dir", str(directory),
               "--report", str(Path(tmp) / "report.json")]
        start = time.perf_counter()
        try:
            out = subprocess.run(cmd, cwd=REPO_ROOT, env=_env(), capture_output=True,
                                 text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return _measurement("grading", name, time.perf_counter() - start, failed=True,
                                detail=f"timed out after {timeout} s")
        seconds = time.perf_counter() - start
    tail = (out.stdout + out.stderr).strip().splitlines()
    return _measurement("grading", name, seconds, failed=out.returncode != 0,
                        detail=f"exit {out.returncode}: " + (tail[-1][:300] if tail else ""))


def time_grading_exercises(directory=SOLUTIONS) -> list:
    """Seconds to grade each exercise of ``directory`` in its sandbox, worker start
    included (in this process: the grader's own imports are not counted)."""
    from .grading import all_exercises, grade_file
    grade_file(all_exercises()[0], Path(directory) / f"{all_exercises()[0].name}.py")  # warm
    out = []
    for ex in all_exercises():
        start = time.perf_counter()
        r = grade_file(ex, Path(directory) / f"{ex.name}.py")
        out.append(_measurement("grading_exercise", f"grading {ex.name} (sandboxed)",
                                time.perf_counter() - start, failed=not r.passed,
                                detail=f"{r.score:g}/{r.max_score:g}"))
    return out


def mixed_class(folder, n=50):
    """``n`` submissions for a batch: correct (solutions/), wrong (tests/fixtures/wrong)
    and hostile (tests/fixtures/attacks) exercise files, mixed in turn."""
    fixtures = REPO_ROOT / "tests" / "fixtures"
    right = {p.stem: p for p in SOLUTIONS.glob("ex*.py")}
    files = sorted((fixtures / "wrong").glob("*/*.py"))
    attacks = sorted((fixtures / "attacks").glob("*/*.py"))
    import ast
    import shutil
    for i in range(n):
        student = Path(folder) / f"student{i:03d}"
        student.mkdir(parents=True)
        for name, path in right.items():
            shutil.copy(path, student / f"{name}.py")
        kind = i % 3
        pool = files if kind == 1 else attacks if kind == 2 else []
        if pool:
            src = pool[(i // 3) % len(pool)]
            name = src.parent.name
            if kind == 2:
                name = next(ast.literal_eval(node.value) for node in ast.parse(
                    src.read_text()).body if isinstance(node, ast.Assign)
                    and getattr(node.targets[0], "id", "") == "EXERCISE")
            shutil.copy(src, student / f"{name}.py")
    return folder


def time_batch(n=50, jobs=2, timeout=3600) -> Measurement:
    """Seconds for ``grade-batch`` of ``n`` mixed submissions with ``jobs`` jobs; the
    detail says how many result files were written."""
    name = f"grade-batch of {n} mixed submissions ({jobs} jobs)"
    if not (REPO_ROOT / "tests" / "fixtures" / "attacks").is_dir():
        return _measurement("batch", name, None, detail="no tests/fixtures (a student copy)")
    with tempfile.TemporaryDirectory() as tmp:
        subs = mixed_class(Path(tmp) / "subs", n)
        out_dir = Path(tmp) / "out"
        cmd = [sys.executable, "-m", "course_lib.grading", "grade-batch", str(subs),
               "--out", str(out_dir), "--jobs", str(jobs), "--no-progress",
               "--timeout", "5"]
        start = time.perf_counter()
        out = subprocess.run(cmd, cwd=REPO_ROOT, env=_env(), capture_output=True,
                             text=True, timeout=timeout)
        seconds = time.perf_counter() - start
        written = len(list(out_dir.glob("*/results.json")))
    return _measurement("batch", name, seconds, failed=out.returncode != 0 or written != n,
                        detail=f"{written} result files; exit {out.returncode}")


def time_tests(timeout=3600) -> Measurement:
    """Seconds for ``python -m pytest tests`` (the library and grading tests; the
    notebooks are timed one by one)."""
    cmd = [sys.executable, "-m", "pytest", "tests", "-q", "-p", "no:cacheprovider"]
    start = time.perf_counter()
    out = subprocess.run(cmd, cwd=REPO_ROOT, env=_env(), capture_output=True, text=True,
                         timeout=timeout)
    seconds = time.perf_counter() - start
    tail = out.stdout.strip().splitlines()
    return _measurement("tests", "test suite (pytest tests)", seconds,
                        failed=out.returncode != 0, detail=tail[-1] if tail else "")


def time_optimizers():
    """Hook for the optimizer step-time ratios (``course_lib.torch_optim`` over
    ``torch.optim`` foreach, in the same run): ``(rows, table)`` from
    ``course_lib.bench_optim.run()`` / ``format_table`` where that module exists, else
    ``(None, reason)``."""
    if importlib.util.find_spec("course_lib.bench_optim") is None:
        return None, "course_lib.bench_optim is not in this checkout"
    from . import bench_optim
    rows = bench_optim.run()
    return rows, bench_optim.format_table(rows)


def _seconds(seconds) -> str:
    if seconds is None:
        return "n/a"
    return f"{seconds:.3f} s" if seconds < 1 else f"{seconds:.2f} s"


def format_table(results) -> str:
    """The results as a fixed-width text table."""
    rows = [("measurement", "time", "budget", "status")]
    for m in results:
        rows.append((
            m.name,
            _seconds(m.seconds),
            "-" if m.budget_s is None else f"< {m.budget_s:g} s",
            m.status,
        ))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                       for i, (c, w) in enumerate(zip(r, widths))).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    for m in results:
        if m.detail and (m.status in ("FAILED", "n/a") or m.kind == "notebook"):
            lines.append(f"  {m.name}: {m.detail}")     # why, or a notebook's slowest cell
    return "\n".join(lines)


def _parser():
    p = argparse.ArgumentParser(prog="python -m course_lib.bench", description=__doc__.split("\n")[0])
    p.add_argument("--tests", action="store_true", help="also time the test suite (slow)")
    p.add_argument("--no-optimizers", action="store_true",
                   help="skip the torch_optim vs torch.optim step-time ratios")
    p.add_argument("--no-notebooks", action="store_true", help="skip the notebooks")
    p.add_argument("--no-grading", action="store_true", help="skip grading solutions/")
    p.add_argument("--batch", action="store_true",
                   help="also time a grade-batch of 50 mixed submissions (slow)")
    p.add_argument("--notebook", action="append", default=None, metavar="PATH",
                   help="time only these notebooks (repeatable)")
    p.add_argument("--repeat", type=int, default=5, help="import timings (default 5)")
    p.add_argument("--out", type=Path, default=REPO_ROOT / "build" / "bench.json",
                   help="where to write the JSON (default build/bench.json)")
    p.add_argument("--setup", action="store_true", help="also time a fresh set-up (slow)")
    p.add_argument("--browser", action="store_true", help="also time the browser test")
    p.add_argument("--site", action="store_true",
                   help="also time the site build, every notebook executed")
    p.add_argument("--all", action="store_true",
                   help="everything: --setup --tests --browser --site (make bench)")
    return p


def main(argv=None) -> int:
    """Run the benchmark, print the table, write the JSON; always exit 0."""
    args = _parser().parse_args(argv)
    if args.repeat < 1:
        _parser().error(f"--repeat must be >= 1, got {args.repeat}")
    if args.all:            # every optional measurement this parser knows
        for flag in ("tests", "setup", "browser", "site", "batch"):
            if hasattr(args, flag):
                setattr(args, flag, True)
    results = []

    def record(m):
        results.append(m)
        note = f" ({m.detail})" if m.status in ("FAILED", "n/a") and m.detail else ""
        print(f"... {m.name}: {_seconds(m.seconds)} {m.status}{note}", flush=True)

    record(time_import(args.repeat))
    if not args.no_notebooks:
        paths = ([Path(p) for p in args.notebook] if args.notebook
                 else sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")))
        for path in paths:
            record(time_notebook(path))
    from . import bench_build
    for flag, timer in ((args.setup, bench_build.time_setup),
                        (args.browser, bench_build.time_browser_test),
                        (args.site, bench_build.time_site)):
        if flag:
            record(timer())

    if not args.no_grading:
        record(time_grading())
        for m in time_grading_exercises():
            record(m)
    if args.batch:
        record(time_batch())
    if args.tests:
        record(time_tests())
    optimizers, optimizer_table = (None, "skipped (--no-optimizers)")
    if not args.no_optimizers:
        optimizers, optimizer_table = time_optimizers()
    print()
    print(format_table(results))
    print("\noptimizer step time, ours / torch.optim(foreach=True) (goal <= 1.5):")
    print(optimizer_table)
    report = {
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpu_count": os.cpu_count()},
        "budgets_s": BUDGETS,
        "results": [asdict(m) for m in results],
        "optimizer_step_ratios": optimizers if optimizers is not None else optimizer_table,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
