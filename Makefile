# Two commands: `make run` serves the portal on 127.0.0.1:8000, `make test` runs the whole suite.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: run test stack-test lint audit fuzz messages system-deps clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PIP) install -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(VENV)/bin/python
	$(PIP) install -e ".[dev]"
	touch $(VENV)/.installed $@

# A stable development secret key in .env (never committed), so sessions survive restarts.
.env:
	@echo "DEBUG=1" > .env
	@echo "SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" >> .env
	@echo "Wrote .env for development (DEBUG=1, random SECRET_KEY)."

run: $(VENV)/.installed .env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:8000

# Debian packages the tests drive for real: SoftHSM2 (stand-in eID card), Chromium (browser
# tests), gettext (message catalogues). Installed with apt-get when missing.
system-deps:
	@scripts/ensure-system-packages

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

test: $(VENV)/.installed-dev system-deps node_modules/.installed
	$(PY) -m pytest

# The scale-out test: nginx, two gunicorn app servers, the Celery worker and beat, from deploy/,
# against PostgreSQL (database csam_stack) and Redis (database 14) on 127.0.0.1; under a minute.
stack-test: $(VENV)/.installed-dev system-deps
	scripts/stack-test

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .

# Security checks. bandit, then ruff's bandit rules (S, which honour a reason on the line), on the
# portal's code; accepted findings are explained in pyproject.toml under [tool.bandit]. Then
# pip-audit on every installed package, pinned as installed, against PyPI's advisory data
# (PIP_AUDIT_SERVICE=osv for the OSV database). It runs --strict: a package it could not look up
# (no network, an index without advisory data) fails the run, so a pass means every one was checked.
PIP_AUDIT_SERVICE ?= pypi
audit: $(VENV)/.installed-dev
	$(VENV)/bin/bandit -c pyproject.toml -r . -q
	$(VENV)/bin/ruff check --select S .
	$(PIP) freeze --exclude-editable > $(VENV)/audit-requirements.txt
	$(VENV)/bin/pip-audit --strict --no-deps --disable-pip --progress-spinner off \
		--vulnerability-service $(PIP_AUDIT_SERVICE) --requirement $(VENV)/audit-requirements.txt

# The fuzz tests (API, number validators, CSV import, certificates) with fifty times the suite's
# budget and fresh random input on every run; `make test` runs them with a small fixed budget.
fuzz: $(VENV)/.installed-dev
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest tests/fuzz

# Rebuild the message catalogues after changing translatable strings (commit the results).
messages: $(VENV)/.installed
	$(PY) manage.py makemessages -l fr -l nl -l de --no-obsolete --ignore=.venv --ignore=node_modules --ignore=tests --ignore=benchmarks --ignore=examples
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) node_modules .pytest_cache
