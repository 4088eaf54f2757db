# Two commands for a newcomer on a fresh machine with only python3:
#   make demo   seed a synthetic exchange into embedded DuckDB and run every campaign day through Dagster
#   make test   run the test suite (PostgreSQL tests included: they need 127.0.0.1:5432)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install dev bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	DAGSTER_HOME=$${DAGSTER_HOME:-$(CURDIR)/.riskflows/dagster_home} $(BIN)/riskflows demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

dev: $(STAMP)
	mkdir -p .riskflows/dagster_home
	DAGSTER_HOME=$${DAGSTER_HOME:-$(CURDIR)/.riskflows/dagster_home} $(BIN)/dagster dev -w workspace.yaml

bench: $(STAMP)
	$(BIN)/riskflows bench --size $(or $(SIZE),S) --engine $(or $(ENGINE),duckdb)

clean:
	rm -rf .riskflows
