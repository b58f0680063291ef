# govapp: two commands from a fresh clone (Python 3.11+ and make):
#   make demo   install, migrate, load demo data, serve on http://127.0.0.1:8000 (PORT= overrides)
#   make test   the whole test suite (DATABASE_URL= selects PostgreSQL)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PYTEST_ARGS ?= -n 2

.PHONY: demo test install install-dev lint format typecheck check bench clean messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# An editable install leaves no bytecode: compile it once, so that the first start (govapp scan, the
# scanner's start-up) does not compile every module (see docs/scanner.md, "Speed").
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	$(BIN)/python -m compileall -q src/govapp
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/python -m compileall -q src/govapp
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

demo: $(VENV)/.installed
	PORT=$(PORT) $(BIN)/govapp demo

test: $(VENV)/.installed-dev
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

check: lint typecheck
	$(BIN)/lint-imports
	$(BIN)/govapp makemigrations --check --dry-run

messages: $(VENV)/.installed-dev
	cd src/govapp && ../../$(BIN)/govapp compilemessages --ignore=.venv

bench: $(VENV)/.installed-dev
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/bench_scanner.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
