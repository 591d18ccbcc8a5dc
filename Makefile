# Oversight: `make demo` runs it on the embedded default; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
DEMO_ENV := env -u DATABASE_URL CELERY_TASK_ALWAYS_EAGER=true
# The real 2021/22 registry when the shared ODS files sit beside the repository; else synthetic.
DEMO_ODS := $(if $(wildcard ../shared/data/ods-2022/etr.csv),--ods ../shared/data/ods-2022)
# Parallel checkouts on one machine keep apart by choosing their own database and Redis number.
TEST_DB ?= oversight
TEST_REDIS_DB ?= 15
TEST_ENV := DATABASE_URL=postgres://postgres@127.0.0.1:5432/$(TEST_DB) \
	CELERY_BROKER_URL=redis://127.0.0.1:6379/$(TEST_REDIS_DB) \
	CELERY_TASK_ALWAYS_EAGER=false \
	CHROMIUM=$(CHROMIUM)

.PHONY: demo test lint typecheck pytest static services chromium install clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "make: $(PYTHON) is needed" >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(STAMP)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

static/vendor/nhsuk/.built: node_modules/.package-lock.json scripts/build-static.mjs
	npm run --silent build
	touch $@

static: $(STAMP) static/vendor/nhsuk/.built
	$(BIN)/python manage.py collectstatic --noinput -v0

chromium:
	@test -x $(CHROMIUM) || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

demo: static
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput -v0
	$(DEMO_ENV) $(BIN)/python manage.py demo_data $(DEMO_ODS)
	@echo "Oversight: open http://127.0.0.1:8000 and log in with one of the accounts above."
	$(DEMO_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

services: $(STAMP)
	@$(TEST_ENV) $(BIN)/python scripts/check_services.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache --no-logo

typecheck: $(STAMP)
	$(BIN)/mypy .

pytest: $(STAMP) static chromium services
	@# One whole suite at a time on this machine: side-by-side checkouts queue rather than share
	@# two cores, where the browser tests' timeouts would make them flaky.
	$(TEST_ENV) flock /tmp/oversight-make-test.lock $(BIN)/pytest --create-db

test: lint typecheck pytest

clean:
	rm -rf $(VENV) node_modules static/vendor staticfiles db.sqlite3 test-artifacts
