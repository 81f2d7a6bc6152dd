# Every target creates .venv if missing and installs the package (with its test extra) into it.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck contracts docs unit bench bench-shop clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m draftorders demo

lint: $(STAMP)
	$(BIN)/ruff check src tests examples benchmarks
	$(BIN)/ruff format --check src tests examples benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

contracts: $(STAMP)
	$(BIN)/lint-imports

unit: $(STAMP)
	$(BIN)/pytest

# The docs site (mkdocs.yml), warnings as errors; quiet unless it fails. (Not --quiet: it hides
# the warnings from --strict too, and the build passes.)
docs: $(STAMP)
	@mkdir -p build
	@NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir build/site >build/docs.log 2>&1 \
		|| { cat build/docs.log; exit 1; }

test: lint typecheck contracts docs unit

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py

# Eight worker processes on one database (PostgreSQL and SQLite): races and throughput.
bench-shop: $(STAMP)
	$(BIN)/python benchmarks/shop.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
