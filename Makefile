# Two commands for a newcomer on a fresh machine with only python3:
#   make demo   seed a synthetic exchange into embedded DuckDB and run every campaign day through Dagster
#   make test   run the test suite (PostgreSQL tests included: they need 127.0.0.1:5432)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast lint format install lock dev bench clean

# requirements.lock pins every package (transitive ones too) to the versions CI last passed with;
# pyproject.toml keeps the ranges library users get. `make lock` re-resolves it from the ranges.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[test]'
	touch $(STAMP)

lock:
	rm -rf .riskflows/lock-venv && $(PYTHON) -m venv .riskflows/lock-venv
	.riskflows/lock-venv/bin/python -m pip install --quiet --upgrade pip
	.riskflows/lock-venv/bin/python -m pip install --quiet '.[test]'
	( echo "# Every package riskflows installs, pinned: make install uses it as constraints (pip -c)."; \
	  echo "# Regenerate from pyproject.toml's ranges with: make lock"; \
	  .riskflows/lock-venv/bin/python -m pip freeze --exclude riskflows ) > requirements.lock
	rm -rf .riskflows/lock-venv

install: $(STAMP)

demo: $(STAMP)
	DAGSTER_HOME=$${DAGSTER_HOME:-$(CURDIR)/.riskflows/dagster_home} $(BIN)/riskflows demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

# The fast tier: everything but the tests that drive whole pipelines through Dagster (CI runs all).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not pipeline"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

dev: $(STAMP)
	mkdir -p .riskflows/dagster_home
	DAGSTER_HOME=$${DAGSTER_HOME:-$(CURDIR)/.riskflows/dagster_home} $(BIN)/dagster dev -w workspace.yaml

bench: $(STAMP)
	$(BIN)/riskflows bench --size $(or $(SIZE),S) --engine $(or $(ENGINE),duckdb)

clean:
	rm -rf .riskflows
