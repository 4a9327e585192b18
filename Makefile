# Two entry points for a fresh machine (python3 >= 3.11 and make):
#   make demo   installs nnlab into .venv and runs the main job (nnlab demo)
#   make test   installs nnlab with its test extras into .venv (and Debian's chromium for the
#               browser test), then runs the test suite
# Both install the pinned grading environment: requirements/lock.txt constrains every package
# (pyproject.toml keeps loose ranges for people who pip install nnlab into their own env).
# VENV=DIR installs into another virtual environment (.ci/run gives each command a fresh one).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
LOCK   := requirements/lock.txt
CHROMIUM ?= /usr/bin/chromium
PIP    := $(PY) -m pip install --quiet --constraint $(LOCK)

.PHONY: demo test install install-test chromium lock clean

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip

$(VENV)/.installed: pyproject.toml $(LOCK) | $(VENV)/bin/activate
	$(PIP) -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(LOCK) | $(VENV)/bin/activate
	$(PIP) -e ".[test]"
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test chromium

# The browser test drives Debian's chromium through Playwright (never `playwright install`,
# which downloads a browser of its own).
chromium:
	@if [ -x $(CHROMIUM) ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's chromium for the browser test (apt-get)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
	    echo "The browser test needs $(CHROMIUM): sudo apt-get install chromium" >&2; \
	fi

demo: install
	$(VENV)/bin/nnlab demo

test: install-test
	$(PY) -m pytest -q

# Regenerate the lock from a fresh venv (then review the diff and run make test).
lock:
	PYTHON=$(PYTHON) requirements/update-lock.sh

clean:
	rm -rf $(VENV) demo-course .pytest_cache
