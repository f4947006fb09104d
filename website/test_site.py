"""The built site (``build/site/``, from ``make site``) in headless chromium.

Run by ``make site`` after the build. Every page is loaded from a local HTTP server, and
every request to another host is logged and aborted: the test fails if there was one
(the site must work offline), or if a local file it asked for was missing. Per page:
it exists for every ``notebooks/NN_*.ipynb``, in chapter order in the index; no error
output; equations typeset by MathJax; widgets drawn from the saved state; quizzes shown;
every link to a page or file of the site resolves. The search page finds a chapter.
"""
from __future__ import annotations

import functools
import http.server
import os
import re
import sys
import threading
import urllib.parse
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests_browser"))
from chromium import headless_chromium  # noqa: E402  (tests_browser/chromium.py)

SITE = Path(os.environ.get("COURSE_SITE", REPO / "build" / "site"))
SHOTS = REPO / "build" / "site-shots"
NOTEBOOKS = sorted(p.stem for p in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    if not (SITE / "index.html").is_file():
        pytest.fail(f"{SITE}/index.html is missing: run `make site` first")
    handler = functools.partial(_Quiet, directory=str(SITE))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    with headless_chromium() as chromium:
        yield chromium


class Visit:
    """A browser page that logs (and aborts) requests to other hosts and failed ones."""

    def __init__(self, browser, base):
        self.base = base
        self.outside, self.failed, self.console_errors = [], [], []
        self.context = browser.new_context(viewport={"width": 1300, "height": 950})
        self.context.set_default_timeout(30_000)
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("response", lambda r: r.status >= 400 and self.failed.append(
            f"{r.status} {r.url}"))
        self.page.on("requestfailed", lambda r: r.url.startswith(base) and self.failed.append(
            f"failed {r.url}"))
        self.page.on("console", lambda m: m.type == "error" and self.console_errors.append(
            m.text))

    def _route(self, route):
        url = route.request.url
        if url.startswith(self.base) or url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def open(self, path):
        self.page.goto(f"{self.base}/{path}", wait_until="load")
        self.page.wait_for_load_state("networkidle")
        return self.page

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser, server):
    v = Visit(browser, server)
    try:
        yield v
    finally:
        v.close()
    # after every page: nothing asked of another host, no local file missing
    assert v.outside == [], f"requests to other hosts: {sorted(set(v.outside))}"
    assert v.failed == [], f"requests that failed: {sorted(set(v.failed))}"


def local_targets(page, base):
    """Every link of the page that points into the site: (file path, fragment)."""
    hrefs = page.locator("a[href]").evaluate_all("as => as.map(a => a.href)")
    targets = set()
    for href in hrefs:
        if not href.startswith(base):
            continue
        parts = urllib.parse.urlsplit(href)
        path = urllib.parse.unquote(parts.path).lstrip("/") or "index.html"
        if path.endswith("/"):
            path += "index.html"
        targets.add((path, parts.fragment))
    return targets


def test_index_lists_every_chapter_in_order(visit):
    page = visit.open("index.html")
    hrefs = page.locator(".bd-article a.reference.internal").evaluate_all(
        "as => as.map(a => a.getAttribute('href'))")
    listed = [h.split("#")[0].removesuffix(".html") for h in hrefs]
    assert listed == NOTEBOOKS, f"index lists {listed}, notebooks/ holds {NOTEBOOKS}"
    # the sidebar navigation holds them too
    nav = page.locator("nav.bd-links a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    assert [h.removesuffix(".html") for h in nav] == NOTEBOOKS


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_chapter_page(visit, stem):
    assert (SITE / f"{stem}.html").is_file(), f"no page for notebooks/{stem}.ipynb"
    page = visit.open(f"{stem}.html")
    article = page.locator(".bd-article")
    # no error output: myst-nb marks tracebacks, and no traceback text at all
    assert page.locator(".cell_output .traceback, .output.traceback, .output.error").count() == 0
    assert "Traceback (most recent call last)" not in article.inner_text()
    # equations typeset (the source pages have $...$ and $$...$$)
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
    page.evaluate("() => MathJax.startup.promise")
    assert page.locator("mjx-container").count() > 0, "no equation was typeset"
    assert page.locator(".bd-article mjx-merror").count() == 0, "an equation failed to typeset"
    # widgets from the saved state: each saved view is drawn, sliders included
    views = page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count()
    if views:
        # a control of some kind is drawn (chapter 12's explorer is a selector, no slider)
        page.wait_for_function(
            "() => document.querySelectorAll('.jupyter-widgets.widget-slider, "
            ".jupyter-widgets.widget-dropdown').length > 0")
        drawn = page.locator(".cell_output .jupyter-widgets").count()
        assert drawn >= views, f"{views} saved widget views, {drawn} drawn"
        images = page.locator(".cell_output img.widget-image")
        assert images.evaluate_all("ims => ims.every(i => i.complete && i.naturalWidth > 50)")
        control = page.locator(".cell_output .widget-slider, .cell_output .widget-dropdown").first
        control.scroll_into_view_if_needed()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{stem}_widgets.png"))
    # every plot loads
    widths = page.locator(".cell_output img").evaluate_all("ims => ims.map(i => i.naturalWidth)")
    assert all(w > 50 for w in widths), f"pictures that did not load: {widths}"
    # every link into the site resolves (file and #anchor)
    for path, fragment in sorted(local_targets(page, visit.base)):
        target = SITE / path
        assert target.is_file(), f"{stem}.html links to missing {path}"
        if fragment and target.suffix == ".html":
            html = target.read_text(encoding="utf-8")
            assert re.search(rf'id="{re.escape(fragment)}"', html), (
                f"{stem}.html links to {path}#{fragment}: no such anchor")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{stem}.png"))


def test_a_quiz_renders_and_answers(visit):
    quizzed = [s for s in NOTEBOOKS
               if "jupyterquiz" in (SITE / f"{s}.html").read_text(encoding="utf-8")]
    assert quizzed, "no page holds a jupyterquiz quiz (chapter 00 has one)"
    page = visit.open(f"{quizzed[0]}.html")
    buttons = page.locator(".MCButton")
    buttons.first.wait_for(state="visible")
    buttons.first.scroll_into_view_if_needed()
    buttons.first.click()
    feedback = page.locator(".Feedback")
    feedback.first.wait_for(state="visible")
    assert feedback.first.inner_text().strip()
    page.screenshot(path=str(SHOTS / "quiz.png"))


def test_search_finds_a_chapter(visit):
    page = visit.open("search.html?q=gradient")
    results = page.locator("#search-results li")
    results.first.wait_for(state="attached", timeout=30_000)
    hrefs = results.locator("a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    assert any("01_gradient_descent" in h for h in hrefs), hrefs
