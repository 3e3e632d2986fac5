# access15 — two commands from a fresh clone:  make demo  |  make test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
OUT    ?= out/demo

.PHONY: setup demo test lint format sample bench notebooks clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "access15 needs Python >= 3.11; run e.g. make PYTHON=python3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)  ## create .venv and install access15 with test/dev tools

demo: $(STAMP)  ## run the full pipeline on the bundled synthetic sample county
	$(BIN)/access15 demo --out $(OUT)

test: $(STAMP)  ## run the test suite (offline)
	$(BIN)/python -m pytest -q

lint: $(STAMP)  ## the CI gates: ruff (rules + format), mypy on src/, package layering
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/ruff format --check src tests benchmarks tools
	$(BIN)/mypy src
	$(BIN)/python tools/layout.py

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks tools
	$(BIN)/ruff check --fix src tests benchmarks tools

sample: $(STAMP)  ## regenerate data/sample and data/boundaries (byte-identical)
	$(BIN)/python -m access15.datasets.sample

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

notebooks: $(STAMP)  ## execute the tutorial notebooks into out/notebooks/ (committed ones untouched)
	$(BIN)/python notebooks/run.py --out out/notebooks

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache
