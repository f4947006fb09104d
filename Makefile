# Optimization for Machine Learning — the two commands are `make lab` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
CHROMIUM ?= /usr/bin/chromium
PORT   ?= 8888
EX     ?=

# Lab run as root (containers, CI images) must pass --allow-root.
ROOT_FLAG := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)

.PHONY: lab test grade exercises reset bench lock clean help update test-browser student-release

help:
	@echo "make lab        set up .venv (first time) and open the course in JupyterLab"
	@echo "make test       set up .venv and run every test (library, grading, notebooks)"
	@echo "make grade      grade your exercises/ (report: grade-report.json)"
	@echo "make update     git pull the course's new version (exercises/ stays as it is)"
	@echo "make exercises  create missing exercise files from stubs/ (never overwrites yours)"
	@echo "make reset EX=ex01_gradient_descent   restore one exercise (yours kept as .bak)"
	@echo "make bench      measure the course's time budgets"
	@echo "make lock       refresh constraints.txt (all pins) on purpose"
	@echo "make student-release  the course without solutions/ and tests/, in build/student-release"
	@echo "make test-browser  the notebooks in JupyterLab in headless chromium (part of make test where chromium is)"
	@echo "make present    workshop mode: JupyterLab with slides (live widgets) and Voila apps"
	@echo "make site       build the course as a static site in build/site/ and test it offline"

# The venv is (re)installed only when the dependency files change.
$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
	    echo "The course needs Python >= 3.11; found $$($(PYTHON) --version 2>&1) at $(PYTHON)." \
	         "Install 3.11, or run: make PYTHON=/path/to/python3.11 lab"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q -c constraints.txt -e '.[test]'
	@# JupyterLab 4 asks about fetching news on first start; the course runs offline.
	@mkdir -p $(VENV)/share/jupyter/lab/settings && echo \
	    '{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false}}' \
	    > $(VENV)/share/jupyter/lab/settings/overrides.json
	@touch $(STAMP)

exercises: $(STAMP)
	@$(PY) -m course_lib.grading exercises

# nbstripout as this clone's git filter: outputs never reach git. --keep-id keeps the
# named cell ids (corrections.toml and the tests refer to them; plain nbstripout renames
# them 0, 1, ...); the extra keys drop what a kernel adds to language_info on save.
NBSTRIP := "$(CURDIR)/$(PY)" -m nbstripout --keep-id
NBSTRIP_KEYS := metadata.language_info.codemirror_mode metadata.language_info.file_extension \
    metadata.language_info.mimetype metadata.language_info.nbconvert_exporter metadata.language_info.version

lab: $(STAMP) exercises
	@if git rev-parse --git-dir >/dev/null 2>&1; then \
	    $(VENV)/bin/nbstripout --install >/dev/null 2>&1 && \
	    git config filter.nbstripout.clean '$(NBSTRIP)' && \
	    git config diff.ipynb.textconv '$(NBSTRIP) -t' && \
	    git config filter.nbstripout.extrakeys '$(NBSTRIP_KEYS)' || true; fi
	@echo "Starting JupyterLab: open the http://127.0.0.1:$(PORT)/lab/tree/notebooks/00_welcome.ipynb link (with its token) that it prints. Ctrl-C twice stops it."
	$(VENV)/bin/jupyter lab $(ROOT_FLAG) --port=$(PORT) --LabApp.news_url=None \
	    --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/notebooks/00_welcome.ipynb

# Get the course's new version. git compares a notebook's size before it runs the filter,
# so a notebook you only ran looks modified and blocks `git pull`; `git add -u` on the
# notebooks refreshes that (it stages only changes that survive the filter: your edits).
update:
	git add -u -- '*.ipynb'
	git pull
	@$(MAKE) --no-print-directory exercises

# One pytest run: the library and grading tests, the library's doctests and the notebooks,
# spread over TEST_JOBS pytest-xdist workers (auto = one per core; TEST_JOBS=0 runs in one
# process). --dist loadfile sends each file whole to one worker: a notebook's cells run in
# order in one kernel (plain -n would split them across workers), and a notebook runs
# while the other workers take the test files. The exercise files are created first, so
# that two notebooks' check() never race to create them. tests/fixtures holds exercise
# answers (several files of one name), not tests: --doctest-modules must not import them.
TEST_JOBS ?= auto
test: $(STAMP) exercises
	$(PY) -m pytest -p no:cacheprovider -n $(TEST_JOBS) --dist loadfile \
	    --doctest-modules --ignore=tests/fixtures --nbval-lax --nbval-current-env \
	    tests course_lib notebooks
	@if [ -x $(CHROMIUM) ]; then $(MAKE) --no-print-directory test-browser; else \
	    echo "make test: $(CHROMIUM) is missing, so the browser test (tests_browser/) did not run:" \
	         "install Debian's chromium (bash .ci/install-tools does), or see make test-browser"; fi

