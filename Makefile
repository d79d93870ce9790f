# Two commands for a fresh clone (see README):
#   make tutorial   set up .venv, fetch the data, run the five notebooks end to end (outputs saved in them)
#   make test       set up .venv, fetch the data, run every test and re-execute the notebooks (what CI runs)
# Both create what they need; running them again skips what is already done.
# For development: make test-fast (unit tests only, under 2 minutes with AVX-512), make sync, make lint.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SOURCES   := notebooks/01_mnist_cnn.py notebooks/02_improving_the_model.py notebooks/03_using_the_model.py \
             notebooks/04_reading_real_photos.py notebooks/05_common_mistakes.py
NOTEBOOKS := $(SOURCES:.py=.ipynb)
PIP := $(PY) -m pip --disable-pip-version-check --quiet

.PHONY: tutorial test test-fast data venv sync benchmark demo lint clean

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "error: Python 3.11+ is needed; found " + sys.version.split()[0] + " (set PYTHON=/path/to/python3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip
	$(PIP) install -r requirements.txt
	@# editable: edits to mnist_cnn/ apply without reinstalling. PYTHONWARNINGS hides setuptools'
	@# generic "Editable installation" notice, which is not about this project.
	PYTHONWARNINGS=ignore $(PIP) install -e .
	@touch $@

data: $(STAMP)
	$(PY) -m mnist_cnn fetch-data
	@bash scripts/fashion_mnist.sh

# notebooks/NN_name.py is the source; copy its cells into the .ipynb, keeping the outputs there.
sync: $(STAMP)
	$(VENV)/bin/jupytext --quiet --update --to ipynb $(SOURCES)
	$(PY) scripts/clean_notebooks.py $(NOTEBOOKS)

tutorial: data sync
	$(VENV)/bin/jupyter nbconvert --log-level=ERROR --to notebook --execute --inplace \
	    --ExecutePreprocessor.timeout=1800 "--ExecutePreprocessor.extra_arguments=['--IPKernelApp.log_level=ERROR']" \
	    $(NOTEBOOKS)
	$(PY) scripts/clean_notebooks.py $(NOTEBOOKS)
	$(PY) scripts/export_figures.py

test: data
	@bash scripts/chromium.sh
	$(PY) -m pytest tests notebooks --nbval-lax --nbval-current-env --durations=20

test-fast: $(STAMP)
	$(PY) -m pytest tests -m "not slow" -q

benchmark: data
	$(PY) benchmarks/benchmark.py

demo: $(STAMP)
	$(PY) -m mnist_cnn demo

lint: $(STAMP)
	$(VENV)/bin/ruff check mnist_cnn tests scripts benchmarks notebooks
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) .pytest_cache notebooks/artifacts
