# The two commands a new machine needs: `make run` (the portal with demo data) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
DEMO_ACTIVITIES ?= 150
# `make test` runs against real PostgreSQL and Redis (the defaults below are this machine's local services).
TEST_DATABASE_URL ?= $(if $(DATABASE_URL),$(DATABASE_URL),postgres://root@127.0.0.1:5432/selec)
TEST_REDIS_URL ?= $(if $(REDIS_URL),$(REDIS_URL),redis://127.0.0.1:6379/15)

.PHONY: install run test lint check-migrations pytest worker clean

$(VENV)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

run: install
	PORT=$(PORT) DEMO_ACTIVITIES=$(DEMO_ACTIVITIES) scripts/run-dev

lint: install
	$(VENV)/bin/ruff check .

check-migrations: install
	DJANGO_SETTINGS_MODULE=selec_portal.settings_test $(PY) manage.py makemigrations --check --dry-run

pytest: install
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) PORTAL_REQUIRE_SERVICES=1 DATABASE_CONN_MAX_AGE=0 \
		$(VENV)/bin/pytest $(PYTEST_ARGS)

test: lint check-migrations pytest

clean:
	rm -rf var/celery var/staticfiles .pytest_cache