# The extras' own stamps: playwright for the browser test, Sphinx for the site.
$(VENV)/.installed-%: $(STAMP)
	$(PY) -m pip install --disable-pip-version-check -q -c constraints.txt -e '.[test,$*]'
	@touch $@

# JupyterLab driven in Debian's chromium by playwright (never `playwright install`, which
# downloads a browser); `make test` runs it where chromium is present. Installs chromium
# when run as root (bash .ci/install-tools), else says how.
test-browser: $(VENV)/.installed-browser $(VENV)/.installed-workshop exercises
	@test -x $(CHROMIUM) || { [ "$$(id -u)" = 0 ] && bash .ci/install-tools; } || { \
	    echo "make test-browser needs Debian's chromium at $(CHROMIUM):" \
	         "run 'sudo apt-get install chromium' (not 'playwright install'), then again 'make test-browser'"; \
	    exit 1; }
	$(PY) -m pytest tests_browser -q -p no:cacheprovider

.PHONY: site present

# Workshop mode: JupyterLab with jupyterlab-slideshow (slides whose widgets stay live) and
# Voila at /voila/render/... (a chapter as a full-screen app), without the slideshow's
# plugins in Voila's pages (they log errors there).
VOILA_DENY := '--VoilaConfiguration.extension_denylist=["jupyterlab-slideshow", "@deathbeds/jupyterlab-fonts"]'
present: $(VENV)/.installed-workshop exercises
	@echo "Workshop mode. Slides: open a chapter, run its cells, then the deck button at the" \
	      "top right of the notebook (or 'Start Deck' in the command palette, Ctrl+Shift+C);" \
	      "arrow keys change slide, and move a slider once it has the focus."
	@echo "Full-screen explorers (Voila): http://127.0.0.1:$(PORT)/voila/render/notebooks/01_gradient_descent.ipynb" \
	      "(add the ?token=... of the link Lab prints). Ctrl-C twice stops it."
	$(VENV)/bin/jupyter lab $(ROOT_FLAG) --port=$(PORT) --LabApp.news_url=None \
	    --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/notebooks/01_gradient_descent.ipynb \
	    $(VOILA_DENY)

# The static site (build/site/): the notebooks the browser test saved (build/executed/)
# are reused, the others executed once; then the site is checked offline in chromium.
site: $(VENV)/.installed-site $(VENV)/.installed-browser exercises
	$(PY) website/build.py
	$(PY) -m pytest website/test_site.py -q -p no:cacheprovider

grade: $(STAMP) exercises
	@$(PY) -m course_lib.grading grade --report grade-report.json

reset: $(STAMP)
	@test -n "$(EX)" || { echo "usage: make reset EX=ex01_gradient_descent"; exit 2; }
	@$(PY) -m course_lib.grading reset $(EX)

# A copy of the course for learners: no solutions/, no tests/ (they hold correct answers).
student-release: $(STAMP)
	rm -rf build/student-release
	$(PY) -m course_lib.grading student-release build/student-release

bench: $(STAMP) $(VENV)/.installed-site $(VENV)/.installed-browser $(VENV)/.installed-workshop exercises
	@$(PY) -m course_lib.bench --all

# Refresh every pin on purpose: a throw-away venv resolves the direct pins in
# pyproject.toml, and its full `pip freeze` becomes constraints.txt.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install -q -e '.[test,dev,browser,site,workshop]'
	( echo "# All pins, made by 'make lock' from pyproject.toml's direct pins. Do not edit by hand."; \
	  .lock-venv/bin/pip freeze --exclude-editable | sed 's/+cpu$$//' ) > constraints.txt
	rm -rf .lock-venv

# The notebooks' git filter runs .venv's python; without .venv it would make git fail.
clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
	@git config --remove-section filter.nbstripout 2>/dev/null; \
	    git config --remove-section diff.ipynb 2>/dev/null; true
