# Two commands on a fresh machine: `make run` (demo end to end) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEMO_PERSONS ?= 20000
DEMO_SEED    ?= 42
DEMO_DATE    ?= 2026-11-15

.PHONY: run test test-pandas3 check lab venv demo-data clean-runs

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

# The test extra (pytest, hypothesis, nbval, ruff, mypy): only `make test`/`make check` need it.
$(VENV)/.test-extra: $(BIN)/clientela
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	@touch $@

# The lab extra (JupyterLab) for analysts who open the notebooks.
$(VENV)/.lab-extra: $(BIN)/clientela
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[lab]'
	@touch $@

lab: $(VENV)/.lab-extra demo-data
	$(BIN)/jupyter lab notebooks/

data/raw/sources.yaml: | $(BIN)/clientela
	$(BIN)/clientela generate --persons $(DEMO_PERSONS) --seed $(DEMO_SEED) --as-of $(DEMO_DATE) --out data/raw

demo-data: data/raw/sources.yaml

run: $(BIN)/clientela demo-data
	$(BIN)/clientela run --set truth_path=data/raw/truth/records.csv --set reference_date=$(DEMO_DATE)

# The notebooks' default parameters run on the demo data, so nbval needs it too.
test: $(VENV)/.test-extra $(VENV)/.spark-extra demo-data check
	$(BIN)/python -m pytest

# pandas 3 in a second venv (constraints.txt pins pandas 2.x for .venv): the same install with
# the pandas pin swapped for pandas>=3,<4, then the unit tests in tests/ only. The notebook runs
# (nbval, addopts' --nbval-lax) are left out to keep it short; the end-to-end tests in tests/
# still run the pipeline. Not part of `make test`.
VENV_PD3 := .venv-pandas3
$(VENV_PD3)/.installed: pyproject.toml constraints.txt
	@test -x $(VENV_PD3)/bin/python || $(PYTHON) -m venv $(VENV_PD3)
	grep -v '^pandas==' constraints.txt > $(VENV_PD3)/constraints.txt
	$(VENV_PD3)/bin/python -m pip install --quiet --disable-pip-version-check -c $(VENV_PD3)/constraints.txt -e '.[test]' 'pandas>=3,<4'
	@touch $@

test-pandas3: $(VENV_PD3)/.installed
	$(VENV_PD3)/bin/python -m pytest -o addopts="" -q -x tests

# Lint, format and types: the same rules for everyone, checked before the tests.
check: $(VENV)/.test-extra
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

clean-runs:
	rm -rf data/processed/[0-9]* data/processed/latest data/processed/interactive reports
