# newsarchive: `make run` serves the app, `make test` runs the whole suite (lint included).
# Without DATABASE_URL both use an embedded PostgreSQL in .pgdata/ (stopped by `make stop`).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
# Where to listen; both can come from the environment (`PORT=8123 make run`).
HOST ?= 127.0.0.1
PORT ?= 8000
# gunicorn's own variable: the number of web worker processes of `make serve`.
WEB_CONCURRENCY ?= 2

.PHONY: install db migrate demo static run serve worker stop lint format test test-unit test-e2e bench clean

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "newsarchive needs Python 3.11 or newer")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@# pip 23 (the machines' own) fails to resolve lxml[html_clean] asked for by two packages: a newer pip first.
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade 'pip>=24'
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP)

db: install
	@$(PY) -m newsarchive.db ensure

migrate: db
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo

# Hashed, gzipped static files for whitenoise; only new or changed files cost anything.
static: install
	@$(PY) manage.py collectstatic --noinput --verbosity 0

run: demo static
	@$(PY) manage.py ensure_admin --url http://$(HOST):$(PORT)/
	@echo "Serving on http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/; Ctrl-C to stop)"
	@# One job worker (background imports, periodic cache refresh) beside the web server, stopped with it.
	@$(PY) manage.py procrastinate worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

# Production: gunicorn with WEB_CONCURRENCY workers (see README "Deploying"); no demo data, no admin account.
serve: migrate static
	@echo "Serving with gunicorn on http://$(HOST):$(PORT)/ ($(WEB_CONCURRENCY) workers; Ctrl-C to stop)"
	$(PY) -m newsarchive.processes --bind $(HOST):$(PORT) --workers $(WEB_CONCURRENCY)

# A job worker alone (another terminal or machine: it needs only DATABASE_URL and the code).
worker: migrate
	$(PY) manage.py procrastinate worker

stop:
	@$(PY) -m newsarchive.db stop

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: lint db
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest tests --ignore=tests/e2e
	$(PY) -m pytest tests/e2e

test-unit: db
	$(PY) -m pytest tests --ignore=tests/e2e

test-e2e: db
	$(PY) -m pytest tests/e2e

bench: migrate
	$(PY) bench/extraction.py
	$(PY) bench/import.py
	$(PY) bench/api.py
	$(PY) bench/ui.py

clean: stop
	rm -rf $(VENV) .pgdata staticfiles
