"""The course as a learner sees it: JupyterLab in a real (headless) browser.

Part of ``make test`` wherever Debian's chromium is at ``/usr/bin/chromium`` (``.ci/run``
installs it; ``make test-browser`` runs it alone). It needs the ``browser`` extra
(playwright, which drives that chromium; ``playwright install`` is never used). It:

* starts JupyterLab from this venv on a free loopback port, with a token, serving a
  *copy* of ``notebooks/`` (Lab autosaves) and every Jupyter/IPython folder in a temporary
  directory, so nothing is written to the repository or the home directory;
* opens each chapter, runs all cells, waits (bounded) until the kernel is done, and checks
  what a learner would see: no error output; every explorer (a code cell whose id starts
  with ``explorer``) renders, and changing its first control (slider, selector) changes
  what it shows; every quiz (a code cell whose id starts with ``quiz``) renders its
  questions; plus each chapter's own checks (``CHAPTER_CHECKS``: known values after a
  slider move, plots, grading tables).

Every ``notebooks/NN_*.ipynb`` is opened. Screenshots go to ``$COURSE_BROWSER_SHOTS``
(default: ``build/browser-shots/``), and each notebook as Lab saved it after the run to
``build/executed/`` (``make site`` reuses those outputs).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from chromium import headless_chromium

REPO = Path(__file__).resolve().parents[1]
SHOTS = Path(os.environ.get("COURSE_BROWSER_SHOTS", REPO / "build" / "browser-shots"))
# Each chapter as Lab saved it after the run (outputs and widget state): `make site` renders
# these instead of executing the notebooks once more.
EXECUTED = REPO / "build" / "executed"
NOTEBOOKS = sorted(p.name for p in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
TOKEN = "course-browser-test"
TRACEBACK = "Traceback (most recent call last)"
# Voila (the `workshop` extra) serves /voila/render/... from the same server; the slideshow
# extension's plugins log errors in Voila's pages, so they are kept out of them
# (`make present` passes the same list).
VOILA_DENYLIST = ["jupyterlab-slideshow", "@deathbeds/jupyterlab-fonts"]
VOILA_ARGS = ["--VoilaConfiguration.extension_denylist=" + json.dumps(VOILA_DENYLIST)]

# State of one open notebook, read from Lab's own model (window.jupyterapp): the kernel's
# status, how many code cells exist / have an execution count / still show the '*' prompt,
# and every output of type 'error' (a raised exception, as opposed to a warning on stderr).
NOTEBOOK_STATE_JS = """
(name) => {
  const app = window.jupyterapp;
  if (!app) return null;
  let panel = null;
  for (const w of app.shell.widgets('main')) {
    if (w.context && w.context.path.endsWith(name)) { panel = w; }
  }
  if (!panel || !panel.content) return null;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  let code = 0, executed = 0, pending = 0;
  const errors = [];
  panel.content.widgets.forEach((cell, i) => {
    if (cell.model.type !== 'code') return;
    code += 1;
    if (cell.model.executionCount !== null) executed += 1;
    const prompt = cell.node.querySelector('.jp-InputPrompt');
    if (prompt && prompt.textContent.includes('*')) pending += 1;
    const outputs = cell.model.outputs;
    for (let k = 0; k < outputs.length; k++) {
      const out = outputs.get(k);
      if (out.type === 'error') {
        const j = out.toJSON();
        errors.push({cell: i, id: cell.model.id, ename: j.ename, evalue: j.evalue});
      }
    }
  });
  return {kernel: kernel ? kernel.status : 'none', ready: panel.context.isReady,
          code, executed, pending, errors};
}
"""

# SHA-256 of what an <img> shows (ipywidgets' Image uses blob: URLs, new on every update,
# so the src alone would "change" even for an identical picture).
IMAGE_DIGEST_JS = """
async (img) => {
  const buf = await (await fetch(img.src)).arrayBuffer();
  const digest = await crypto.subtle.digest('SHA-256', buf);
  return Array.from(new Uint8Array(digest)).map(b => b.toString(16).padStart(2, '0')).join('');
}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get_json(url: str, method: str = "GET", timeout: float = 5.0):
    req = urllib.request.Request(url, method=method)
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        body = resp.read()
    return json.loads(body) if body else None


