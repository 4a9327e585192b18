# Two entry points for a fresh machine (python3 >= 3.11 and make):
#   make demo   installs nnlab into .venv and runs the main job (nnlab demo)
#   make test   installs nnlab with its test extras into .venv and runs the test suite
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python

.PHONY: demo test install install-test clean

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade --quiet pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/activate
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/activate
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

demo: install
	$(VENV)/bin/nnlab demo

test: install-test
	$(PY) -m pytest -q

clean:
	rm -rf $(VENV) demo-course .pytest_cache
