# Kervan — `make help` lists the targets.
SHELL := /bin/bash
VENV := .venv/bin
FLASK := $(VENV)/flask --app wsgi
PORT ?= 5000

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

.PHONY: setup
setup: ## Create .venv, install requirements, compile translations
	@scripts/setup.sh

.PHONY: run
run: setup migrate seed ## Run Kervan on http://127.0.0.1:5000 (SQLite, no Redis) with demo data
	$(FLASK) serve --port $(PORT)

.PHONY: test
test: setup ## Run the whole test suite (set DATABASE_URL/REDIS_URL to use PostgreSQL/Redis)
	@scripts/system-deps.sh
	$(VENV)/pytest -q $(PYTEST_ARGS)

.PHONY: bench
bench: setup ## Run the benchmarks in tests/benchmarks and print their figures
	@scripts/bench-deps.sh
	$(VENV)/python -m tests.benchmarks

.PHONY: lint
lint: setup ## ruff check
	$(VENV)/ruff check .

.PHONY: fmt
fmt: setup ## ruff format and fix
	$(VENV)/ruff check --fix .
	$(VENV)/ruff format .

.PHONY: migrate
migrate: setup ## Apply the Alembic migrations to DATABASE_URL (default: instance/kervan.sqlite3)
	$(FLASK) db upgrade

.PHONY: seed
seed: setup ## Load the demo tenants and users (idempotent)
	$(FLASK) seed-demo

.PHONY: translations
translations: setup ## Re-extract UI strings and update the Turkish catalog
	$(VENV)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ --sort-output --project Kervan -o app/translations/messages.pot .
	$(VENV)/pybabel update -i app/translations/messages.pot -d app/translations -l tr --no-fuzzy-matching