def _wait(predicate, timeout: float, what: str, interval: float = 0.25):
    """Poll ``predicate()`` until it returns a truthy value; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what} (last: {last!r})")


class Lab:
    """A JupyterLab server on 127.0.0.1 serving a temporary copy of the notebooks."""

    def __init__(self, root: Path):
        self.root = root
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = root / "lab.log"
        self.proc = None

    def start(self, timeout: float = 90.0):
        shutil.copytree(REPO / "notebooks", self.root / "notebooks",
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        home = self.root / "jupyter"
        env = dict(os.environ)
        env.update(
            JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_DATA_DIR=str(home / "data"),
            JUPYTER_RUNTIME_DIR=str(home / "runtime"), IPYTHONDIR=str(home / "ipython"),
            JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
            JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
            PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])),
        )
        env.pop("MPLBACKEND", None)     # the kernel's inline backend must draw the plots
        # Render every cell (no windowing), so that the DOM holds all outputs at once; no
        # news/update toast (it would ask for consent, and fetching needs the network).
        # The widget manager saves the widgets' state into the notebook, so that the saved
        # copy (build/executed/, for the site) shows them without a kernel.
        settings = {
            ("@jupyterlab/notebook-extension", "tracker"): {"windowingMode": "none"},
            ("@jupyterlab/apputils-extension", "notification"): {"fetchNews": "false",
                                                                 "checkForUpdates": False},
            ("@jupyter-widgets/jupyterlab-manager", "plugin"): {"saveState": True},
        }
        for (plugin, name), values in settings.items():
            folder = home / "settings" / plugin
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{name}.jupyterlab-settings").write_text(json.dumps(values),
                                                               encoding="utf-8")
        cmd = [sys.executable, "-m", "jupyterlab", "--no-browser",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
               "--ServerApp.port_retries=0", f"--ServerApp.root_dir={self.root}",
               f"--IdentityProvider.token={TOKEN}", "--LabApp.news_url=None",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               "--LabApp.expose_app_in_browser=True", *VOILA_ARGS]
        if os.geteuid() == 0:
            cmd.append("--allow-root")
        self._log = self.log_path.open("wb")
        # Own process group: teardown ends the server and the kernels it started, by id.
        self.proc = subprocess.Popen(cmd, cwd=self.root, env=env, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)

        def ready():
            if self.proc.poll() is not None:
                pytest.fail(f"jupyter lab exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                return _get_json(f"{self.base}/api/status?token={TOKEN}", timeout=2.0)
            except OSError:
                return None

        _wait(ready, timeout, "JupyterLab's /api/status")
        return self

    def api(self, path: str, method: str = "GET"):
        return _get_json(f"{self.base}/api/{path}?token={TOKEN}", method=method)

    def shutdown_kernels(self):
        for session in self.api("sessions") or []:
            self.api(f"sessions/{session['id']}", method="DELETE")

    def url(self, notebook: str) -> str:
        # ?reset: an empty workspace, so only this notebook (and its kernel) is opened.
        return f"{self.base}/lab/tree/notebooks/{notebook}?reset&token={TOKEN}"

    def log_tail(self, n: int = 4000) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-n:]
        except OSError:
            return ""

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.shutdown_kernels()
            except OSError:
                pass
            for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
                try:
                    os.killpg(self.proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.proc.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        # kernels left in the group after the server exited
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if getattr(self, "_log", None):
            self._log.close()


@pytest.fixture(scope="module")
def lab():
    root = Path(tempfile.mkdtemp(prefix="course-browser-"))
    server = Lab(root)
    try:
        yield server.start()
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    with headless_chromium() as chromium:
        yield chromium


@pytest.fixture
def page(browser, lab):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(30_000)
    pg = context.new_page()
    try:
        yield pg
    finally:
        context.close()
        lab.shutdown_kernels()          # free the 2 cores for the next notebook


def notebook_state(page, name):
    return page.evaluate(NOTEBOOK_STATE_JS, name)


def open_and_run_all(page, lab, name, timeout):
    """Open ``name``, wait for an idle kernel, run all cells, wait until nothing is pending.

    Returns Lab's final state of the notebook (see NOTEBOOK_STATE_JS) and the seconds the
    run took."""
    page.goto(lab.url(name), timeout=60_000)
    _wait(lambda: (s := notebook_state(page, name)) and s["ready"] and s["kernel"] == "idle",
          90, f"{name} open with an idle kernel")
    page.evaluate("""(name) => {
        const app = window.jupyterapp;
        for (const w of app.shell.widgets('main')) {
          if (w.context && w.context.path.endsWith(name)) { app.shell.activateById(w.id); }
        }
        app.commands.execute('notebook:run-all-cells');   // not awaited (can hang)
        return true;
    }""", name)
    start = time.monotonic()
    _wait(lambda: (s := notebook_state(page, name)) and (s["pending"] > 0 or s["executed"] > 0),
          30, f"{name}: run-all to start")
    stable = {"n": 0}

    def finished():
        s = notebook_state(page, name)
        done = s["kernel"] == "idle" and s["pending"] == 0
        stable["n"] = stable["n"] + 1 if done else 0
        return s if stable["n"] >= 3 else None       # idle for 3 polls in a row

    state = _wait(finished, timeout, f"{name}: all cells to finish", interval=0.5)
    return state, time.monotonic() - start


def assert_ran_without_errors(page, state, name):
    assert state["errors"] == [], f"{name}: cells raised: {state['errors']}"
    assert state["executed"] == state["code"], (
        f"{name}: only {state['executed']} of {state['code']} code cells ran")
    # Lab shows an exception as an output with the stderr mime type; warnings use it too,
    # so look for the traceback text, not for the mime type alone.
    stderr = page.locator(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
    tracebacks = [t for t in stderr.all_inner_texts() if TRACEBACK in t]
    assert tracebacks == [], f"{name}: tracebacks shown:\n" + "\n".join(tracebacks)[:3000]


def image_digest(locator):
    return locator.evaluate(IMAGE_DIGEST_JS)


def screenshot(page, filename):
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / filename
    page.screenshot(path=str(path))
    return path


def test_error_detection_sees_a_raising_cell(page, lab):
    """The oracle of the two tests below: a cell that raises is reported, and run-all stops."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1"),
                nbformat.v4.new_code_cell("1 / 0"),
                nbformat.v4.new_code_cell("y = 2")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, lab.root / "notebooks" / "zz_raises.ipynb")

    state, _ = open_and_run_all(page, lab, "zz_raises.ipynb", timeout=60)
    assert [e["ename"] for e in state["errors"]] == ["ZeroDivisionError"]
    assert state["executed"] < state["code"]
    with pytest.raises(AssertionError, match="ZeroDivisionError"):
        assert_ran_without_errors(page, state, "zz_raises.ipynb")




# --- each chapter's own checks (known values), run before the generic explorer check ------

def check_welcome(page):
    """00: the eta slider moved by the keyboard; one GD step on x^2/2 from 1 lands at 1 - eta."""
    interact = page.locator(".widget-interact")
    assert interact.count() == 1, "the eta explorer (ipywidgets.interactive) did not render"
    slider = interact.locator(".widget-slider")
    slider.wait_for(state="visible")
    out = interact.locator(".widget-output")

    def shown():
        m = re.search(r"eta = ([-+\d.]+):\s+x1 = ([-+\d.]+)", out.inner_text())
        return m and (float(m[1]), float(m[2]))

    # where the notebook's check cell left the slider (its fast moves from the kernel can
    # be echoed back by the browser, so do not assume which value it ends on)
    eta0, x1 = _wait(shown, 20, "the explorer to print eta and x1")
    assert x1 == pytest.approx(1 - eta0, abs=0.006), (eta0, x1)

    handle = slider.locator(".noUi-handle")
    handle.scroll_into_view_if_needed()
    handle.focus()
    top = float(handle.get_attribute("aria-valuemax"))
    step = -0.1 if eta0 + 0.1 > top + 1e-9 else 0.1      # the slider's step is 0.1
    handle.press("ArrowRight" if step > 0 else "ArrowLeft")
    eta1, x1 = _wait(lambda: (s := shown()) and s[0] != eta0 and s, 20,
                     "the kernel to print the moved eta")
    # one GD step on f(x) = x^2/2 from x0 = 1: x1 = 1 - eta
    assert eta1 == pytest.approx(eta0 + step, abs=1e-9)
    assert x1 == pytest.approx(1 - eta1, abs=0.006), (eta1, x1)
    assert interact.locator(".widget-readout").first.inner_text().strip() == f"{eta1:.2f}"
    screenshot(page, "00_welcome_slider.png")


