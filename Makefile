# Two commands for a fresh clone (see README):
#   make tutorial   set up .venv, fetch MNIST, run notebooks/01_mnist_cnn.ipynb end to end
#   make test       set up .venv, fetch MNIST, run the unit tests and re-execute the notebooks
# Both create what they need; running them again skips what is already done.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
NOTEBOOKS := notebooks/01_mnist_cnn.ipynb notebooks/02_improving_the_model.ipynb notebooks/03_using_the_model.ipynb

.PHONY: tutorial test data venv benchmark lint clean

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "error: Python 3.10+ is needed; found " + sys.version.split()[0] + " (set PYTHON=/path/to/python3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt -e .
	@touch $@

data: $(STAMP)
	$(PY) -m mnist_cnn fetch-data
	@bash scripts/fashion_mnist.sh

tutorial: data
	$(VENV)/bin/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.timeout=1800 $(NOTEBOOKS)
	$(PY) scripts/clean_notebooks.py $(NOTEBOOKS)
	$(PY) scripts/export_figures.py

test: data
	$(PY) -m pytest tests notebooks --nbval-lax --nbval-current-env

benchmark: data
	$(PY) benchmarks/benchmark.py

lint: $(STAMP)
	$(VENV)/bin/ruff check mnist_cnn tests scripts benchmarks

clean:
	rm -rf $(VENV) .pytest_cache
