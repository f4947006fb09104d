"""Timings of the course's build, for :mod:`course_lib.bench` (``make bench``).

========================================  ==========  ===================================
measurement                               budget      how
========================================  ==========  ===================================
fresh set-up (``--setup``)                < 180 s     a new venv in a temporary folder,
                                                      ``pip install -c constraints.txt
                                                      -e .[test]`` (pip's cache is used,
                                                      as on a second machine of a class)
the browser test (``--browser``)          < 180 s     ``pytest tests_browser``: every
                                                      notebook run in JupyterLab
the site (``--site``)                     < 600 s     ``website/build.py --execute``:
                                                      every notebook executed, no reuse
========================================  ==========  ===================================

And per notebook, the slowest cell, from the execution times nbclient records in each
cell's metadata (:func:`slowest_cell`). Each function returns a ``bench.Measurement``.
"""
from __future__ import annotations

import datetime as _dt
import os
import shutil
import subprocess
import sys
import tempfile
import time

from .paths import REPO_ROOT

__all__ = ["slowest_cell", "time_setup", "time_browser_test", "time_site"]

CHROMIUM = os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium")


def _timestamp(text):
    return _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def slowest_cell(nb):
    """``(cell id, seconds)`` of the cell that ran longest in an executed notebook, from
    nbclient's ``metadata.execution`` times (``shell.execute_reply`` minus
    ``iopub.execute_input``); ``(None, None)`` if no cell has them."""
    best = (None, None)
    for cell in nb.cells:
        times = cell.get("metadata", {}).get("execution", {})
        start, end = times.get("iopub.execute_input"), times.get("shell.execute_reply")
        if start and end:
            seconds = (_timestamp(end) - _timestamp(start)).total_seconds()
            if best[1] is None or seconds > best[1]:
                best = (cell.get("id"), seconds)
    return best


def _timed(kind, name, cmd, timeout, cwd=REPO_ROOT, env=None):
    from .bench import _env, _measurement

    start = time.perf_counter()
    try:
        out = subprocess.run(cmd, cwd=cwd, env=env or _env(), capture_output=True,
                             text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return _measurement(kind, name, time.perf_counter() - start, failed=True,
                            detail=f"timed out after {timeout} s")
    seconds = time.perf_counter() - start
    tail = (out.stdout + out.stderr).strip().splitlines()
    return _measurement(kind, name, seconds, failed=out.returncode != 0,
                        detail=f"exit {out.returncode}: " + (tail[-1][:300] if tail else ""))


def time_setup(timeout=1800):
    """Seconds to create a venv and install the course into it, as ``make lab`` does the
    first time (in a temporary folder, removed afterwards)."""
    folder = tempfile.mkdtemp(prefix="course-setup-")
    venv = os.path.join(folder, "venv")
    python = os.path.join(venv, "bin", "python")
    script = (f"{sys.executable} -m venv {venv} && {python} -m pip install -q "
              f"--disable-pip-version-check -c constraints.txt -e '.[test]'")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    try:
        return _timed("setup", "fresh set-up (venv + pip install .[test])",
                      ["bash", "-c", script], timeout, env=env)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def time_browser_test(timeout=1800):
    """Seconds for ``pytest tests_browser`` (JupyterLab in headless chromium)."""
    name = "browser test (pytest tests_browser)"
    if not os.access(CHROMIUM, os.X_OK):
        from .bench import _measurement
        return _measurement("browser", name, None, detail=f"no {CHROMIUM}")
    return _timed("browser", name, [sys.executable, "-m", "pytest", "tests_browser", "-q",
                                    "-p", "no:cacheprovider"], timeout)


def time_site(timeout=1800):
    """Seconds for ``website/build.py --execute`` (every notebook executed by the site
    build, the worst case of ``make site``)."""
    return _timed("site", "site build, every notebook executed",
                  [sys.executable, str(REPO_ROOT / "website" / "build.py"), "--execute"],
                  timeout)
