"""Debian's chromium driven by playwright, for tests_browser/ and website/test_site.py.

Never ``playwright install`` (it downloads a browser): playwright is pointed at
``/usr/bin/chromium`` (``$COURSE_CHROMIUM``)."""
from __future__ import annotations

import os
from contextlib import contextmanager

import pytest

CHROMIUM = os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium")
# Flags that keep chromium off the network (this machine has none) and quiet.
CHROMIUM_ARGS = ["--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-default-apps", "--disable-extensions"]


@contextmanager
def headless_chromium():
    """A headless chromium browser (playwright), closed on exit; fails the test with what
    to install if chromium is missing."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium "
                    "(`sudo apt-get install chromium`, or as root `bash .ci/install-tools`)")
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        # playwright starts chromium with --no-sandbox by default (needed as root) and a
        # fresh temporary profile.
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=CHROMIUM_ARGS, timeout=60_000)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        pw.stop()
