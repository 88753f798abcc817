# Entry points: `make run` runs the whole system, `make test` runs the whole suite.
# Both set up everything first (virtualenv, local stack, migrations, Kafka topics) and are safe to repeat.
# `make test` stops and restarts the machine's shared PostgreSQL, Redis and Kafka in some tests (marked
# `stops_services`): never run it next to `make run`, `make bench` or another `make test`.

SHELL := /bin/bash
.DEFAULT_GOAL := help
# Next.js would otherwise report anonymous usage to its makers: nothing here calls a third-party host.
export NEXT_TELEMETRY_DISABLED := 1

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
	@echo "make observe 'make run' with Prometheus (http://127.0.0.1:9090/) scraping every process and traces in Zipkin"
	@echo "             (http://127.0.0.1:9411/zipkin/); scripts/prometheus.sh down and scripts/zipkin.sh down stop them"
	@echo "make test    set everything up and run the full test suite and lint; it stops and restarts the"
	@echo "             shared PostgreSQL, Redis and Kafka: not while 'make run' or a benchmark uses them"
	@echo "make test-fast   the unit and API tests only: no subprocess, no service stopped (safe next to 'make run')"
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

# --- The browser UI (frontend/): dependencies from the committed lock, a production build when sources change.
UI := frontend
UI_STAMP := $(UI)/node_modules/.installed-stamp
UI_SOURCES := $(shell find $(UI)/src $(UI)/public -type f 2>/dev/null) $(wildcard $(UI)/*.ts $(UI)/*.mjs $(UI)/*.json)

$(UI_STAMP): $(UI)/package-lock.json
	cd $(UI) && npm ci --no-audit --no-fund --loglevel=error
	touch $(UI_STAMP)

.PHONY: ui-deps
ui-deps: $(UI_STAMP)

$(UI)/.next/BUILD_ID: $(UI_STAMP) $(UI_SOURCES)
	cd $(UI) && npm run --silent build

.PHONY: ui-build
ui-build: $(UI)/.next/BUILD_ID

.PHONY: setup
setup: venv stack local-env ui-deps
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py kafka_topics
	cd $(UI) && npm run --silent migrate:auth

# The API trusts the UI's keys (Better Auth's JWKS) unless told otherwise.
.PHONY: run
run: export JWKS_URL ?= http://127.0.0.1:3000/api/auth/jwks
run: setup ui-build
	@echo
	@echo "Open         http://localhost:3000/   (the browser UI: sign up, then your tasks)"
	@echo "API          http://127.0.0.1:8000/api/docs/   (health: /health/ready)"
	@echo "Metrics      127.0.0.1: web 9110-9119, relay 9101, live 9102, bridges 9103-9105, workers 9120-9122, beat 9123"
	@echo "A token for curl: make -s token USER=<user id>"
	@echo "Django admin http://127.0.0.1:8000/admin/      (create a login: .venv/bin/python manage.py createsuperuser)"
	@echo "Flower       http://127.0.0.1:5555/"
	@echo
	$(PY) scripts/supervise.py Procfile

# `make run` with Prometheus (Debian's package; scripts/prometheus.sh) scraping every process's metrics port
# (ops/prometheus/prometheus.yml) and evaluating the alert rules, and with tracing on: every process sends its
# spans to Zipkin (scripts/zipkin.sh). Like the stack, both keep running after Ctrl-C: `scripts/prometheus.sh
# down` and `scripts/zipkin.sh down` stop them.
.PHONY: observe
observe: export OTEL_TRACES_EXPORTER ?= zipkin_json
observe: export OTEL_EXPORTER_ZIPKIN_ENDPOINT ?= http://127.0.0.1:9411/api/v2/spans
observe:
	scripts/prometheus.sh up
	scripts/zipkin.sh up
	@echo "Prometheus   http://127.0.0.1:9090/   (graphs; targets: /targets; alerts: /alerts)"
	@echo "Zipkin       http://127.0.0.1:9411/zipkin/   (traces: service todo-api, or span 'smtp send')"
	$(MAKE) --no-print-directory run

.PHONY: lint
lint: venv local-env ui-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/python manage.py makemigrations --check --dry-run  # every model change has its migration
	cd $(UI) && npm run --silent typecheck && npm run --silent lint

# The UI's types must be those of the API's schema as it is now; its unit tests need no browser; the
# browser tests (tests/system/test_browser.py) run the built UI in Debian's Chromium.
.PHONY: test
test: venv stack local-env ui-build
	scripts/chromium.sh up
	scripts/prometheus.sh install
	cd $(UI) && npm run --silent check:api && npm test --silent
	$(VENV)/bin/pytest
	$(MAKE) --no-print-directory lint

# While developing: the tests that start no subprocess (marked `processes`, tests/conftest.py), so none of
# those that stop services either; unit and API tests against the real PostgreSQL (Kafka and Redis only
# where a test uses them from its own process). The suite's own database, Redis database and topics.
.PHONY: test-fast
test-fast: venv stack local-env
	$(VENV)/bin/pytest -m "not processes"

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
