# binnenstad: `make demo` and `make test` set everything up on a fresh machine.
# Python 3.12 is required (Mesa 3.5). Override with `make PYTHON=/path/to/python3.12 ...`.
PYTHON ?= $(shell for p in python3.12 $$HOME/.pyenv/versions/3.12*/bin/python3.12 /usr/bin/python3.12; do \
	$$p -c 'import sys; assert sys.version_info[:2] == (3, 12)' >/dev/null 2>&1 && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --disable-pip-version-check -q

.PHONY: demo test bench lint clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "error: python3.12 not found; run 'make PYTHON=/path/to/python3.12 ...'" >&2; exit 2; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.core: pyproject.toml | $(BIN)/python
	$(PIP) -e .
	@touch $@

# The demo's report comes with its tables as an Excel workbook (extra 'excel': openpyxl).
$(VENV)/.report: pyproject.toml $(VENV)/.core
	$(PIP) -e '.[excel]'
	@touch $@

# One pip run for the core and the test tools (a second run costs some 10 s of resolving).
$(VENV)/.dev: pyproject.toml | $(BIN)/python
	$(PIP) -e '.[dev]'
	@touch $(VENV)/.core $@

# The planner's what-if: the recovery agenda and two of its instruments against doing nothing,
# 10 paired replications each (a few minutes on 2 cores); prints the path of report.html
# (in Dutch; add --lang en for English).
demo: $(VENV)/.report
	$(BIN)/binnenstad compare scenarios/baseline.yaml scenarios/agenda.yaml \
		scenarios/events_programme.yaml scenarios/transformation_subsidy.yaml \
		--replications 10 --out results/demo

test: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 2 --dist loadfile

bench: $(VENV)/.core
	$(BIN)/python benchmarks/bench.py
	$(BIN)/python benchmarks/bench_cli.py
	$(BIN)/python benchmarks/bench_scaling.py --quick --no-figure
	$(PIP) -e '.[cluster]' && $(BIN)/python benchmarks/bench_experiments.py
	$(PIP) -e '.[calibration]' && $(BIN)/python benchmarks/bench_calibrate.py

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) results .pytest_cache .ruff_cache
