# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT
# The one address every process puts in links (e-mails, PDFs). Not derived from PORT inside the processes:
# honcho gives each its own PORT (web $(PORT), worker $(PORT)+100, beat $(PORT)+200).
SITE_URL ?= http://localhost:$(PORT)
RUN_SETTINGS ?= eservice.settings.local

# Dependencies are installed from lock files with hashes; `make lock` refreshes them after pyproject.toml changes.
# requirements.lock: what the image runs; requirements-dev.lock: that plus the dev tools (make venv, CI).
UV_VERSION := 0.13.9
UV ?= $(BIN)/uv
LOCK_FLAGS := --universal --python-version 3.11 --generate-hashes --quiet

.PHONY: run start test venv lock migrate seed lint format messages benchmark clean

$(BIN)/.installed: requirements-dev.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

venv: $(BIN)/.installed

## Re-resolve both lock files from pyproject.toml (the runtime lock keeps the dev lock's versions).
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test -x $(UV) || $(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"
	$(UV) pip compile pyproject.toml --extra dev $(LOCK_FLAGS) -o requirements-dev.lock
	$(UV) pip compile pyproject.toml -c requirements-dev.lock $(LOCK_FLAGS) -o requirements.lock

migrate: venv
	mkdir -p var/mail var/media
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py compilemessages --ignore=.venv --verbosity 0

seed: migrate
	$(BIN)/python manage.py seed_demo

## Start web, Celery worker and beat on the embedded defaults (SQLite, filesystem broker, mail to files).
run: seed
	@echo ""
	@echo "  Open $(SITE_URL)/  (Ctrl-C stops web, worker and beat)"
	@echo ""
	@$(MAKE) --no-print-directory start

## What `make run` ends with, without the set-up steps: web, worker and beat sharing one SITE_URL.
start:
	DJANGO_SETTINGS_MODULE=$(RUN_SETTINGS) SITE_URL=$(SITE_URL) $(BIN)/honcho start -f Procfile

## Run the whole test suite (services-dependent tests skip unless REQUIRE_SERVICES=1).
test: venv
	$(BIN)/python manage.py compilemessages --ignore=.venv --verbosity 0
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Refresh the translation catalogues after changing user-facing strings.
messages: venv
	for lang in lv en ru; do $(BIN)/python manage.py makemessages -l $$lang --ignore=.venv --ignore=var --no-obsolete; \
	  $(BIN)/python manage.py makemessages -d djangojs -l $$lang --ignore=.venv --ignore=var --ignore=static/vendor --no-obsolete; done
	$(BIN)/python manage.py compilemessages --ignore=.venv

## The benchmark suite → benchmarks/REPORT.md. The back-office benchmarks need PostgreSQL and Redis:
## make benchmark BENCH_DATABASE_URL=postgres://… BENCH_BROKER_URL=redis://… (see README.md).
benchmark: venv
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) BENCH_BROKER_URL=$(BENCH_BROKER_URL) $(BIN)/python benchmarks/run.py

clean:
	rm -rf var/
