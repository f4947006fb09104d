"""Sphinx configuration of the course's site (``make site``; see website/build.py).

Every script a page loads is served from the site itself: MathJax, RequireJS and the
ipywidgets HTML manager are vendored into ``_static/vendor/`` by build.py."""
import json
from pathlib import Path

project = "Optimization for Machine Learning"
author = "the course's authors"
copyright = "the course's authors; code MIT, prose CC BY 4.0"
extensions = ["myst_nb"]
html_theme = "sphinx_book_theme"
html_title = project
html_theme_options = {"show_toc_level": 2, "use_download_button": False,
                      "use_fullscreen_button": False}
html_show_sourcelink = False
exclude_patterns = ["_build", "**.ipynb_checkpoints", "site_plan.json"]
_BUILD = Path(__file__).resolve().parents[1] / "build"
html_static_path = [str(_BUILD / "site-static")]

myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3

# Local copies instead of the CDNs myst-nb and Sphinx default to (paths under _static/).
mathjax_path = "vendor/mathjax/tex-mml-chtml.js"
nb_ipywidgets_js = {
    "vendor/requirejs/require.js": {},
    "vendor/html-manager/embed-amd.js": {"data-jupyter-widgets-cdn": "_static/vendor/",
                                         "data-jupyter-widgets-cdn-only": "true"},
}

# Notebooks the browser test already ran (build/executed/) are shown as they are; the
# others are executed here, once. An error in a cell fails the build.
_plan = json.loads((_BUILD / "site-src" / "site_plan.json").read_text(encoding="utf-8"))
nb_execution_mode = "force"
nb_execution_excludepatterns = _plan["reused"]
nb_execution_timeout = 300
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True
# Markdown that a cell displays (chapter 12's answers, map and corrections log) is parsed as
# MyST, like the markdown cells: its links to other chapters (`05_adamw.ipynb#anchor`)
# become links to their pages (CommonMark would leave them pointing at the .ipynb files).
nb_render_markdown_format = "myst"
