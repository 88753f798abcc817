# Entry points: `make run` runs the whole system, `make test` runs the whole suite.
# Both set up everything first (virtualenv, local stack, migrations, Kafka topics) and are safe to repeat.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
# Python 3.13: the newest one pyenv installed, else a working python3.13 on PATH.
PYTHON313 ?= $(shell ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.13*/bin/python3.13 2>/dev/null | sort -V | tail -n 1 \
	|| true)
ifeq ($(PYTHON313),)
PYTHON313 := $(shell python3.13 -c 'import sys; print(sys.executable)' 2>/dev/null)
endif

.PHONY: help
help:
	@echo "make run     set everything up and run the whole system in the foreground, restarting what exits (Ctrl-C stops it)"
	@echo "make test    set everything up and run the full test suite and lint"
	@echo "make test-quick   the suite without the slow tests (processes, faults, real time)"
	@echo "make lint    ruff, mypy (strict, django-stubs) and import-linter"
	@echo "make stack   start PostgreSQL, Redis and Kafka (scripts/stack up); 'make stack-down' stops them"
	@echo "make bench   run the benchmarks in bench/ (prints figures)"
	@echo "make token USER=<id> [ROLE=admin] [TTL=3600]   print a local HS256 token for a user (curl)"

$(STAMP): pyproject.toml
	@test -n "$(PYTHON313)" || { echo "Python 3.13 not found (pyenv install 3.13)"; exit 1; }
	$(PYTHON313) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

.PHONY: venv
venv: $(STAMP)

.PHONY: stack
stack:
	scripts/stack up

.PHONY: stack-down
stack-down:
	scripts/stack down

# Random local secrets (DJANGO_SECRET_KEY, BETTER_AUTH_SECRET) generated once into .env (git-ignored, 0600).
.PHONY: local-env
local-env: venv
	@$(PY) scripts/local_env.py

.PHONY: setup
setup: venv stack local-env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py kafka_topics

.PHONY: run
run: setup
	@echo
	@echo "API          http://127.0.0.1:8000/api/docs/   (health: /health/ready; metrics: 127.0.0.1:9110-9119, relay 9101)"
	@echo "A token for curl: make -s token USER=<user id>"
	@echo "Django admin http://127.0.0.1:8000/admin/      (create a login: .venv/bin/python manage.py createsuperuser)"
	@echo "Flower       http://127.0.0.1:5555/"
	@echo
	$(PY) scripts/supervise.py Procfile

.PHONY: lint
lint: venv local-env
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports

.PHONY: test
test: venv stack local-env
	$(VENV)/bin/pytest
	$(MAKE) --no-print-directory lint

# The quick subset while developing: everything but the tests that start processes or wait on real time.
.PHONY: test-quick
test-quick: venv stack local-env
	$(VENV)/bin/pytest -m "not slow"

# USER must be given on the command line: make would otherwise take the login name from the environment.
.PHONY: token
token: venv local-env
	@test "$(origin USER)" = "command line" || { echo "usage: make token USER=<user id> [ROLE=admin] [TTL=3600]"; exit 2; }
	@$(PY) manage.py mint_token '$(USER)' $(if $(ROLE),--role '$(ROLE)') --ttl $(or $(TTL),3600)

.PHONY: format
format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

.PHONY: bench
bench: setup
	@for script in bench/*.py; do echo "== $$script"; $(PY) $$script || exit 1; done
