# The two commands: `make run` (set up and serve with demo data) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
HOST ?= 127.0.0.1
export FLASK_APP := app

.PHONY: run dev test translations messages bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@ $(VENV)/.installed

## Compile the translation catalogs (the .mo files are built, never committed).
translations: $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d portal/translations

## Set up, migrate, seed the demo street on first start, and serve with gunicorn on http://$(HOST):$(PORT)
## (WEB_WORKERS / WEB_THREADS; see deploy/gunicorn.conf.py).
run: $(VENV)/.installed translations
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --if-empty
	HOST=$(HOST) PORT=$(PORT) exec $(BIN)/gunicorn --config deploy/gunicorn.conf.py app:app

## The same, served by Flask's development server with the reloader and debugger.
dev: $(VENV)/.installed translations
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --if-empty
	$(BIN)/flask run --debug --host $(HOST) --port $(PORT)

## The suite's databases, throwaway PostgreSQL clusters, browser profiles and files live in memory where the
## machine has it (/dev/shm): on a virtual disk the same suite spends about half its time waiting on writes.
TEST_TMPDIR ?= $(shell [ -d /dev/shm ] && [ -w /dev/shm ] && echo /dev/shm || echo $${TMPDIR:-/tmp})

## Run the whole suite (SQLite, PostgreSQL, Chromium, nginx, Redis, hostile input and the frozen-clock
## leg; see tests/conftest.py) on every core (TEST_WORKERS), naming the ten slowest tests. Bytecode is written
## even where the environment says not to (PYTHONDONTWRITEBYTECODE): the servers the suite starts then read the
## portal compiled, and a second run reads the tests as pytest rewrote them.
TEST_WORKERS ?= auto
test: $(VENV)/.installed-dev translations
	TMPDIR=$(TEST_TMPDIR) PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup --durations=10 $(PYTEST_ARGS)

## After changing user-visible text: extract the messages and merge them into the catalogs.
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l --ignore-dirs=".* __pycache__" --no-location -o portal/translations/messages.pot portal templates
	$(BIN)/pybabel update -i portal/translations/messages.pot -d portal/translations --no-fuzzy-matching --ignore-obsolete

## Benchmarks of the hot pages (see bench/README.md).
bench: $(VENV)/.installed-dev translations
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache
