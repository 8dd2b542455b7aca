# Two commands on a fresh machine with Python 3.11:  `make demo`  and  `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint typecheck unit bench serve clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)  ## run the demo control room on the embedded default (SQLite + in-process bus)
	$(BIN)/hifazat demo

test: $(STAMP)  ## lint, type-check, then the whole suite on SQLite and again on PostgreSQL
	bash scripts/test.sh

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q -m "not integration and not browser"

bench: $(STAMP)
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

serve: $(STAMP)
	$(BIN)/hifazat serve

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