def check_gradient_descent(page):
    """01: plots shown, check() tables shown, the GD explorer redraws for lr x L = 0.91."""
    images = page.locator(".jp-RenderedImage img")
    assert images.count() > 5, f"only {images.count()} plots rendered"
    widths = images.evaluate_all("imgs => imgs.map(i => i.naturalWidth)")
    assert all(w > 100 for w in widths), f"plots that did not load: {widths}"

    for exercise in ("ex01_gradient_descent", "ex01_minibatch", "ex01_backtracking"):
        table = page.locator(".jp-RenderedHTMLCommon table", has_text=exercise)
        assert table.count() >= 1, f"check({exercise!r}) showed no table"
        assert re.search(r"\d+ / \d+", table.first.inner_text()), "no score in the table"

    explorers = page.locator(".jp-OutputArea-output", has=page.locator("img.widget-image"))
    assert explorers.count() == 2, "the GD and SGD explorers did not both render (once each)"
    box = explorers.filter(has_text="lr × L")        # the GD explorer's first slider
    assert box.count() == 1, "the GD explorer did not render (exactly once)"
    image = box.locator("img.widget-image")
    info = box.locator(".widget-html")
    _wait(lambda: image.evaluate("i => i.complete && i.naturalWidth > 100"), 20,
          "the explorer's image")
    before = image_digest(image)
    assert re.search(r"lr = 0\.225\s", info.inner_text())   # lr x L = 0.9, L = 4

    lr_slider = box.locator(".widget-slider").first
    assert "lr" in lr_slider.inner_text()
    handle = lr_slider.locator(".noUi-handle")
    handle.scroll_into_view_if_needed()
    handle.focus()
    handle.press("ArrowRight")                          # step 0.01: lr x L 0.90 -> 0.91
    _wait(lambda: re.search(r"lr = 0\.2275\s", info.inner_text()), 30,
          "the kernel to redraw lr = 0.91/L")
    _wait(lambda: image_digest(image) != before, 30, "the explorer's image to change")
    assert lr_slider.locator(".widget-readout").inner_text().strip() == "0.91"
    screenshot(page, "01_gradient_descent_explorer.png")
    page.locator(".jp-RenderedHTMLCommon table", has_text="ex01_backtracking").first \
        .scroll_into_view_if_needed()
    screenshot(page, "01_gradient_descent_check.png")


CHAPTER_CHECKS = {"00_welcome.ipynb": check_welcome,
                  "01_gradient_descent.ipynb": check_gradient_descent}


# --- every notebook: run all, no errors, explorers react, quizzes render -----------------

# Marks each cell's DOM node with its id (data-course-cell), so that a test can find the
# outputs of the cell `explorer`; returns the ids of the code cells.
MARK_CELLS_JS = """
(name) => {
  const app = window.jupyterapp;
  let panel = null;
  for (const w of app.shell.widgets('main')) {
    if (w.context && w.context.path.endsWith(name)) { panel = w; }
  }
  const ids = [];
  panel.content.widgets.forEach((cell) => {
    cell.node.dataset.courseCell = cell.model.id;
    if (cell.model.type === 'code') ids.push(cell.model.id);
  });
  return ids;
}
"""

# An explorer's first control, in document order, and how to change it.
CONTROLS = ", ".join([".widget-slider .noUi-handle", ".widget-dropdown select",
                      ".widget-toggle-buttons button", ".widget-radio-box input",
                      ".widget-checkbox input"])


def cell_outputs(page, cell_id):
    return page.locator(f'[data-course-cell="{cell_id}"] .jp-Cell-outputArea')


# What the controls themselves show (a slider's readout moves with the slider): left out of
# what_it_shows, so that only what the kernel computed counts as a change.
CONTROL_PARTS = ".widget-readout, .widget-label, .widget-slider, .widget-dropdown, " \
                ".widget-toggle-buttons, .widget-radio-box, .widget-checkbox, .widget-text"
OUTPUT_TEXT_JS = """
(node, controls) => {
  const copy = node.cloneNode(true);
  copy.querySelectorAll(controls).forEach(e => e.remove());
  return copy.textContent;
}
"""


def what_it_shows(outputs):
    """The text an output area shows, without its controls' own labels and readouts, and
    the bytes of each picture in it."""
    images = outputs.locator("img")
    return (outputs.evaluate(OUTPUT_TEXT_JS, CONTROL_PARTS),
            tuple(image_digest(images.nth(k)) for k in range(images.count())))


