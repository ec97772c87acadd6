# The two set-up commands of README.md: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: install run test bench clean

$(BIN)/seklik: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/seklik

# Starts every service against the local RabbitMQ on SQLite files, runs the demo, keeps running.
run: install
	SEKLIK_ENV=development PYTHONWARNINGS=ignore $(BIN)/seklik up --demo

# The whole suite: unit, service, and integration (real RabbitMQ and PostgreSQL).
test: install
	PYTHONWARNINGS=ignore $(BIN)/python -m pytest

bench: install
	PYTHONWARNINGS=ignore $(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache
