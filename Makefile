# gonghui — the two commands: `make demo` and `make test`. Needs only Python 3.11+.
SHELL := /bin/bash
PY ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
        command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
        && echo $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin
PYTHON := $(BIN)/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test lint format test-sqlite test-pg browser bench bench-import bench-pages messages compilemessages \
        migrate serve lock clean help

help:
	@echo "make demo   - install, migrate SQLite, load demo data, serve at http://$(HOST):$(PORT)"
	@echo "make test   - ruff lint + format check, then the whole test suite on SQLite"
	@echo "make test-pg, make browser, make bench, make messages, make lock, make clean"

$(PYTHON):
	@if [ -z "$(PY)" ]; then echo "gonghui needs Python 3.11 or newer on PATH"; exit 1; fi
	$(PY) -m venv $(VENV)

$(STAMP): $(PYTHON) requirements.txt requirements-dev.txt
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

compilemessages: $(STAMP)
	$(BIN)/pybabel compile --statistics -D django -d locale

migrate: $(STAMP)
	$(PYTHON) manage.py migrate --noinput

demo: compilemessages migrate
	$(PYTHON) manage.py load_demo
	$(PYTHON) manage.py runserver $(HOST):$(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -r gonghui config -c pyproject.toml -ll -q
	$(BIN)/lint-imports --no-cache

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint compilemessages test-sqlite

test-sqlite: $(STAMP)
	$(PYTHON) manage.py makemigrations --check --dry-run
	$(BIN)/pytest -n 2 -m "not browser"

# PostgreSQL run (CI does this): DATABASE_URL=postgres://postgres@127.0.0.1:5432/gonghui make test-pg
test-pg: $(STAMP) compilemessages
	@if [ -z "$$DATABASE_URL" ]; then echo "set DATABASE_URL=postgres://..."; exit 2; fi
	$(BIN)/pytest -n 2 -m "not browser"

browser: $(STAMP) compilemessages
	$(BIN)/pytest -m browser tests/browser -p no:xdist

# Benchmarks B1-B5 (issue #6; never part of `make test`). BENCH_SCALE=tiny|small|full (default
# small); BENCH_DATABASE_URL=postgres://... for PostgreSQL, else SQLite under var/.
# Writes bench/results/<date>-<vendor>.json and prints a table.
bench: $(STAMP)
	$(PYTHON) bench/run.py --scale $${BENCH_SCALE:-small}

# B1 roster import only
bench-import: $(STAMP)
	$(PYTHON) bench/run.py --scale $${BENCH_SCALE:-small} --only b1

# Console page weight and speed (issue #14): every list page at 100 rows and the start page, as
# city_admin on the demo database (`make demo` first, or DATABASE_URL); never part of `make test`.
bench-pages: $(STAMP)
	$(PYTHON) bench/pages.py

# Developer tools (need GNU gettext): extract strings into locale/*/LC_MESSAGES/django.po.
messages: $(STAMP)
	$(PYTHON) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var --ignore=tests \
	    --ignore=static --no-obsolete

# Re-pin after changing pyproject.toml dependencies.
lock: $(STAMP)
	$(PYTHON) -m pip freeze --exclude-editable > /tmp/gonghui-freeze.txt
	@echo "review /tmp/gonghui-freeze.txt and update requirements*.txt"

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
