# Oversight: `make demo` runs it on the embedded default; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
# Settings without environment are the production profile (DEBUG off, SECRET_KEY and
# DATABASE_URL required). The demo's development values live in .env.local (git-ignored), which
# the settings read for whatever the environment leaves unset; so does `manage.py` afterwards.
LOCAL_ENV := .env.local
DEMO_ENV := env -u DATABASE_URL -u DEBUG -u SECRET_KEY -u CELERY_TASK_ALWAYS_EAGER OVERSIGHT_ENV_FILE=$(CURDIR)/$(LOCAL_ENV)
# collectstatic and mypy's Django plugin only read the settings: this key never signs anything,
# this database is never opened.
TOOL_ENV := DEBUG=true SECRET_KEY=tools-only-never-used-for-signing \
	DATABASE_URL=sqlite:///$(CURDIR)/db.sqlite3 OVERSIGHT_ENV_FILE=
# The real 2021/22 registry when the shared ODS files sit beside the repository; else synthetic.
DEMO_ODS := $(if $(wildcard ../shared/data/ods-2022/etr.csv),--ods ../shared/data/ods-2022)
# Parallel checkouts on one machine keep apart by choosing their own database and Redis number.
TEST_DB ?= oversight
TEST_REDIS_DB ?= 15
TEST_ENV := DEBUG=true SECRET_KEY=tests-only-never-used-outside-the-test-suite OVERSIGHT_ENV_FILE= \
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/$(TEST_DB) \
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
	$(TOOL_ENV) $(BIN)/python manage.py collectstatic --noinput -v0

# Written once, kept: delete it to get a new secret key (and sign everyone out of the demo).
$(LOCAL_ENV):
	@umask 077 && printf '%s\n' \
		'# The development profile, written by `make demo` (git-ignored; never deploy with it).' \
		'DEBUG=true' \
		"SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
		'DATABASE_URL=sqlite:///$(CURDIR)/db.sqlite3' \
		'CELERY_TASK_ALWAYS_EAGER=true' > $@
	@echo "make: wrote $@ (the development settings manage.py reads from now on)"

chromium:
	@test -x $(CHROMIUM) || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

demo: static $(LOCAL_ENV)
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
	$(TOOL_ENV) $(BIN)/mypy .

pytest: $(STAMP) static chromium services
	@# One whole suite at a time on this machine: side-by-side checkouts queue rather than share
	@# two cores, where the browser tests' timeouts would make them flaky.
	$(TEST_ENV) flock /tmp/oversight-make-test.lock $(BIN)/pytest --create-db

test: lint typecheck pytest

clean:
	rm -rf $(VENV) node_modules static/vendor staticfiles db.sqlite3 test-artifacts $(LOCAL_ENV)