def change_control(control):
    """Move a slider one keyboard step (down if it is at its maximum), pick another option
    of a selector, or click a button / box that is not the current choice."""
    classes = control.evaluate("e => e.className + ' ' + e.tagName")
    control.scroll_into_view_if_needed()
    if "noUi-handle" in classes:
        now, top = (float(control.get_attribute(a)) for a in ("aria-valuenow", "aria-valuemax"))
        control.focus()
        control.press("ArrowLeft" if now >= top else "ArrowRight")
    elif "SELECT" in classes:
        current = control.input_value()
        values = control.evaluate("s => Array.from(s.options).map(o => o.value)")
        other = [v for v in values if v != current]
        assert other, "the explorer's first selector has a single option"
        control.select_option(other[0])
    elif "mod-active" in classes:
        pytest.fail("the explorer's first control is a toggle button already chosen")
    else:
        control.click()


def check_explorer(page, name, cell_id):
    outputs = cell_outputs(page, cell_id)
    controls = outputs.locator(CONTROLS)
    _wait(lambda: controls.count() > 0, 30,
          f"{name}: explorer cell {cell_id!r} to render a control")
    images = outputs.locator("img")
    _wait(lambda: images.evaluate_all("ims => ims.every(i => i.complete)"), 30,
          f"{name}: {cell_id!r}'s pictures to load")
    before = what_it_shows(outputs)
    change_control(controls.first)
    _wait(lambda: what_it_shows(outputs) != before, 60,
          f"{name}: {cell_id!r} to change what it shows after its first control changed")
    outputs.scroll_into_view_if_needed()
    screenshot(page, f"{Path(name).stem}_{cell_id}.png")


def check_quiz(page, name, cell_id):
    """jupyterquiz rendered the questions and answers a click with feedback."""
    outputs = cell_outputs(page, cell_id)
    buttons = outputs.locator(".MCButton")
    _wait(lambda: buttons.count() > 0, 30, f"{name}: quiz {cell_id!r} to show its answers")
    buttons.first.scroll_into_view_if_needed()
    buttons.first.click()
    feedback = outputs.locator(".Feedback")
    _wait(lambda: feedback.count() > 0 and feedback.first.inner_text().strip(), 10,
          f"{name}: quiz {cell_id!r} to give feedback on a click")
    screenshot(page, f"{Path(name).stem}_{cell_id}.png")


def save_executed_copy(page, lab, name):
    """Save the notebook from Lab (outputs and widget state) and copy it to build/."""
    saved = page.evaluate("""async (name) => {
        const app = window.jupyterapp;
        for (const w of app.shell.widgets('main')) {
          if (w.context && w.context.path.endsWith(name)) {
            await w.context.save();
            return true;
          }
        }
        return false;
    }""", name)
    assert saved, f"{name}: could not save the run"
    EXECUTED.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(lab.root / "notebooks" / name, EXECUTED / name)


def widget_explorer_cells(name):
    """Ids of the cells that display an explorer: id ``explorer...`` and the
    ``nbval-ignore-output`` tag that a widget's output needs. Cells such as
    ``explorer-check`` that drive an explorer from code and assert show no widget."""
    nb = json.loads((REPO / "notebooks" / name).read_text(encoding="utf-8"))
    return {c["id"] for c in nb["cells"] if c["cell_type"] == "code"
            and c["id"].startswith("explorer")
            and "nbval-ignore-output" in c.get("metadata", {}).get("tags", [])}


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_in_lab_and_its_explorers_react(page, lab, name):
    state, seconds = open_and_run_all(page, lab, name, timeout=300)
    print(f"{name}: {state['code']} code cells ran in {seconds:.1f} s")
    assert_ran_without_errors(page, state, name)
    code_ids = page.evaluate(MARK_CELLS_JS, name)
    # saved before any control is moved: the site shows the state the cells left
    save_executed_copy(page, lab, name)
    CHAPTER_CHECKS.get(name, lambda page: None)(page)
    explorers = [i for i in code_ids if i in widget_explorer_cells(name)]
    assert explorers, (f"{name}: no explorer cell (a code cell whose id starts with "
                       f"'explorer' and that shows widgets, tagged nbval-ignore-output)")
    for cell_id in explorers:
        check_explorer(page, name, cell_id)
    for cell_id in (i for i in code_ids if i.startswith("quiz")):
        check_quiz(page, name, cell_id)
