# The two commands of the README: `make demo` runs the main job, `make test` the tests.
# Both set up everything first (Debian packages, .venv, the project) when needed.
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint bench-parse

$(STAMP): requirements.txt requirements-dev.txt requirements-pywb.txt pyproject.toml package-lock.json scripts/setup.sh deps/debian-packages.txt
	bash scripts/setup.sh
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/newsarchive demo

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	$(VENV)/bin/python -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

bench-parse: $(STAMP)
	PYTHONPATH=. $(VENV)/bin/python bench/parse.py
