# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT

.PHONY: run test venv migrate seed lint format messages benchmark clean

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

venv: $(BIN)/.installed

migrate: venv
	mkdir -p var/mail var/media
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py compilemessages --ignore=.venv --verbosity 0

seed: migrate
	$(BIN)/python manage.py seed_demo

## Start web, Celery worker and beat on the embedded defaults (SQLite, filesystem broker, mail to files).
run: seed
	@echo ""
	@echo "  Open http://localhost:$(PORT)/  (Ctrl-C stops web, worker and beat)"
	@echo ""
	$(BIN)/honcho start -f Procfile

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

benchmark: venv
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf var/
