# Two commands on a fresh machine: `make run` (demo end to end) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEMO_PERSONS ?= 20000
DEMO_SEED    ?= 42
DEMO_DATE    ?= 2026-11-15

.PHONY: run test venv demo-data clean-runs

# The venv is rebuilt when the dependencies change; constraints.txt pins every version.
$(BIN)/clientela: pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e .
	@touch $@

venv: $(BIN)/clientela

# The Spark extra (pyspark; Java 17 runs it) for the Spark backend and its test.
$(VENV)/.spark-extra: $(BIN)/clientela
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[spark]'
	@touch $@

data/raw/sources.yaml: | $(BIN)/clientela
	$(BIN)/clientela generate --persons $(DEMO_PERSONS) --seed $(DEMO_SEED) --as-of $(DEMO_DATE) --out data/raw

demo-data: data/raw/sources.yaml

run: $(BIN)/clientela demo-data
	$(BIN)/clientela run --set truth_path=data/raw/truth/records.csv --set reference_date=$(DEMO_DATE)

# The notebooks' default parameters run on the demo data, so nbval needs it too.
test: $(BIN)/clientela $(VENV)/.spark-extra demo-data
	$(BIN)/python -m pytest

clean-runs:
	rm -rf data/processed/[0-9]* data/processed/latest data/processed/interactive reports
