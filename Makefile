# Two commands: `make run` serves the portal on 127.0.0.1:8000, `make test` runs the whole suite.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: run test lint messages system-deps clean

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

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .

# Rebuild the message catalogues after changing translatable strings (commit the results).
messages: $(VENV)/.installed
	$(PY) manage.py makemessages -l fr -l nl -l de --no-obsolete --ignore=.venv --ignore=node_modules --ignore=tests --ignore=benchmarks
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) node_modules .pytest_cache
